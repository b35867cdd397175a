"""The job, as three steps that the CLI and the Airflow DAGs both call: crawl, process, index.

Each step reads the previous step's file in the run's folder and writes its own (the formats
are in newsmon.pipeline.runfiles), so any step can be retried alone, and re-running a step over
the same input gives the same index. Paths reaching this module are absolute: the settings
(newsmon.settings) resolved them against the caller's working directory.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .pipeline.alerts import AlertChannels, AlertTally, raise_alerts
from .pipeline.errors import CrawlError
from .pipeline.ledger import Ledger, judge
from .pipeline.models import (
    Article,
    CrawlOutcome,
    CrawlState,
    CrawlSummary,
    FeedState,
    FetchedPage,
    IndexChanges,
    Outcome,
    PendingURL,
    Regroup,
    Story,
    StoryMerge,
    StoryProfile,
    utc_iso,
    utc_now,
)
from .pipeline.parallel import batched
from .pipeline.runfiles import (
    CRAWL_FILE,
    PROCESSED_FILE,
    RunFiles,
    append_record,
    last_record,
    read_articles,
    read_records,
    write_crawl_state,
    write_records,
)
from .pipeline.sources import load_sources
from .pipeline.store import Store
from .pipeline.timeline import SummaryTally, summarize

if TYPE_CHECKING:
    from .pipeline.stories import StoryTracker

log = logging.getLogger("newsmon.jobs")
crawler_log = logging.getLogger("newsmon.crawler")
Progress = Callable[[str, int, int | None], None]  # (step, done, total or None)
__all__ = ["CRAWL_FILE", "PROCESSED_FILE", "CrawlError", "crawl", "index", "process", "run_all"]

# Scrapy's log lines: "2025-06-16 10:00:00 [scrapy.core.engine] INFO: Spider opened"
_SCRAPY_LINE = re.compile(r"^\S+ \S+ \[[^\]]+\] (DEBUG|INFO|WARNING|ERROR|CRITICAL): ")


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


def crawler_command(
    sources_file: Path,
    out: Path,
    state: Path | None,
    queries: list[str],
    log_level: str = "INFO",
    settings: dict[str, str] | None = None,
) -> list[str]:
    """The crawler subprocess's command line (newsmon.crawlers.run), every path absolute."""
    cmd = [
        sys.executable,
        "-m",
        "newsmon.crawlers.run",
        "--sources",
        str(sources_file),
        "--out",
        str(out),
        "--queries",
        json.dumps(queries),
        "--log-level",
        log_level,
    ]
    if state is not None:
        cmd += ["--state", str(state)]
    for name, value in (settings or {}).items():
        cmd += ["--set", f"{name}={value}"]
    return cmd


def crawl(
    sources_file: str | Path,
    stories: list[StoryProfile],
    store: Store,
    run_dir: str | Path,
    progress: Progress | None = None,
    log_level: str = "INFO",
    stop: Callable[[int], bool] | None = None,
) -> Path:
    """Crawl every source once, in a Scrapy subprocess; return the landing file.

    A crawl that does not finish (the crawler crashed or was killed, `stop` said so after so
    many records, or this process was interrupted) still returns what landed, ending with a
    CrawlSummary that says it is incomplete: the later steps record what it did, and the
    feeds' validators are not saved, so the next run asks for them again."""
    files = RunFiles(Path(run_dir).resolve())
    sources_file = Path(sources_file).resolve()
    queries = [q for story in stories for q in story.queries]
    load_sources(sources_file, queries)  # a configuration error stops here, in one line
    files.run_dir.mkdir(parents=True, exist_ok=True)
    files.crawl.unlink(missing_ok=True)  # a retried crawl starts its landing file afresh
    write_crawl_state(
        files.crawl_state,
        CrawlState(
            feeds=store.feed_states(),
            seen_urls=store.seen_urls(),
            pending=store.pending_urls(due_by=utc_now()),
        ),
    )
    cmd = crawler_command(sources_file, files.crawl, files.crawl_state, queries, log_level)
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
            landed = count()
            if progress:
                progress("crawl", landed, None)
            if stop is not None and stop(landed):
                proc.terminate()  # Scrapy's graceful shutdown: it writes its summary
                break
            time.sleep(0.2)
        proc.wait(timeout=60)
    except BaseException:
        _finish_incomplete(proc, files, "interrupted")
        raise
    finally:
        if proc.poll() is None:  # the crawler must never outlive its caller
            proc.kill()
            proc.wait(timeout=30)
        forwarder.join(timeout=10)
    if proc.returncode != 0:
        if not files.crawl.exists():
            tail = files.crawl_log.read_text(errors="replace")[-2000:]
            raise CrawlError(f"crawler exited with {proc.returncode}:\n{tail}")
        log.error(
            "crawler exited with %s; what landed is recorded as an incomplete crawl",
            proc.returncode,
        )
        _finish_incomplete(proc, files, f"crawler exited {proc.returncode}")
    files.crawl.touch()
    if progress:
        done = count()
        progress("crawl", done, done)
    return files.crawl


def _finish_incomplete(proc: subprocess.Popen[str], files: RunFiles, reason: str) -> None:
    """Stop the crawler and end its landing file with an incomplete summary, unless the
    crawler wrote its own (a graceful shutdown does)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
    last = last_record(files.crawl) if files.crawl.exists() else None
    if not isinstance(last, CrawlSummary):
        with files.crawl.open("a", encoding="utf-8") as stream:
            append_record(CrawlSummary(urls_met=None, finish_reason=reason, complete=False), stream)


def process(
    landing: str | Path | list[Path],
    store: Store,
    stories: list[StoryProfile],
    progress: Progress | None = None,
    nlp: Any = None,
    spacy_model: str | None = None,
    out_dir: str | Path | None = None,
    sources: set[str] | None = None,
    workers: int | None = None,
) -> Path:
    """Extract, canonicalize, dedupe, enrich and assign stories; write processed.jsonl.

    `landing` is one crawl file or several (the shards of a scheduled crawl, processed as one
    batch so that copies across shards are found); their crawl summaries become one. The file
    goes to `out_dir` (default: the crawl file's folder). `sources`, when given, keeps only
    those outlets' records (a reprocess of some outlets), and the URLs met are then theirs.
    Extraction and enrichment run in `workers` processes (default: one per core, with the
    model `spacy_model`); a pipeline given as `nlp` is used here, without workers."""
    from .pipeline.process import process_pages

    files = [Path(f).resolve() for f in (landing if isinstance(landing, list) else [landing])]
    if not files:
        raise ValueError("no crawl file to process")
    for file in files:
        if not file.is_file():
            raise FileNotFoundError(
                f"{file}: no crawl file to process (did the crawl run and "
                "write to this landing folder?)"
            )
    ledger = Ledger()
    carried: list[FeedState | CrawlSummary] = []
    summaries: list[CrawlSummary] = []
    # A URL that two crawls of one batch met (listed by outlets on two shards) is met once in
    # the batch: the first crawl's record is kept, unless a later crawl fetched the page the
    # first could not. This first pass keeps no page body: it notes which pages to read, and
    # the second pass streams them, so memory does not grow with the crawl.
    taken: dict[str, int] = {}  # url -> the crawl that met it first
    paged: set[str] = set()  # urls with a fetched page in the batch
    dropped: set[str] = set()
    wanted: list[set[int]] = []  # per crawl file: the record numbers of the pages to process
    for n, file in enumerate(files):
        summary: CrawlSummary | None = None
        wanted.append(set())
        for line, record in enumerate(read_records(file)):
            if isinstance(record, FetchedPage | CrawlOutcome):
                if sources is not None and record.source not in sources:
                    continue
                first = taken.setdefault(record.url, n)
                if first != n:
                    dropped.add(record.url)
                    if not isinstance(record, FetchedPage) or record.url in paged:
                        continue
                    ledger.outcomes = [o for o in ledger.outcomes if o.url != record.url]
            if isinstance(record, FetchedPage):
                wanted[n].add(line)
                paged.add(record.url)
            elif isinstance(record, CrawlOutcome):
                ledger.record(record)
            elif isinstance(record, CrawlSummary):
                summary = record
            elif isinstance(record, FeedState):
                carried.append(record)
        summaries.append(
            summary or CrawlSummary(urls_met=None, finish_reason="no summary", complete=False)
        )
    merged = merge_summaries(summaries)
    if merged.urls_met is not None:
        merged.urls_met -= len(dropped)
    if sources is not None and merged.urls_met is not None:
        merged.urls_met = len(paged | {o.url for o in ledger.outcomes})
    carried.append(merged)
    total = len(paged)

    def pages() -> Iterator[FetchedPage]:
        for n, file in enumerate(files):
            for line, record in enumerate(read_records(file)):
                if line in wanted[n] and isinstance(record, FetchedPage):
                    yield record

    done = {"pages": 0, "articles": 0}

    def on_page(_: FetchedPage) -> None:
        done["pages"] += 1
        if progress:
            progress("extract", done["pages"], total)

    def on_article(_: Article) -> None:
        done["articles"] += 1
        if progress:
            progress("enrich", done["articles"], None)

    from .pipeline.parallel import Workers, worker_count

    regroups: list[Regroup] = []
    tracker = story_tracker(store, stories) if total else None
    kept: set[str] = set()
    out = (Path(out_dir).resolve() if out_dir else files[0].parent) / PROCESSED_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    with Workers(worker_count(workers), spacy_model, nlp=nlp) as pool:
        articles = process_pages(
            pages(),
            store,
            stories,
            ledger,
            on_page=on_page,
            on_article=on_article,
            regroups=regroups,
            tracker=tracker,
            workers=pool,
        )

        def records() -> Iterator[Any]:
            for article in articles:
                kept.add(article.id)
                yield article
            # a new original that a later stage rejected regroups none
            yield from ledger.outcomes
            yield from carried
            yield from (r for r in regroups if r.new in kept)
            yield from tracker.merges if tracker else []

        write_records(out, records())
    return out


def merge_summaries(summaries: list[CrawlSummary]) -> CrawlSummary:
    """Several crawls' summaries as one: the URLs they met (unknown if any is), complete only
    if all are."""
    if len(summaries) == 1:
        return summaries[0]
    met = [s.urls_met for s in summaries]
    reasons = sorted({s.finish_reason for s in summaries})
    return CrawlSummary(
        urls_met=None if None in met else sum(m or 0 for m in met),
        finish_reason=reasons[0] if len(reasons) == 1 else "+".join(reasons),
        complete=all(s.complete for s in summaries),
    )


def story_tracker(store: Store, stories: list[StoryProfile]) -> StoryTracker:
    """The stories as the store knows them: the tracked stories' members so far, and the
    emergent stories, so that assignment goes on where the last run left it."""
    from .pipeline.stories import StoryTracker

    tracker = StoryTracker(stories)
    for profile in stories:
        tracker.remember(store.iter_story_articles(profile.id))
    tracker.remember(s for s in store.list_stories() if s.get("kind") == "emergent")
    return tracker


def index(
    processed: str | Path,
    store: Store,
    stories: list[StoryProfile],
    run_id: str,
    retry: RetryPlan | None = None,
    alert_channels: AlertChannels | None = None,
) -> dict[str, Any]:
    """The CLI's index step: index_documents, then refresh_stories, as one run record (the
    processed file read once for both)."""
    run = _Processed.read(processed)
    counts = _index_documents(run, store, run_id, retry)
    counts.update(_refresh_stories(run, store, stories, run_id, alert_channels))
    store.record_run(run_id, counts)
    return counts


@dataclass
class _Processed:
    """A processed file, read back, and the run's files beside it. `articles` hold what the
    story refresh reads of each (id, dates, outlet, stories, copy), not their text, entities,
    claims or signatures: those are streamed from the file when the documents are written,
    so the index step's memory does not grow with the text of the run."""

    path: Path
    files: RunFiles
    articles: list[Article]
    ledger: Ledger
    states: list[FeedState]
    summary: CrawlSummary | None
    regroups: list[Regroup]
    merges: list[StoryMerge]
    changes: IndexChanges | None = None  # the index step's, once it has run

    @classmethod
    def read(cls, path: str | Path) -> _Processed:
        path = Path(path).resolve()
        out = cls(path, RunFiles(path.parent), [], Ledger(), [], None, [], [])
        if out.files.index_changes.exists():
            for change in read_records(out.files.index_changes):
                if isinstance(change, IndexChanges):
                    out.changes = change
        for record in read_records(path):
            if isinstance(record, Article):
                out.articles.append(_outline(record))
            elif isinstance(record, CrawlOutcome):
                out.ledger.record(record)
            elif isinstance(record, FeedState):
                out.states.append(record)
            elif isinstance(record, CrawlSummary):
                out.summary = record
            elif isinstance(record, Regroup):
                out.regroups.append(record)
            elif isinstance(record, StoryMerge):
                out.merges.append(record)
        return out

    def documents(self) -> Iterator[Article]:
        """The run's articles in full, read again from the file."""
        for record in read_records(self.path):
            if isinstance(record, Article):
                yield record


INDEX_BATCH = 500  # documents written to the store at once


_HEAVY = {
    "text": "",
    "summary": "",
    "minhash": [],
    "minhash_bands": [],
    "entities": [],
    "persons": [],
    "orgs": [],
    "places": [],
    "keywords": [],
    "claims": [],
    "term_vector": {},
}


def _outline(article: Article) -> Article:
    for name, empty in _HEAVY.items():
        setattr(article, name, type(empty)())
    return article


def index_documents(
    processed: str | Path,
    store: Store,
    run_id: str,
    retry: RetryPlan | None = None,
) -> dict[str, Any]:
    """Write the documents, the outcome of every URL and the crawl state; judge the counts
    and keep them as the run's record (with each outlet's figures, for the data-quality
    checks).

    Documents the store still refuses after its retries go to the dead-letter file, and the
    next index step replays them first, so an engine outage loses nothing.
    """
    return _index_documents(_Processed.read(processed), store, run_id, retry)


def _index_documents(
    run: _Processed, store: Store, run_id: str, retry: RetryPlan | None
) -> dict[str, Any]:
    from .pipeline.quality import outlet_figures

    files, ledger, articles = run.files, run.ledger, run.articles
    # An earlier attempt's changes no longer say what the store holds: with none, the story
    # refresh reads every member, as it must if this attempt stops half way.
    files.index_changes.unlink(missing_ok=True)
    run.changes = changes = IndexChanges(run_id)
    replay = {a.id: a for a in read_articles(files.dead_letter)}
    this_run = {a.id for a in articles}
    # In batches, this run's version of a document last (it wins), and what the store still
    # refuses straight to the next dead-letter file, so memory holds one batch.
    failed: dict[str, str] = {}
    written = 0
    indexed: list[Article] = []
    dead_letter = files.dead_letter.with_name(files.dead_letter.name + ".next")
    dead_letter.parent.mkdir(parents=True, exist_ok=True)
    documents = itertools.chain(
        (a for doc_id, a in replay.items() if doc_id not in this_run), run.documents()
    )
    with dead_letter.open("w", encoding="utf-8") as refused:
        for batch in batched(documents, INDEX_BATCH):
            result = store.upsert_articles(batch)
            written += len(result.written)
            refused_now = dict(result.failed)
            failed.update(refused_now)
            changes.changed = sorted(set(changes.changed) | result.changed_stories)
            created = set(result.created)
            for article in batch:
                if article.id in created:
                    for match in article.stories:
                        changes.created.setdefault(match.id, []).append(article.id)
                if article.id in refused_now:
                    append_record(article, refused)
                elif article.id in this_run:
                    had_text = bool(article.text.strip())
                    indexed.append(_outline(article))
                    indexed[-1].text = "." if had_text else ""  # all outlet_figures reads of it
    dead_letter.replace(files.dead_letter)
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
    replayed_outcomes = [replayed_outcome(a) for a in replayed]
    # Stored documents that this run's articles precede become their copies; their URLs'
    # outcomes follow (they belong to earlier runs' counts, like replayed documents).
    for change in run.regroups:
        if change.new in failed:
            continue
        old = store.regroup(change)
        if old is not None:
            changes.regrouped = True
            replayed_outcomes.append(
                CrawlOutcome(
                    old["url"],
                    Outcome.DUPLICATE_EXACT if change.exact else Outcome.DUPLICATE_NEAR,
                    source=old["source"],
                    doc_id=change.new,
                    detail="an earlier original arrived",
                )
            )
    store.record_outcomes(run_id, replayed_outcomes + ledger.outcomes)
    write_records(files.index_changes, [changes])
    waiting, gave_up = _update_pending(store, ledger, retry or RetryPlan())
    if not failed and run.summary is not None and run.summary.complete:
        # Only now: saved validators make the next run skip these feeds when unchanged, so a
        # crawl that did not finish, or documents not yet written, must not save them.
        store.save_feed_states(run.states)
    counts = ledger.counts(run.summary)
    counts["written"] = written
    counts["dead_letter"] = {"pending": len(failed), "replayed": len(replayed)}
    counts["retry_later"] = {"waiting": waiting, "gave_up": gave_up}
    counts["outlets"] = outlet_figures(ledger.outcomes, indexed)
    verdict, why = judge(counts)
    counts["verdict"] = {"code": int(verdict), "name": verdict.name.lower(), "why": why}
    store.record_run(run_id, counts)
    log.info("run %s: %s", run_id, json.dumps(counts, sort_keys=True))
    return counts


def replayed_outcome(article: Article) -> CrawlOutcome:
    """The outcome of a document written from the dead-letter file at last."""
    return CrawlOutcome(
        article.url,
        Outcome.DUPLICATE_NEAR if article.duplicate_of else Outcome.INDEXED,
        source=article.source,
        doc_id=article.id,
        detail="replayed from dead letter",
    )


def refresh_stories(
    processed: str | Path | None,
    store: Store,
    stories: list[StoryProfile],
    run_id: str,
    alert_channels: AlertChannels | None = None,
) -> dict[str, Any]:
    """After index_documents: the stored articles that this run's articles let into a
    tracked story, every tracked story's summary, the emergent stories this run touched, and
    the alerts this run's articles set off (each once). With no processed file (a refresh from
    the store alone), every emergent story is refreshed and no alert is raised."""
    run = _Processed.read(processed) if processed is not None else None
    return _refresh_stories(run, store, stories, run_id, alert_channels)


def _refresh_stories(
    run: _Processed | None,
    store: Store,
    stories: list[StoryProfile],
    run_id: str,
    alert_channels: AlertChannels | None,
) -> dict[str, Any]:
    changes: IndexChanges | None = None
    if run is None:
        articles: list[Article] = []
        merges: list[StoryMerge] = []
        failed: set[str] = set()
        left = {s["id"] for s in store.list_stories() if s.get("kind") == "emergent"}
        late = 0
    else:
        articles, merges, changes = run.articles, run.merges, run.changes
        waiting = {a.id for a in read_articles(run.files.dead_letter)}
        failed = {a.id for a in articles if a.id in waiting}
        late, left = _reassign_late(store, stories, articles, failed)
    added = {a.id for a in articles if a.id not in failed}
    tallies: dict[str, AlertTally] = {}
    summaries = []
    kept = store.story_tallies([p.id for p in stories]) if changes and not late else {}
    read = {"added": 0, "all": 0}  # how each story's tally was brought up to date
    states = {}
    for profile in stories:
        summary, tallies[profile.id], how = _story_tally(
            store, profile.id, added, changes, kept.get(profile.id)
        )
        read[how] += 1
        summaries.append(summary.story(profile.id, profile.title))
        states[profile.id] = {
            "version": TALLY_VERSION,
            "summary": summary.state(),
            "alerts": tallies[profile.id].state(),
        }
    store.upsert_stories(summaries)
    emergent = _refresh_emergent(store, stories, articles, merges, failed, left)
    alerts = raise_alerts(
        store, stories, tallies, run_id, utc_now(), alert_channels, emergent=emergent
    )
    # Last: a refresh that stops before this reads from the tallies kept before it, again.
    store.save_story_tallies(states)
    return {
        "alerts": alerts,
        "reassigned": late,
        "stories_refreshed": len(stories) + len(emergent),
        "story_members_read": read,
    }


