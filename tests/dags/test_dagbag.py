"""Every DAG file, as Airflow's DagBag parses it: no import errors, and the ops conventions
(owner, tags, docs on the DAG and on every task, retries, time limits, failure notifier).
The checker is tested on a DAG that breaks each rule, so that it cannot pass by accident."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.airflow
REPO = Path(__file__).resolve().parents[2]
EXPECTED = {
    "newsmon_crawl",
    "newsmon_process",
    "newsmon_stories",
    "newsmon_maintenance",
    "newsmon_reprocess",
}


def problems(dag) -> list[str]:
    """What breaks the conventions, in words (empty: none)."""
    out = []
    if not (dag.doc_md or "").strip():
        out.append(f"{dag.dag_id}: no doc_md")
    if not dag.tags:
        out.append(f"{dag.dag_id}: no tags")
    for t in dag.tasks:
        where = f"{dag.dag_id}.{t.task_id}"
        if not t.owner or t.owner == "airflow":  # "airflow" is Airflow's default owner
            out.append(f"{where}: no owner")
        if not (t.doc_md or "").strip():
            out.append(f"{where}: no doc_md")
        if t.retries < 1:
            out.append(f"{where}: no retries")
        if t.execution_timeout is None:
            out.append(f"{where}: no execution_timeout")
        if not t.on_failure_callback:
            out.append(f"{where}: no failure callback")
    return out


def test_every_dag_imports_and_follows_the_conventions(dags):
    assert set(dags) == EXPECTED
    assert [p for dag in dags.values() for p in problems(dag)] == []


def test_the_checker_finds_a_dag_that_breaks_each_rule():
    from airflow.sdk import DAG
    from airflow.sdk.bases.operator import BaseOperator

    with DAG("careless", schedule=None) as dag:
        BaseOperator(task_id="bare", owner="airflow", retries=0)
    found = problems(dag)
    for rule in ("no doc_md", "no tags", "no owner", "no retries", "no execution_timeout"):
        assert any(rule in p for p in found), rule
    assert any("no failure callback" in p for p in found)


def test_schedules_assets_and_pools(dags):
    def assets(dag) -> list[str]:
        return [a.uri for a in dag.timetable.asset_condition.objects]

    crawl = dags["newsmon_crawl"]
    assert type(crawl.timetable).__name__ == "CronDataIntervalTimetable"
    assert crawl.timetable.expression == "*/15 * * * *"
    assert crawl.get_task("crawl_shard").pool == "newsmon_crawl"
    assert [o.uri for o in crawl.get_task("publish").outlets] == ["newsmon://landing/crawled"]
    process = dags["newsmon_process"]
    assert assets(process) == ["newsmon://landing/crawled"]
    assert [o.uri for o in process.get_task("index").outlets] == ["newsmon://store/indexed"]
    stories = dags["newsmon_stories"]
    assert assets(stories) == ["newsmon://store/indexed"]
    assert stories.get_task("refresh").on_success_callback
    assert dags["newsmon_maintenance"].timetable.expression == "0 0 * * *"
    reprocess = dags["newsmon_reprocess"]
    assert not reprocess.timetable.can_be_scheduled  # manual only
    assert {"stage", "since", "until", "stories", "source_ids"} <= set(reprocess.params)


def test_dag_files_do_no_io_at_import(tmp_path):
    """Parsed with every newsmon setting pointing at nothing that exists, and no network:
    importing must not read them (the settings are read when a task runs)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "NEWSMON_SOURCES": str(tmp_path / "no-such-sources.yaml"),
        "NEWSMON_STORE": "opensearch+http://127.0.0.1:9",
        "NEWSMON_HOME": str(tmp_path / "unwritable" / "home"),
    }
    (tmp_path / "unwritable").mkdir()
    (tmp_path / "unwritable").chmod(0o500)
    code = (
        "import sys, runpy, glob\n"
        "for f in sorted(glob.glob(sys.argv[1] + '/*.py')):\n"
        "    runpy.run_path(f)\n"
        "import newsmon.dagtasks as d\n"
        "assert 'scrapy' not in sys.modules and 'spacy' not in sys.modules, sorted(sys.modules)\n"
        "print('ok')\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(REPO / "dags")],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().endswith("ok")
    assert not (tmp_path / "unwritable" / "home").exists()


def test_ruff_airflow_rules_are_clean():
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "AIR", "dags", "newsmon"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout
