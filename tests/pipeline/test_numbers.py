"""Figures in a sentence (pipeline/numbers.py): what is a figure, its value and counted noun."""

import pytest

from newsmon.pipeline.numbers import figures, format_figure, parse_digits


def _read(sentence, language="en"):
    return [(f.value, f.value_max, f.unit, f.kind) for f in figures(sentence, language)]


@pytest.mark.parametrize(
    "sentence, expected",
    [
        # any counted noun, with its modifiers kept apart from the head
        ("About 5,000 North Korean engineers left.", [(5000, None, "engineers", "count")]),
        (
            "300 killed and 2,700 wounded",
            [(300, None, "killed", "count"), (2700, None, "wounded", "count")],
        ),
        ("3,000 casualties were counted.", [(3000, None, "casualties", "count")]),
        ("They hold 30 staff vacancies.", [(30, None, "vacancies", "count")]),
        ("four national security and diplomatic officials", [(4, None, "officials", "count")]),
        ("a fleet of roughly 400 737 Max jets", [(400, None, "jets", "count")]),
        (
            "Ten of the 18 staffers were on overtime.",
            [(10, None, "staffers", "count"), (18, None, "staffers", "count")],
        ),
        ("nearly 150 Indians returned", [(150, None, "Indians".lower(), "count")]),
        # ranges
        ("between 10,000 and 12,000 troops", [(10000, 12000, "troops", "count")]),
        ("vehicles contribute 40 to 80 percent", [(40, 80, "percent", "percentage")]),
        ("a 30-60 per cent chance", [(30, 60, "percent", "percentage")]),
        ("the $40-50 billion in purchases", [(40e9, 50e9, "USD", "money")]),
        ("a [0.6% to 0.7%] headwind", [(0.6, 0.7, "percent", "percentage")]),
        # changes are two figures, not a range
        (
            "fleet sales rose from 13.2 percent to 14.6 percent",
            [(13.2, None, "percent", "percentage"), (14.6, None, "percent", "percentage")],
        ),
        ("down by 30 to 126 jets", [(126, None, "jets", "count")]),
        # money, scale words, spelled-out and vague numbers
        ("valued at $8.8 billion", [(8.8e9, None, "USD", "money")]),
        (
            "raise up to $12.9bn (£10bn)",
            [(12.9e9, None, "USD", "money"), (10e9, None, "GBP", "money")],
        ),
        ("176 Hong Kong dollars", [(176, None, "HKD", "money")]),
        ("he spent Rs 24 lakh", [(2.4e6, None, "INR", "money")]),
        ("distributing 50 lakh masks", [(5e6, None, "masks", "count")]),
        ("nearly half a million dollars", [(5e5, None, "USD", "money")]),
        ("Seventy-eight percent of Americans", [(78, None, "percent", "percentage")]),
        ("nearly three dozen immigrants", [(36, None, "immigrants", "count")]),
        ("Several thousand teachers rallied.", [(1000, None, "teachers", "count")]),
        ("tens of thousands of galaxies", [(1e4, None, "galaxies", "count")]),
        # measures
        ("gusting at 55 mph", [(55, None, "mph", "measure")]),
        ("a 55-kilometer zone", [(55, None, "kilometer", "measure")]),
        ("a solid 60fps", [(60, None, "fps", "measure")]),
    ],
)
def test_figures_of_any_counted_thing(sentence, expected):
    assert _read(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "In 2024 the talks began.",  # a year
        "The hearing is on Nov. 18 at 10 a.m.",  # a date and a clock time
        "Noel, 31, was charged.",  # an age
        "The 55-year-old man and his 8-year-old girl",  # ages
        "He waited for two hours and three days.",  # durations
        "She finished 5th.",  # an ordinal
        "The bond rose 7/32 in price.",  # a fraction
        "Call 347-966-3806.",  # a phone number
        "A Boeing 787 and the Nikkei 225 after COVID-19",  # numbers in names
        "Union No. 1 went on strike.",  # a number in a name
        "The 777 program was delayed.",  # a number above one before a singular
        "At one point one of them left.",  # "one" that counts nothing
        "HD THE HOME DEPOT INC. 225.86 -12.99 -5.44%",  # a ticker line
        "They lost 24-17.",  # a score
    ],
)
def test_what_is_not_a_figure(sentence):
    assert figures(sentence) == []


def test_vague_quantities_are_flagged():
    (thousands,) = figures("Thousands of troops crossed.")
    (exact,) = figures("1,000 troops crossed.")
    assert (thousands.value, thousands.vague) == (1000, True)
    assert exact.vague is False


@pytest.mark.parametrize(
    "written, language, value",
    [
        ("5,000", "en", 5000),
        ("5,000.5", "en", 5000.5),
        ("5.000", "de", 5000),
        ("5.000,5", "de", 5000.5),
        ("2,5", "fr", 2.5),
        ("2.5", "de", 2.5),
        ("5,00", "en", None),  # not a number in English
    ],
)
def test_number_formats_follow_the_language(written, language, value):
    assert parse_digits(written, language) == value


def test_french_groups_by_spaces_and_german_capitalised_nouns_are_counted():
    assert _read("Il y a 5 000 soldats.", "fr") == [(5000, None, "soldats", "count")]
    assert _read("Die Armee schickte 5.000 Pioniere.", "de") == [(5000, None, "pioniere", "count")]
    # the same digits read the English way are a decimal number
    assert _read("5.000 engineers", "en") == [(5.0, None, "engineers", "count")]


def test_qualifiers_are_hedges():
    hedges = {f.value: f.hedges for f in figures(
        "At least 40 people died, up to 2,000 residents fled, about 300 soldiers stayed and "
            "more than 90 families hid."
    )}  # fmt: skip
    assert hedges == {40: ["at_least"], 2000: ["up_to"], 300: ["approximate"], 90: ["at_least"]}


def test_figures_are_written_as_readers_write_them():
    assert format_figure({"value": 8.8e9, "unit": "USD", "kind": "money"}) == "8.8 billion USD"
    assert format_figure({"value": 3.5, "unit": "percent", "kind": "percentage"}) == "3.5%"
    assert format_figure({"value": 1e4, "value_max": 1.2e4, "unit": "troops"}) == (
        "10,000–12,000 troops"
    )
    assert format_figure({"value": 1000, "unit": "teachers", "vague": True}) == "1,000+ teachers"
