"""Polite and per source: robots.txt's Crawl-delay, a source's own delay and concurrency, the
sources file's crawl settings. Real servers on loopback addresses record when each request
arrived and how many were in flight; the real crawler asks them."""

from __future__ import annotations

import time

from webfixtures import Reply, article_page, crawl, rss, serve

from newsmon.crawlers.spiders.news import crawl_settings
from newsmon.pipeline.sources import load_sources

XML = {"Content-Type": "application/xml"}
LOOPBACK = ["127.0.0.0/8"]
PAGES = [f"/a/{n}" for n in range(4)]


def _site_with_pages(site, robots: str = "", slow: float = 0.0) -> dict:
    def page(_handler):
        time.sleep(slow)
        return Reply(200, article_page("A page"))

    for path in PAGES:
        site.routes[path] = page
    site.routes["/feed.xml"] = Reply(200, rss(*(site.base + p for p in PAGES)), XML)
    if robots:
        site.routes["/robots.txt"] = Reply(200, robots.encode(), {"Content-Type": "text/plain"})
    return {"id": site.host, "url": site.base + "/feed.xml"}


FAST = {"autothrottle": False}  # no adaptive delay: what is measured is the rule under test


def test_robots_crawl_delay_is_obeyed_and_capped(tmp_path):
    with (
        serve("127.0.0.91") as asks_one,
        serve("127.0.0.92") as asks_an_hour,
        serve("127.0.0.93") as asks_nothing,
    ):
        sources = [
            _site_with_pages(asks_one, "User-agent: *\nCrawl-delay: 2\n"),
            _site_with_pages(asks_an_hour, "User-agent: newsmon\nCrawl-delay: 3600\n"),
            _site_with_pages(asks_nothing, "User-agent: *\nDisallow: /private\n"),
        ]
        started = time.monotonic()
        result = crawl(
            tmp_path,
            sources,
            defaults={"allow_networks": LOOPBACK, "delay": 0, "concurrency": 4},
            crawl_block={**FAST, "crawl_delay_max": 2.5},
        )
        took = time.monotonic() - started
    assert len(result.pages) == 12
    # Gaps are measured where the requests arrive, so they carry the loaded machine's
    # scheduling jitter (up to about 0.1 s in CI); a floor that did not hold would show gaps
    # near the control's, well under a second.
    assert min(asks_one.gaps("/a/")) >= 1.7
    assert min(asks_an_hour.gaps("/a/")) >= 2.2  # the hour is capped at crawl_delay_max
    assert took < 60  # and the capped host did not stall the crawl
    # The control: without a Crawl-delay the same pages come faster than any floor above
    # (with room for a loaded machine).
    assert max(asks_nothing.gaps("/a/")) < 0.9


def test_a_sources_own_delay_holds_against_autothrottle(tmp_path):
    """AutoThrottle lowers a host's delay towards its latency; a source's `delay` is a floor."""
    with serve("127.0.0.94") as site, serve("127.0.0.95") as control:
        polite = {**_site_with_pages(site), "delay": 1.5}
        result = crawl(
            tmp_path,
            [polite, _site_with_pages(control)],
            defaults={"allow_networks": LOOPBACK, "delay": 0.05},
            crawl_block={"autothrottle": True},
        )
    assert len(result.pages) == 8
    assert min(site.gaps("/a/")) >= 1.3  # with room for arrival jitter, as above
    assert max(control.gaps("/a/")) < 0.9


def test_a_sources_own_concurrency_bounds_its_host(tmp_path):
    with serve("127.0.0.96") as one_at_a_time, serve("127.0.0.97") as four_at_a_time:
        sources = [
            {**_site_with_pages(one_at_a_time, slow=0.4), "concurrency": 1},
            {**_site_with_pages(four_at_a_time, slow=0.4), "concurrency": 4},
        ]
        result = crawl(
            tmp_path,
            sources,
            defaults={"allow_networks": LOOPBACK, "delay": 0},
            crawl_block=FAST,
        )
    assert len(result.pages) == 8
    assert one_at_a_time.max_active == 1
    assert four_at_a_time.max_active >= 3


def test_sources_sharing_a_host_get_its_most_polite_settings(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        """
crawl: {concurrent_requests: 64, autothrottle: false, crawl_delay_max: 5}
defaults: {concurrency: 3, delay: 0.1}
sources:
  - {id: a, url: "https://news.example/world/rss.xml", concurrency: 4, delay: 2}
  - {id: b, url: "https://news.example/politics/rss.xml", concurrency: 1, delay: 0.5}
  - {id: c, url: "https://other.example/rss.xml"}
"""
    )
    from scrapy.settings import Settings

    current = Settings({"DOWNLOAD_SLOTS": {"kept.example": {"concurrency": 9}}})
    settings = crawl_settings(load_sources(path), current)
    assert settings["DOWNLOAD_SLOTS"] == {
        "news.example": {"concurrency": 1, "delay": 2},
        "other.example": {"concurrency": 3, "delay": 0.1},  # the defaults
        "kept.example": {"concurrency": 9},  # a setting's own entry stays
    }
    assert settings["CONCURRENT_REQUESTS"] == 64
    assert settings["AUTOTHROTTLE_ENABLED"] is False
    assert settings["NEWSMON_CRAWL_DELAY_MAX"] == 5
    assert (settings["CONCURRENT_REQUESTS_PER_DOMAIN"], settings["DOWNLOAD_DELAY"]) == (3, 0.1)


def test_unset_crawl_settings_leave_scrapys_own(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - {id: a, url: 'https://a.example/rss.xml'}\n")
    from scrapy.settings import Settings

    assert crawl_settings(load_sources(path), Settings()) == {"DOWNLOAD_SLOTS": {}}
