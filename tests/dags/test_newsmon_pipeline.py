"""The DAG with real Airflow 3: it imports cleanly, and dag.test() runs it end to end
against the demo web served on loopback."""

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


def test_dag_runs_end_to_end_against_the_demo_web(dagbag, demo_sources, tmp_path):
    from newsmon.pipeline.store import open_store

    dag = dagbag.get_dag("newsmon_pipeline")
    store_path = tmp_path / "dag.sqlite"
    conf = {
        "sources": str(demo_sources),
        "store": str(store_path),
        "landing": str(tmp_path / "landing"),
    }
    run = dag.test(run_conf=conf)
    assert run.state == "success"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == {
        "ensure_indices": "success",
        "crawl": "success",
        "process": "success",
        "index": "success",
    }
    store = open_store(store_path)
    assert store.count_articles() > 40
    story = store.get_story("nk-engineers-russia")
    assert story["articles"] >= 20
    store.close()


def test_dag_runs_against_opensearch(dagbag, demo_sources, tmp_path, request):
    from conftest import make_engine_store

    store = make_engine_store("opensearch", request)  # a unique prefix, removed afterwards
    dag = dagbag.get_dag("newsmon_pipeline")
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
    assert store.count_articles() > 40
    assert store.get_story("nk-engineers-russia")["articles"] >= 20


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
