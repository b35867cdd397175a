"""The scheduled chain with real Airflow 3: newsmon_crawl -> newsmon_process ->
newsmon_stories, each run by dag.test() against the demo web served on loopback, on the
embedded store and on OpenSearch."""

from __future__ import annotations

import logging

import pendulum
import pytest
from dagruns import asset_events, states

pytestmark = pytest.mark.airflow
WHEN = pendulum.datetime(2026, 3, 2, 10, 15, tz="UTC")


def _conf(demo_sources, store, landing, **more):
    return {"sources": str(demo_sources), "store": str(store), "landing": str(landing), **more}


def run_chain(dags, conf, when=WHEN):
    """The three DAGs in the order their assets trigger them; every run must succeed."""
    crawl = dags["newsmon_crawl"].test(logical_date=when, run_conf=conf)
    assert crawl.state == "success", states(crawl)
    process = dags["newsmon_process"].test(run_conf=conf)
    assert process.state == "success", states(process)
    stories = dags["newsmon_stories"].test(run_conf=conf)
    assert stories.state == "success", states(stories)
    return crawl, process, stories


def test_the_chain_runs_end_to_end_against_the_demo_web(
    dags, demo_web, demo_sources, stories, tmp_path, caplog
):
    from demo_truth import mismatches, truth_for

    from newsmon.pipeline.store import open_store

    store_path, landing = tmp_path / "dag.sqlite", tmp_path / "landing"
    caplog.set_level(logging.INFO, logger="newsmon.crawler")
    crawl, process, story_run = run_chain(
        dags, _conf(demo_sources, store_path, landing, crawl_shards=3)
    )
    crawl_states = states(crawl)
    shards = [k for k in crawl_states if k.startswith("crawl_shard[")]
    assert len(shards) == 3 and all(crawl_states[k] == "success" for k in shards)
    # The crawler's own log reaches the task's log, line by line, at Scrapy's levels.
    crawler = [r for r in caplog.records if r.name == "newsmon.crawler"]
    assert any("Closing spider (finished)" in r.getMessage() for r in crawler)
    assert any(r.levelname == "WARNING" and "download max size" in r.getMessage() for r in crawler)
    [event] = asset_events(crawl)
    assert event["uri"] == "newsmon://landing/crawled"
    assert event["extra"]["shards"] == 3 and len(event["extra"]["landing"]) == 3
    assert event["extra"]["pages"] > 0 and event["extra"]["sources_read"] > 0
    [indexed] = asset_events(process)
    assert indexed["uri"] == "newsmon://store/indexed" and indexed["extra"]["indexed"] > 0
    store = open_store(store_path, create=False)
    truth = truth_for(demo_web, stories)
    assert mismatches(store, truth) == []
    assert store.get_story("nk-engineers-russia")["articles"] == len(truth.story_members)
    store.close()
    # Nothing is left waiting: a second process run has nothing to take, and says so.
    again = dags["newsmon_process"].test(run_conf=_conf(demo_sources, store_path, landing))
    assert states(again)["collect"] == "skipped" and asset_events(again) == []


def test_re_running_the_same_interval_changes_nothing_in_the_index(dags, demo_sources, tmp_path):
    from newsmon.pipeline.store import open_store
    from newsmon.pipeline.store.base import stable_document

    store_path, landing = tmp_path / "dag.sqlite", tmp_path / "landing"
    conf = _conf(demo_sources, store_path, landing)
    run_chain(dags, conf)
    store = open_store(store_path, create=False)
    before = {d["id"]: stable_document(d) for d in store.iter_articles()}
    stories_before = {s["id"]: s["articles"] for s in store.list_stories()}
    store.close()
    run_chain(dags, conf)  # the same data interval: the same landing folders, crawled again
    store = open_store(store_path, create=False)
    after = {d["id"]: stable_document(d) for d in store.iter_articles()}
    assert after == before
    assert {s["id"]: s["articles"] for s in store.list_stories()} == stories_before
    store.close()
    assert len([p for p in landing.iterdir() if p.name.startswith("crawl-")]) == 4


