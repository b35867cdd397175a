"""The process step at scale: articles/s, each stage's share, peak memory, and entity agreement
with full-text spaCy, against bare trafilatura on the same pages in the same run.

Pages: `_newspages.NewsPages` (real sentences of the extraction benchmark drawn into new
articles of about 650 words, in about 24 KB of HTML each, with 4 % exact and 4 % near copies
on other outlets). The step is `newsmon.jobs.process` as `newsmon run` calls it: a crawl file
in, processed.jsonl out, on an embedded store, with the default workers (one per core) and the
shipped seed. It runs in a child process per size, so its peak memory is its own.

Printed, per size: articles/s of the step, CPU seconds over wall seconds, peak RSS of the
step's main process and of its largest worker, the per-article cost, and the main process's
RSS every 2,500 articles (a slope that shows growth before the peak does); for the first size,
bare `trafilatura.extract` on the same pages (one process: the issue's baseline) and the
ratio; each stage's share of one process's time (measured on a sample in this process, stage
by stage); entity precision and recall of the step's entities against spaCy's full default
pipeline on the full text of the same articles (both through the same label votes).

    .venv/bin/python bench/process_scale.py              # BENCH_SIZES=10000
    BENCH_SIZES=2000,10000 .venv/bin/python bench/process_scale.py
    BENCH_ENTITIES=off BENCH_SIZES=20000 .venv/bin/python bench/process_scale.py  # memory
    BENCH_PER_DAY=200 BENCH_SIZES=2000,10000 .venv/bin/python bench/process_scale.py  # rate

Every size is spread over one year unless BENCH_PER_DAY fixes the articles a day: over one
year a larger run is also a denser one, and the calling process compares each article with
the emergent stories of its 45-day window.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _newspages import NewsPages, real_sentences

from newsmon.pipeline.models import Article, CrawlSummary, FetchedPage
from newsmon.pipeline.runfiles import read_records, write_records

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "10000").split(",")]
BASELINE_PAGES = 1000
SAMPLE = 300  # articles for the stage shares and the entity comparison
# BENCH_ENTITIES=off: the workers load no model, so the main process's own memory over a long
# run shows in a quarter of the time (the step has no switch for this; the bench sets it)
ENTITIES = os.environ.get("BENCH_ENTITIES", "on") != "off"
RSS_EVERY = 2500  # articles between samples of the main process's RSS
# BENCH_PER_DAY=N: N articles a day instead of every size spread over one year (_newspages)
PER_DAY = int(os.environ["BENCH_PER_DAY"]) if os.environ.get("BENCH_PER_DAY") else None


def write_crawl(path: Path, count: int, sentences: list[str]) -> None:
    pages = NewsPages(count, sentences=sentences, per_day=PER_DAY)
    summary = CrawlSummary(urls_met=count, finish_reason="finished", complete=True)

    def records():
        yield from pages
        yield summary

    write_records(path, records())


def bare_trafilatura(pages: list[FetchedPage]) -> float:
    import trafilatura

    started = time.perf_counter()
    for page in pages:
        trafilatura.extract(page.body)
    return len(pages) / (time.perf_counter() - started)


def child(crawl: str, store: str, result: str) -> None:
    """The step, as the CLI runs it; its figures into `result`."""
    from newsmon import jobs
    from newsmon.pipeline.store.sqlite import SQLiteStore
    from newsmon.pipeline.stories import load_stories
    from newsmon.settings import DEFAULT_SEED_FILE, packaged_seed

    if not ENTITIES:
        from newsmon.pipeline import parallel

        class NoModel(parallel.Workers):
            def __init__(self, processes: int, spacy_model: str | None = None, **_: object):
                super().__init__(processes, spacy_model, entities=False)

        parallel.Workers = NoModel  # type: ignore[misc,assignment]
    samples: list[int] = []

    def progress(stage: str, done: int, _total: int | None) -> None:
        if stage == "enrich" and done % RSS_EVERY == 0:
            samples.append(_rss_mb())

    stories = load_stories([packaged_seed(DEFAULT_SEED_FILE)])
    wall0, cpu0 = time.perf_counter(), time.process_time()
    with SQLiteStore(Path(store)) as db:
        db.setup()
        out = jobs.process(Path(crawl), db, stories, progress=progress)
    wall = time.perf_counter() - wall0
    mine = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - cpu0 + kids.ru_utime + kids.ru_stime
    articles = sum(1 for r in read_records(out) if isinstance(r, Article))
    Path(result).write_text(
        json.dumps(
            {
                "wall": wall,
                "cpu": cpu,
                "articles": articles,
                "main_rss_mb": mine.ru_maxrss / 1024,
                "worker_rss_mb": kids.ru_maxrss / 1024,
                "processed": str(out),
                "rss_samples": samples,
            }
        )
    )


def _rss_mb() -> int:
    """The current (not peak) resident memory of this process, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return 0


