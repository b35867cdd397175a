"""The job, as three steps that the CLI and the Airflow DAGs both call: crawl, process, index.

Each step reads the previous step's file in the run's folder and writes its own (the formats
are in newsmon.pipeline.runfiles), so any step can be retried alone, and re-running a step over
the same input gives the same index. Paths reaching this module are absolute: the settings
(newsmon.settings) resolved them against the caller's working directory.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from .pipeline.ledger import Ledger, judge
from .pipeline.models import (
    Article,
    CrawlOutcome,
    CrawlState,
    CrawlSummary,
    FeedState,
    FetchedPage,
    Outcome,
    StoryProfile,
)
from .pipeline.runfiles import (
    CRAWL_FILE,
    PROCESSED_FILE,
    RunFiles,
    read_articles,
    read_records,
    write_crawl_state,
    write_records,
)
from .pipeline.sources import load_sources
from .pipeline.store import Store
from .pipeline.timeline import summarize

log = logging.getLogger("newsmon.jobs")
crawler_log = logging.getLogger("newsmon.crawler")
Progress = Callable[[str, int, int | None], None]  # (step, done, total or None)
__all__ = ["CRAWL_FILE", "PROCESSED_FILE", "CrawlError", "crawl", "index", "process", "run_all"]

# Scrapy's log lines: "2025-06-16 10:00:00 [scrapy.core.engine] INFO: Spider opened"
_SCRAPY_LINE = re.compile(r"^\S+ \S+ \[[^\]]+\] (DEBUG|INFO|WARNING|ERROR|CRITICAL): ")


class CrawlError(RuntimeError):
    """The crawler process itself failed (not a single URL: those are outcomes)."""


class _LineCounter:
    """Lines in a file that another process appends to, counted from where it last stopped:
    O(new bytes) per call, not O(file)."""

    def __init__(self, path: Path):
        self.path = path
        self.offset = 0
        self.lines = 0

    def __call__(self) -> int:
        try:
            with self.path.open("rb") as f:
                f.seek(self.offset)
                chunk = f.read()
        except FileNotFoundError:
            return self.lines
        self.offset += len(chunk)
        self.lines += chunk.count(b"\n")
        return self.lines


def _forward_log(stream: IO[str], log_file: Path) -> None:
    """The crawler's log into crawl.log and into Python logging (so into Airflow's task log),
    each line at the level Scrapy gave it."""
    level = logging.INFO
    with log_file.open("w", encoding="utf-8") as out:
        for line in stream:
            out.write(line)
            out.flush()
            match = _SCRAPY_LINE.match(line)
            if match:
                level = logging.getLevelNamesMapping()[match.group(1)]
            crawler_log.log(level, "%s", line.rstrip())


def crawl(
    sources_file: str | Path,
    stories: list[StoryProfile],
    store: Store,
    run_dir: str | Path,
    progress: Progress | None = None,
    log_level: str = "INFO",
) -> Path:
    """Crawl every source once, in a Scrapy subprocess; return the landing file."""
    files = RunFiles(Path(run_dir).resolve())
    sources_file = Path(sources_file).resolve()
    queries = [q for story in stories for q in story.queries]
    load_sources(sources_file, queries)  # a configuration error stops here, in one line
    files.run_dir.mkdir(parents=True, exist_ok=True)
    files.crawl.unlink(missing_ok=True)  # a retried crawl starts its landing file afresh
    write_crawl_state(
        files.crawl_state, CrawlState(feeds=store.feed_states(), seen_urls=store.seen_urls())
    )
    cmd = [
        sys.executable,
        "-m",
        "newsmon.crawlers.run",
        "--sources",
        str(sources_file),
        "--out",
        str(files.crawl),
        "--state",
        str(files.crawl_state),
        "--queries",
        json.dumps(queries),
        "--log-level",
        log_level,
    ]
    log.info("crawl: %s", " ".join(cmd))
    # cwd is the run's own folder: nothing the crawler writes can land anywhere else.
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        cwd=files.run_dir,
    )
    assert proc.stderr is not None
    forwarder = threading.Thread(
        target=_forward_log, args=(proc.stderr, files.crawl_log), daemon=True
    )
    forwarder.start()
    count = _LineCounter(files.crawl)
    try:
        while proc.poll() is None:
            if progress:
                progress("crawl", count(), None)
            time.sleep(0.2)
    finally:
        if proc.poll() is None:  # interrupted: the crawler must not outlive its caller
            proc.terminate()
            proc.wait(timeout=30)
        forwarder.join(timeout=10)
    if proc.returncode != 0:
        tail = files.crawl_log.read_text(errors="replace")[-2000:]
        raise CrawlError(f"crawler exited with {proc.returncode}:\n{tail}")
    files.crawl.touch()
    if progress:
        done = count()
        progress("crawl", done, done)
    return files.crawl


def process(
    landing: str | Path,
    store: Store,
    stories: list[StoryProfile],
    progress: Progress | None = None,
    nlp: Any = None,
    spacy_model: str | None = None,
) -> Path:
    """Extract, canonicalize, dedupe, enrich and assign stories; write processed.jsonl."""
    from .pipeline.process import process_pages

    landing = Path(landing).resolve()
    if not landing.is_file():
        raise FileNotFoundError(
            f"{landing}: no crawl file to process (did the crawl run and "
            "write to this landing folder?)"
        )
    ledger = Ledger()
    pages: list[FetchedPage] = []
    carried: list[FeedState | CrawlSummary] = []
    for record in read_records(landing):
        if isinstance(record, FetchedPage):
            pages.append(record)
        elif isinstance(record, CrawlOutcome):
            ledger.record(record)
        elif isinstance(record, FeedState | CrawlSummary):
            carried.append(record)
    if pages and nlp is None:
        from .pipeline.enrich import load_nlp

        nlp = load_nlp(spacy_model)
    done = {"pages": 0, "articles": 0}

    def on_page(_: FetchedPage) -> None:
        done["pages"] += 1
        if progress:
            progress("extract", done["pages"], len(pages))

    def on_article(_: Article) -> None:
        done["articles"] += 1
        if progress:
            progress("enrich", done["articles"], None)

    articles = list(
        process_pages(
            pages, store, stories, ledger, nlp=nlp, on_page=on_page, on_article=on_article
        )
    )
    out = landing.parent / PROCESSED_FILE
    write_records(out, [*articles, *ledger.outcomes, *carried])
    return out


def index(
    processed: str | Path, store: Store, stories: list[StoryProfile], run_id: str
) -> dict[str, Any]:
    """Write the documents, the outcome of every URL and the crawl state; refresh stories.

    Documents the store still refuses after its retries go to the dead-letter file, and the
    next index step replays them first, so an engine outage loses nothing.
    """
    processed = Path(processed).resolve()
    files = RunFiles(processed.parent)
    ledger = Ledger()
    articles: list[Article] = []
    states: list[FeedState] = []
    summary: CrawlSummary | None = None
    for record in read_records(processed):
        if isinstance(record, Article):
            articles.append(record)
        elif isinstance(record, CrawlOutcome):
            ledger.record(record)
        elif isinstance(record, FeedState):
            states.append(record)
        elif isinstance(record, CrawlSummary):
            summary = record
    replay = {a.id: a for a in read_articles(files.dead_letter)}
    batch = dict(replay)
    batch.update({a.id: a for a in articles})  # this run's version of a document wins
    result = store.upsert_articles(list(batch.values()))
    failed = dict(result.failed)
    write_records(files.dead_letter, [batch[doc_id] for doc_id in failed])
    for article in articles:
        if article.id in failed:
            ledger.reject(
                article.url, "index_error", source=article.source, detail=failed[article.id][:200]
            )
        elif article.duplicate_of is None:  # near copies were counted by dedupe already
            ledger.record(
                CrawlOutcome(article.url, Outcome.INDEXED, source=article.source, doc_id=article.id)
            )
    this_run = {a.id for a in articles}
    replayed = [
        a for doc_id, a in replay.items() if doc_id not in failed and doc_id not in this_run
    ]
    # Replayed documents belong to earlier runs' counts, so they stay out of the ledger; only
    # their URLs' stored outcomes are brought up to date, in the same write as this run's.
    replayed_outcomes = [
        CrawlOutcome(
            a.url,
            Outcome.DUPLICATE_NEAR if a.duplicate_of else Outcome.INDEXED,
            source=a.source,
            doc_id=a.id,
            detail="replayed from dead letter",
        )
        for a in replayed
    ]
    store.record_outcomes(run_id, replayed_outcomes + ledger.outcomes)
    if not failed and summary is not None and summary.complete:
        # Only now: saved validators make the next run skip these feeds when unchanged, so a
        # crawl that did not finish, or documents not yet written, must not save them.
        store.save_feed_states(states)
    for profile in stories:
        store.upsert_story(summarize(profile.id, profile.title, store.story_articles(profile.id)))
    counts = ledger.counts(summary)
    counts["written"] = len(result.written)
    counts["dead_letter"] = {"pending": len(failed), "replayed": len(replayed)}
    verdict, why = judge(counts)
    counts["verdict"] = {"code": int(verdict), "name": verdict.name.lower(), "why": why}
    store.record_run(run_id, counts)
    log.info("run %s: %s", run_id, json.dumps(counts, sort_keys=True))
    return counts


def story_summaries(store: Store, stories: list[StoryProfile]) -> list[dict[str, Any]]:
    out = []
    for profile in stories:
        doc = store.get_story(profile.id) or summarize(profile.id, profile.title, []).to_document()
        out.append(
            {
                k: doc[k]
                for k in (
                    "id",
                    "title",
                    "articles",
                    "outlets",
                    "independent_outlets",
                    "first_seen",
                    "last_seen",
                )
            }
        )
    return out


def run_all(
    sources_file: str | Path,
    stories: list[StoryProfile],
    store: Store,
    run_dir: str | Path,
    run_id: str,
    progress: Progress | None = None,
    spacy_model: str | None = None,
) -> dict[str, Any]:
    landing = crawl(sources_file, stories, store, run_dir, progress)
    processed = process(landing, store, stories, progress, spacy_model=spacy_model)
    return index(processed, store, stories, run_id)
