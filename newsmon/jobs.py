"""The job, as three steps that the CLI and the Airflow DAGs both call: crawl, process, index.

Each step reads the previous step's file in the run's landing directory and writes its own, so
any step can be retried alone, and re-running a step over the same input gives the same index.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

from pipeline.landing import dump_record, read_landing
from pipeline.ledger import Ledger, check_arithmetic
from pipeline.models import (DUPLICATE_NEAR, INDEXED, REJECTED, Article, CrawlOutcome, FeedState,
                             FetchedPage, StoryProfile)
from pipeline.process import process_pages
from pipeline.store import Store
from pipeline.timeline import summarize

log = logging.getLogger("newsmon.jobs")
CRAWL_FILE = "crawl.jsonl"
PROCESSED_FILE = "processed.jsonl"
DEAD_LETTER_FILE = "dead-letter.jsonl"
Progress = Callable[[str, int, int | None], None]   # (step, done, total or None)


class CrawlError(RuntimeError):
    """The crawler process itself failed (not a single URL: those are outcomes)."""


def crawl(sources_file: str | Path, stories: list[StoryProfile], store: Store,
          run_dir: str | Path, progress: Progress | None = None,
          log_level: str = "WARNING") -> Path:
    """Crawl every source once, in a Scrapy subprocess; return the landing file."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    landing = run_dir / CRAWL_FILE
    landing.unlink(missing_ok=True)  # a retried crawl starts its landing file afresh
    state = run_dir / "crawl_state.json"
    state.write_text(json.dumps({
        "feeds": {url: asdict(s) for url, s in store.feed_states().items()},
        "seen_urls": store.seen_urls(),
    }))
    queries = [q for story in stories for q in story.queries]
    cmd = [sys.executable, "-m", "crawlers.run", "--sources", str(sources_file),
           "--out", str(landing), "--state", str(state), "--queries", json.dumps(queries),
           "--log-level", log_level]
    log.info("crawl: %s", " ".join(cmd))
    stderr_file = run_dir / "crawl.log"
    with stderr_file.open("w") as stderr:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=stderr,
                                cwd=Path(__file__).resolve().parents[1])
        while proc.poll() is None:
            if progress:
                progress("crawl", _count_lines(landing), None)
            time.sleep(0.2)
    if proc.returncode != 0:
        tail = stderr_file.read_text(errors="replace")[-2000:]
        raise CrawlError(f"crawler exited with {proc.returncode}:\n{tail}")
    landing.touch()
    if progress:
        progress("crawl", _count_lines(landing), _count_lines(landing))
    return landing


def _count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as f:
        return sum(1 for _ in f)


def process(landing: str | Path, store: Store, stories: list[StoryProfile],
            progress: Progress | None = None, nlp=None) -> Path:
    """Extract, canonicalize, dedupe, enrich and assign stories; write processed.jsonl."""
    landing = Path(landing)
    ledger = Ledger()
    pages: list[FetchedPage] = []
    states: list[FeedState] = []
    for record in read_landing(landing):
        if isinstance(record, FetchedPage):
            pages.append(record)
        elif isinstance(record, CrawlOutcome):
            ledger.record(record)
        else:
            states.append(record)
    out = landing.parent / PROCESSED_FILE
    tmp = out.with_suffix(".tmp")
    done = {"pages": 0, "articles": 0}

    def on_page(_):
        done["pages"] += 1
        if progress:
            progress("extract", done["pages"], len(pages))

    def on_article(_):
        done["articles"] += 1
        if progress:
            progress("enrich", done["articles"], None)

    with tmp.open("w", encoding="utf-8") as stream:
        for article in process_pages(pages, store, stories, ledger, nlp=nlp,
                                     on_page=on_page, on_article=on_article):
            stream.write(json.dumps({"type": "Article", **article.to_document()},
                                    ensure_ascii=False) + "\n")
        for outcome in ledger.outcomes:
            dump_record(outcome, stream)
        for state in states:
            dump_record(state, stream)
    tmp.replace(out)  # a crashed process step leaves no half file for index to read
    return out