def stage_shares(pages: list[FetchedPage]) -> dict[str, float]:
    """Seconds per stage over a sample, in one process, stage by stage."""
    from newsmon.pipeline.canonical import canonicalize_article
    from newsmon.pipeline.claims import extract_claims
    from newsmon.pipeline.dedupe import dedupe
    from newsmon.pipeline.enrich import detect_language, entities_of, keywords_of, load_nlp
    from newsmon.pipeline.extract import extract
    from newsmon.pipeline.ledger import Ledger
    from newsmon.pipeline.store.sqlite import SQLiteStore
    from newsmon.pipeline.stories import StoryTracker, load_stories
    from newsmon.settings import DEFAULT_SEED_FILE, packaged_seed

    nlp = load_nlp()
    times: dict[str, float] = {}

    def timed(name, fn):
        started = time.perf_counter()
        out = fn()
        times[name] = times.get(name, 0.0) + time.perf_counter() - started
        return out

    ledger = Ledger()
    arts = timed("extract", lambda: list(extract(pages, ledger)))
    arts = timed("canonicalize", lambda: [canonicalize_article(a) for a in arts])
    with tempfile.TemporaryDirectory() as tmp, SQLiteStore(Path(tmp) / "s.sqlite") as store:
        store.setup()
        arts = timed("dedupe", lambda: list(dedupe(arts, store, ledger)))
    for a in arts:
        a.language = timed("language", lambda a=a: detect_language(f"{a.title}\n{a.text}"))
    docs = timed("entities (spaCy)", lambda: list(nlp.pipe(f"{a.title}\n\n{a.text}" for a in arts)))
    timed("entities (votes)", lambda: [entities_of(d) for d in docs])
    timed("claims", lambda: [extract_claims(a.text, "en") for a in arts])
    timed("keywords", lambda: [keywords_of(a.title, a.text) for a in arts])
    tracker = StoryTracker(load_stories([packaged_seed(DEFAULT_SEED_FILE)]))
    timed("assign", lambda: [tracker.assign(a) for a in arts])
    return times


def entity_agreement(processed: Path) -> tuple[float, float, int]:
    """P and R of the step's entities against spaCy's full default pipeline (every pipe it
    ships enabled) on the full title and text, both through the same label votes."""
    import spacy

    from newsmon.pipeline.enrich import DEFAULT_MODELS, entities_of

    full = None
    for name in DEFAULT_MODELS:
        try:
            full = spacy.load(name)
            break
        except OSError:
            continue
    assert full is not None, "no spaCy model installed"
    sample: list[Article] = []
    for record in read_records(processed):
        if isinstance(record, Article) and record.language == "en":
            sample.append(record)
            if len(sample) == SAMPLE:
                break
    right = got_n = want_n = 0
    for article, doc in zip(
        sample, full.pipe(f"{a.title}\n\n{a.text}" for a in sample), strict=True
    ):
        want = {(e.text, e.label) for e in entities_of(doc)}
        got = {(e.text, e.label) for e in article.entities}
        right += len(want & got)
        got_n += len(got)
        want_n += len(want)
    return right / max(got_n, 1), right / max(want_n, 1), len(sample)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:5])
        return
    sentences = real_sentences()
    print(f"pages: {len(sentences)} real sentences drawn into new articles; sizes {SIZES}; "
          f"entities {'on' if ENTITIES else 'off (BENCH_ENTITIES=off)'}")  # fmt: skip
    first = list(NewsPages(max(BASELINE_PAGES, SAMPLE), sentences=sentences))
    kb = sorted(len(p.body.encode()) for p in first)[len(first) // 2] / 1000
    bare = bare_trafilatura(first[:BASELINE_PAGES])
    print(f"median page {kb:.1f} KB; bare trafilatura.extract: {bare:.1f} pages/s (one process)")
    print(f"{'articles':>9} {'art/s':>7} {'ratio':>6} {'cpu/wall':>8} {'main MB':>8} "
          f"{'worker MB':>9} {'ms/article':>10}")  # fmt: skip
    last = None
    for size in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            crawl = Path(tmp) / "crawl.jsonl"
            write_crawl(crawl, size, sentences)
            result = Path(tmp) / "result.json"
            subprocess.run(
                [sys.executable, __file__, "--child", str(crawl), str(Path(tmp) / "s.sqlite"),
                 str(result)],
                check=True,
            )  # fmt: skip
            got = json.loads(result.read_text())
            rate = size / got["wall"]
            print(
                f"{size:>9} {rate:>7.1f} {rate / bare:>6.3f} {got['cpu'] / got['wall']:>8.2f} "
                f"{got['main_rss_mb']:>8.0f} {got['worker_rss_mb']:>9.0f} "
                f"{1000 * got['wall'] / size:>10.2f}"
            )
            rss = got["rss_samples"]
            if len(rss) >= 2:
                slope = 1024 * (rss[-1] - rss[0]) / (RSS_EVERY * (len(rss) - 1))
                print(f"{'':>9} main RSS every {RSS_EVERY} articles: {rss} MB, "
                      f"{slope:.1f} KB an article after the first sample")  # fmt: skip
            if last is None and ENTITIES:
                p, r, n = entity_agreement(Path(got["processed"]))
                last = (p, r, n)
    print("target: >= 100 articles/s and ratio >= 0.5 (issue 11)")
    if last:
        p, r, n = last
        print(f"entities against full-text spaCy (all pipes), {n} articles: P {p:.3f} R {r:.3f}"
              " (floor 0.95)")  # fmt: skip
    times = stage_shares(first[:SAMPLE])
    total = sum(times.values())
    print(f"stage shares, one process, {SAMPLE} pages ({SAMPLE / total:.1f} articles/s):")
    for name, seconds in sorted(times.items(), key=lambda kv: -kv[1]):
        share, each = 100 * seconds / total, 1000 * seconds / SAMPLE
        print(f"  {name:<18} {share:5.1f} %  {each:7.2f} ms/article")


if __name__ == "__main__":
    main()
