"""Servers that misbehave, one behaviour a case: each ends as its recorded outcome, and none
crashes or stalls the crawl. Real servers on loopback addresses; the real crawler."""

from __future__ import annotations

import gzip
import socket
import time

from webfixtures import Reply, article_page, crawl, rss, serve

XML = {"Content-Type": "application/xml"}
LOOPBACK = ["127.0.0.0/8"]


def _one_feed(tmp_path, site, paths, **defaults):
    site.routes["/feed.xml"] = Reply(200, rss(*(site.base + p for p in paths)), XML)
    return crawl(
        tmp_path,
        [{"id": "s", "url": site.base + "/feed.xml"}],
        defaults={"allow_networks": LOOPBACK, **defaults},
    )


def test_retry_after_is_honoured_then_the_page_is_fetched(tmp_path):
    times: list[float] = []

    def busy_then_fine(handler):
        times.append(time.monotonic())
        if len(times) == 1:
            return Reply(429, b"slow down", {"Retry-After": "1", "Content-Type": "text/plain"})
        return Reply(200, article_page("Fine"))

    with serve("127.0.0.71") as site:
        site.routes["/story"] = busy_then_fine
        result = _one_feed(tmp_path, site, ["/story"])
    assert list(result.pages) == [site.base + "/story"]
    assert len(times) == 2 and times[1] - times[0] >= 1.0


def test_a_wait_longer_than_the_crawl_makes_is_retry_after_and_not_hammered(tmp_path):
    with serve("127.0.0.72") as site:
        site.routes["/story"] = Reply(429, b"", {"Retry-After": "3600"})
        result = _one_feed(tmp_path, site, ["/story"])
        assert site.requests.count("/story") == 1
    assert result.outcomes[site.base + "/story"] == ("rejected", "retry_after")


def test_a_gzip_bomb_is_too_large(tmp_path):
    bomb = gzip.compress(b"\0" * 20_000_000)  # 20 MB of zeros in ~20 KB
    with serve("127.0.0.73") as site:
        site.routes["/bomb"] = Reply(
            200, bomb, {"Content-Type": "text/html", "Content-Encoding": "gzip"}
        )
        result = _one_feed(tmp_path, site, ["/bomb"], max_page_bytes=1_000_000)
    assert result.outcomes[site.base + "/bomb"] == ("rejected", "too_large")


def test_slow_silent_looping_mislabelled_and_truncated_answers(tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.74", 0))
    silent.listen(8)  # accepts, never answers
    silent_url = f"http://127.0.0.74:{silent.getsockname()[1]}/never"
    with serve("127.0.0.75") as site:
        site.routes.update(
            {
                "/slow": lambda h: (time.sleep(3), Reply(200, article_page("Late")))[1],
                "/loop-a": Reply(302, b"", {"Location": "/loop-b"}),
                "/loop-b": Reply(302, b"", {"Location": "/loop-a"}),
                "/image": Reply(200, b"\x89PNG\r\n\x1a\n", {"Content-Type": "image/png"}),
                "/cut": Reply(
                    200,
                    article_page("Cut")[:200],
                    {"Content-Type": "text/html", "Content-Length": "50000"},
                ),
                "/fine": Reply(200, article_page("Fine")),
            }
        )
        site.routes["/feed.xml"] = Reply(
            200,
            rss(
                *(site.base + p for p in ("/slow", "/loop-a", "/image", "/cut", "/fine")),
                silent_url,
            ),
            XML,
        )
        started = time.monotonic()
        result = crawl(
            tmp_path,
            [{"id": "s", "url": site.base + "/feed.xml"}],
            defaults={"allow_networks": LOOPBACK, "timeout": 1.5},
        )
        elapsed = time.monotonic() - started
    silent.close()
    outcomes = result.outcomes
    assert outcomes[site.base + "/slow"] == ("rejected", "timeout")
    assert outcomes[silent_url] == ("rejected", "timeout")
    assert outcomes[site.base + "/loop-a"] == ("rejected", "too_many_redirects")
    assert outcomes[site.base + "/image"] == ("rejected", "not_html")
    assert outcomes[site.base + "/cut"] == ("rejected", "truncated")
    assert list(result.pages) == [site.base + "/fine"]
    assert result.summary.complete and result.summary.urls_met == 7
    assert elapsed < 60, "a misbehaving server stalled the crawl"


def test_a_feed_of_20000_entries(tmp_path):
    """Every entry is met and accounted for; the ones already final are not fetched again."""
    from newsmon.pipeline.models import CrawlState
    from newsmon.pipeline.runfiles import write_crawl_state

    with serve("127.0.0.76") as site:
        links = [f"{site.base}/a/{n}" for n in range(20_000)]
        site.routes["/feed.xml"] = Reply(200, rss(*links), XML)
        for n in range(20_000 - 20, 20_000):
            site.routes[f"/a/{n}"] = Reply(200, article_page(f"Story {n}"))
        state = tmp_path / "state.json"
        write_crawl_state(state, CrawlState(seen_urls=links[:-20]))
        started = time.monotonic()
        result = crawl(
            tmp_path,
            [{"id": "s", "url": site.base + "/feed.xml"}],
            defaults={"allow_networks": LOOPBACK},
            state=state,
        )
        elapsed = time.monotonic() - started
    seen = [u for u, o in result.outcomes.items() if o == ("seen", "")]
    assert len(seen) == 19_980 and len(result.pages) == 20
    assert result.summary.urls_met == 20_001
    assert elapsed < 120
