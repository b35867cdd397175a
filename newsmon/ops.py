"""The landing zone as the scheduled DAGs use it: crawls by data interval and source shard,
process batches, markers that say what is done, retention, dead letters and data quality.

The CLI runs one job in one folder (newsmon.jobs). The DAGs split it: many crawls (one per
source shard and data interval) land while a process run takes whatever has landed and not
been indexed yet, and a stories run follows each indexed batch. What is done is written into
the folders themselves, so any DAG, re-run or replay finds the same answer from the files:

    <landing>/crawl-<interval>-s<k>of<n>/   one shard's crawl of one data interval
        sources.yaml    the shard's sources (its part of the sources file)
        crawl.jsonl ... the run's files (newsmon.pipeline.runfiles)
        crawled.json    written when the crawl finished: its counts
        indexed.json    written when the batch that took it was indexed
        bodies-removed  retention took the page bodies out of crawl.jsonl
    <landing>/batch-<run id>/               one process run
        batch.json      the crawls it took
        processed.jsonl
        indexed.json    its counts, once indexed
        stories.json    written when its stories were refreshed
    <landing>/dead-letter.jsonl             documents the store refused, replayed later

Sources are sharded by host, so that one host is only ever crawled by one crawler process and
Scrapy's per-host politeness holds across the shards.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml

from .pipeline.errors import ConfigError
from .pipeline.ledger import Ledger, Verdict, nothing_read
from .pipeline.models import CrawlOutcome, CrawlSummary, FetchedPage, utc_iso, utc_now
from .pipeline.runfiles import (
    CRAWL_FILE,
    DEAD_LETTER_FILE,
    PROCESSED_FILE,
    read_articles,
    read_records,
    write_records,
)
from .pipeline.sources import validate_sources

if TYPE_CHECKING:
    from .jobs import RetryPlan
    from .pipeline.alerts import AlertChannels
    from .pipeline.models import QualityIssue, StoryProfile
    from .pipeline.quality import QualityRules
    from .pipeline.store import Store

log = logging.getLogger("newsmon.ops")

CRAWLED = "crawled.json"
INDEXED = "indexed.json"
STORIES = "stories.json"
BATCH = "batch.json"
BODIES_REMOVED = "bodies-removed"
_CRAWL_DIR = re.compile(r"^crawl-(\d{8}T\d{4}Z)-s(\d+)of(\d+)$")


class NothingRead(RuntimeError):
    """A crawl that could read none of its sources, or met URLs and kept none of them."""


def interval_key(start: datetime) -> str:
    """A data interval's start as a folder name part: 20261202T0115Z (UTC)."""
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    return start.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def crawl_dir(landing: Path, interval: str, shard: int, shards: int) -> Path:
    return landing / f"crawl-{interval}-s{shard}of{shards}"


def interval_of(path: Path) -> datetime | None:
    match = _CRAWL_DIR.match(path.name)
    if not match:
        return None
    return datetime.strptime(match.group(1), "%Y%m%dT%H%MZ").replace(tzinfo=UTC)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, sort_keys=True, indent=1), encoding="utf-8")
    tmp.replace(path)


