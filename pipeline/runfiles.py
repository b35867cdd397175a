"""The run's files: every file one step writes and another reads, in one format, here only.

A run keeps its files in ``<landing>/<run id>/``; the dead-letter file is shared by all runs:

    crawl-state.json   CrawlState: what the crawler is told of earlier runs
    crawl.jsonl        FetchedPage, CrawlOutcome, FeedState, CrawlSummary (the crawler's)
    crawl.log          the crawler's own log
    processed.jsonl    Article, CrawlOutcome, FeedState, CrawlSummary, Regroup, StoryMerge
                       (the process step's)
    index-changes.jsonl  IndexChanges: what the index step changed in the stories (the
                       story refresh reads it)
    ../dead-letter.jsonl   Article documents the store refused; the next index step replays them

JSON lines, one typed record a line, with its type named in a "type" key. Files are written
whole to a temporary name and renamed, except the crawl file, which the crawler appends to as
it goes (a torn last line, from a killed crawler, is skipped when read).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from .models import (
    Article,
    CrawlOutcome,
    CrawlState,
    CrawlSummary,
    FeedState,
    FetchedPage,
    IndexChanges,
    PendingURL,
    Regroup,
    StoryMerge,
)

log = logging.getLogger(__name__)
Record = (
    FetchedPage
    | CrawlOutcome
    | FeedState
    | CrawlSummary
    | Article
    | Regroup
    | StoryMerge
    | IndexChanges
)
_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        FetchedPage,
        CrawlOutcome,
        FeedState,
        CrawlSummary,
        Article,
        Regroup,
        StoryMerge,
        IndexChanges,
    )
}

CRAWL_STATE_FILE = "crawl-state.json"
CRAWL_FILE = "crawl.jsonl"
CRAWL_LOG_FILE = "crawl.log"
PROCESSED_FILE = "processed.jsonl"
INDEX_CHANGES_FILE = "index-changes.jsonl"
DEAD_LETTER_FILE = "dead-letter.jsonl"


@dataclass(frozen=True)
class RunFiles:
    """Where one run's files are. All paths are absolute."""

    run_dir: Path

    @classmethod
    def of(cls, landing: str | Path, run_id: str) -> RunFiles:
        return cls(Path(landing).resolve() / run_id)

    @property
    def crawl_state(self) -> Path:
        return self.run_dir / CRAWL_STATE_FILE

    @property
    def crawl(self) -> Path:
        return self.run_dir / CRAWL_FILE

    @property
    def crawl_log(self) -> Path:
        return self.run_dir / CRAWL_LOG_FILE

    @property
    def processed(self) -> Path:
        return self.run_dir / PROCESSED_FILE

    @property
    def index_changes(self) -> Path:
        return self.run_dir / INDEX_CHANGES_FILE

    @property
    def dead_letter(self) -> Path:
        return self.run_dir.parent / DEAD_LETTER_FILE


def encode(record: Record) -> str:
    data = record.to_document() if isinstance(record, Article) else asdict(record)
    return json.dumps({"type": type(record).__name__, **data}, ensure_ascii=False)


def decode(line: str, default_type: str = "") -> Record | None:
    """One line back to its record; None for a torn or unknown line."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    name = data.pop("type", default_type)
    if name == "Article":
        return Article.from_document(data)
    cls = _TYPES.get(name)
    return cls(**data) if cls is not None else None


def append_record(record: Record, stream: IO[str]) -> None:
    stream.write(encode(record) + "\n")


def read_records(path: str | Path, default_type: str = "") -> Iterator[Record]:
    """Records in the order written. A torn or unreadable line is skipped and logged."""
    with open(path, encoding="utf-8") as stream:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            record = decode(line, default_type)
            if record is None:
                log.warning("%s:%d: unreadable record skipped (torn line?)", path, n)
                continue
            yield record


def last_record(path: str | Path, tail: int = 4096) -> Record | None:
    """The last record of a file, read from its end: a crawl file can hold gigabytes of pages,
    and only its last line matters here. None for an empty file, or a last line that is torn
    or longer than `tail` bytes (then it is not a short record such as a CrawlSummary)."""
    with open(path, "rb") as stream:
        stream.seek(0, os.SEEK_END)
        stream.seek(max(0, stream.tell() - tail))
        lines = [line for line in stream.read().split(b"\n") if line.strip()]
    return decode(lines[-1].decode("utf-8", "replace")) if lines else None


def write_records(path: str | Path, records: Iterable[Record]) -> int:
    """Write the whole file atomically (a crash leaves the old file or none); return the count."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as stream:
        for record in records:
            append_record(record, stream)
            n += 1
    tmp.replace(path)
    return n


def read_articles(path: str | Path) -> list[Article]:
    """The dead-letter file's documents (older files have no "type" key: they are articles)."""
    if not Path(path).exists():
        return []
    return [r for r in read_records(path, default_type="Article") if isinstance(r, Article)]


def write_crawl_state(path: str | Path, state: CrawlState) -> None:
    data: dict[str, Any] = {
        "feeds": {url: asdict(s) for url, s in state.feeds.items()},
        "seen_urls": state.seen_urls,
        "pending": [asdict(p) for p in state.pending],
    }
    Path(path).write_text(json.dumps(data), encoding="utf-8")


def read_crawl_state(path: str | Path | None) -> CrawlState:
    if not path or not Path(path).exists():
        return CrawlState()
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return CrawlState(
        feeds={url: FeedState(**s) for url, s in data.get("feeds", {}).items()},
        seen_urls=list(data.get("seen_urls", [])),
        pending=[PendingURL(**p) for p in data.get("pending", [])],
    )
