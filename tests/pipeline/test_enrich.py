from newsmon.pipeline.enrich import (
    detect_language,
    enrich,
    entities_in,
    keywords_of,
    load_nlp,
    resolve_labels,
)
from newsmon.pipeline.gazetteer import Gazetteer
from newsmon.pipeline.models import Article, Entity


def test_language_of_english_german_russian():
    assert (
        detect_language(
            "North Korea is sending engineers and deminers to Russia, the spy agency said."
        )
        == "en"
    )
    assert (
        detect_language("Nordkorea schickt Tausende Pioniere und Minenräumer nach Russland.")
        == "de"
    )
    assert detect_language("Северная Корея направит саперов и инженеров в Россию.") == "ru"


def test_keywords_prefer_repeated_content_words_and_phrases():
    kws = keywords_of(
        "Deminers head to Kursk",
        "North Korean deminers arrived in Kursk. The deminers will clear minefields. "
        "North Korean engineers follow.",
    )
    assert kws[0] == "deminers"
    assert "north korean" in kws
    assert "the" not in kws


def test_entities_with_the_installed_spacy_model():
    nlp = load_nlp()
    assert nlp is not None, (
        "the test environment installs the spaCy model (requirements-nlp-model.txt)"
    )
    article = Article(
        id="x",
        url="u",
        canonical_url="u",
        source="s",
        source_name="s",
        title="Shoigu meets Kim Jong Un in Pyongyang",
        text="Sergei Shoigu met Kim Jong Un in Pyongyang. The National Intelligence "
        "Service in Seoul said 5,000 engineers would go to Russia.",
        fetched_at="2025-09-01T00:00:00Z",
    )
    (out,) = enrich([article], nlp)
    assert out.language == "en"
    assert "Kim Jong Un" in out.persons
    assert "Pyongyang" in out.places
    assert any("National Intelligence Service" in o for o in out.orgs)
    assert out.claims and out.claims[0].value == 5000


def _german(text):
    return Article(
        id="x",
        url="u",
        canonical_url="u",
        source="s",
        source_name="s",
        title="Nordkorea schickt Pioniere nach Russland",
        text=text,
        fetched_at="2025-09-01T00:00:00Z",
    )


def test_no_entities_for_languages_the_model_does_not_speak():
    article = _german(
        "Nordkorea hat nach Angaben des Geheimdienstes Tausende Pioniere nach Russland geschickt."
    )
    (out,) = enrich([article], load_nlp())
    assert out.language == "de"
    assert out.entities == [] and out.claims == []


def _labels(entities):
    return {e.text: e.label for e in entities}


def test_one_label_per_name_by_the_votes_of_its_mentions():
    mentions = [
        ("Grindavik", "ORG", "the", ""),
        ("Grindavik", "PERSON", "", "said"),
        ("Grindavik", "PERSON", "", "residents"),
    ]
    assert resolve_labels(mentions, "", None) == [Entity("Grindavik", "PERSON")]


def test_the_gazetteer_outvotes_a_guess_where_the_model_doubts_most():
    gaz = Gazetteer({"Gabon"}, {"Kaub": 1024, "Toyota": 420_000, "Jackson": 170_000})
    mentions = [
        ("Kaub", "PERSON", "at", ", a bottleneck"),  # a one-word "person" never named in full
        ("Gabon", "PERSON", "in", ""),  # a country
        ("Toyota", "ORG", "", "said"),  # an organisation with no locative word stays one
        ("Michael Jackson", "PERSON", "", ""),
        ("Jackson", "PERSON", "", "said"),  # a surname, not the city
    ]
    assert _labels(resolve_labels(mentions, "", gaz)) == {
        "Kaub": "GPE",
        "Gabon": "GPE",
        "Toyota": "ORG",
        "Michael Jackson": "PERSON",
        "Jackson": "PERSON",
    }
    # Without the gazetteer the model's label stands: the votes above came from it.
    assert _labels(resolve_labels(mentions, "", None))["Kaub"] == "PERSON"
    # A locative word, or a place noun after the name, is what turns an organisation into a place.
    near = resolve_labels([("Toyota", "ORG", "in", "")], "", gaz)
    assert near == [Entity("Toyota", "GPE")]
    assert resolve_labels([("Toyota", "ORG", "", "district ,")], "", gaz)[0].label == "GPE"


