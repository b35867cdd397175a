"""Only the public web is fetched: no local file, inline data or other scheme, no private
address through a redirect, an IP literal or a name that changes its answer. Real servers on
loopback addresses; the crawler in a subprocess, as newsmon runs it."""

from __future__ import annotations

import html

from webfixtures import Reply, article_page, crawl, rss, serve, sitemap

XML = {"Content-Type": "application/xml"}


def _redirect(location: str) -> Reply:
    return Reply(302, b"", {"Location": location})


def test_only_http_and_https_are_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("NEWSMON_ES_PASSWORD=hunter2")
    data_url = "data:text/html,<h1>hunter2</h1>"
    with serve("127.0.0.61") as site:
        site.routes.update(
            {
                "/sitemap.xml": Reply(
                    200,
                    sitemap(
                        f"file://{secret}",
                        html.escape(data_url),
                        f"ftp://127.0.0.61:{site.port}/x",
                        f"{site.base}/ok",
                        f"{site.base}/to-file",
                        f"{site.base}/to-data",
                    ),
                    XML,
                ),
                "/ok": Reply(200, article_page("Fine")),
                "/to-file": _redirect(f"file://{secret}"),
                "/to-data": _redirect(data_url),
            }
        )
        result = crawl(
            tmp_path,
            [
                {
                    "id": "a",
                    "kind": "sitemap",
                    "url": site.base + "/sitemap.xml",
                    "allow_networks": ["127.0.0.61/32"],
                }
            ],
        )
    outcomes = result.outcomes
    for url in (
        f"file://{secret}",
        data_url,
        f"ftp://127.0.0.61:{site.port}/x",
        f"{site.base}/to-file",
        f"{site.base}/to-data",
    ):
        assert outcomes[url] == ("rejected", "unsupported_scheme"), url
    assert set(result.pages) == {f"{site.base}/ok"}
    assert not any("hunter2" in page.body for page in result.pages.values())
    assert result.summary.urls_met == len(outcomes) + len(result.pages)


def test_redirects_to_private_addresses_are_refused(tmp_path):
    with serve("127.0.0.1") as inside, serve("127.0.0.65") as site:
        inside.routes["/secret"] = Reply(200, article_page("Secret"))
        targets = {
            "/to-loopback": f"http://127.0.0.1:{inside.port}/secret",
            "/to-metadata": "http://169.254.169.254/latest/meta-data/iam/",
            "/to-a-name": f"http://localhost:{inside.port}/secret",
            "/to-mapped-ipv6": f"http://[::ffff:127.0.0.1]:{inside.port}/secret",
            "/to-decimal": f"http://2130706433:{inside.port}/secret",
        }
        site.routes.update({path: _redirect(target) for path, target in targets.items()})
        site.routes["/feed.xml"] = Reply(200, rss(*(site.base + p for p in targets)), XML)
        result = crawl(
            tmp_path,
            [{"id": "a", "url": site.base + "/feed.xml", "allow_networks": ["127.0.0.65/32"]}],
        )
        assert inside.requests == []
    for path in targets:
        assert result.outcomes[site.base + path] == ("rejected", "blocked_address"), path


