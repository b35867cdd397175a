"""What the Airflow tasks run: thin adapters from task context to newsmon.jobs.

Kept out of dags/ so that DAG files only wire tasks, and importing a DAG file stays cheap:
the heavy imports (Scrapy, trafilatura, spaCy) happen inside the task, on the worker.
Settings come from DAG params, else from the environment, else from the defaults below.
"""

from __future__ import annotations

import os
import re
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
        "store": params.get("store") or os.environ.get("NEWSMON_STORE") or "var/newsmon.sqlite",
        "run_dir": str(Path(landing_root) / run_id),
        "run_id": run_id,
    }


def crawl() -> str:
    from pipeline.store import open_store
    from pipeline.stories import load_stories

    from .jobs import crawl as crawl_job
    s = _settings()
    store = open_store(s["store"])
    try:
        return str(crawl_job(s["sources"], load_stories(s["seeds"]), store, s["run_dir"],
                             log_level="INFO"))
    finally:
        store.close()


def process(landing: str) -> str:
    from pipeline.store import open_store
    from pipeline.stories import load_stories

    from .jobs import process as process_job
    s = _settings()
    store = open_store(s["store"])
    try:
        return str(process_job(landing, store, load_stories(s["seeds"])))
    finally:
        store.close()


def index(processed: str) -> dict:
    from pipeline.store import open_store
    from pipeline.stories import load_stories

    from .jobs import index as index_job
    s = _settings()
    store = open_store(s["store"])
    try:
        counts = index_job(processed, store, load_stories(s["seeds"]), s["run_id"])
    finally:
        store.close()
    if not counts["adds_up"]:
        raise RuntimeError(f"outcome counts do not add up: {counts}")
    return counts