TALLY_VERSION = 1  # of what a kept tally holds (SummaryTally.state, AlertTally.state)


def _story_tally(
    store: Store,
    story_id: str,
    added: set[str],
    changes: IndexChanges | None,
    kept: dict[str, Any] | None,
) -> tuple[SummaryTally, AlertTally, str]:
    """A tracked story's summary and alert tallies with this run's members in, and whether
    only the members added were read ("added") or every member ("all").

    A kept tally goes on only if the story just gained members the store did not hold, and
    its member count agrees: anything else (a rewritten or regrouped member, a late joiner, a
    refresh that ran twice, a write from outside the index step) reads every member again."""
    new = (changes.created.get(story_id, []) if changes else []) or []
    if (
        changes is not None
        and kept is not None
        and kept.get("version") == TALLY_VERSION
        and not changes.regrouped
        and story_id not in changes.changed
        and kept["summary"]["articles"] + len(new) == store.count_story_articles(story_id)
    ):
        summary = SummaryTally.from_state(kept["summary"])
        alert = AlertTally.from_state(kept["alerts"], added)
        for doc in store.get_articles(new):
            summary.add(doc)
            alert.add(doc)
        return summary, alert, "added"
    # One pass over the members, each let go once read, for the summary and the alerts both:
    # a story is never held whole, however many members it has.
    summary, alert = SummaryTally(), AlertTally(added)
    for doc in store.iter_story_articles(story_id):
        summary.add(doc)
        alert.add(doc)
    return summary, alert, "all"