def test_an_organisations_descriptor_outvotes_the_other_mentions():
    mentions = [
        ("Veltrix", "GPE", "on", ", a provider of"),
        ("Veltrix", "GPE", "\n", "'s parent company"),
        ("Codelco", "GPE", "miner", "said"),
    ]
    assert _labels(resolve_labels(mentions, "", None)) == {"Veltrix": "ORG", "Codelco": "ORG"}
    assert _labels(resolve_labels(mentions[1:2], "", None)) == {"Veltrix": "GPE"}


def test_a_facility_that_speaks_is_its_operator():
    speaks = [
        ("Brussels Airport", "FAC", "\n", "said it expected to"),
        ("Brussels Airport", "FAC", "at", ", passengers queued"),
    ]
    assert _labels(resolve_labels(speaks, "", None)) == {"Brussels Airport": "ORG"}
    # A facility named as a place, and a country that speaks (its government), stay as they are.
    assert _labels(resolve_labels(speaks[1:], "", None)) == {"Brussels Airport": "FAC"}
    assert _labels(resolve_labels([("Chile", "GPE", "", "said on monday")], "", None)) == {
        "Chile": "GPE"
    }


def test_a_surname_alone_is_the_person_and_a_capitalised_common_word_is_nobody():
    text = "William Ruto spoke. Protesters booed Ruto. Measles is back; measles spreads."
    mentions = [("William Ruto", "PERSON", "", ""), ("Measles", "PERSON", "", "is back")]
    assert _labels(resolve_labels(mentions, text, None)) == {
        "William Ruto": "PERSON",
        "Ruto": "PERSON",
    }
    # Acronyms and surnames are names even where the text has the word in lower case.
    text = "Theresa May said the US may act. Let us see, May added."
    mentions = [("Theresa May", "PERSON", "", ""), ("US", "GPE", "", ""), ("May", "PERSON", "", "")]
    assert _labels(resolve_labels(mentions, text, None)) == {
        "Theresa May": "PERSON",
        "US": "GPE",
        "May": "PERSON",
    }
    # Named only in full, the surname adds nothing.
    assert len(resolve_labels(mentions[:1], "William Ruto spoke.", None)) == 1


def test_small_places_the_model_takes_for_people_are_places():
    nlp = load_nlp()
    entities = entities_in(
        nlp,
        "The gauge at Kaub, a bottleneck between Mainz and Koblenz, read 78 centimetres. "
        "Barges at Kaub carry half their usual load.",
    )
    assert _labels(entities).get("Kaub") == "GPE"


def test_claims_follow_the_installed_models_language_and_its_number_format():
    import spacy

    article = _german(
        "Nordkorea hat nach Angaben des Geheimdienstes 5.000 Pioniere nach Russland "
        "geschickt. Weitere 1.000 Soldaten sollen folgen."
    )
    # A German pipeline (spaCy's own blank one: no NER weights needed) reads German figures.
    (out,) = enrich([article], spacy.blank("de"))
    assert out.language == "de"
    assert [(c.value, c.unit) for c in out.claims] == [(5000, "pioniere"), (1000, "soldaten")]


def test_a_title_where_the_press_is_cited_is_its_newspaper():
    mentions = [("Courier", "PRODUCT", "seen by the", ". the airlines estimate")]
    assert resolve_labels(mentions, "", None) == [Entity("Courier", "ORG")]
    cited = [("Globe", "WORK_OF_ART", "according to the", "")]
    assert _labels(resolve_labels(cited, "", None)) == {"Globe": "ORG"}
    # The cue is the press's phrase, not any "the" before a title.
    assert resolve_labels([("Courier", "PRODUCT", "bought by the", "")], "", None) == [
        Entity("Courier", "PRODUCT")
    ]


def test_a_facility_that_asks_is_its_operator():
    mentions = [("Brussels Airport", "FAC", ".", "asked airlines to cancel")]
    assert resolve_labels(mentions, "", None) == [Entity("Brussels Airport", "ORG")]
    assert resolve_labels([("Brussels Airport", "FAC", "at", "on Saturday")], "", None) == [
        Entity("Brussels Airport", "FAC")
    ]
