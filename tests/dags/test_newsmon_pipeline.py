"""The DAG with real Airflow 3: it imports cleanly, and dag.test() runs it end to end
against the demo web served on loopback."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.airflow


@pytest.fixture(scope="module")
def airflow_db():
    # AIRFLOW_HOME was pointed at a fresh directory by conftest.py.
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO / "dags"))


@pytest.fixture
def pipeline_dag(airflow_db):
    """A freshly parsed DAG for each run: dag.test() merges a run's conf into the DAG object's
    params, so a DAG shared between tests would carry one test's params into the next."""
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO / "dags")).get_dag("newsmon_pipeline")


def test_dags_import_without_errors(dagbag):
    assert dagbag.import_errors == {}
    dag = dagbag.get_dag("newsmon_pipeline")
    assert dag is not None
    assert dag.doc_md and "crawl" in dag.doc_md
    assert {"newsmon"} <= set(dag.tags)
    assert [t.task_id for t in dag.topological_sort()] == [
        "ensure_indices",
        "crawl",
        "process",
        "index",
    ]
    assert all(t.retries >= 1 for t in dag.tasks)
    assert {t.owner for t in dag.tasks} == {"newsmon"}


def _states(run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def _asset_events(run) -> int:
    """Asset events the run emitted (Airflow's own metadata database)."""
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session

    with create_session() as session:
        return session.query(AssetEvent).filter(AssetEvent.source_run_id == run.run_id).count()


def test_dag_runs_end_to_end_against_the_demo_web(
    pipeline_dag, demo_web, demo_sources, stories, tmp_path, caplog
):
    from demo_truth import mismatches, truth_for

    from newsmon.pipeline.store import open_store

    dag = pipeline_dag
    store_path = tmp_path / "dag.sqlite"
    conf = {
        "sources": str(demo_sources),
        "store": str(store_path),
        "landing": str(tmp_path / "landing"),
    }
    caplog.set_level(logging.INFO, logger="newsmon.crawler")
    run = dag.test(run_conf=conf)
    assert run.state == "success"
    # The crawler's own log reaches the task's log, line by line, at Scrapy's levels.
    crawler = [r for r in caplog.records if r.name == "newsmon.crawler"]
    assert any("Closing spider (finished)" in r.getMessage() for r in crawler)
    assert any(r.levelname == "WARNING" and "download max size" in r.getMessage() for r in crawler)
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == {
        "ensure_indices": "success",
        "crawl": "success",
        "process": "success",
        "index": "success",
    }
    assert _asset_events(run) == 1
    store = open_store(store_path, create=False)
    truth = truth_for(demo_web, stories)
    assert mismatches(store, truth) == []
    assert store.get_story("nk-engineers-russia")["articles"] == len(truth.story_members)
    store.close()


def test_default_landing_from_another_working_directory(
    pipeline_dag, demo_web, demo_sources, stories, tmp_path, monkeypatch
):
    """No landing param, no NEWSMON_LANDING: the default is absolute ($NEWSMON_HOME/landing),
    so the crawler and the later tasks meet in the same folder wherever the worker runs."""
    from demo_truth import mismatches, truth_for

    from newsmon.pipeline.store import open_store

    elsewhere = tmp_path / "worker-cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("NEWSMON_LANDING", raising=False)
    monkeypatch.setenv("NEWSMON_HOME", str(tmp_path / "home"))
    run = pipeline_dag.test(run_conf={"sources": str(demo_sources), "store": "relative.sqlite"})
    assert run.state == "success", _states(run)
    runs = [p for p in (tmp_path / "home" / "landing").iterdir() if p.is_dir()]
    assert len(runs) == 1 and (runs[0] / "processed.jsonl").is_file()
    assert list(elsewhere.iterdir()) == [elsewhere / "relative.sqlite"]  # the store, as asked
    store = open_store(elsewhere / "relative.sqlite", create=False)
    assert mismatches(store, truth_for(demo_web, stories)) == []
    store.close()


def test_a_configuration_error_fails_at_once_without_retries(pipeline_dag, tmp_path):
    run = pipeline_dag.test(
        run_conf={
            "sources": str(tmp_path / "missing.yaml"),
            "store": str(tmp_path / "s.sqlite"),
            "landing": str(tmp_path / "landing"),
        }
    )
    assert run.state == "failed"
    instances = {ti.task_id: ti for ti in run.get_task_instances()}
    assert instances["ensure_indices"].state == "failed"
    assert instances["ensure_indices"].try_number == 1  # no retry was scheduled
    assert instances["index"].state in ("upstream_failed", None)
    assert _asset_events(run) == 0
    assert not (tmp_path / "s.sqlite").exists()


def test_a_run_that_reads_no_source_fails_and_emits_no_asset_event(pipeline_dag, tmp_path):
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
    run = pipeline_dag.test(
        run_conf={
            "sources": str(sources),
            "store": str(tmp_path / "s.sqlite"),
            "landing": str(tmp_path / "landing"),
        }
    )
    states = _states(run)
    assert run.state == "failed", states
    assert states["crawl"] == "success" and states["index"] == "failed"
    assert _asset_events(run) == 0


def test_dag_runs_against_opensearch(
    pipeline_dag, demo_web, demo_sources, stories, tmp_path, request
):
    from conftest import make_engine_store

    store = make_engine_store("opensearch", request)  # a unique prefix, removed afterwards
    dag = pipeline_dag
    url = store.url
    os.environ["NEWSMON_INDEX_PREFIX"] = store.prefix
    try:
        run = dag.test(
            run_conf={
                "sources": str(demo_sources),
                "store": url,
                "landing": str(tmp_path / "landing"),
            }
        )
    finally:
        del os.environ["NEWSMON_INDEX_PREFIX"]
    assert run.state == "success"
    from demo_truth import mismatches, truth_for

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
