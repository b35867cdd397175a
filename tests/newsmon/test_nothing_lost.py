"""Nothing is lost: an article that failed for a passing reason is asked for again by later
runs, even behind a feed that answers 304; a crawl that did not finish is recorded as such, and
the runs that follow it index everything a clean run does."""

from __future__ import annotations

import os
import signal

import pytest
import yaml
from demo_truth import mismatches, truth_for
from webfixtures import Reply, article_page, rss, serve

from newsmon import jobs
from newsmon.jobs import RetryPlan
from newsmon.pipeline.store import open_store

NOW = RetryPlan(backoff_minutes=0, attempts=3)  # due again at once, three tries in all


def _feed_with_etag(site, *paths):
    body = rss(*(site.base + p for p in paths))

    def feed(handler):
        if handler.headers.get("If-None-Match") == '"v1"':
            return Reply(304, b"", {})
        return Reply(200, body, {"Content-Type": "application/xml", "ETag": '"v1"'})

    site.routes["/feed.xml"] = feed


def _sources(tmp_path, site):
    path = tmp_path / "sources.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "defaults": {"allow_networks": ["127.0.0.0/8"]},
                "sources": [{"id": "s", "url": site.base + "/feed.xml"}],
            }
        )
    )
    return path


def test_a_passing_failure_is_asked_for_again_behind_an_unchanged_feed(tmp_path, stories):
    # Scrapy's own retry asks once more at once: both get 503; the next run gets the page.
    answers = iter([Reply(503, b"busy"), Reply(503, b"busy"), Reply(200, article_page("Back"))])
    with serve("127.0.0.81") as site:
        _feed_with_etag(site, "/story")
        site.routes["/story"] = lambda handler: next(answers)
        store = open_store(tmp_path / "s.sqlite")
        first = jobs.run_all(
            _sources(tmp_path, site), stories, store, tmp_path / "l" / "r1", "r1", retry=NOW
        )
        assert first["rejected"] == {"http_error:503": 1}
        assert first["retry_later"] == {"waiting": 1, "gave_up": 0}
        assert [p.url for p in store.pending_urls()] == [site.base + "/story"]
        second = jobs.run_all(
            _sources(tmp_path, site), stories, store, tmp_path / "l" / "r2", "r2", retry=NOW
        )
        assert second["not_modified"] == 1 and second["indexed"] == 1
        assert second["adds_up"] and store.pending_urls() == []
        assert site.requests.count("/story") == 3  # once, Scrapy's one retry, then again
        store.close()


def test_retries_are_bounded_and_wait_for_their_time(tmp_path, stories):
    with serve("127.0.0.82") as site:
        _feed_with_etag(site, "/down")
        site.routes["/down"] = Reply(503, b"down")
        store = open_store(tmp_path / "s.sqlite")
        runs = [
            jobs.run_all(
                _sources(tmp_path, site),
                stories,
                store,
                tmp_path / "l" / f"r{n}",
                f"r{n}",
                retry=NOW,
            )
            for n in range(4)
        ]
        assert [r["retry_later"] for r in runs] == [
            {"waiting": 1, "gave_up": 0},
            {"waiting": 1, "gave_up": 0},
            {"waiting": 1, "gave_up": 0},
            {"waiting": 0, "gave_up": 1},
        ]
        assert store.pending_urls() == []
        before = site.requests.count("/down")
        jobs.run_all(
            _sources(tmp_path, site), stories, store, tmp_path / "l" / "r9", "r9", retry=NOW
        )
        assert site.requests.count("/down") == before  # given up: not asked again
        # With the default backoff, a failure waits: the next run does not ask at once.
        _feed_with_etag(site, "/later")
        site.routes["/later"] = Reply(503, b"down")
        later = open_store(tmp_path / "later.sqlite")
        jobs.run_all(_sources(tmp_path, site), stories, later, tmp_path / "m" / "r1", "r1")
        (waiting,) = later.pending_urls()
        assert later.pending_urls(due_by=waiting.next_attempt) == [waiting]
        asked = site.requests.count("/later")
        jobs.run_all(_sources(tmp_path, site), stories, later, tmp_path / "m" / "r2", "r2")
        assert site.requests.count("/later") == asked
        store.close()
        later.close()


def _stop_after(records: int, how: int):
    """A stop condition that kills the crawler after so many landed records: SIGTERM (Scrapy
    shuts down and says so) or SIGKILL (a crash: nothing is said)."""

    def stop(landed: int) -> bool:
        return landed >= records

    stop.signal = how  # type: ignore[attr-defined]
    return stop


@pytest.mark.parametrize(
    "records, how",
    [(3, signal.SIGTERM), (30, signal.SIGTERM), (60, signal.SIGTERM), (25, signal.SIGKILL)],
)
def test_killed_crawls_lose_nothing(
    demo_web, demo_sources, stories, tmp_path, monkeypatch, records, how
):
    if how == signal.SIGKILL:  # a crash instead of a shutdown: the crawler dies at once
        real_terminate = jobs.subprocess.Popen.terminate
        monkeypatch.setattr(
            jobs.subprocess.Popen,
            "terminate",
            lambda self: (
                os.kill(self.pid, signal.SIGKILL) if self.poll() is None else real_terminate(self)
            ),
        )
    store = open_store(tmp_path / "s.sqlite")
    first = jobs.run_all(
        demo_sources,
        stories,
        store,
        tmp_path / "l" / "r1",
        "r1",
        retry=NOW,
        stop=lambda landed: landed >= records,
    )
    assert not first["crawl_complete"] and not first["adds_up"]
    assert first["verdict"]["name"] == "counts_do_not_add_up"
    monkeypatch.undo()
    second = jobs.run_all(demo_sources, stories, store, tmp_path / "l" / "r2", "r2", retry=NOW)
    assert second["crawl_complete"] and second["adds_up"]
    assert mismatches(store, truth_for(demo_web, stories), labels=False) == []
    store.close()


def test_a_repoll_of_unchanged_feeds_downloads_no_feed_body(tmp_path, stories):
    """Conditional GET everywhere: feeds and sitemaps that support it send nothing again."""
    with serve("127.0.0.83") as site:
        _feed_with_etag(site, "/story")
        site.routes["/story"] = Reply(200, article_page("Once"))
        store = open_store(tmp_path / "s.sqlite")
        jobs.run_all(_sources(tmp_path, site), stories, store, tmp_path / "l" / "r1", "r1")
        first = [b for path, _, b in site.sent if path == "/feed.xml"]
        site.sent.clear()
        again = jobs.run_all(_sources(tmp_path, site), stories, store, tmp_path / "l" / "r2", "r2")
        store.close()
    assert first and first[0] > 0
    assert [(p, s, b) for p, s, b in site.sent if p == "/feed.xml"] == [("/feed.xml", 304, 0)]
    assert again["not_modified"] == 1 and again["fetched"] == 1
