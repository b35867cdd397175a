"""newsmon_maintenance and newsmon_reprocess with real Airflow 3 (dag.test()), after the
scheduled chain has crawled the demo web into the embedded store."""

from __future__ import annotations

import json

import pendulum
import pytest
from dagruns import states
from test_dag_chain import WHEN, _conf, run_chain

pytestmark = pytest.mark.airflow


@pytest.fixture
def chained(dags, demo_sources, tmp_path):
    store, landing = tmp_path / "dag.sqlite", tmp_path / "landing"
    conf = _conf(demo_sources, store, landing)
    run_chain(dags, conf)
    return conf


def _stable(store_path):
    from newsmon.pipeline.store import open_store
    from newsmon.pipeline.store.base import stable_document

    store = open_store(store_path, create=False)
    try:
        return {d["id"]: stable_document(d) for d in store.iter_articles()}
    finally:
        store.close()


def test_maintenance_removes_old_bodies_replays_dead_letters_and_passes_quality(
    dags, chained, monkeypatch
):
    from pathlib import Path

    from newsmon.pipeline.models import FetchedPage
    from newsmon.pipeline.runfiles import read_records

    landing = Path(chained["landing"])
    before = _stable(chained["store"])
    # A document the engine refused earlier waits in the dead-letter file.
    from newsmon.pipeline.runfiles import read_articles, write_records
    from newsmon.pipeline.store import open_store

    store = open_store(chained["store"], create=False)
    doc = next(store.iter_articles())
    store.close()
    from newsmon.pipeline.models import Article

    waiting = Article.from_document(doc)
    waiting.title = waiting.title + " (corrected)"
    write_records(landing / "dead-letter.jsonl", [waiting])
    monkeypatch.setenv("NEWSMON_RETENTION_BODY_DAYS", "0")  # every indexed body is old now
    monkeypatch.setenv("NEWSMON_RETENTION_KEEP_DAYS", "3650")  # but no folder is that old
    maintenance = {"store": chained["store"], "landing": chained["landing"]}
    run = dags["newsmon_maintenance"].test(run_conf=maintenance, logical_date=pendulum.now("UTC"))
    got = states(run)
    assert run.state == "success", got
    crawls = [p for p in landing.iterdir() if p.name.startswith("crawl-")]
    assert crawls and all((p / "bodies-removed").exists() for p in crawls)
    pages = [r for p in crawls for r in read_records(p / "crawl.jsonl")]
    assert any(isinstance(r, FetchedPage) for r in pages)
    assert all(r.body == "" for r in pages if isinstance(r, FetchedPage))
    assert read_articles(landing / "dead-letter.jsonl") == []
    after = _stable(chained["store"])
    assert after[waiting.id]["title"].endswith("(corrected)")
    assert {k: v for k, v in after.items() if k != waiting.id} == {
        k: v for k, v in before.items() if k != waiting.id
    }


def test_data_quality_fails_loudly_when_an_outlet_s_extraction_breaks(dags, chained):
    """History: the outlets as the chain crawled them, two weeks of it. Then a day on which
    one outlet's pages all lose their text: the check must fail and name that outlet."""
    from newsmon.pipeline.store import open_store

    store = open_store(chained["store"], create=False)
    [run] = [r for r in store.list_runs() if r["counts"].get("outlets")]
    history = run["counts"]
    for n in range(3):  # a history long enough to judge by
        store.record_run(f"history-{n}", history)
    store.db.execute("UPDATE runs SET finished = '2000-01-01T00:00:00Z'")  # noqa: S608
    store.db.execute(
        "UPDATE runs SET finished = ? WHERE run_id LIKE 'history-%'",
        (pendulum.now("UTC").subtract(days=3).strftime("%Y-%m-%dT%H:%M:%SZ"),),
    )
    store.db.commit()
    broken = json.loads(json.dumps(history))
    herald = broken["outlets"]["seoul-herald"]
    herald.update(rejected=herald["pages"], no_text=herald["pages"], articles=0)
    store.record_run("today", broken)
    store.close()
    maintenance = {"store": chained["store"], "landing": chained["landing"]}
    run = dags["newsmon_maintenance"].test(run_conf=maintenance, logical_date=pendulum.now("UTC"))
    got = states(run)
    assert got["data_quality"] == "failed", got
    assert got["retention"] == got["check_lifecycle"] == got["replay_dead_letters"] == "success"
    [ti] = [ti for ti in run.get_task_instances() if ti.task_id == "data_quality"]
    assert ti.try_number == 1  # a retry would find the same figures: no retry


def test_reprocess_from_stored_landing_data_gives_the_same_index(dags, chained):
    before = _stable(chained["store"])
    day = WHEN.strftime("%Y-%m-%d")
    next_day = WHEN.add(days=1).strftime("%Y-%m-%d")
    for params in (
        {"stage": "process", "since": day, "until": next_day},
        {"stage": "process", "source_ids": "seoul-herald,kws"},
        {"stage": "index", "since": day},
        {"stage": "stories", "stories": "nk-engineers-russia"},
    ):
        run = dags["newsmon_reprocess"].test(run_conf={**chained, **params})
        assert run.state == "success", (params, states(run))
        assert _stable(chained["store"]) == before, params


def test_reprocess_of_a_range_with_no_stored_crawl_fails(dags, chained):
    run = dags["newsmon_reprocess"].test(
        run_conf={**chained, "stage": "process", "since": "2020-01-01", "until": "2020-01-02"}
    )
    assert run.state == "failed"
    assert states(run)["plan"] == "failed"


def test_maintenance_on_a_store_where_nothing_ran_is_not_green(dags, tmp_path):
    run = dags["newsmon_maintenance"].test(
        run_conf={"store": str(tmp_path / "empty.sqlite"), "landing": str(tmp_path / "landing")},
        logical_date=pendulum.now("UTC"),
    )
    assert run.state == "failed"
    assert states(run)["data_quality"] == "failed"


def test_maintenance_and_reprocess_on_opensearch(
    dags, demo_sources, tmp_path, request, monkeypatch
):
    from conftest import make_engine_store

    from newsmon.pipeline.store.base import stable_document

    store = make_engine_store("opensearch", request)  # a unique prefix, removed afterwards
    monkeypatch.setenv("NEWSMON_INDEX_PREFIX", store.prefix)
    monkeypatch.setenv("NEWSMON_RETENTION_KEEP_DAYS", "3650")  # keep the March folders
    conf = _conf(demo_sources, store.url, tmp_path / "landing")
    run_chain(dags, conf)
    before = {d["id"]: stable_document(d) for d in store.iter_articles()}
    run = dags["newsmon_reprocess"].test(run_conf={**conf, "stage": "process"})
    assert run.state == "success", states(run)
    assert {d["id"]: stable_document(d) for d in store.iter_articles()} == before
    maintenance = dags["newsmon_maintenance"].test(
        run_conf={"store": store.url, "landing": conf["landing"]},
        logical_date=pendulum.now("UTC"),
    )
    assert maintenance.state == "success", states(maintenance)
    # Retention took the March bodies: a reprocess of them now refuses, and says why.
    again = dags["newsmon_reprocess"].test(run_conf={**conf, "stage": "process"})
    assert again.state == "failed" and states(again)["plan"] == "failed"
    assert {d["id"]: stable_document(d) for d in store.iter_articles()} == before