def test_a_name_is_checked_where_it_is_resolved_for_the_connection(tmp_path, monkeypatch):
    """DNS rebinding: news.rebind.test answers 127.0.0.63 (allowed) once, then 127.0.0.64 (not
    allowed). With the DNS cache off, and a server that closes each connection, every request
    resolves again: the article request (and its one retry) meets the private answer, and must
    be refused instead of connected."""
    with serve("127.0.0.63") as news, serve("127.0.0.64", port=news.port) as private:
        base = f"http://news.rebind.test:{news.port}"
        for server, title in ((news, "Public"), (private, "Private")):
            server.routes["/feed.xml"] = Reply(200, rss(base + "/story"), XML)
            server.routes["/story"] = Reply(200, article_page(title))
        monkeypatch.setenv("FAKE_DNS_ANSWERS", "127.0.0.63,127.0.0.64,127.0.0.64")
        monkeypatch.setenv("FAKE_DNS_LOG", str(tmp_path / "lookups.txt"))
        result = crawl(
            tmp_path,
            [{"id": "n", "url": base + "/feed.xml", "allow_networks": ["127.0.0.63/32"]}],
            settings={
                "NEWSMON_DNS_LOOKUP": "fake_dns.rebinding",
                "DNSCACHE_ENABLED": "False",
                "ROBOTSTXT_OBEY": "False",
            },
        )
        lookups = (tmp_path / "lookups.txt").read_text().split()
        assert lookups[1::2] == ["127.0.0.63", "127.0.0.64", "127.0.0.64"]
        assert private.requests == []
        assert news.requests == ["/feed.xml"]
    assert result.outcomes[base + "/feed.xml"] == ("source", "")
    assert result.outcomes[base + "/story"] == ("rejected", "blocked_address")


def test_every_layer_refuses_non_web_schemes_on_its_own():
    """Feeds and sitemaps drop them, Scrapy does not follow a redirect to them: these layers
    below must hold even when nothing above them does."""
    import pytest
    from scrapy import Request
    from scrapy.settings import Settings

    from newsmon.crawlers.middlewares import (
        AddressGuardMiddleware,
        NetworkPolicy,
        UnsupportedScheme,
    )

    settings = Settings()
    settings.setmodule("newsmon.crawlers.settings", priority="project")
    handlers = settings.getwithbase("DOWNLOAD_HANDLERS")  # Scrapy's defaults, then ours
    assert set(handlers) >= {"http", "https", "file", "data", "ftp", "s3"}
    for scheme in ("file", "data", "ftp", "s3"):
        assert handlers[scheme] is None, scheme
    guard = AddressGuardMiddleware(NetworkPolicy())
    for url in ("file:///etc/passwd", "data:text/html,x", "ftp://example.org/x", "http:///x"):
        with pytest.raises(UnsupportedScheme):
            guard.process_request(Request(url))
    assert guard.process_request(Request("https://example.org/news")) is None


def test_settings_come_from_the_source_that_lists_or_best_matches_the_url(tmp_path):
    """Two outlets on one host, by path, with their own size caps; a search feed lists pages
    of both: each page gets its own outlet and that outlet's settings."""
    big = article_page("Big", words=6000)  # about 70 KB
    with serve("127.0.0.66") as site:
        site.routes.update(
            {
                "/a/rss.xml": Reply(200, rss(site.base + "/a/small", site.base + "/a/big"), XML),
                "/b/rss.xml": Reply(200, rss(), XML),
                "/search": Reply(200, rss(site.base + "/b/big", site.base + "/a/other"), XML),
                "/a/small": Reply(200, article_page("Small")),
                "/a/big": Reply(200, big),
                "/a/other": Reply(200, big),
                "/b/big": Reply(200, big),
            }
        )
        result = crawl(
            tmp_path,
            [
                {
                    "id": "a",
                    "name": "Outlet A",
                    "url": site.base + "/a/rss.xml",
                    "max_page_bytes": 20_000,
                },
                {"id": "b", "name": "Outlet B", "url": site.base + "/b/rss.xml"},
                {"id": "finder", "kind": "search", "url": site.base + "/search?q={query}"},
            ],
            defaults={"allow_networks": ["127.0.0.66/32"]},
            queries=["big"],
        )
    pages = result.pages
    assert (pages[site.base + "/a/small"].source, pages[site.base + "/a/small"].source_name) == (
        "a",
        "Outlet A",
    )
    assert result.outcomes[site.base + "/a/big"] == ("rejected", "too_large")  # A's cap
    assert result.outcomes[site.base + "/a/other"] == ("rejected", "too_large")  # found by
    assert pages[site.base + "/b/big"].source == "b"  # the search, A's all the same