def test_an_index_task_that_fails_once_and_is_retried_leaves_no_duplicates(
    dags, demo_web, demo_sources, stories, tmp_path, monkeypatch
):
    """The first try writes every document, then dies before recording the outcomes (as a
    worker killed mid-task would); Airflow retries it. dag.test() runs tasks in this process,
    so the fault is injected here."""
    from datetime import timedelta

    from demo_truth import mismatches, truth_for

    from newsmon.pipeline.store import open_store
    from newsmon.pipeline.store.sqlite import SQLiteStore

    store_path, landing = tmp_path / "dag.sqlite", tmp_path / "landing"
    conf = _conf(demo_sources, store_path, landing)
    assert dags["newsmon_crawl"].test(logical_date=WHEN, run_conf=conf).state == "success"
    real = SQLiteStore.record_outcomes
    calls = {"n": 0}

    def dies_once(self, run_id, outcomes):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("worker lost mid-task")
        return real(self, run_id, outcomes)

    monkeypatch.setattr(SQLiteStore, "record_outcomes", dies_once)
    process = dags["newsmon_process"]
    process.get_task("index").retry_delay = timedelta(seconds=0)
    run = process.test(run_conf=conf)
    assert run.state == "success", states(run)
    [index] = [ti for ti in run.get_task_instances() if ti.task_id == "index"]
    assert index.try_number == 2 and calls["n"] >= 2
    store = open_store(store_path, create=False)
    assert mismatches(store, truth_for(demo_web, stories)) == []
    ids = [d["id"] for d in store.iter_articles()]
    assert len(ids) == len(set(ids))
    store.close()


def test_a_configuration_error_fails_at_once_without_retries(dags, tmp_path):
    run = dags["newsmon_crawl"].test(
        logical_date=WHEN,
        run_conf=_conf(tmp_path / "missing.yaml", tmp_path / "s.sqlite", tmp_path / "landing"),
    )
    assert run.state == "failed"
    instances = {ti.task_id: ti for ti in run.get_task_instances()}
    assert instances["ensure_store"].state == "failed"
    assert instances["ensure_store"].try_number == 1  # no retry was scheduled
    assert asset_events(run) == []
    assert not (tmp_path / "s.sqlite").exists()


def test_a_crawl_that_reads_no_source_fails_and_emits_no_asset_event(dags, tmp_path):
    import yaml

    sources = tmp_path / "dead.yaml"
    sources.write_text(
        yaml.safe_dump(
            {
                "defaults": {"allow_networks": ["127.0.0.0/8"], "timeout": 2},
                "sources": [{"id": "dead", "url": "http://127.0.0.1:9/rss.xml"}],
            }
        )
    )
    landing = tmp_path / "landing"
    run = dags["newsmon_crawl"].test(
        logical_date=WHEN, run_conf=_conf(sources, tmp_path / "s.sqlite", landing)
    )
    got = states(run)
    assert run.state == "failed", got
    assert got["crawl_shard[0]"] == "failed" and got["publish"] == "upstream_failed"
    assert asset_events(run) == []
    # Nothing that failed is offered to the process DAG.
    process = dags["newsmon_process"].test(run_conf=_conf(sources, tmp_path / "s.sqlite", landing))
    assert states(process)["collect"] == "skipped"


