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
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from wordfreq import available_languages, zipf_frequency

from .enrich import STOPWORDS

TOP_TERMS = 60  # a vector keeps its heaviest terms: enough for similarity, small to store
MAX_WORDS = 4000  # the lead carries what an article is about; a live blog is not read whole
RAREST = 7.0  # the weight of a word the background has never seen (wordfreq's zipf 0)
COMMON = 5.8  # words at least this frequent (zipf) in the language are function words
_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W_])?")
_LANGUAGES = frozenset(available_languages())


def fold(text: str) -> str:
    """Lower case, accents off: the form terms and names are matched in."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s")):
        return word[:-1]
    return word


def background_language(lang: str) -> str:
    return lang if lang in _LANGUAGES else "en"


@lru_cache(maxsize=500_000)
def rarity(term: str, lang: str) -> float:
    """How distinctive a term is: RAREST minus its zipf frequency in the language."""
    return max(0.0, RAREST - zipf_frequency(term, background_language(lang)))


@lru_cache(maxsize=500_000)
def _content(word: str, lang: str) -> str | None:
    """The term a word counts as, or None for a function word."""
    if len(word) < 3 or (lang == "en" and word in STOPWORDS):
        return None
    if word.endswith("'s"):
        word = word[:-2]
    if zipf_frequency(word, background_language(lang)) >= COMMON:
        return None
    return _singular(word) if lang == "en" else word


def words(text: str, lang: str) -> list[str | None]:
    """The text's words as terms, with None where a function word breaks a phrase."""
    found = _WORD.findall(fold(text))[:MAX_WORDS]
    return [_content(w.strip("'-"), lang) for w in found]


def term_vector(title: str, text: str, lang: str, top: int = TOP_TERMS) -> dict[str, float]:
    """The article's heaviest terms and phrases, weighed, L2-normalised (the title counts
    twice)."""
    counts: dict[str, float] = defaultdict(float)
    for chunk, weight in ((title, 2.0), (text, 1.0)):
        terms = words(chunk, lang)
        for term in terms:
            if term:
                counts[term] += weight
        for a, b in itertools.pairwise(terms):
            if a and b and a != b:
                counts[f"{a} {b}"] += weight
    weighed = {
        term: (1.0 + math.log(count)) * rarity(term, lang)
        for term, count in counts.items()
        # A phrase seen once in the text says little; twice, or in the title, it is one of
        # the article's phrases.
        if " " not in term or count >= 2
    }
    return normalise(weighed, top)


def normalise(weights: dict[str, float], top: int = TOP_TERMS) -> dict[str, float]:
    kept = sorted(((w, t) for t, w in weights.items() if w > 0), key=lambda wt: (-wt[0], wt[1]))
    kept = kept[:top]
    norm = math.sqrt(sum(w * w for w, _ in kept)) or 1.0
    return {t: round(w / norm, 5) for w, t in kept}


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