def _reassign_late(
    store: Store,
    stories: list[StoryProfile],
    articles: list[Article],
    failed: set[str] | dict[str, str],
) -> tuple[int, set[str]]:
    """Score again the stored articles that a tracked story's earlier reports, arriving only
    now (an interrupted crawl, a slow feed), would have let in: assignment runs in publication
    order, and these were assigned before what came before them was known. Only when this
    run's members are older than something already stored; a document only gains a story.
    Returns how many joined, and the emergent stories they left."""
    from .pipeline.models import StoryMatch
    from .pipeline.store import SearchFilters
    from .pipeline.stories import EMERGENT_PREFIX, ArticleText

    tracked = {p.id for p in stories}
    written = [a for a in articles if a.id not in failed]
    days = [
        a.published_at
        for a in written
        if a.published_at and any(m.id in tracked for m in a.stories)
    ]
    if not days:
        return 0, set()
    since = min(days)[:10]
    this_run = {a.id for a in written}
    ours = sum(1 for a in written if (a.published_at or "") >= since)
    stored = sum(n for _, n in store.date_histogram(SearchFilters(since=since)))
    if stored <= ours:  # nothing stored earlier is younger than this run's members
        return 0, set()
    tracker = story_tracker(store, stories)
    # Only what was published since: the store's date index, not a scan of every document.
    later = sorted(
        (d for d in store.iter_articles(SearchFilters(since=since)) if d["id"] not in this_run),
        key=lambda d: (str(d["published_at"]), d["id"]),
    )
    changed = []
    left: set[str] = set()
    for doc in later:
        article = Article.from_document(doc)
        text = ArticleText.of(article)
        joined = []
        for story in tracker.tracked:
            if any(m.id == story.profile.id for m in article.stories):
                continue
            value = story.score(text)
            if value >= story.profile.threshold and text.day:
                joined.append(StoryMatch(story.profile.id, value))
                story.add(article.id, text.day, None if article.duplicate_of else text.vector)
        if joined:
            left.update(m.id for m in article.stories if m.id.startswith(EMERGENT_PREFIX))
            kept = [m for m in article.stories if not m.id.startswith(EMERGENT_PREFIX)]
            article.stories = kept + joined
            changed.append(article)
    if changed:
        store.upsert_articles(changed)
        log.info("%d stored articles joined stories their earlier reports let in", len(changed))
    return len(changed), left


