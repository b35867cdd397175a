"""Adaptive feed polling: a feed that rarely changes is asked less often.

Each poll of a feed or sitemap ends in a new FeedState. A poll that found something new (a 200
whose body differs from the last one) brings the feed back to its source's ``poll_interval``
(0: every run). A poll that found nothing new (a 304, or the same body again from a server that
ignores conditional GET) doubles the wait, from at least FIRST_BACKOFF, up to the source's
``max_poll_interval``. A feed asked before it is due is not asked at all: the crawl records it
as skipped:not_due, with the time it is due.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from .dates import fetched_time
from .models import FeedState, Source, utc_iso

FIRST_BACKOFF = timedelta(minutes=15)  # one scheduling period of the crawl DAG


def body_digest(body: bytes) -> str:
    return hashlib.sha1(body).hexdigest()


def due_at(state: FeedState | None) -> datetime | None:
    """When the feed is due again; None when it is due now (never polled, or no wait)."""
    if state is None or state.interval_s <= 0:
        return None
    checked = fetched_time(state.checked_at)
    return checked + timedelta(seconds=state.interval_s) if checked else None


def is_due(state: FeedState | None, now: datetime) -> bool:
    due = due_at(state)
    return due is None or now >= due


def after_poll(
    previous: FeedState | None,
    url: str,
    source: Source,
    now: datetime,
    *,
    status: int,
    body: bytes = b"",
    etag: str = "",
    last_modified: str = "",
    listed_lastmod: str = "",
) -> FeedState:
    """The feed's state after a poll that answered ``status`` (200 or 304)."""
    shortest = timedelta(minutes=source.poll_interval)
    longest = max(timedelta(minutes=source.max_poll_interval), shortest)
    if status == 304 and previous is not None:
        digest, changed = previous.digest, False
        etag, last_modified = previous.etag, previous.last_modified
    else:
        digest = body_digest(body)
        changed = previous is None or previous.digest != digest
    if changed:
        wait, changed_at = shortest, utc_iso(now)
    else:
        assert previous is not None
        doubled = timedelta(seconds=2 * previous.interval_s)
        wait = min(max(doubled, FIRST_BACKOFF, shortest), longest)
        changed_at = previous.changed_at
    return FeedState(
        url,
        etag=etag,
        last_modified=last_modified,
        digest=digest,
        checked_at=utc_iso(now),
        changed_at=changed_at,
        interval_s=int(wait.total_seconds()),
        listed_lastmod=listed_lastmod or (previous.listed_lastmod if previous else ""),
    )
