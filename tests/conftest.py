"""Shared fixtures. Airflow reads its configuration on first import, so it is set up here,
before any test module can import it: a throw-away AIRFLOW_HOME, no example DAGs, and a
parallelism that fits a 2-core machine."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="newsmon-airflow-")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__PARALLELISM"] = "2"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
os.environ.pop("NEWSMON_STORE", None)

import pytest  # noqa: E402

from newsmon import jobs  # noqa: E402
from newsmon.demoweb.server import serve_demo_web  # noqa: E402
from pipeline.store import open_store  # noqa: E402
from pipeline.stories import load_stories  # noqa: E402

SEED_STORY = REPO / "seeds" / "nk-engineers-russia.yaml"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def demo_web():
    """The offline demo web, served over real HTTP on loopback for the whole session."""
    with serve_demo_web() as web:
        yield web


@pytest.fixture(scope="session")
def demo_sources(demo_web, tmp_path_factory) -> Path:
    return demo_web.write_sources_file(tmp_path_factory.mktemp("sources") / "sources.yaml")


@pytest.fixture(scope="session")
def stories():
    return load_stories([SEED_STORY])


@pytest.fixture(scope="session")
def demo_run(demo_sources, stories, tmp_path_factory):
    """One full crawl -> process -> index of the demo web, shared by read-only tests."""
    root = tmp_path_factory.mktemp("demo-run")
    store = open_store(root / "store.sqlite")
    counts = jobs.run_all(demo_sources, stories, store, root / "landing" / "run1", "run1")
    yield {"root": root, "store": store, "counts": counts,
           "landing": root / "landing" / "run1" / jobs.CRAWL_FILE}
    store.close()