def test_the_chain_runs_against_opensearch_named_by_an_airflow_connection(
    dags, demo_web, demo_sources, stories, tmp_path, request, monkeypatch
):
    """No store param and no NEWSMON_STORE: the store is the Airflow connection
    newsmon_store, given as AIRFLOW_CONN_NEWSMON_STORE, and the shard count an Airflow
    Variable (AIRFLOW_VAR_NEWSMON_CRAWL_SHARDS), as a deployment would set them."""
    import json
    from urllib.parse import urlsplit

    from conftest import make_engine_store
    from demo_truth import mismatches, truth_for

    store = make_engine_store("opensearch", request)  # a unique prefix, removed afterwards
    node = urlsplit(request.getfixturevalue("opensearch_url"))
    monkeypatch.setenv("NEWSMON_INDEX_PREFIX", store.prefix)
    monkeypatch.delenv("NEWSMON_STORE", raising=False)
    monkeypatch.setenv(
        "AIRFLOW_CONN_NEWSMON_STORE",
        json.dumps(
            {"conn_type": "opensearch", "host": node.hostname, "port": node.port, "schema": "http"}
        ),
    )
    monkeypatch.setenv("AIRFLOW_VAR_NEWSMON_CRAWL_SHARDS", "2")
    conf = {"sources": str(demo_sources), "landing": str(tmp_path / "landing")}
    crawl, _process, _stories = run_chain(dags, conf)
    assert len([k for k in states(crawl) if k.startswith("crawl_shard[")]) == 2
    truth = truth_for(demo_web, stories)
    assert mismatches(store, truth) == []
    assert store.get_story("nk-engineers-russia")["articles"] == len(truth.story_members)


def test_store_from_an_airflow_connection_keeps_credentials_out_of_the_url():
    from newsmon.dagtasks import store_from_connection

    password = "p@ss:w/rd"  # every character that breaks a URL
    es = store_from_connection("elasticsearch", "es01", 9200, "newsmon_writer", password, "https")
    assert es == {
        "store": "elasticsearch+https://es01:9200",
        "es_username": "newsmon_writer",
        "es_password": password,
    }
    assert store_from_connection("opensearch", "os", None, None, None, "http") == {
        "store": "opensearch+http://os:9200",
        "es_username": None,
        "es_password": None,
    }


def test_story_alerts_and_task_failures_reach_the_notifiers_channels(
    dags, demo_sources, tmp_path, monkeypatch
):
    """Settings from the environment, as a deployment sets them: the stories run's notifier
    posts its alerts to the webhook and mails them; a failed task posts its failure."""
    import yaml
    from sinks import alert_sinks

    from newsmon.pipeline.store import open_store

    with alert_sinks() as sinks:
        monkeypatch.setenv("NEWSMON_ALERT_WEBHOOK", sinks.webhook)
        monkeypatch.setenv("NEWSMON_ALERT_SMTP_HOST", sinks.smtp_host)
        monkeypatch.setenv("NEWSMON_ALERT_SMTP_PORT", str(sinks.smtp_port))
        monkeypatch.setenv("NEWSMON_ALERT_EMAIL_TO", "desk@example.org")
        store_path = tmp_path / "dag.sqlite"
        run_chain(dags, _conf(demo_sources, store_path, tmp_path / "landing"))
        alerts = [a for post in sinks.posted for a in post.get("alerts", [])]
        store = open_store(store_path, create=False)
        kept = {a["id"] for a in store.list_alerts(limit=1000)}
        store.close()
        assert alerts and {a["id"] for a in alerts} == kept
        assert len(sinks.mails) == 1 and "desk@example.org" in sinks.mails[0]
        dead = tmp_path / "dead.yaml"
        dead.write_text(
            yaml.safe_dump(
                {
                    "defaults": {"allow_networks": ["127.0.0.0/8"], "timeout": 2},
                    "sources": [{"id": "dead", "url": "http://127.0.0.1:9/rss.xml"}],
                }
            )
        )
        sinks.posted.clear()
        failed = dags["newsmon_crawl"].test(
            logical_date=WHEN, run_conf=_conf(dead, store_path, tmp_path / "landing2")
        )
        assert failed.state == "failed"
        events = [p for p in sinks.posted if p.get("event") == "task_failed"]
        assert [(e["dag_id"], e["task_id"]) for e in events] == [("newsmon_crawl", "crawl_shard")]
        assert "no source could be read" in events[0]["error"]
