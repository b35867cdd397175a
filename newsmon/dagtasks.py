"""What the Airflow tasks run: thin adapters from task context to newsmon.jobs.

Kept out of dags/ so that DAG files only wire tasks, and importing a DAG file stays cheap:
the heavy imports (Scrapy, trafilatura, spaCy) happen inside the task, on the worker.
Settings come from DAG params, else from the environment, else from the defaults below.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _settings() -> dict:
    from airflow.sdk import get_current_context
    context = get_current_context()
    params = context.get("params") or {}
    seeds = params.get("seeds") or os.environ.get("NEWSMON_SEEDS", "")
    if isinstance(seeds, str):
        seeds = [s for s in seeds.split(",") if s] or [str(REPO / "seeds" / "nk-engineers-russia.yaml")]
    run_id = re.sub(r"[^A-Za-z0-9_.-]+", "_", context["run_id"])
    landing_root = params.get("landing") or os.environ.get("NEWSMON_LANDING") or "var/landing"
    return {
        "sources": params.get("sources") or os.environ.get("NEWSMON_SOURCES")
        or str(REPO / "seeds" / "sources.yaml"),
        "seeds": seeds,
        "store": params.get("store") or os.environ.get("NEWSMON_STORE") or _store_from_connection()
        or "var/newsmon.sqlite",
        "run_dir": str(Path(landing_root) / run_id),
        "run_id": run_id,
    }


STORE_CONNECTION = "newsmon_store"


def store_url_from_connection(conn_type: str, host: str, port: int | None, login: str | None,
                              password: str | None, schema: str | None) -> str:
    """An Airflow connection to a store URL: conn type elasticsearch or opensearch, schema
    http or https (default https), credentials from login and password."""
    from urllib.parse import quote
    flavor = "opensearch" if "opensearch" in (conn_type or "") else "elasticsearch"
    scheme = schema if schema in ("http", "https") else "https"
    auth = f"{quote(login, safe='')}:{quote(password or '', safe='')}@" if login else ""
    return f"{flavor}+{scheme}://{auth}{host}:{port or 9200}"


def _store_from_connection() -> str | None:
    from airflow.sdk import BaseHook
    try:
        conn = BaseHook.get_connection(STORE_CONNECTION)
    except Exception:  # not defined: fall back to the default store
        return None
    return store_url_from_connection(conn.conn_type, conn.host, conn.port, conn.login,
                                     conn.password, conn.schema)


@contextmanager
def _job_inputs():
    """(settings, store, story profiles) for one task; the store is closed afterwards."""
    from pipeline.store import open_store
    from pipeline.stories import load_stories
    settings = _settings()
    store = open_store(settings["store"])
    try:
        yield settings, store, load_stories(settings["seeds"])
    finally:
        store.close()


def ensure_indices() -> list[str]:
    """Templates, lifecycle policy and indices (or the SQLite schema). Safe to repeat."""
    with _job_inputs() as (s, store, stories):
        report = store.setup()
    return getattr(report, "lines", ["sqlite schema ready"])


def crawl() -> str:
    from .jobs import crawl as crawl_job
    with _job_inputs() as (s, store, stories):
        return str(crawl_job(s["sources"], stories, store, s["run_dir"], log_level="INFO"))


def process(landing: str) -> str:
    from .jobs import process as process_job
    with _job_inputs() as (s, store, stories):
        return str(process_job(landing, store, stories))


def index(processed: str) -> dict:
    from .jobs import index as index_job
    with _job_inputs() as (s, store, stories):
        counts = index_job(processed, store, stories, s["run_id"])
    if not counts["adds_up"]:
        raise RuntimeError(f"outcome counts do not add up: {counts}")
    return counts
