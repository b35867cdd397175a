"""The SQLite store at 100,000 documents: upsert rate and search latency, against a raw
executemany of the same serialised documents into a plain table, in the same run; and the
tracked story's refresh after a run that adds ADDED members (which reads only those, from the
story's kept tally) against a refresh that reads every member."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from _docs import PEOPLE, VOCABULARY, articles

from newsmon import jobs
from newsmon.pipeline.models import doc_id
from newsmon.pipeline.runfiles import PROCESSED_FILE, write_records
from newsmon.pipeline.store import SearchFilters
from newsmon.pipeline.store.sqlite import SQLiteStore
from newsmon.pipeline.stories import load_stories
from newsmon.settings import DEFAULT_SEED_FILE, packaged_seed

COUNT = int(os.environ.get("BENCH_DOCS", "100000"))
BATCH = 1000
SEGMENT = 10_000
ADDED = int(os.environ.get("BENCH_ADDED", "1000"))


def main() -> None:
    docs = articles(COUNT)
    tmp = Path(tempfile.mkdtemp(prefix="newsmon-bench-"))

    raw = sqlite3.connect(tmp / "raw.sqlite")
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("CREATE TABLE docs (id TEXT PRIMARY KEY, doc TEXT)")
    rows = [(a.id, json.dumps(a.to_document())) for a in docs]
    start = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        with raw:
            raw.executemany("INSERT OR REPLACE INTO docs VALUES (?, ?)", rows[i : i + BATCH])
    raw_seconds = time.perf_counter() - start

    store = SQLiteStore(tmp / "store.sqlite")
    segments: list[float] = []  # seconds for each SEGMENT documents
    start = time.perf_counter()
    for i in range(0, len(docs), BATCH):
        t = time.perf_counter()
        store.upsert_articles(docs[i : i + BATCH])
        if i % SEGMENT == 0:
            segments.append(0.0)
        segments[-1] += time.perf_counter() - t
    ours_seconds = time.perf_counter() - start

    start = time.perf_counter()
    for i in range(0, 10 * BATCH, BATCH):
        store.upsert_articles(docs[i : i + BATCH])
    unchanged_seconds = time.perf_counter() - start

    # Two words each from the frequent, middle and rare parts of the vocabulary.
    ranks = [5, 50, 200, 1000, 3000, 8000]
    queries = [
        f"{VOCABULARY[a + i]} {VOCABULARY[b + i]}"
        for i in range(35)
        for a, b in (
            (ranks[0], ranks[1]),
            (ranks[1], ranks[2]),
            (ranks[2], ranks[3]),
            (ranks[3], ranks[4]),
            (ranks[4], ranks[5]),
        )
    ][:200]
    kinds: dict[str, list[float]] = {
        k: [] for k in ("text", "phrase", "entity", "story", "date", "story + date")
    }
    for n, q in enumerate(queries):
        person = PEOPLE[(n * 7) % 500]  # from the frequent to the rare
        for kind, words, filters in (
            ("text", q, SearchFilters()),
            ("phrase", f'"{q}"', SearchFilters()),
            ("entity", q.split()[0], SearchFilters(entity=person)),
            ("story", q, SearchFilters(story="nk-engineers-russia")),
            ("date", q, SearchFilters(since="2025-07-01", until="2025-07-08")),
            ("story + date", q, SearchFilters(story="nk-engineers-russia", since="2025-07-01")),
        ):
            t = time.perf_counter()
            store.search(words, filters, limit=20)
            kinds[kind].append(time.perf_counter() - t)

    # Near-duplicate candidates of stored documents, as dedupe asks for them: every band key.
    for doc in [d for d in docs[:: COUNT // 200] if d.minhash_bands]:
        t = time.perf_counter()
        found = store.near_candidates(doc.minhash_bands)
        kinds.setdefault("near-dup bands", []).append(time.perf_counter() - t)
        if doc.id not in {c["id"] for c in found}:
            raise SystemExit(f"near_candidates missed the document itself: {doc.id}")

    def pct(values, p):
        return statistics.quantiles(values, n=100)[p - 1] * 1000

    size = sum(f.stat().st_size for f in tmp.glob("store.sqlite*")) / 1e6
    print(f"documents: {COUNT}, batches of {BATCH}; store on disk {size:.0f} MB")
    print(f"raw executemany of the same JSON: {COUNT / raw_seconds:8.0f} docs/s")
    print(
        f"SQLiteStore.upsert_articles (FTS5, bands, stories): {COUNT / ours_seconds:8.0f} docs/s "
        f"(ratio to raw {raw_seconds / ours_seconds:.2f})"
    )
    rates = [SEGMENT / seconds for seconds in segments]
    print(
        f"upserts/s by {SEGMENT:,} documents: first {rates[0]:.0f}, last {rates[-1]:.0f} "
        f"(last / first {rates[-1] / rates[0]:.2f}; flat is 1.0): "
        + " ".join(f"{r:.0f}" for r in rates)
    )
    print(f"re-upserting 10,000 unchanged documents: {10 * BATCH / unchanged_seconds:8.0f} docs/s")
    hits = [len(store.search(q, limit=10_000)) for q in queries[::20]]
    print(
        f"matches per query (sample, capped at 10,000): median {statistics.median(hits):.0f}, "
        f"max {max(hits)}"
    )
    for kind, values in kinds.items():
        print(
            f"search, {len(values)} queries, {kind:<12}: p50 {pct(values, 50):6.1f} ms, "
            f"p95 {pct(values, 95):6.1f} ms"
        )
    print(
        f"date histogram: {_timed(store.date_histogram):.1f} ms; top persons: "
        f"{_timed(lambda: store.top_terms('persons')):.1f} ms"
    )
    _story_refresh(store, tmp)


def _story_refresh(store: SQLiteStore, tmp: Path) -> None:
    stories = load_stories([packaged_seed(DEFAULT_SEED_FILE)])
    story = stories[0].id
    jobs.refresh_stories(None, store, stories, "bench-full-0")  # keeps the tally to go on from
    added = articles(ADDED, seed=11)
    for n, article in enumerate(added):
        # New URLs, published after everything stored: a run that only adds members.
        article.url = article.canonical_url = f"https://later.example/news/{n}"
        article.id = article.dup_group = doc_id(article.url)
        article.published_at = f"2025-09-{1 + n % 28:02d}T12:00:00Z"
    logging.getLogger("newsmon").setLevel(logging.ERROR)  # one ALERT line per figure change
    run = tmp / "run-added"
    run.mkdir()
    write_records(run / PROCESSED_FILE, added)
    jobs.index_documents(run / PROCESSED_FILE, store, "bench-added")
    t = time.perf_counter()
    read = jobs.refresh_stories(run / PROCESSED_FILE, store, stories, "bench-added")
    incremental = time.perf_counter() - t
    kept = store.get_story(story) or {}
    # The same refresh again: the kept tally counts the run's members in already, so this
    # one reads every member, and raises (and finds already kept) the same alerts.
    t = time.perf_counter()
    full_read = jobs.refresh_stories(run / PROCESSED_FILE, store, stories, "bench-added")
    full = time.perf_counter() - t
    if full_read["story_members_read"] != {"added": 0, "all": 1}:
        raise SystemExit(f"the second refresh did not read every member: {full_read}")
    again = store.get_story(story) or {}
    same = {k: v for k, v in kept.items() if k != "updated_at"} == {
        k: v for k, v in again.items() if k != "updated_at"
    }
    print(
        f"story refresh, {kept['articles']:,} members, {sum(1 for a in added if a.stories)} "
        f"of them added by the run: from the kept tally {incremental * 1000:.0f} ms "
        f"(members read: {read['story_members_read']}), reading every member "
        f"{full * 1000:.0f} ms; ratio {incremental / full:.3f}; same summary: {same}"
    )
    if not same:
        raise SystemExit("the refresh from the kept tally disagrees with a full read")


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


if __name__ == "__main__":
    main()