def read_marker(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


# -- shards ----------------------------------------------------------------------------------


def plan_shards(sources_file: Path, shards: int) -> list[list[str]]:
    """The sources file's source ids in at most `shards` groups: entries that share a host or
    an id always in the same group, groups as even as that allows (largest first, each to the
    group with fewest entries). Deterministic: the same file gives the same groups. Empty
    groups are left out."""
    if shards < 1:
        raise ConfigError(f"crawl shards must be at least 1, not {shards}")
    spec = validate_sources(sources_file)
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    for source in spec.sources:
        host = "host:" + (urlsplit(source.url).hostname or "").lower()
        a, b = root("id:" + source.id), root(host)
        if a != b:
            parent[max(a, b)] = min(a, b)
    units: dict[str, list[str]] = {}
    for source in spec.sources:
        units.setdefault(root("id:" + source.id), []).append(source.id)
    groups: list[list[str]] = [[] for _ in range(shards)]
    for _key, ids in sorted(units.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        smallest = min(range(shards), key=lambda i: (len(groups[i]), i))
        groups[smallest].extend(ids)
    return [sorted(set(g)) for g in groups if g]


def write_shard_sources(sources_file: Path, source_ids: list[str], out: Path) -> Path:
    """The sources file with only these sources (its crawl and default settings kept)."""
    doc = yaml.safe_load(sources_file.read_text(encoding="utf-8"))
    wanted = set(source_ids)
    doc["sources"] = [s for s in doc["sources"] if str(s.get("id")) in wanted]
    missing = wanted - {str(s.get("id")) for s in doc["sources"]}
    if missing:
        raise ConfigError(f"{sources_file}: sources {sorted(missing)} are not in the file any more")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    validate_sources(out)
    return out


def crawl_counts(crawl_file: Path) -> dict[str, Any]:
    """What a crawl file says before any processing: URLs met, article pages, sources read
    and refused."""
    ledger = Ledger()
    pages = 0
    summary: CrawlSummary | None = None
    for record in read_records(crawl_file):
        if isinstance(record, FetchedPage):
            pages += 1
        elif isinstance(record, CrawlOutcome):
            ledger.record(record)
        elif isinstance(record, CrawlSummary):
            summary = record
    counts = ledger.counts(summary)
    return {
        "urls_met": counts["fetched"],
        "pages": pages,
        "outcomes": counts["outcomes"],
        "sources_read": counts["sources_read"],
        "not_modified": counts["not_modified"],
        "not_due": counts["skipped"].get("not_due", 0),
        "seen": counts["seen"],
        "rejected": counts["rejected"],
        "complete": counts["crawl_complete"],
        "finish_reason": counts["crawl_finish_reason"],
    }


def judge_crawl(counts: dict[str, Any]) -> tuple[Verdict, str]:
    """A crawl that could read none of its sources (every feed refused, timed out, not
    found), or that met URLs and left no record of any, did nothing."""
    unread = nothing_read(
        counts["sources_read"], counts["not_modified"], counts["not_due"], counts["rejected"]
    )
    if unread:
        return Verdict.NOTHING_DONE, unread
    if counts["urls_met"] and counts["pages"] + counts["outcomes"] == 0:
        return Verdict.NOTHING_DONE, (
            f"the crawler met {counts['urls_met']} URLs but left no record of any of them"
        )
    return Verdict.OK, "read"


def crawl_shard(
    sources_file: Path,
    source_ids: list[str],
    stories: list[StoryProfile],
    store: Store,
    run_dir: Path,
    interval: str,
) -> dict[str, Any]:
    """Crawl one shard's sources into its folder; mark it crawled. Raises NothingRead (and
    leaves no marker, so nothing downstream takes it) when the crawl did nothing."""
    from .jobs import crawl

    (run_dir / CRAWLED).unlink(missing_ok=True)  # a retry crawls the interval again
    (run_dir / INDEXED).unlink(missing_ok=True)
    shard_sources = write_shard_sources(sources_file, source_ids, run_dir / "sources.yaml")
    landing = crawl(shard_sources, stories, store, run_dir)
    counts = crawl_counts(landing)
    verdict, why = judge_crawl(counts)
    counts.update(
        {
            "dir": str(run_dir),
            "interval": interval,
            "sources": source_ids,
            "at": utc_now(),
            "verdict": verdict.name.lower(),
        }
    )
    if verdict != Verdict.OK:
        raise NothingRead(f"{run_dir.name}: {why}: {json.dumps(counts['rejected'])}")
    _write_json(run_dir / CRAWLED, counts)
    return counts


# -- batches -----------------------------------------------------------------------------------


def crawl_dirs(landing: Path) -> list[Path]:
    """Every finished crawl folder, oldest interval first."""
    if not landing.is_dir():
        return []
    return sorted(
        (p for p in landing.iterdir() if _CRAWL_DIR.match(p.name) and (p / CRAWLED).is_file()),
        key=lambda p: (interval_of(p), p.name),
    )


def pending_crawls(landing: Path) -> list[Path]:
    """Finished crawls that no indexed batch has taken yet."""
    return [p for p in crawl_dirs(landing) if not (p / INDEXED).is_file()]


def select_crawls(
    landing: Path, since: datetime | None = None, until: datetime | None = None
) -> list[Path]:
    """Finished crawls whose data interval starts in [since, until)."""
    out = []
    for path in crawl_dirs(landing):
        start = interval_of(path)
        if start is None:
            continue
        if (since is None or start >= since) and (until is None or start < until):
            out.append(path)
    return out


def safe_name(run_id: str) -> str:
    """A run id as a file name part ("manual__2026-12-02T01:08:25+00:00" has colons)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id)


def batch_dir(landing: Path, run_id: str) -> Path:
    return landing / f"batch-{safe_name(run_id)}"


def process_batch(
    crawls: list[Path],
    store: Store,
    stories: list[StoryProfile],
    out: Path,
    spacy_model: str | None = None,
    sources: set[str] | None = None,
    workers: int | None = None,
) -> Path:
    """The crawls as one batch (copies across shards found): processed.jsonl in `out`."""
    from .jobs import process

    if not crawls:
        raise ValueError("no crawl to process")
    out.mkdir(parents=True, exist_ok=True)
    (out / INDEXED).unlink(missing_ok=True)
    (out / STORIES).unlink(missing_ok=True)
    _write_json(
        out / BATCH,
        {"crawls": [str(p) for p in crawls], "sources": sorted(sources) if sources else None},
    )
    files = [p / CRAWL_FILE for p in crawls]
    return process(
        files,
        store,
        stories,
        spacy_model=spacy_model,
        out_dir=out,
        sources=sources,
        workers=workers,
    )


def index_batch(
    batch: Path, store: Store, run_id: str, retry: RetryPlan | None = None
) -> dict[str, Any]:
    """Index a processed batch; when its counts add up, mark it and its crawls indexed."""
    from .jobs import index_documents

    counts = index_documents(batch / PROCESSED_FILE, store, run_id, retry)
    if counts["verdict"]["code"] == Verdict.OK:
        info = read_marker(batch / BATCH) or {}
        for crawl in info.get("crawls", []):
            if Path(crawl).is_dir() and not info.get("sources"):
                _write_json(Path(crawl) / INDEXED, {"batch": batch.name, "at": utc_now()})
        _write_json(batch / INDEXED, {"run_id": run_id, "at": utc_now(), "counts": counts})
    return counts


def pending_story_batches(landing: Path) -> list[Path]:
    """Indexed batches whose stories were not refreshed yet, oldest first."""
    if not landing.is_dir():
        return []
    batches = [
        p
        for p in landing.iterdir()
        if p.name.startswith("batch-") and (p / INDEXED).is_file() and not (p / STORIES).is_file()
    ]
    return sorted(batches, key=lambda p: (str((read_marker(p / INDEXED) or {}).get("at")), p.name))


def refresh_batch_stories(
    batch: Path | None,
    store: Store,
    stories: list[StoryProfile],
    run_id: str,
    alert_channels: AlertChannels | None = None,
) -> dict[str, Any]:
    """Stories after one indexed batch (or from the store alone, when batch is None)."""
    from .jobs import refresh_stories

    processed = batch / PROCESSED_FILE if batch is not None else None
    result = refresh_stories(processed, store, stories, run_id, alert_channels)
    if batch is not None:
        _write_json(batch / STORIES, {"run_id": run_id, "at": utc_now(), **result})
    return result


# -- maintenance -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Retention:
    """Page bodies go after `body_days`, whole folders after `keep_days`; only from folders
    that are indexed (what has not been indexed is never removed)."""

    body_days: float = 7.0
    keep_days: float = 90.0


def _strip_bodies(crawl_file: Path) -> int:
    """Rewrite a crawl file with its pages' HTML removed; the rest (URLs, outcomes, feed
    state, summary) stays, so what the crawl met can still be counted."""
    records = []
    stripped = 0
    for record in read_records(crawl_file):
        if isinstance(record, FetchedPage) and record.body:
            record.body = ""
            stripped += 1
        records.append(record)
    write_records(crawl_file, records)
    return stripped


def apply_retention(landing: Path, rules: Retention, now: datetime | None = None) -> dict[str, Any]:
    """Remove old page bodies, then old folders. Returns what it did, by kind."""
    now = now or datetime.now(UTC)
    done: Counter[str] = Counter()
    if not landing.is_dir():
        return dict(done)
    body_cut = now - timedelta(days=rules.body_days)
    keep_cut = now - timedelta(days=rules.keep_days)
    for path in sorted(landing.iterdir()):
        if not path.is_dir():
            continue
        start = interval_of(path)
        if start is not None:  # a crawl folder
            if not (path / INDEXED).is_file():
                done["kept_not_indexed"] += start < body_cut
                continue
            if start < keep_cut:
                shutil.rmtree(path)
                done["crawl_folders_removed"] += 1
            elif start < body_cut and not (path / BODIES_REMOVED).exists():
                crawl_file = path / CRAWL_FILE
                done["page_bodies_removed"] += (
                    _strip_bodies(crawl_file) if crawl_file.is_file() else 0
                )
                (path / BODIES_REMOVED).write_text(utc_now(), encoding="utf-8")
                done["crawl_folders_stripped"] += 1
        elif path.name.startswith("batch-"):
            at = (read_marker(path / STORIES) or {}).get("at")  # utc_iso: compares as text
            if at and str(at) < utc_iso(keep_cut):
                shutil.rmtree(path)
                done["batch_folders_removed"] += 1
    return dict(done)


def replay_dead_letters(landing: Path, store: Store) -> dict[str, int]:
    """Write the documents the store refused earlier; those it still refuses stay."""
    path = landing / DEAD_LETTER_FILE
    waiting = read_articles(path)
    if not waiting:
        return {"waiting": 0, "replayed": 0, "still_refused": 0}
    result = store.upsert_articles(waiting)
    failed = dict(result.failed)
    write_records(path, [a for a in waiting if a.id in failed])
    replayed = [a for a in waiting if a.id not in failed]
    from .jobs import replayed_outcome

    store.record_outcomes("maintenance-replay", [replayed_outcome(a) for a in replayed])
    return {"waiting": len(waiting), "replayed": len(replayed), "still_refused": len(failed)}


def data_quality(
    store: Store,
    now: datetime | None = None,
    recent_hours: float = 24.0,
    history_days: float = 14.0,
    rules: QualityRules | None = None,
) -> tuple[list[QualityIssue], dict[str, Any]]:
    """Each outlet's recent runs against its own history before them
    (newsmon.pipeline.quality)."""
    from .pipeline.quality import check_outlets

    now = now or datetime.now(UTC)
    split = utc_iso(now - timedelta(hours=recent_hours))
    runs = store.list_runs(since=utc_iso(now - timedelta(days=history_days)))
    recent = [r["counts"] for r in runs if r["at"] >= split]
    history = [r["counts"] for r in runs if r["at"] < split]
    return check_outlets(recent, history, rules)


__all__ = [
    "NothingRead",
    "Retention",
    "apply_retention",
    "crawl_shard",
    "data_quality",
    "index_batch",
    "pending_crawls",
    "plan_shards",
    "process_batch",
    "refresh_batch_stories",
    "replay_dead_letters",
    "select_crawls",
]
