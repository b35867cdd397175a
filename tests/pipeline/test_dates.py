from datetime import UTC, datetime

import pytest

from newsmon.pipeline.dates import fetched_time, iso_date, parse_date

FETCHED = datetime(2025, 6, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("2025-06-17T06:10:00+09:00", "2025-06-16T21:10:00Z"),  # ISO 8601, extended
        ("20250617T061000Z", "2025-06-17T06:10:00Z"),  # ISO 8601, basic
        ("2025-06-17", "2025-06-17T00:00:00Z"),  # a day, taken as UTC midnight
        ("Tue, 17 Jun 2025 06:10:00 +0900", "2025-06-16T21:10:00Z"),  # RFC 822 / 2822
        ("Tue, 17 Jun 2025 06:10:00 GMT", "2025-06-17T06:10:00Z"),  # RFC 1123, as HTTP
        ("Tue, 17 Jun 2025 06:10:00 KST", "2025-06-16T21:10:00Z"),  # RFC 822 zone name
        ("1750108200", "2025-06-16T21:10:00Z"),  # Unix seconds
        ("1750108200000", "2025-06-16T21:10:00Z"),  # Unix milliseconds
        ("June 17, 2025 6:10 AM", "2025-06-17T06:10:00Z"),  # written out
        ("17. Juni 2025", "2025-06-17T00:00:00Z"),  # another language
        ("2025/06/17 06:10", "2025-06-17T06:10:00Z"),
        ("  2025-06-17T06:10:00Z\n", "2025-06-17T06:10:00Z"),  # whitespace around it
    ],
)
def test_every_common_format_is_read_into_utc(written, meant):
    assert iso_date(written, FETCHED) == meant


@pytest.mark.parametrize(
    "written",
    [
        "2025-06-22T00:00:00Z",  # two days after the fetch: a wrong date, not a publication
        "1970-01-01T00:00:00Z",  # a zero timestamp
        "1989-12-31",  # before the window
        "0000-00-00 00:00:00",  # a CMS's empty date
        "Tuesday",  # no year: read against a clock, it would change with every reprocess
        "2 hours ago",
        "",
        "x" * 200,
    ],
)
def test_dates_outside_the_window_or_without_a_year_are_none(written):
    assert parse_date(written, FETCHED) is None


def test_the_window_ends_a_day_after_the_fetch_not_today():
    """Reprocessing a page fetched long ago gives the same date as processing it then."""
    assert iso_date("2025-06-21T00:00:00Z", FETCHED) == "2025-06-21T00:00:00Z"
    assert iso_date("2025-06-21T00:00:01Z", FETCHED) is None


def test_not_a_string_is_none():
    assert parse_date(None) is None
    assert parse_date(20250617) is None


def test_fetched_time_reads_a_records_own_timestamp():
    assert fetched_time("2025-06-20T00:00:00Z") == FETCHED
    assert fetched_time("") is None
