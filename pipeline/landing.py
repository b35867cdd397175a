"""The landing zone: what one crawl run met, as JSON lines, one record a line.

The crawl writes it; the process step reads it. Keeping it on disk makes the steps separately
restartable (an Airflow retry of `process` does not crawl again) and lets a run be replayed.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import IO, Iterator

from .models import CrawlOutcome, FeedState, FetchedPage

RECORD_TYPES = {cls.__name__: cls for cls in (FetchedPage, CrawlOutcome, FeedState)}
Record = FetchedPage | CrawlOutcome | FeedState


def dump_record(record: Record, stream: IO[str]) -> None:
    line = {"type": type(record).__name__, **asdict(record)}
    stream.write(json.dumps(line, ensure_ascii=False) + "\n")


def read_landing(path: str | Path) -> Iterator[Record]:
    """Records in the order written. A torn last line (crawler killed mid-write) is skipped."""
    with open(path, encoding="utf-8") as stream:
        for line in stream:
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                continue
            cls = RECORD_TYPES.get(data.pop("type", ""))
            if cls is not None:
                yield cls(**data)
