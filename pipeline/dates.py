"""Publication dates as pages, feeds and sitemaps write them, read into UTC with a sanity window.

Formats, tried in this order (the cheap and exact ones first):
- ISO 8601 in its extended and basic forms (``2025-06-17T06:10:00+09:00``, ``20250617T061000Z``);
- RFC 822 / 2822 / 1123, as RSS and HTTP write them (``Tue, 17 Jun 2025 06:10:00 +0900``);
- Unix timestamps in seconds or milliseconds (some analytics meta tags);
- anything else that names a year (``June 17, 2025 6:10 AM KST``, ``17. Juni 2025``), through
  dateparser. A string without a year is never handed to it: "Tuesday" or "2 hours ago" would be
  read against the clock of whoever reprocesses the page, and give a different date each time.

A date outside the window (before 1990, or later than the page was fetched plus a day of clock
skew) is a wrong date, not a publication date: it is dropped, and the next source of a date is
tried. A date without a time zone is taken to be UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from .models import utc_iso

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SKEW = timedelta(days=1)  # time zones and slightly wrong server clocks
_HAS_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")
_EPOCH = re.compile(r"\d{10}(\d{3})?")
_dateparser: Any = None  # imported on first use: it takes a second to load its languages


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


_ZONE_NAME = re.compile(r"\b([A-Z]{2,5})$")
_RFC822_ZONES = {"UT", "UTC", "GMT", "Z", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT"}


def _rfc822(text: str) -> datetime | None:
    zone = _ZONE_NAME.search(text)
    if zone and zone.group(1) not in _RFC822_ZONES:
        return None  # "KST": the email parser would silently read it as UTC; dateparser knows it
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _epoch(text: str) -> datetime | None:
    if not _EPOCH.fullmatch(text):
        return None
    seconds = int(text) / (1000 if len(text) == 13 else 1)
    return datetime.fromtimestamp(seconds, tz=UTC)


def _written(text: str) -> datetime | None:
    global _dateparser
    if not _HAS_YEAR.search(text):
        return None
    if _dateparser is None:
        import dateparser  # type: ignore[import-untyped]  # no stubs published

        _dateparser = dateparser
    try:
        return _dateparser.parse(
            text,
            settings={
                "RETURN_AS_TIMEZONE_AWARE": True,
                "TO_TIMEZONE": "UTC",
                "PREFER_DAY_OF_MONTH": "first",
                "RELATIVE_BASE": datetime(2000, 1, 1),  # never the clock: see the module doc
            },
        )
    except (ValueError, OverflowError, TypeError, AttributeError):  # dateparser's own failures
        return None


def parse_date(value: object, now: datetime | None = None) -> datetime | None:
    """The date ``value`` names, in UTC, or None: unreadable, or outside 1990 .. now + 1 day.
    ``now`` is when the page was fetched, so reprocessing old pages gives the same dates."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text or len(text) > 100:
        return None
    for reader in (_iso, _rfc822, _epoch, _written):
        try:
            found = reader(text)
        except (OverflowError, OSError, ValueError):
            found = None
        if found is None:
            continue
        return within_window(found, now)
    return None


def within_window(found: datetime, now: datetime | None = None) -> datetime | None:
    """The date in UTC if it lies in 1990 .. now + a day of skew (now: the fetch time, else
    the clock); None otherwise. A date without a time zone is taken to be UTC."""
    found = _aware(found)
    latest = (now or datetime.now(UTC)) + FUTURE_SKEW
    return found if EARLIEST <= found <= latest else None


def iso_date(value: object, now: datetime | None = None) -> str | None:
    """parse_date as ISO 8601 in UTC with a Z (the form every record and index stores)."""
    found = parse_date(value, now)
    return utc_iso(found) if found else None


def fetched_time(fetched_at: str) -> datetime | None:
    """A record's own fetched_at (ISO, UTC) as the `now` of the sanity window."""
    found = _iso(fetched_at) if fetched_at else None
    return _aware(found) if found else None
