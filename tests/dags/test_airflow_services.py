"""Airflow as ops run it: the api-server, scheduler, dag-processor and triggerer as separate
processes (scripts/airflow_local.py, what `make airflow` starts), the project's DAGs, the
chain triggered and watched through the REST API only, against the demo web on loopback.
Everything started is stopped, and the test checks that it is."""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.airflow
REPO = Path(__file__).resolve().parents[2]
CHAIN = ("newsmon_crawl", "newsmon_process", "newsmon_stories")


def _local_airflow():
    spec = importlib.util.spec_from_file_location(
        "airflow_local", REPO / "scripts/airflow_local.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _wait(what, probe, timeout=900, every=3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_chain_runs_in_airflow_services_through_the_rest_api(
    demo_web, demo_sources, stories, tmp_path
):
    from demo_truth import mismatches, truth_for

    from newsmon.pipeline.store import open_store

    local = _local_airflow()
    store_path = tmp_path / "store.sqlite"
    env = {
        "NEWSMON_SOURCES": str(demo_sources),
        "NEWSMON_STORE": str(store_path),
        "NEWSMON_LANDING": str(tmp_path / "landing"),
        "NEWSMON_CRAWL_SCHEDULE": "none",  # only the run this test triggers
        "NEWSMON_CRAWL_SHARDS": "2",
    }
    airflow = local.LocalAirflow(tmp_path / "airflow", local.free_port(), env)
    with airflow:
        listed = _wait(
            "the DAGs to be parsed",
            lambda: (
                {d["dag_id"] for d in airflow.api("GET", "/dags?limit=50").get("dags", [])}
                >= {*CHAIN, "newsmon_maintenance", "newsmon_reprocess"}
            ),
        )
        assert listed
        for dag_id in CHAIN:
            airflow.api("PATCH", f"/dags/{dag_id}", {"is_paused": False})
        airflow.api("POST", "/dags/newsmon_crawl/dagRuns", {"logical_date": None})

        def finished(dag_id):
            runs = airflow.api("GET", f"/dags/{dag_id}/dagRuns").get("dag_runs", [])
            states = {r["state"] for r in runs}
            assert "failed" not in states, (dag_id, runs)
            return runs if runs and states == {"success"} else None

        results = {
            dag_id: _wait(f"{dag_id} to succeed", lambda d=dag_id: finished(d)) for dag_id in CHAIN
        }
        for dag_id, runs in results.items():
            for run in runs:
                tis = airflow.api(
                    "GET", f"/dags/{dag_id}/dagRuns/{run['dag_run_id']}/taskInstances"
                )["task_instances"]
                assert {t["state"] for t in tis} == {"success"}, (dag_id, tis)
                if dag_id == "newsmon_crawl":
                    assert len([t for t in tis if t["task_id"] == "crawl_shard"]) == 2
        events = airflow.api("GET", "/assets/events?source_dag_id=newsmon_crawl")["asset_events"]
        assert len(events) == 1 and events[0]["extra"]["shards"] == 2
        procs = list(airflow.procs)
    assert all(p.poll() is not None for p in procs)  # stopped, and reaped
    for p in procs:
        with pytest.raises(ProcessLookupError):
            os.killpg(p.pid, 0)  # no child of theirs is left either
    store = open_store(store_path, create=False)
    truth = truth_for(demo_web, stories)
    assert mismatches(store, truth) == []
    assert store.get_story("nk-engineers-russia")["articles"] == len(truth.story_members)
    store.close()
