"""Synthetic news at any scale, with planted copies of known similarity: for the near-duplicate
test and benchmark, where the demo web's 60 articles would hide what goes wrong at 20,000.

Texts are drawn from a Zipf-weighted vocabulary of 20,000 word forms, with stock phrases that
real news repeats ("said in a statement", "according to the ministry"), so that unrelated
articles share some shingles, as real ones do. A copy is made from its original by one of four
edits, as syndication makes them: words changed throughout (a rewrite), sentences cut,
sentences added, or the end cut off; the edit's size is searched for until the copy's true
Jaccard similarity over 4-word shingles is the one asked for.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from itertools import accumulate

from newsmon.pipeline.extract import content_hash
from newsmon.pipeline.minhash import shingles
from newsmon.pipeline.models import Article, doc_id

STOCK_PHRASES = [
    "said in a statement on",
    "according to the ministry of defence",
    "told reporters on condition of anonymity",
    "the national intelligence service said",
    "officials said on tuesday that",
    "it was not immediately clear whether",
    "did not respond to a request for comment",
    "in a closed door briefing to lawmakers",
    "the report could not be independently verified",
    "state media reported on wednesday",
    "the foreign ministry said in a statement",
    "at a news conference in the capital",
    "analysts say the move is likely to",
    "the united nations security council",
    "a spokesperson for the government said",
    "additional reporting by staff writers",
]


def jaccard(a: str, b: str) -> float:
    """True Jaccard similarity over the shingles the MinHash signature summarises."""
    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y) if x | y else 1.0


def as_article(n: int, text: str, day: int, outlets: int = 40) -> Article:
    """Generated text as extracted article n, of outlet n % outlets, published on June `day`
    (2025): what the dedupe stage is given."""
    url = f"https://outlet{n % outlets}.example/story/{n}"
    return Article(
        id=doc_id(url),
        url=url,
        canonical_url=url,
        source=f"outlet{n % outlets}",
        source_name=f"Outlet {n % outlets}",
        title=f"Story {n}",
        text=text,
        fetched_at="2025-09-01T00:00:00Z",
        published_at=f"2025-06-{day:02d}T00:00:00Z",
        content_hash=content_hash(text),
    )


@dataclass
class Planted:
    original: int  # index of the original among the generated articles
    text: str
    similarity: float  # true Jaccard over 4-word shingles
    edit: str


class NewsGenerator:
    def __init__(self, seed: int = 1, vocabulary: int = 20_000):
        self.rng = random.Random(seed)
        letters = "abcdefghiklmnoprstuvwy"
        words: set[str] = set()
        while len(words) < vocabulary:
            words.add("".join(self.rng.choice(letters) for _ in range(self.rng.randint(3, 10))))
        self.words = sorted(words)
        self.cumulative = list(accumulate(1 / (rank + 1) ** 1.05 for rank in range(vocabulary)))

    def _sentence(self) -> str:
        count = self.rng.randint(10, 28)
        words = self.rng.choices(self.words, cum_weights=self.cumulative, k=count)
        if self.rng.random() < 0.3:
            at = self.rng.randrange(len(words))
            words[at:at] = self.rng.choice(STOCK_PHRASES).split()
        return " ".join(words).capitalize() + "."

    def article(self, words: tuple[int, int] = (350, 750)) -> str:
        target = self.rng.randint(*words)
        sentences: list[str] = []
        while sum(len(s.split()) for s in sentences) < target:
            sentences.append(self._sentence())
        return " ".join(sentences)

    def copy(self, original: str, target: float, index: int = 0) -> Planted:
        """A copy of `original` whose true Jaccard similarity to it is within 0.02 of `target`
        (another kind of edit is tried when one cannot get there, e.g. a text too short)."""
        for _ in range(8):
            made = self._copy(original, target, index)
            if abs(made.similarity - target) <= 0.02:
                return made
        return made

    def _copy(self, original: str, target: float, index: int) -> Planted:
        edit = self.rng.choice(["rewrite", "cut", "add", "truncate"])
        sentences = re.split(r"(?<=\.) ", original)
        seed = self.rng.random()
        low, high, best = 0.0, 1.0, original
        for _ in range(14):  # bisection on the edit's size
            size = (low + high) / 2
            text = self._edited(sentences, edit, size, random.Random(seed))
            similarity = jaccard(original, text)
            best = text
            if abs(similarity - target) < 0.01:
                break
            if similarity > target:
                low = size
            else:
                high = size
        return Planted(index, best, jaccard(original, best), edit)

    def _edited(self, sentences: list[str], edit: str, size: float, rng: random.Random) -> str:
        if edit == "rewrite":
            words = " ".join(sentences).split()
            for i in range(len(words)):
                if rng.random() < size * 0.5:
                    words[i] = rng.choices(self.words, cum_weights=self.cumulative)[0]
            return " ".join(words)
        if edit == "cut":
            kept = [s for s in sentences if rng.random() >= size]
            return " ".join(kept or sentences[:1])
        if edit == "add":
            added = [self._sentence() for _ in range(int(size * 2 * len(sentences)))]
            mixed = sentences + added
            rng.shuffle(added)
            return " ".join(mixed)
        keep = max(1, int(len(sentences) * (1 - size)))
        return " ".join(sentences[:keep])
