"""Near-duplicate detection at scale: 20,000 synthetic news articles with 1,000 planted copies.

The articles (newsmon.demoweb.synthetic) share a Zipf-weighted vocabulary and the stock phrases
of news; each copy is made from a random original by one kind of edit (words rewritten,
sentences cut or added, the end cut off) to a true Jaccard similarity, over 4-word shingles,
drawn uniformly from 0.5 to 0.95.

newsmon: the dedupe stage itself (`pipeline.dedupe.dedupe`) on an embedded store, signatures
and band keys included. Baseline, in the same run: datasketch's MinHash (128 permutations,
`bulk` hashing) and MinHashLSH at threshold 0.5, in the same procedure: originals first, each
article queried against those kept before it, a copy when a candidate's estimated Jaccard
reaches 0.5. A flagged article is right when it is a planted copy pointing at its original.

    .venv/bin/python bench/near_duplicates.py     # BENCH_ARTICLES=20000 BENCH_COPIES=1000
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path

from _eval import REPO  # noqa: F401  (puts the repo on sys.path)
from datasketch import MinHash, MinHashLSH

from newsmon.demoweb.synthetic import NewsGenerator, as_article
from newsmon.pipeline.dedupe import NEAR_THRESHOLD, dedupe
from newsmon.pipeline.ledger import Ledger
from newsmon.pipeline.minhash import shingles
from newsmon.pipeline.models import Article
from newsmon.pipeline.store.sqlite import SQLiteStore

ARTICLES = int(os.environ.get("BENCH_ARTICLES", "20000"))
COPIES = int(os.environ.get("BENCH_COPIES", "1000"))
TARGETS = {"precision": 0.99, "recall": 0.95}


def _article(n: int, text: str, day: int) -> Article:
    return as_article(n, text, day, outlets=150)


def _score(flagged: dict[str, str], planted: dict[str, str]) -> tuple[float, float, int]:
    right = sum(planted.get(i) == original for i, original in flagged.items())
    precision = right / len(flagged) if flagged else 1.0
    return precision, right / len(planted), len(flagged) - right


def _datasketch(articles: list[Article]) -> dict[str, str]:
    lsh = MinHashLSH(threshold=NEAR_THRESHOLD, num_perm=128)
    signatures: dict[str, MinHash] = {}
    tokens = [[s.encode() for s in shingles(a.text)] for a in articles]  # the same shingles
    flagged: dict[str, str] = {}
    for article, sig in zip(articles, MinHash.bulk(tokens, num_perm=128), strict=True):
        best, score = None, 0.0
        for candidate in lsh.query(sig):
            estimate = sig.jaccard(signatures[candidate])
            if estimate > score:
                best, score = candidate, estimate
        if best is not None and score >= NEAR_THRESHOLD:
            flagged[article.id] = best
            continue
        signatures[article.id] = sig
        lsh.insert(article.id, sig)
    return flagged


def main() -> None:
    gen = NewsGenerator(seed=11)
    rng = random.Random(11)
    start = time.perf_counter()
    originals = [_article(n, gen.article(), day=1) for n in range(ARTICLES)]
    planted: dict[str, str] = {}
    copies = []
    similarities = []
    for k in range(COPIES):
        source = rng.choice(originals)
        made = gen.copy(source.text, rng.uniform(0.5, 0.95))
        copy = _article(ARTICLES + k, made.text, day=2)
        copies.append(copy)
        planted[copy.id] = source.id
        similarities.append(made.similarity)
    generated = time.perf_counter() - start
    batch = originals + copies
    print(
        f"{len(originals):,} articles, {len(copies):,} planted copies (true Jaccard "
        f"{min(similarities):.2f} to {max(similarities):.2f}); generated in {generated:.0f} s"
    )

    start = time.perf_counter()
    baseline = _datasketch(batch)
    theirs_s = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp, SQLiteStore(Path(tmp) / "s.sqlite") as store:
        fresh = [_article(i, a.text, 1 if i < ARTICLES else 2) for i, a in enumerate(batch)]
        start = time.perf_counter()
        kept = list(dedupe(fresh, store, Ledger()))
        ours_s = time.perf_counter() - start
    ours = {a.id: a.duplicate_of for a in kept if a.duplicate_of}

    print(f"{'':<32} {'precision':>9} {'recall':>7} {'wrong':>6} {'seconds':>8} {'docs/s':>8}")
    for name, flagged, seconds in (
        ("newsmon dedupe (embedded store)", ours, ours_s),
        ("datasketch MinHashLSH", baseline, theirs_s),
    ):
        p, r, wrong = _score(flagged, planted)
        print(
            f"{name:<32} {p:>9.4f} {r:>7.4f} {wrong:>6} {seconds:>8.1f} "
            f"{len(batch) / seconds:>8.0f}"
        )
    p, r, _ = _score(ours, planted)
    print(f"speed: newsmon / datasketch = {theirs_s / ours_s:.2f}x")
    met = p >= TARGETS["precision"] and r >= TARGETS["recall"] and ours_s <= theirs_s
    print(f"targets P >= 0.99, R >= 0.95, at least as fast: {'met' if met else 'NOT MET'}")


if __name__ == "__main__":
    main()