def _read_articles(path: Path) -> list[Article]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as stream:
        return [Article.from_document(json.loads(line)) for line in stream if line.strip()]


def _write_articles(path: Path, articles: list[Article]) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as stream:
        for article in articles:
            stream.write(json.dumps(article.to_document(), ensure_ascii=False) + "\n")
    tmp.replace(path)


def dead_letter_path(processed: str | Path) -> Path:
    """One dead-letter file per landing zone: <landing>/dead-letter.jsonl."""
    return Path(processed).resolve().parent.parent / DEAD_LETTER_FILE


def index(processed: str | Path, store: Store, stories: list[StoryProfile],
          run_id: str) -> dict:
    """Write the documents, the outcome of every URL and the crawl state; refresh stories.

    Documents the store still refuses after its retries go to the dead-letter file, and the
    next index step replays them first, so an engine outage loses nothing.
    """
    ledger = Ledger()
    articles: list[Article] = []
    states: list[FeedState] = []
    with open(processed, encoding="utf-8") as stream:
        for line in stream:
            data = json.loads(line)
            kind = data.pop("type")
            if kind == "Article":
                articles.append(Article.from_document(data))
            elif kind == "CrawlOutcome":
                ledger.record(CrawlOutcome(**data))
            elif kind == "FeedState":
                states.append(FeedState(**data))
    dead_letter = dead_letter_path(processed)
    replay = {a.id: a for a in _read_articles(dead_letter)}
    batch = dict(replay)
    batch.update({a.id: a for a in articles})   # this run's version of a document wins
    result = store.upsert_articles(list(batch.values()))
    failed = dict(result.failed)
    _write_articles(dead_letter, [batch[doc_id] for doc_id in failed])
    for article in articles:
        if article.id in failed:
            ledger.record(CrawlOutcome(article.url, REJECTED, "index_error", source=article.source,
                                       doc_id=article.id, detail=failed[article.id][:200]))
        elif article.duplicate_of is None:  # near copies were counted by dedupe already
            ledger.record(CrawlOutcome(article.url, INDEXED, source=article.source,
                                       doc_id=article.id))
    this_run = {a.id for a in articles}
    replayed = [a for doc_id, a in replay.items() if doc_id not in failed and doc_id not in this_run]
    # Replayed documents belong to earlier runs' counts, so they stay out of the ledger; only
    # their URLs' stored outcomes are brought up to date, in the same write as this run's.
    replayed_outcomes = [CrawlOutcome(a.url, DUPLICATE_NEAR if a.duplicate_of else INDEXED,
                                      source=a.source, doc_id=a.id, detail="replayed from dead letter")
                         for a in replayed]
    store.record_outcomes(run_id, replayed_outcomes + ledger.outcomes)
    if not failed:
        # Only now: saved validators make the next run skip these feeds when unchanged.
        store.save_feed_states(states)
    for profile in stories:
        store.upsert_story(summarize(profile.id, profile.title, store.story_articles(profile.id)))
    counts = ledger.counts()
    counts["written"] = len(result.written)
    counts["dead_letter"] = {"pending": len(failed), "replayed": len(replayed)}
    counts["adds_up"] = check_arithmetic(counts)
    store.record_run(run_id, counts)
    log.info("run %s: %s", run_id, json.dumps(counts, sort_keys=True))
    return counts


def story_summaries(store: Store, stories: list[StoryProfile]) -> list[dict]:
    out = []
    for profile in stories:
        doc = store.get_story(profile.id) or summarize(profile.id, profile.title, []).to_document()
        out.append({k: doc[k] for k in ("id", "title", "articles", "outlets",
                                        "independent_outlets", "first_seen", "last_seen")})
    return out


def run_all(sources_file: str | Path, stories: list[StoryProfile], store: Store,
            run_dir: str | Path, run_id: str, progress: Progress | None = None) -> dict:
    landing = crawl(sources_file, stories, store, run_dir, progress)
    processed = process(landing, store, stories, progress)
    return index(processed, store, stories, run_id)