def _refresh_emergent(
    store: Store,
    stories: list[StoryProfile],
    articles: list[Article],
    merges: list[StoryMerge],
    failed: set[str] | dict[str, str],
    left: set[str],
) -> list[Story]:
    """Move the members of merged emergent stories, split those that hold two, and store
    every emergent story this run touched with its summary and centroid (what the next run
    compares articles with)."""
    from .pipeline.stories import EMERGENT_PREFIX, EmergentProfile, StoryTracker, split_emergent

    touched = left | {
        m.id
        for a in articles
        if a.id not in failed
        for m in a.stories
        if m.id.startswith(EMERGENT_PREFIX)
    }
    written: list[Story] = []  # stored at the end, in one write
    # Moves are written in batches, so a merged story's members go straight to where its
    # merges end (A into B, then B into C: A's members join C), as one move after another
    # would leave them.
    moves = _Moves(store)
    into = {merge.old: merge.new for merge in merges}
    for merge in merges:
        moves.move(store.iter_story_articles(merge.old), merge.old, _last(into, merge.old))
        old = summarize(merge.old, merge.old, [])
        old.kind, old.merged_into = "emergent", merge.new
        written.append(old)
        touched.discard(merge.old)
        touched.add(merge.new)
    moves.flush()  # before the splits read the merged stories' members
    split_from: dict[str, str] = {}
    for story_id in sorted(touched):
        docs = _split_candidates(store, story_id)
        for new_id, ids in split_emergent(story_id, docs).items():
            members = set(ids)
            moves.move([d for d in docs if d["id"] in members], story_id, new_id)
            split_from[new_id] = story_id
            log.info("emergent story %s split: %d articles are %s", story_id, len(ids), new_id)
    moves.flush()
    touched |= set(split_from)
    tracker = StoryTracker([])  # for the entities it finds in any language
    refreshed = []
    for story_id in sorted(touched):
        # One pass over the members, each let go once read: a story of thousands of members
        # is never held whole (at 4,000 generated articles one held 2,349).
        summary = SummaryTally()
        builder = EmergentProfile(tracker)
        for doc in store.iter_story_articles(story_id):
            builder.add(doc)
            summary.add(doc)
        if not summary.articles:  # every member left it for a tracked story
            gone = summarize(story_id, story_id, [])
            gone.kind = "emergent"
            written.append(gone)
            continue
        story = summary.story(story_id, summary.first_title)
        story.kind = "emergent"
        story.split_from = split_from.get(story_id, "")
        story.profile = builder.profile()
        written.append(story)
        refreshed.append(story)
    store.upsert_stories(written)
    return refreshed


def _split_candidates(store: Store, story_id: str) -> list[dict[str, Any]]:
    """The members of an emergent story that split_emergent checks, or none when it has more
    originals than SPLIT_MAX (it checks none of those): read until that is known, so that a
    large story is not read whole for nothing."""
    from .pipeline.stories import SPLIT_MAX

    docs, originals = [], 0
    for doc in store.iter_story_articles(story_id):
        docs.append(doc)
        originals += not doc.get("duplicate_of")
        if originals > SPLIT_MAX:
            return []
    return docs


