"""The landing zone as the DAGs use it (newsmon.ops): shards by host, what is pending,
retention that never removes what was not indexed, and the crawl verdict."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml

from newsmon import ops
from newsmon.pipeline.errors import ConfigError
from newsmon.pipeline.ledger import Verdict
from newsmon.pipeline.models import CrawlSummary, FetchedPage
from newsmon.pipeline.runfiles import read_records, write_records


def _sources(tmp_path, entries):
    path = tmp_path / "sources.yaml"
    path.write_text(
        yaml.safe_dump({"defaults": {"timeout": 3}, "sources": entries}), encoding="utf-8"
    )
    return path


def test_shards_keep_a_host_and_an_id_together_and_are_even(tmp_path):
    path = _sources(
        tmp_path,
        [
            {"id": "a", "url": "http://a.test/rss"},
            {"id": "a", "url": "http://a-sitemaps.test/news.xml"},  # same id, other host
            {"id": "b", "url": "http://a-sitemaps.test/b.xml"},  # shares that host
            {"id": "c", "url": "http://c.test/rss"},
            {"id": "d", "url": "http://d.test/rss"},
            {"id": "e", "url": "http://e.test/rss"},
        ],
    )
    groups = ops.plan_shards(path, 3)
    assert ["a", "b"] in groups  # never split: one crawler per host
    assert sorted(i for g in groups for i in g) == ["a", "b", "c", "d", "e"]
    assert ops.plan_shards(path, 3) == groups  # deterministic
    assert len(ops.plan_shards(path, 10)) == 4  # no empty shard
    assert ops.plan_shards(path, 1) == [["a", "b", "c", "d", "e"]]
    with pytest.raises(ConfigError):
        ops.plan_shards(path, 0)


def test_a_shard_sources_file_keeps_the_defaults(tmp_path):
    path = _sources(
        tmp_path, [{"id": "a", "url": "http://a.test/rss"}, {"id": "b", "url": "http://b.test/"}]
    )
    out = ops.write_shard_sources(path, ["b"], tmp_path / "shard" / "sources.yaml")
    doc = yaml.safe_load(out.read_text())
    assert [s["id"] for s in doc["sources"]] == ["b"] and doc["defaults"] == {"timeout": 3}
    with pytest.raises(ConfigError, match="not in the file"):
        ops.write_shard_sources(path, ["gone"], tmp_path / "x.yaml")


def _crawl(landing, interval, indexed=True, body="<html>page</html>"):
    run_dir = landing / f"crawl-{interval}-s0of1"
    run_dir.mkdir(parents=True)
    page = FetchedPage("http://a.test/1", "http://a.test/1", 200, body, "utf-8", "", "a", "A")
    write_records(run_dir / "crawl.jsonl", [page, CrawlSummary(1, "finished", True)])
    (run_dir / ops.CRAWLED).write_text("{}")
    if indexed:
        (run_dir / ops.INDEXED).write_text('{"batch": "batch-x"}')
    return run_dir


def test_pending_and_selected_crawls(tmp_path):
    landing = tmp_path / "landing"
    old = _crawl(landing, "20260101T0000Z")
    new = _crawl(landing, "20260301T0015Z", indexed=False)
    (landing / "crawl-20260301T0030Z-s0of1").mkdir()  # still crawling: no marker yet
    assert ops.pending_crawls(landing) == [new]
    since = datetime(2026, 2, 1, tzinfo=UTC)
    assert ops.select_crawls(landing, since=since) == [new]
    assert ops.select_crawls(landing, until=since) == [old]


def test_retention_strips_bodies_then_folders_and_never_touches_what_is_not_indexed(tmp_path):
    landing = tmp_path / "landing"
    ancient = _crawl(landing, "20250101T0000Z")
    old = _crawl(landing, "20260101T0000Z")
    waiting = _crawl(landing, "20250102T0000Z", indexed=False)
    now = datetime(2026, 1, 20, tzinfo=UTC)
    done = ops.apply_retention(landing, ops.Retention(body_days=7, keep_days=90), now)
    assert done == {
        "crawl_folders_removed": 1,
        "page_bodies_removed": 1,
        "crawl_folders_stripped": 1,
        "kept_not_indexed": 1,
    }
    assert not ancient.exists()
    [page, summary] = list(read_records(old / "crawl.jsonl"))
    assert page.body == "" and page.url == "http://a.test/1" and summary.complete
    assert next(iter(read_records(waiting / "crawl.jsonl"))).body == "<html>page</html>"
    again = ops.apply_retention(landing, ops.Retention(body_days=7, keep_days=90), now)
    assert again == {"kept_not_indexed": 1}  # idempotent


def test_a_crawl_that_read_nothing_is_judged_so():
    counts = {
        "sources_read": 0,
        "not_modified": 0,
        "not_due": 0,
        "urls_met": 2,
        "pages": 0,
        "outcomes": 2,
        "rejected": {"dns_error": 2},
    }
    verdict, why = ops.judge_crawl(counts)
    assert verdict == Verdict.NOTHING_DONE and "dns_error (2)" in why
    assert ops.judge_crawl({**counts, "not_modified": 1})[0] == Verdict.OK
    lost = {**counts, "sources_read": 1, "outcomes": 0}
    assert ops.judge_crawl(lost)[0] == Verdict.NOTHING_DONE
