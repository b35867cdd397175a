"""The DAG with real Airflow 3: it imports cleanly, and dag.test() runs it end to end
against the demo web served on loopback."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.airflow


@pytest.fixture(scope="module")
def airflow_db():
    # AIRFLOW_HOME was pointed at a fresh directory by conftest.py.
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True,
                   capture_output=True, timeout=300)


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
    assert [t.task_id for t in dag.topological_sort()] == ["crawl", "process", "index"]
    assert all(t.retries >= 1 for t in dag.tasks)


def test_dag_runs_end_to_end_against_the_demo_web(dagbag, demo_sources, tmp_path):
    from pipeline.store import open_store
    dag = dagbag.get_dag("newsmon_pipeline")
    store_path = tmp_path / "dag.sqlite"
    conf = {"sources": str(demo_sources), "store": str(store_path), "landing": str(tmp_path / "landing")}
    run = dag.test(run_conf=conf)
    assert run.state == "success"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == {"crawl": "success", "process": "success", "index": "success"}
    store = open_store(store_path)
    assert store.count_articles() > 40
    story = store.get_story("nk-engineers-russia")
    assert story["articles"] >= 20
    store.close()
