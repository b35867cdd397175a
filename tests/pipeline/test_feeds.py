from pathlib import Path

import pytest
from expectations import expected, fixture_files

from newsmon.pipeline.feeds import parse_feed, parse_sitemap

FIXTURES = Path(__file__).parents[1] / "fixtures"
FEED_URL = "https://example.org/feed.xml"


def _check(result, expect):
    if expect.get("rejected"):
        assert result.error, "bad input must be rejected with a reason"
        assert not result.entries
    if "error" in expect:
        assert result.error == expect["error"]
    else:
        assert expect.get("rejected") or not result.error, result.error
    if "entries" in expect:
        assert len(result.entries) == expect["entries"]
    if "warning" in expect:
        assert bool(result.warning) == expect["warning"]
    if "urls" in expect:
        assert [e.url for e in result.entries] == expect["urls"]
    if "titles" in expect:
        assert [e.title for e in result.entries] == expect["titles"]
    if "published" in expect:
        assert [e.published for e in result.entries] == expect["published"]
    if "skipped" in expect:
        assert [reason for _, reason in result.skipped] == expect["skipped"]
    if "children" in expect:
        assert result.child_sitemaps == expect["children"]


@pytest.mark.parametrize("path", fixture_files(FIXTURES / "feeds"), ids=lambda p: p.name)
def test_feed_fixture(path):
    _check(parse_feed(path.read_bytes(), FEED_URL, "example"), expected(path))


@pytest.mark.parametrize("path", fixture_files(FIXTURES / "sitemaps"), ids=lambda p: p.name)
def test_sitemap_fixture(path):
    _check(
        parse_sitemap(path.read_bytes(), "https://example.org/sitemap.xml", "example"),
        expected(path),
    )


def test_entries_carry_source_and_feed_and_utc_dates():
    body = (FIXTURES / "feeds" / "atom_relative_links_resolved.xml").read_bytes()
    entries = parse_feed(body, FEED_URL, "example").entries
    assert {e.source for e in entries} == {"example"}
    assert {e.feed_url for e in entries} == {FEED_URL}
    assert [e.published for e in entries] == ["2025-07-01T10:00:00Z", "2025-07-02T08:00:00Z"]
