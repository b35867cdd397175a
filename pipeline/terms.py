"""What an article is about, as numbers: distinctive terms weighed against background language.

A term's weight is its (sublinear) frequency in the article times how rare it is in the
language at large, from wordfreq's background frequencies (packaged data, many languages: no
download, and no dependence on the batch or the store, so an article's vector depends on the
article alone). "Kaub" or "deminers" weigh a lot, "said" or "Tuesday" little. Words are folded
to lower case without accents ("Grindavík" and "Grindavik" are one term), English plurals to
their singular, and adjacent content words also count as a two-word phrase.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources

from wordfreq import available_languages, get_frequency_dict, zipf_frequency

TOP_TERMS = 60  # a vector keeps its heaviest terms: enough for similarity, small to store
MAX_WORDS = 4000  # the lead carries what an article is about; a live blog is not read whole
RAREST = 7.0  # the weight of a word the background has never seen (wordfreq's zipf 0)
COMMON = 5.8  # words at least this frequent (zipf) in the language are function words
_UNWEIGHED = 10**3.5 / 1e9  # zipf 3.5: every word of a language with no background list
_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W_])?")
_LANGUAGES = frozenset(available_languages())
STOPWORDS = frozenset(
    (resources.files(__package__) / "resources" / "stopwords_en.txt").read_text().split()
)
# Combining marks (accents) in the blocks Latin, Greek and Cyrillic letters use.
COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
log = logging.getLogger(__name__)


def fold(text: str) -> str:
    """Lower case, accents off: the form terms and names are matched in."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return COMBINING.sub("", decomposed).replace("’", "'")


def singular(word: str) -> str:
    """An English plural's singular, by its ending ("deminers" -> "deminer")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s")):
        return word[:-1]
    return word


@lru_cache(maxsize=256)
def background_language(lang: str) -> str | None:
    """The wordfreq list an article's words are weighed against: its language's, when wordfreq
    has one and can tokenize the language here (Japanese, Korean and Chinese need tokenizers
    newsmon does not install); None for any other: every word then weighs the same."""
    if lang not in _LANGUAGES:
        return None
    try:
        zipf_frequency("news", lang)
    except ImportError:
        log.info("wordfreq cannot tokenize %s here: its words are weighed alike", lang)
        return None
    return lang


@lru_cache(maxsize=64)
def _frequencies(lang: str) -> dict[str, float]:
    return get_frequency_dict(lang, "best")


def frequency(word: str, lang: str) -> float:
    """wordfreq's frequency of a lower-case word (accents kept, as its lists are), read from
    the list directly: the words here have been through a tokenizer already, and wordfreq's
    own was most of the cost. A language without a list gives every word the same."""
    background = background_language(lang)
    if background is None:
        return _UNWEIGHED
    return _frequencies(background).get(word, 0.0)


def _zipf(freq: float) -> float:
    return math.log10(freq) + 9.0 if freq > 0 else 0.0


def rarity(word: str, lang: str) -> float:
    """How distinctive a lower-case word is: RAREST minus its zipf frequency."""
    return max(0.0, RAREST - _zipf(frequency(word, lang)))


@lru_cache(maxsize=500_000)
def _content(word: str, lang: str) -> tuple[str, float] | None:
    """The term a lower-case word counts as, with its frequency; None for a function word."""
    head, mark, tail = word.partition("'")
    if mark and (len(head) <= 2 or head == "qu"):  # an elision: l'aéroport, d'un, qu'il
        word = tail
    elif word.endswith("'s"):
        word = word[:-2]
    word = word.strip("'-")
    if len(word) < 3 or (lang == "en" and word in STOPWORDS):
        return None
    freq = frequency(word, lang)
    if _zipf(freq) >= COMMON:
        return None
    return fold(singular(word) if lang == "en" else word), freq


def words(text: str, lang: str) -> list[tuple[str, float] | None]:
    """The text's words as (term, frequency), with None where a function word breaks a
    phrase."""
    found = _WORD.findall(text.lower().replace("’", "'"))[:MAX_WORDS]
    return [_content(w, lang) for w in found]


def term_vector(title: str, text: str, lang: str, top: int = TOP_TERMS) -> dict[str, float]:
    """The article's heaviest terms and phrases, weighed, L2-normalised (the title counts
    twice). A phrase is as frequent as wordfreq makes two words together: 1/f = 1/f1 + 1/f2."""
    counts: dict[str, float] = defaultdict(float)
    freqs: dict[str, float] = {}
    for chunk, weight in ((title, 2.0), (text, 1.0)):
        terms = words(chunk, lang)
        for found in terms:
            if found:
                counts[found[0]] += weight
                freqs[found[0]] = found[1]
        for a, b in itertools.pairwise(terms):
            if a and b and a[0] != b[0]:
                phrase = f"{a[0]} {b[0]}"
                counts[phrase] += weight
                freqs[phrase] = 1.0 / (1.0 / a[1] + 1.0 / b[1]) if a[1] and b[1] else 0.0
    weighed = {
        term: (1.0 + math.log(count)) * max(0.0, RAREST - _zipf(freqs[term]))
        for term, count in counts.items()
        # A phrase seen once in the text says little; twice, or in the title, it is one of
        # the article's phrases.
        if " " not in term or count >= 2
    }
    return normalise(weighed, top)


def _kept(weights: Mapping[str, float], top: int) -> list[tuple[float, str]]:
    """The `top` heaviest terms, ties by term: what sorting them all gives, without sorting
    them all by a key. A large emergent story's summed terms run to thousands, and its
    centroid is taken again after each member joins; the weights alone sort in C."""
    values = [w for w in weights.values() if w > 0]
    least = sorted(values, reverse=True)[top - 1] if len(values) > top else 0.0
    kept = [(w, t) for t, w in weights.items() if w > 0 and w >= least]
    kept.sort(key=lambda wt: (-wt[0], wt[1]))
    return kept[:top]


def normalise(weights: Mapping[str, float], top: int = TOP_TERMS) -> dict[str, float]:
    kept = _kept(weights, top)
    norm = math.sqrt(sum(w * w for w, _ in kept)) or 1.0
    return {t: round(w / norm, 5) for w, t in kept}


def vector_norm(weights: dict[str, float], top: int = TOP_TERMS) -> float:
    """The length of what `normalise` keeps: normalised terms times it give the kept sum."""
    return math.sqrt(sum(w * w for w, _ in _kept(weights, top)))


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def combine(vectors: Iterable[tuple[dict[str, float], float]], top: int = TOP_TERMS) -> dict:
    """The weighted sum of vectors, normalised: a centroid."""
    total: dict[str, float] = defaultdict(float)
    for vector, weight in vectors:
        for term, w in vector.items():
            total[term] += w * weight
    return normalise(total, top)
