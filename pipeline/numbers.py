"""Figures in a sentence: "about 5,000 North Korean engineers", "$8.8 billion", "40 to 80
percent", "Rs 24 lakh", "thousands of teachers" (vague), in the article's number format.

Hand-written because no maintained library does this part: quantulum3 and pint parse units of
measure, not counted nouns ("deminers"), and they neither read "5.000" the German way nor know
a year, an age or a model number ("Boeing 787") from a figure. What is read:
- digits in the language's format (5,000.5 in English; 5.000,5 and 5 000,5 in German, French
  and most of Europe), spelled-out numbers (one to ninety-nine, "a dozen", "three dozen"),
  scale words (thousand, million, bn, lakh, crore; "half a million"), vague quantities
  ("hundreds of", "tens of thousands of"), ranges ("between 10,000 and 12,000", "40 to 80",
  "30-60"), money (currency signs, codes and names) and percentages;
- not figures: years, dates, clock times, ages, durations, ordinals, fractions, phone numbers,
  numbers in names ("Boeing 787", "Nikkei 225", "COVID-19", "Class of 2020"), and lines with
  no words (price tickers).

Each figure comes with its counted noun: the head noun after it, with its modifiers ("North
Korean engineers": head "engineers"), found without a tagger: English puts a plural after a
number above one, and a stop word, a verb form or punctuation ends the noun phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

CARDINALS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
SCALES = {
    "hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
    "bn": 1e9, "mn": 1e6, "m": 1e6, "k": 1e3, "lakh": 1e5, "lakhs": 1e5, "crore": 1e7,
    "crores": 1e7,
}  # fmt: skip
# Vague quantities, by the scale they name: "thousands of teachers" is at least 1,000.
VAGUE = {"dozens": 12, "scores": 20, "hundreds": 1e2, "thousands": 1e3, "millions": 1e6,
         "billions": 1e9, "trillions": 1e12}  # fmt: skip
SIGNS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW",
         "HK$": "HKD", "C$": "CAD", "A$": "AUD", "S$": "SGD"}  # fmt: skip
CODES = {"usd", "eur", "gbp", "jpy", "inr", "krw", "hkd", "cad", "aud", "cny", "rub", "chf",
         "sgd", "uah"}  # fmt: skip
CURRENCY_WORDS = {
    "dollar": "USD", "dollars": "USD", "euro": "EUR", "euros": "EUR", "yen": "JPY",
    "rupee": "INR", "rupees": "INR", "yuan": "CNY", "renminbi": "CNY", "won": "KRW",
    "ruble": "RUB", "rubles": "RUB", "rouble": "RUB", "roubles": "RUB", "hryvnia": "UAH",
    "francs": "CHF", "sterling": "GBP", "cents": "USD", "pence": "GBP",
}  # fmt: skip
HUNDREDTHS = {"cents", "pence"}
PREFIXED_DOLLARS = {"hong kong": "HKD", "canadian": "CAD", "australian": "AUD", "us": "USD",
                    "singapore": "SGD", "new zealand": "NZD"}  # fmt: skip
RUPEE_MARKS = {"rs", "rs.", "inr"}
PERCENT_WORDS = ("percent", "per cent", "pct", "percentage points", "percentage point")
TIME_UNITS = {
    "second", "seconds", "minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs", "day",
    "days", "week", "weeks", "month", "months", "year", "years", "decade", "decades", "century",
    "centuries", "a.m", "p.m", "am", "pm", "old", "year-old", "years-old", "th", "st", "nd",
    "rd", "times", "fold", "hourlong",
}  # fmt: skip
MONTHS = {
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
}  # fmt: skip
# Units of measure: their figures are measures, not counts.
MEASURES = {
    "kilometres", "kilometers", "kilometre", "kilometer", "km", "miles", "mile", "metres",
    "meters", "metre", "meter", "feet", "foot", "inches", "inch", "centimetres", "centimeters",
    "millimetres", "millimeters", "tons", "tonnes", "ton", "tonne", "kilograms", "kg", "grams",
    "pounds", "ounces", "litres", "liters", "gallons", "barrels", "hectares", "acres",
    "gigawatts", "megawatts", "kilowatts", "gw", "mw", "kw", "gwh", "mwh", "kwh", "mph", "kph",
    "knots", "degrees", "points", "horsepower", "hp", "fps", "light-years", "microns",
}  # fmt: skip
# Words that end a noun phrase after a figure, or are never its head.
STOP = {
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "among", "an", "and",
    "any", "are", "around", "as", "at", "be", "because", "been", "before", "being", "below",
    "between", "both", "but", "by", "can", "could", "did", "do", "does", "during", "each", "for",
    "from", "had", "has", "have", "he", "her", "here", "his", "how", "i", "if", "in", "into",
    "is", "it", "its", "may", "might", "most", "much", "must", "my", "no", "nor", "not",
    "now", "of", "off", "on", "once", "only", "or", "our", "out", "over", "own", "per",
    "same", "she", "should", "since", "so", "some", "such", "than", "that", "the", "their",
    "them", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under",
    "until", "up", "upon", "very", "was", "we", "were", "what", "when", "where", "which",
    "while", "who", "whom", "why", "will", "with", "would", "you", "your", "said", "says",
    "told", "including", "like", "last", "next", "ago", "later", "earlier", "every",
    "less", "fewer", "almost", "nearly", "just", "even", "still", "already", "yet",
}  # fmt: skip
IRREGULAR_PLURALS = {
    "people", "children", "men", "women", "personnel", "staff", "police", "aircraft", "cattle",
    "sheep", "fish", "deer", "feet", "teeth", "mice", "geese", "livestock", "troops", "crew",
    "data", "media", "freight", "equipment", "vehicles", "offspring", "youth", "clergy",
}  # fmt: skip
# Participles that stand for people after a figure: "300 killed and 2,700 wounded".
PEOPLE_PARTICIPLES = {"killed", "dead", "wounded", "injured", "missing", "displaced",
                      "arrested", "detained", "evacuated", "hospitalized", "hospitalised",
                      "infected", "rescued", "captured", "deported"}  # fmt: skip
QUOTES = {'"', "“", "”", "‘", "’", "'"}
_NOT_PLURAL_ENDINGS = ("ss", "us", "is", "ous", "'s", "’s", "ics")
# Words before a number that make it part of a name or a reference, not a figure.
_NAME_MARKS = {"no", "no.", "nos", "number", "class", "phase", "week", "round", "page", "room",
               "route", "highway", "article", "section", "chapter", "version", "level", "grade",
               "stage", "flight", "gate", "platform", "channel", "area", "district", "zone",
               "block", "apollo", "artemis", "vol", "volume", "series", "model", "top", "under",
               "aged", "age", "ages", "mid", "early", "late"}  # fmt: skip

_TOKEN = re.compile(
    r"(?P<sign>US\$|HK\$|C\$|A\$|S\$|[$€£¥₹₩])"
    r"|(?P<num>\d+(?:[.,\u00a0\u202f]\d+)*)"
    r"|(?P<word>[^\W\d_]+(?:[-'’.][^\W\d_]+)*)"
    r"|(?P<sym>[^\s\w])"
)


@dataclass(slots=True)
class Token:
    text: str
    kind: str  # sign | num | word | sym
    start: int
    end: int
    glued: bool  # no space before it

    @property
    def low(self) -> str:
        return self.text.lower()


@dataclass(slots=True)
class Figure:
    value: float
    unit: str  # the counted noun's head, lower case ("engineers"), a currency code, "percent"
    counted: str  # the counted noun with its modifiers ("North Korean engineers")
    kind: str  # count | money | percentage | measure
    start: int  # where the figure starts in the sentence (its qualifier included)
    end: int
    value_max: float | None = None  # the top of a range
    vague: bool = False
    qualifier: str = ""  # "about", "more than", "up to", ...
    hedges: list[str] = field(default_factory=list)


def tokens(sentence: str) -> list[Token]:
    out: list[Token] = []
    for m in _TOKEN.finditer(sentence):
        kind = m.lastgroup or "sym"
        glued = bool(out) and out[-1].end == m.start()
        out.append(Token(m.group(), kind, m.start(), m.end(), glued))
    return out


def parse_digits(text: str, language: str = "en") -> float | None:
    """A number as the language writes it, or None when it is no well-formed number."""
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    if language == "en":
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?", text):
            return float(text.replace(",", ""))
        return None
    # German, French, Spanish, Italian, Dutch, Portuguese, ...: groups by . or a space
    if re.fullmatch(r"\d{1,3}(?:[. ]\d{3})+(?:,\d+)?|\d+(?:,\d+)?", text):
        return float(text.replace(".", "").replace(" ", "").replace(",", "."))
    if re.fullmatch(r"\d+\.\d{1,2}", text):  # "2.5" in a German text is 2.5, not 25
        return float(text)
    return None


def _spelled(words: list[str]) -> tuple[float, int] | None:
    """A spelled-out number at the start of `words` (lower case): value, words used."""
    if not words:
        return None
    first = words[0]
    if "-" in first:
        tens, _, unit = first.partition("-")
        if tens in CARDINALS and unit in CARDINALS and CARDINALS[tens] >= 20:
            return CARDINALS[tens] + CARDINALS[unit], 1
    if first in CARDINALS:
        if CARDINALS[first] >= 20 and len(words) > 1 and CARDINALS.get(words[1], 99) < 10:
            return CARDINALS[first] + CARDINALS[words[1]], 2
        return CARDINALS[first], 1
    if first == "dozen":
        return 12, 1
    return None


def is_plural(word: str) -> bool:
    low = word.lower()
    if low in IRREGULAR_PLURALS or low in PEOPLE_PARTICIPLES:
        return True
    return len(low) > 2 and low.endswith("s") and not low.endswith(_NOT_PLURAL_ENDINGS)


def _head_like(tok: Token) -> bool:
    """A plural noun that can head a counted phrase: lower case ("engineers"), or a people's
    name ("Indians", "Ukrainians")."""
    if not is_plural(tok.text):
        return False
    return tok.text[:1].islower() or bool(re.search(r"(?:ans|ians|ers|ites|ists|ese)$", tok.text))


def figures(sentence: str, language: str = "en") -> list[Figure]:
    """Every figure of one sentence, in order."""
    if not re.search(r"\b[a-z]{3,}\b", sentence):
        return []  # a ticker line or a heading: no prose to read a figure from
    toks = tokens(sentence)
    found: list[Figure] = []
    i = 0
    while i < len(toks):
        fig, nxt = _figure_at(toks, i, sentence, language)
        if fig is not None:
            found.append(fig)
            i = max(nxt, i + 1)
        else:
            i += 1
    return found


_QUALIFIERS = [
    ("a total of about", "approximate"), ("as many as", "up_to"), ("as much as", "up_to"),
    ("more than", "at_least"), ("fewer than", "up_to"), ("less than", "up_to"),
    ("at least", "at_least"), ("at most", "up_to"), ("up to", "up_to"), ("close to", "approximate"),
    ("just over", "at_least"), ("just under", "up_to"), ("well over", "at_least"),
    ("an estimated", "estimated"), ("upwards of", "at_least"), ("in excess of", "at_least"),
    ("a maximum of", "up_to"), ("maximum", "up_to"), ("over", "at_least"), ("above", "at_least"),
    ("below", "up_to"), ("under", "up_to"), ("about", "approximate"), ("around", "approximate"),
    ("approximately", "approximate"), ("roughly", "approximate"), ("nearly", "approximate"),
    ("almost", "approximate"), ("some", "approximate"), ("circa", "approximate"),
    ("approx", "approximate"), ("estimated", "estimated"),
]  # fmt: skip


HEDGE_OF = dict(_QUALIFIERS)  # "about" -> approximate, "up to" -> up_to, ...


def _qualifier(toks: list[Token], i: int) -> tuple[str, str, int]:
    """The qualifier just before token i: (words, hedge, index of its first token)."""
    for phrase, hedge in _QUALIFIERS:
        words = phrase.split()
        j = i - len(words)
        if j >= 0 and [t.low for t in toks[j:i]] == words:
            return phrase, hedge, j
    return "", "", i


def _number_at(toks: list[Token], i: int, language: str) -> tuple[float, int, bool] | None:
    """(value, tokens used, spelled) of a number starting at token i, scale words included."""
    tok = toks[i]
    if tok.kind == "num":
        value = parse_digits(tok.text, language)
        if value is None:
            return None
        used = 1
        # "5 000" in French: a group of three digits after a space
        while (
            language != "en"
            and i + used < len(toks)
            and toks[i + used].kind == "num"
            and re.fullmatch(r"\d{3}(?:,\d+)?", toks[i + used].text)
            and toks[i + used].start - toks[i + used - 1].end == 1
        ):
            value = parse_digits(f"{tok.text} {toks[i + used].text}", language) or value
            used += 1
        spelled = False
    elif tok.kind == "word":
        words = [t.low for t in toks[i : i + 2] if t.kind == "word"]
        if words and words[0] in ("a", "an") and len(words) > 1:
            if words[1] in ("dozen", "hundred", "thousand", "million", "billion"):
                value, used = (12.0 if words[1] == "dozen" else SCALES[words[1]]), 2
                return value, used, True
            return None
        if words and words[0] == "half" and i + 2 < len(toks) and toks[i + 1].low == "a":
            scale = SCALES.get(toks[i + 2].low)
            if scale and scale >= 1e3:
                return 0.5 * scale, 3, True
            return None
        got = _spelled(words)
        if got is None:
            return None
        value, used = float(got[0]), got[1]
        spelled = True
        if i + used < len(toks) and toks[i + used].low == "dozen":
            value, used = value * 12, used + 1
    else:
        return None
    if i + used < len(toks):
        scale_tok = toks[i + used]
        scale = SCALES.get(scale_tok.low)
        single_letter = scale_tok.low in ("m", "k", "bn", "mn")
        if scale and (not single_letter or scale_tok.glued or _money_before(toks, i)):
            value *= scale
            used += 1
            # "a hundred thousand"
            if scale == 1e2 and i + used < len(toks) and toks[i + used].low in ("thousand",):
                value *= 1e3
                used += 1
    return value, used, spelled


def _money_before(toks: list[Token], i: int) -> bool:
    before = _word_before(toks, i)
    return before is not None and (before.kind == "sign" or before.low in RUPEE_MARKS | CODES)


def _before(toks: list[Token], i: int) -> int:
    """The index of the token before i, past an abbreviation's full stop ("Nov. 18", "No. 1",
    "Rs. 300"); -1 at the start."""
    if i > 1 and toks[i - 1].text == "." and toks[i - 1].glued and toks[i - 2].kind == "word":
        return i - 2
    return i - 1


def _word_before(toks: list[Token], i: int) -> Token | None:
    j = _before(toks, i)
    return toks[j] if j >= 0 else None


def _excluded(
    toks: list[Token], i: int, n_used: int, value: float, spelled: bool, language: str = "en"
) -> bool:
    """Years, dates, times, ages, ordinals, fractions, phone numbers, names."""
    tok = toks[i]
    prev = _word_before(toks, i)
    nxt = toks[i + n_used] if i + n_used < len(toks) else None
    if tok.kind == "num":
        if tok.glued and prev is not None and prev.kind in ("word", "num"):
            return True  # A350, G20, COVID19
        if tok.glued and prev is not None and prev.text in "-/:." and i > 1:
            return True  # COVID-19, 787-9, 7/32, 4:30 (a range is read from its first number)
        if nxt is not None and nxt.glued and nxt.text in "/:":
            return True
        if (
            nxt is not None
            and nxt.glued
            and nxt.kind == "word"
            and (
                nxt.low in ("th", "st", "nd", "rd", "s", "p", "am", "pm")
                or (len(nxt.low) == 1 and nxt.low not in ("m", "k"))
            )
        ):
            return True  # 5th, 1990s, 1080p, 777x
        if "." not in tok.text and "," not in tok.text and 1800 <= value <= 2100:
            if not _money_before(toks, i):
                return True  # a year
        if prev is not None and prev.kind == "num":
            return True  # "400 737 Max jets": the second number names the model
    if prev is not None and prev.kind == "word":
        low = prev.low.rstrip(".")
        if low in MONTHS:
            return True  # Nov. 18, June 9
        if low in _NAME_MARKS:
            return True
        possessive = prev.low.endswith(("'s", "’s", "s'", "s’"))
        if (
            language == "en"  # German capitalises every noun: "des Geheimdienstes 5.000"
            and prev.text[:1].isupper()
            and i > 1
            and not spelled
            and not possessive
            and not _sentence_start(toks, i - 1)
        ):
            if prev.low not in CODES | RUPEE_MARKS and prev.low not in {
                q.split()[-1] for q, _ in _QUALIFIERS
            }:
                return True  # Boeing 787, Nikkei 225, Artemis 3
    if nxt is not None and nxt.kind == "word" and nxt.low.rstrip(".") in MONTHS and not spelled:
        return True  # 15 November
    if nxt is not None and nxt.low in ("a.m", "p.m", "am", "pm", "o'clock"):
        return True
    # "Noel, 31, is charged": an age after a name
    if (
        prev is not None
        and prev.text == ","
        and nxt is not None
        and nxt.text in (",", ")")
        and i > 1
        and toks[i - 2].text[:1].isupper()
        and tok.kind == "num"
        and value < 120
    ):
        return True
    return False


def _sentence_start(toks: list[Token], i: int) -> bool:
    return i == 0 or toks[i - 1].text in ('"', "“", "(", "—", "–", ":", "‘", "'")


def _currency_after(toks: list[Token], j: int) -> tuple[str, str, int] | None:
    """A currency named after the number: (code, words, tokens used)."""
    if j >= len(toks) or toks[j].kind != "word":
        return None
    one = toks[j].low
    for prefix, code in PREFIXED_DOLLARS.items():
        n = len(prefix.split())
        phrase = " ".join(t.low for t in toks[j : j + n + 1])
        if phrase in (f"{prefix} dollars", f"{prefix} dollar"):
            return code, phrase, n + 1
    if one in CURRENCY_WORDS:
        return CURRENCY_WORDS[one], one, 1
    if one in CODES:
        return one.upper(), one, 1
    return None


def _percent_after(toks: list[Token], j: int) -> tuple[str, int] | None:
    if j < len(toks) and toks[j].text == "%":
        return "percent", 1
    for phrase in PERCENT_WORDS:
        words = phrase.split()
        if [t.low for t in toks[j : j + len(words)]] == words:
            unit = "percentage point" if "point" in phrase else "percent"
            return unit, len(words)
    return None


def _noun_phrase(
    toks: list[Token], j: int, value: float, language: str = "en"
) -> tuple[str, str, int] | None:
    """(head, phrase, index after) of the counted noun starting at token j."""
    if language != "en":
        # No plural rule to go by (and German capitalises every noun): the next word.
        if j < len(toks) and toks[j].kind == "word" and len(toks[j].text) > 1:
            return toks[j].low, toks[j].text, j + 1
        return None
    run: list[Token] = []
    k = j
    while k < len(toks) and len(run) < 6:
        tok = toks[k]
        if tok.text in QUOTES:
            k += 1  # two “deliveries”
            continue
        if tok.kind == "num" and k + 1 < len(toks) and toks[k + 1].kind == "word":
            if toks[k + 1].text[:1].isupper() or toks[k + 1].glued:
                run.append(tok)  # "400 737 Max jets": a model number inside the phrase
                k += 1
                continue
        if run and tok.glued and (tok.kind == "num" or tok.text in "-."):
            k += 1  # "A350-900", "U.S.": one name the tokenizer cut
            continue
        if tok.kind != "word":
            break
        if k + 1 < len(toks) and toks[k + 1].glued and toks[k + 1].kind == "num":
            run.append(tok)  # "A350-900", "F-16": a model name, not the article "a"
            k += 1
            continue
        low = tok.low
        if low in ("and", "or") and run and not any(_head_like(t) for t in run):
            # "four national security and diplomatic officials"
            ahead = toks[k + 1 : k + 4]
            if any(_head_like(t) for t in ahead if t.kind == "word"):
                run.append(tok)
                k += 1
                continue
        if low in STOP or low in CARDINALS:
            break
        run.append(tok)
        k += 1
        if _head_like(tok):
            # "30 staff vacancies": a plural right after a plural is the head
            while (
                k < len(toks)
                and toks[k].kind == "word"
                and toks[k].text[:1].islower()
                and is_plural(toks[k].text)
                and toks[k].low not in STOP
                and len(run) < 6
            ):
                run.append(toks[k])
                k += 1
            break
        if value == 1 and tok.text[:1].islower() and (k >= len(toks) or toks[k].kind != "word"):
            break
    while run and (
        run[-1].kind == "num"
        or (run[-1].text[:1].isupper() and not _head_like(run[-1]))
        or run[-1].low in TIME_UNITS | {"s", "and", "or"}
    ):
        if run[-1].low in TIME_UNITS:
            return None
        run.pop()  # the head is a common noun: "10 Downing Street" counts nothing
    if not run:
        return None
    head = run[-1]
    if not (head.text[:1].islower() or _head_like(head)) or head.low in TIME_UNITS:
        return None
    phrase = " ".join(t.text for t in run)
    return head.low, phrase, j + len(run)


def _figure_at(
    toks: list[Token], i: int, sentence: str, language: str
) -> tuple[Figure | None, int]:
    tok = toks[i]
    # "tens of thousands of", "hundreds of", "dozens of"
    if tok.kind == "word" and (tok.low in VAGUE or tok.low in ("tens", "several", "few")):
        return _vague_at(toks, i)
    got = _number_at(toks, i, language)
    if got is None:
        return None, i + 1
    value, used, spelled = got
    if _excluded(toks, i, used, value, spelled, language):
        return None, i + used
    if spelled and value == 1 and not _counted_one(toks, i, used):
        return None, i + used  # "one of the officers", "at one point", "one friend said"
    start_tok = i
    currency = ""
    if i > 0 and toks[i - 1].kind == "sign":
        currency, start_tok = SIGNS[toks[i - 1].text], i - 1
    elif _before(toks, i) >= 0 and toks[_before(toks, i)].low in RUPEE_MARKS:
        currency, start_tok = "INR", _before(toks, i)
    elif i > 0 and toks[i - 1].low in CODES:
        currency, start_tok = toks[i - 1].text.upper(), i - 1
    j = i + used
    value_max = None
    # a range: "40 to 80", "30-60", "between 10,000 and 12,000", "$40-50 billion"
    between = start_tok > 0 and toks[start_tok - 1].low == "between"
    if (
        j + 2 < len(toks)
        and toks[j].text == "%"
        and toks[j + 1].low in ("to", "-", "–")
        and toks[j + 2].kind == "num"
        and not _from_before(toks, start_tok)
    ):
        j += 1  # "0.6% to 0.7%": the range's first figure carries its own sign
    if j + 1 < len(toks) and (
        (toks[j].text in "-–" and toks[j + 1].kind == "num" and toks[j].glued)
        or (toks[j].low == "to" and not _from_before(toks, start_tok))
        or (toks[j].low == "and" and between)
    ):
        k = j + 1
        if toks[k].kind == "sign":
            k += 1
        top = _number_at(toks, k, language) if k < len(toks) else None
        if top is not None and top[0] > value:
            scale = _scale_of(toks, k, top[1])
            if scale > 1 and value < top[0] / 100:
                value *= scale  # "$40-50 billion": the scale is written once, at the top
            value_max = top[0]
            j = k + top[1]
    resume: int | None = None
    qual, hedge, qstart = _qualifier(toks, start_tok)
    if between:
        qstart = start_tok - 1
    unit = counted = kind = ""
    percent = _percent_after(toks, j)
    if percent is not None:
        unit, counted, kind = percent[0], percent[0], "percentage"
        j += percent[1]
    else:
        named = _currency_after(toks, j)
        if named is not None:
            currency = named[0]
            if named[1] in HUNDREDTHS:
                value /= 100  # "10 cents"
            j += named[2]
        if currency:
            unit, counted, kind = currency, currency, "money"
            # "$2.53 per diluted share", "$6.99-a-month": the money is the figure
        else:
            # "55-kilometer", "30-date run": a compound with the unit after a hyphen
            if j + 1 < len(toks) and toks[j].text == "-" and toks[j].glued and toks[j + 1].glued:
                compound = toks[j + 1].low.split("-")[0]
                if compound in TIME_UNITS or not toks[j + 1].text[:1].islower():
                    return None, j
                unit, counted, kind = compound, toks[j + 1].text, "measure"
                j += 2
            elif (
                j < len(toks) and toks[j].kind == "word" and toks[j].glued and len(toks[j].text) > 1
            ):
                unit = counted = toks[j].low  # "60fps", "5GW"
                if unit in TIME_UNITS:
                    return None, j
                kind = "measure"
                j += 1
            else:
                k = j
                partitive = False
                if k < len(toks) and toks[k].low == "of":
                    # "Ten of the 18 staffers", "123 of the planes", "46 of their contacts"
                    k += 1
                    if k < len(toks) and toks[k].low in (
                        "the", "its", "their", "his", "her", "these", "those", "our", "my"
                    ):  # fmt: skip
                        k += 1
                    elif (
                        k + 1 < len(toks)
                        and toks[k].text[:1].isupper()
                        and toks[k + 1].low in ("'s", "’s")
                    ):
                        k += 2  # "30 of Boeing 's 787-9 jets"
                    elif k < len(toks) and toks[k].low.endswith(("'s", "’s")):
                        k += 1  # "One of Alibaba’s shares"
                    if k < len(toks) and (toks[k].kind == "num" or toks[k].low in CARDINALS):
                        k += 1
                    partitive = True
                inner = k - 1 if partitive and toks[k - 1].kind == "num" else None
                noun = _noun_phrase(toks, k, value, language)
                if noun is None or (partitive and language == "en" and not is_plural(noun[0])):
                    return None, j
                unit, counted, j = noun[0], noun[1], noun[2]
                if language == "en" and value != 1 and not is_plural(unit) and unit not in MEASURES:
                    return None, j  # "The 777 program": a number above one counts plurals
                if inner is not None:
                    resume = inner  # "Ten of the 18 staffers": the 18 is a figure too
                kind = "measure" if unit in MEASURES else "count"
    hedges = [hedge] if hedge else []
    end = toks[j - 1].end if j > 0 else toks[i].end
    return (
        Figure(
            value=value,
            unit=unit,
            counted=counted,
            kind=kind,
            start=toks[qstart].start,
            end=end,
            value_max=value_max,
            qualifier=qual,
            hedges=hedges,
        ),
        j if resume is None else resume,
    )


# Words before "one" that make it a count: "only one title", "charged with one count".
_ONE_MARKS = {"only", "just", "exactly", "with", "including", "had", "has", "have", "than"}


def _counted_one(toks: list[Token], i: int, used: int) -> bool:
    before = toks[i - 1].low if i > 0 else ""
    after = toks[i + used].low if i + used < len(toks) else ""
    return before in _ONE_MARKS and after not in ("of", "another", "or", "day", "way")


def _scale_of(toks: list[Token], k: int, used: int) -> float:
    last = toks[k + used - 1] if k + used - 1 < len(toks) else None
    return SCALES.get(last.low, 1.0) if last is not None and last.kind == "word" else 1.0


def _from_before(toks: list[Token], i: int) -> bool:
    """ "from 13.2 to 14.6 percent" and "down by 30 to 126" are changes, not ranges."""
    for back in range(1, 4):
        if i - back >= 0 and toks[i - back].low in ("from", "by"):
            return True
    return False


def _vague_at(toks: list[Token], i: int) -> tuple[Figure | None, int]:
    words = [t.low for t in toks[i : i + 6]]
    value: float | None = None
    used = 0
    if words[:3] in (["tens", "of", "thousands"], ["hundreds", "of", "thousands"],
                     ["tens", "of", "millions"], ["hundreds", "of", "millions"]):  # fmt: skip
        value = (10 if words[0] == "tens" else 100) * VAGUE[words[2]]
        used = 3
    elif words[0] in VAGUE:
        value, used = VAGUE[words[0]], 1
    elif words[0] in ("several", "few") and len(words) > 1 and words[1] in SCALES:
        value, used = SCALES[words[1]], 2  # "several thousand", "a few thousand"
    if value is None:
        return None, i + 1
    j = i + used
    of = j < len(toks) and toks[j].low == "of"
    if not of and words[0] not in ("several", "few"):
        return None, j
    start = i - 1 if i > 0 and toks[i - 1].low in ("several", "a") else i
    if of:
        j += 1
        if j < len(toks) and toks[j].low in CURRENCY_WORDS:  # "millions of dollars"
            code = CURRENCY_WORDS[toks[j].low]
            return Figure(
                value, code, code, "money", toks[start].start, toks[j].end, vague=True
            ), j + 1
    noun = _noun_phrase(toks, j, value)
    if noun is None:
        return None, j
    return (
        Figure(
            value, noun[0], noun[1], "count", toks[start].start, toks[noun[2] - 1].end, vague=True
        ),  # fmt: skip
        noun[2],
    )


def _amount(value: float) -> str:
    for scale, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(value) >= scale:
            return f"{value / scale:,.2f}".rstrip("0").rstrip(".") + f" {word}"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def format_figure(claim: Any) -> str:
    """A figure as a reader writes it: "5,000 engineers", "8.8 billion USD", "3.5%",
    "10,000–12,000 troops", "1,000+ teachers" (vague); `claim` is a Claim or its dict."""
    get = claim.get if isinstance(claim, dict) else lambda k, d=None: getattr(claim, k, d)
    value, top = float(get("value") or 0), get("value_max")
    amount = _amount(value) if top is None else f"{_amount(value)}–{_amount(top)}"
    if get("vague", False):
        amount += "+"
    if get("kind", "count") == "percentage" and get("unit") == "percent":
        return f"{amount}%"
    return f"{amount} {get('unit')}"