class _Moves:
    """Documents that belong to another story now, written about INDEX_BATCH at a time: a
    write each cost 6 ms of commit at 10,000 articles, when a run merged 861 stories and split
    867, and all of them at once held 160 MB more."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.moving: dict[str, Article] = {}

    def move(self, docs: Iterable[dict[str, Any]], old: str, new: str) -> None:
        """These documents belong to story `new` now, not `old` (one moved twice is moved from
        where the first move left it). The documents are read to the end before any write."""
        for doc in docs:
            article = self.moving.get(doc["id"]) or Article.from_document(doc)
            for match in article.stories:
                if match.id == old:
                    match.id = new
            self.moving[article.id] = article
        if len(self.moving) >= INDEX_BATCH:
            self.flush()

    def flush(self) -> None:
        for batch in batched(self.moving.values(), INDEX_BATCH):
            self.store.upsert_articles(batch)
        self.moving.clear()


def _last(into: dict[str, str], story_id: str) -> str:
    """Where a chain of merges from story_id ends."""
    seen = {story_id}
    while story_id in into and into[story_id] not in seen:
        story_id = into[story_id]
        seen.add(story_id)
    return story_id


@dataclass(frozen=True)
class RetryPlan:
    """When articles that failed for a passing reason are asked for again: after `backoff`
    minutes, doubling with each attempt (at most a day), `attempts` times in all."""

    backoff_minutes: float = 15.0
    attempts: int = 6

    def next_attempt(self, attempt: int, now: datetime) -> str:
        minutes = min(self.backoff_minutes * 2 ** (attempt - 1), 24 * 60.0)
        return utc_iso(now + timedelta(minutes=minutes))


_PASSING = re.compile(
    r"^(timeout|connection_refused|dns_error|retry_after|truncated|"
    r"http_error:(408|429|5\d\d)|fetch_error:.*)$"
)


def _update_pending(store: Store, ledger: Ledger, plan: RetryPlan) -> tuple[int, int]:
    """Articles that failed for a passing reason wait for a later run; the others, and those
    that now ended, are forgotten. Returns (waiting, given up)."""
    articles = [o for o in ledger.outcomes if o.feed_url or o.outcome != Outcome.REJECTED]
    urls = [o.url for o in articles]
    before = {p.url: p for p in store.pending_urls(urls=urls)} if urls else {}
    now = datetime.now(UTC)
    waiting: list[PendingURL] = []
    done: list[str] = []
    gave_up = 0
    for outcome in articles:
        passing = outcome.outcome == Outcome.REJECTED and _PASSING.match(outcome.reason)
        attempt = before[outcome.url].attempts + 1 if outcome.url in before else 1
        if passing and outcome.feed_url and attempt <= plan.attempts:
            waiting.append(
                PendingURL(
                    outcome.url,
                    outcome.source,
                    outcome.feed_url,
                    attempt,
                    plan.next_attempt(attempt, now),
                    outcome.reason,
                )
            )
        elif outcome.url in before:
            gave_up += bool(passing)
            done.append(outcome.url)
    store.save_pending(waiting, done)
    return len(waiting), gave_up


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
    workers: int | None = None,
    retry: RetryPlan | None = None,
    stop: Callable[[int], bool] | None = None,
    alert_channels: AlertChannels | None = None,
) -> dict[str, Any]:
    """The whole job. Interrupted while crawling (Ctrl-C, SIGTERM), it still processes and
    indexes what landed, as an incomplete crawl, then lets the interruption go on."""

    def process_and_index(landing: Path, progress: Progress | None) -> dict[str, Any]:
        processed = process(
            landing, store, stories, progress, spacy_model=spacy_model, workers=workers
        )
        return index(processed, store, stories, run_id, retry, alert_channels)

    try:
        landing = crawl(sources_file, stories, store, run_dir, progress, stop=stop)
    except KeyboardInterrupt:
        landing = RunFiles(Path(run_dir).resolve()).crawl
        if landing.exists():
            process_and_index(landing, None)  # no progress bars: the terminal is closing
        raise
    return process_and_index(landing, progress)
