"""The process step with story tracking as it now is, against the story assignment it replaced,
on the same real pages in the same run.

Pages: the 181 real news and blog pages of the article-extraction benchmark, each stage run as
`newsmon run` runs it (`pipeline.process.process_pages`: extract, canonicalize, dedupe on an
embedded store, enrich with the installed spaCy model, assign). Stories: the shipped seed.

- newsmon: the tracker (derived profile, term cosine, entity overlap, time, evolution, and
  emergent clustering of every article no tracked story takes), with the spaCy pipeline as
  newsmon now loads it (NER only);
- the previous release: its assignment, in this file (the hand-written seed's required term
  groups and weighted terms, matched as whole words, nothing for the rest), with the spaCy
  pipeline as it loaded it (tagger and attribute ruler too);
- for the record, the previous assignment with today's spaCy pipeline: what the tracker
  itself costs.

Rounds alternate, after a warm-up; printed: articles/s of the whole step and the assign
stage's own time, and the ratio newsmon / previous release (target: at least 1).

    .venv/bin/python bench/process_step.py     # BENCH_ROUNDS=3
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

from _eval import extraction_benchmark

from newsmon.pipeline.enrich import load_nlp
from newsmon.pipeline.ledger import Ledger
from newsmon.pipeline.models import Article, FetchedPage, StoryMatch
from newsmon.pipeline.process import process_pages
from newsmon.pipeline.store.sqlite import SQLiteStore
from newsmon.pipeline.stories import StoryTracker, load_stories
from newsmon.settings import DEFAULT_SEED_FILE, packaged_seed

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PREVIOUS_EXCLUDE = ["parser", "lemmatizer", "textcat"]  # how the previous release loaded spaCy

# The previous release's seed profile (seeds/nk-engineers-russia.yaml before `seed add`).
OLD_REQUIRED = [
    "north korea|north korean|north koreans|pyongyang|dprk|kim jong un|korean people's army|"
    "nordkorea|nordkoreanisch|nordkoreanische|nordkoreanischen|pjöngjang",
    "russia|russian|moscow|kremlin|kursk|shoigu|putin|russland|russische|russischen|moskau",
]
OLD_TERMS = {
    "engineers": 1.0, "military engineers": 1.0, "deminers": 1.0, "demining": 0.8,
    "sappers": 0.8, "minefields": 0.6, "military builders": 1.0, "construction": 0.4,
    "troops": 0.6, "soldiers": 0.4, "deployment": 0.5, "dispatch": 0.5,
    "national intelligence service": 0.8, "nis": 0.6, "kursk": 0.6, "infrastructure": 0.4,
    "pioniere": 1.0, "minenräumer": 1.0,
}  # fmt: skip


def _word(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{term})(?!\w)")


class OldAssignment:
    """The previous release's scorer, as it was: required groups, then saturating weights."""

    def __init__(self) -> None:
        self.required = [_word(group) for group in OLD_REQUIRED]
        self.terms = [(_word(re.escape(t)), w) for t, w in OLD_TERMS.items()]
        self.assign_s = 0.0

    def assign(self, article: Article) -> Article:
        started = time.perf_counter()
        haystack = f"{article.title}\n{article.text}".lower()
        article.stories = []
        if all(p.search(haystack) for p in self.required):
            value = min(1.0, sum(w for p, w in self.terms if p.search(haystack)) / 3.0)
            if value >= 0.6:
                article.stories = [StoryMatch("nk-engineers-russia", round(value, 3))]
        self.assign_s += time.perf_counter() - started
        return article


class TimedTracker(StoryTracker):
    assign_s = 0.0

    def assign(self, article: Article) -> Article:
        started = time.perf_counter()
        try:
            return super().assign(article)
        finally:
            self.assign_s += time.perf_counter() - started


def _pages() -> list[FetchedPage]:
    _, pages = extraction_benchmark()
    return list(pages.values())


def _run(pages: list[FetchedPage], tracker, nlp, stories) -> tuple[int, float, float]:
    with tempfile.TemporaryDirectory() as tmp, SQLiteStore(Path(tmp) / "s.sqlite") as store:
        store.setup()
        started = time.perf_counter()
        out = list(process_pages(pages, store, stories, Ledger(), nlp=nlp, tracker=tracker))
        took = time.perf_counter() - started
    return len(out), took, tracker.assign_s


def main() -> None:
    pages = _pages()
    nlp = load_nlp()
    import spacy

    previous_nlp = spacy.load(nlp.meta["lang"] + "_" + nlp.meta["name"], exclude=PREVIOUS_EXCLUDE)
    stories = load_stories([packaged_seed(DEFAULT_SEED_FILE)], nlp)
    variants = {
        "previous release": lambda: (OldAssignment(), previous_nlp),
        "newsmon": lambda: (TimedTracker(stories), nlp),
        "previous assignment, today's spaCy": lambda: (OldAssignment(), nlp),
    }
    for make in variants.values():  # warm-up: caches, word lists, the models' first calls
        tracker, model = make()
        _run(pages[:20], tracker, model, stories)
    results: dict[str, list[tuple[int, float, float]]] = {name: [] for name in variants}
    for _ in range(ROUNDS):
        for name, make in variants.items():
            tracker, model = make()
            results[name].append(_run(pages, tracker, model, stories))
    print(f"{len(pages)} real pages, {ROUNDS} rounds each, alternating; best round shown")
    print(f"{'':<36} {'articles':>8} {'step s':>7} {'art/s':>7} {'assign ms/art':>14}")
    best = {}
    for name in variants:
        n, took, assign = min(results[name], key=lambda r: r[1])
        best[name] = n / took
        print(f"{name:<36} {n:>8} {took:>7.2f} {n / took:>7.1f} {1000 * assign / n:>14.2f}")
    ratio = best["newsmon"] / best["previous release"]
    print(f"ratio newsmon / previous release (articles/s): {ratio:.2f} (target >= 1)")


if __name__ == "__main__":
    main()
