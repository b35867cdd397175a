"""Real Airflow 3 for the DAG tests (tests/dags/ import these fixtures): a migrated metadata
database in the throw-away AIRFLOW_HOME (tests/conftest.py), the crawl pool, and freshly
parsed DAGs; and what a finished run did (task states, asset events)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def airflow_db():
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    subprocess.run(
        [sys.executable, "-m", "airflow", "pools", "set", "newsmon_crawl", "2", "newsmon crawls"],
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture
def dags(airflow_db):
    """Freshly parsed DAGs for each test: dag.test() merges a run's conf into the DAG
    object's params, so a DAG shared between tests would carry one test's params on."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    return bag.dags


def states(run) -> dict[str, str]:
    out = {}
    for ti in run.get_task_instances():
        key = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
        out[key] = ti.state
    return out


def asset_events(run) -> list[dict]:
    """The asset events a run emitted, with their metadata (Airflow's own database)."""
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(AssetEvent).filter(AssetEvent.source_run_id == run.run_id).all()
        return [{"uri": e.asset.uri, "extra": dict(e.extra or {})} for e in rows]
