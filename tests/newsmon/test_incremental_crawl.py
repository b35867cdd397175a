"""Incremental crawling over runs: feeds polled adaptively, sitemap indexes followed with a
bound and only where their lastmod moved, old entries left alone. Real servers, the real
crawler, the embedded store; each run is a full `run_all` as `newsmon run` makes it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import yaml
from webfixtures import Reply, distinct_page, rss, serve

from newsmon import jobs
from newsmon.pipeline.models import utc_iso
from newsmon.pipeline.store import open_store

XML = {"Content-Type": "application/xml"}
SM = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"


def _sources(tmp_path, *sources, **defaults):
    path = tmp_path / "sources.yaml"
    document = {"defaults": {"allow_networks": ["127.0.0.0/8"], **defaults}, "sources": sources}
    path.write_text(yaml.safe_dump(document))
    return path


class Runs:
    def __init__(self, tmp_path, sources, stories):
        self.tmp, self.sources, self.stories = tmp_path, sources, stories
        self.store = open_store(tmp_path / "s.sqlite")
        self.n = 0

    def __call__(self):
        self.n += 1
        run = f"r{self.n}"
        return jobs.run_all(self.sources, self.stories, self.store, self.tmp / "l" / run, run)

    def age_feed_states(self, by: timedelta):
        """As if the last polls were `by` earlier: the clock moves on without a wait."""
        aged = []
        for state in self.store.feed_states().values():
            checked = datetime.fromisoformat(state.checked_at.replace("Z", "+00:00"))
            aged.append(replace(state, checked_at=utc_iso(checked - by)))
        self.store.save_feed_states(aged)


def test_a_feed_that_does_not_change_is_polled_less_often_and_a_change_resets_it(tmp_path, stories):
    version = {"etag": '"v1"', "links": ["/a1"]}

    def feed(handler):
        if handler.headers.get("If-None-Match") == version["etag"]:
            return Reply(304, b"", {})
        body = rss(*(site.base + p for p in version["links"]))
        return Reply(200, body, {**XML, "ETag": version["etag"]})

    with serve("127.0.0.101") as site:
        site.routes["/feed.xml"] = feed
        for path in ("/a1", "/a2"):
            site.routes[path] = Reply(200, distinct_page(f"Story {path}"))
        source = {"id": "s", "url": site.base + "/feed.xml"}
        runs = Runs(tmp_path, _sources(tmp_path, source), stories)
        first = runs()
        second = runs()  # 304: unchanged once, so it waits FIRST_BACKOFF
        asked = len(site.requests)
        third = runs()  # not due: not asked at all
        assert len(site.requests) == asked
        runs.age_feed_states(timedelta(minutes=16))
        fourth = runs()  # due again, still unchanged: the wait doubles
        (state,) = runs.store.feed_states().values()
        waited = state.interval_s
        version.update(etag='"v2"', links=["/a1", "/a2"])
        runs.age_feed_states(timedelta(minutes=31))
        fifth = runs()  # changed: back to every run
        (changed,) = runs.store.feed_states().values()
        runs.store.close()
    assert (first["indexed"], first["verdict"]["code"]) == (1, 0)
    assert second["not_modified"] == 1
    assert third["skipped"] == {"not_due": 1} and third["fetched"] == 1
    assert third["verdict"]["code"] == 0  # nothing was due: not an empty run
    assert fourth["not_modified"] == 1 and waited == 30 * 60
    assert fifth["sources_read"] == 1 and fifth["indexed"] == 1 and changed.interval_s == 0


def _urlset(*entries: tuple[str, str]) -> bytes:
    items = "".join(
        f"<url><loc>{loc}</loc><news:news><news:publication_date>{date}"
        "</news:publication_date></news:news></url>"
        for loc, date in entries
    )
    return f'<urlset xmlns="{SM}" xmlns:news="{NEWS}">{items}</urlset>'.encode()


def _index(site, children: dict[str, str]) -> bytes:
    items = "".join(
        f"<sitemap><loc>{site.base}{path}</loc><lastmod>{lastmod}</lastmod></sitemap>"
        for path, lastmod in children.items()
    )
    return f'<sitemapindex xmlns="{SM}">{items}</sitemapindex>'.encode()


def test_a_sitemap_index_is_followed_newest_first_with_a_bound_and_only_where_it_moved(
    tmp_path, stories
):
    day = datetime(2025, 6, 1, tzinfo=UTC)
    children = {f"/sm/{n}.xml": utc_iso(day + timedelta(days=n)) for n in range(12)}
    with serve("127.0.0.102") as site:
        site.routes["/index.xml"] = lambda _h: Reply(200, _index(site, children), XML)
        for n in range(13):
            site.routes[f"/sm/{n}.xml"] = Reply(
                200, _urlset((f"{site.base}/p/{n}", "2025-06-20T00:00:00Z")), XML
            )
            site.routes[f"/p/{n}"] = Reply(200, distinct_page(f"Page {n}"))
        source = {
            "id": "s",
            "kind": "sitemap",
            "url": site.base + "/index.xml",
            "max_sitemaps": 4,
            "max_poll_interval": 0,  # adaptive polling off: every run reads the index
        }
        runs = Runs(tmp_path, _sources(tmp_path, source), stories)
        first = runs()
        read_first = sorted(p for p in site.requests if p.startswith("/sm/"))
        site.requests.clear()
        second = runs()
        read_second = [p for p in site.requests if p.startswith("/sm/")]
        children["/sm/12.xml"] = utc_iso(day + timedelta(days=40))  # a new child, the newest
        children["/sm/0.xml"] = utc_iso(day + timedelta(days=39))  # an old one, updated
        site.requests.clear()
        third = runs()
        read_third = sorted(p for p in site.requests if p.startswith("/sm/"))
        runs.store.close()
    assert read_first == ["/sm/10.xml", "/sm/11.xml", "/sm/8.xml", "/sm/9.xml"]
    assert first["indexed"] == 4 and first["skipped"] == {"sitemap_limit": 8}
    assert first["adds_up"]
    assert read_second == []  # every followed child's lastmod is unchanged
    assert second["not_modified"] == 4 and second["verdict"]["code"] == 0
    assert read_third == ["/sm/0.xml", "/sm/12.xml"]
    assert third["indexed"] == 2


def test_sitemap_indexes_are_followed_two_levels_deep_and_no_further(tmp_path, stories):
    with serve("127.0.0.103") as site:
        for level in range(4):
            site.routes[f"/level{level}.xml"] = Reply(
                200, _index(site, {f"/level{level + 1}.xml": "2025-06-20T00:00:00Z"}), XML
            )
        source = {"id": "s", "kind": "sitemap", "url": site.base + "/level0.xml"}
        runs = Runs(tmp_path, _sources(tmp_path, source), stories)
        result = runs()
        runs.store.close()
    assert [p for p in site.requests if p.startswith("/level")] == [
        "/level0.xml",
        "/level1.xml",
        "/level2.xml",
    ]
    assert result["skipped"] == {"sitemap_depth": 1} and result["adds_up"]


def test_entries_dated_before_the_sources_window_are_not_fetched(tmp_path, stories):
    now = datetime.now(UTC)
    with serve("127.0.0.104") as site:
        site.routes["/news.xml"] = Reply(
            200,
            _urlset(
                (f"{site.base}/recent", utc_iso(now - timedelta(days=2))),
                (f"{site.base}/old", utc_iso(now - timedelta(days=100))),
            ),
            XML,
        )
        site.routes["/recent"] = Reply(200, distinct_page("Recent"))
        site.routes["/old"] = Reply(200, distinct_page("Old"))
        source = {"id": "s", "kind": "sitemap", "url": site.base + "/news.xml"}
        runs = Runs(tmp_path, _sources(tmp_path, source, max_age_days=30), stories)
        result = runs()
        runs.store.close()
    assert "/old" not in site.requests and "/recent" in site.requests
    assert result["indexed"] == 1 and result["skipped"] == {"before_window": 1}
    assert result["adds_up"]
