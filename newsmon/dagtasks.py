"""What the Airflow tasks run: thin adapters from task context to newsmon.jobs.

Kept out of dags/ so that DAG files only wire tasks, and importing a DAG file stays cheap: the
heavy imports (Scrapy, trafilatura, spaCy) happen inside the task, on the worker. Settings come
from the same object as the CLI's (newsmon.settings): DAG params, else the environment, else
(for the store) the Airflow connection ``newsmon_store``, else the defaults. Every path is made
absolute before the crawler starts.

Failures are loud: a configuration error fails the task at once, without retries
(AirflowFailException); a run that read no source, or whose counts do not add up, fails the
index task, so no asset event says "new articles" when there are none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .pipeline.models import StoryProfile
    from .pipeline.store import Store
    from .settings import Settings

STORE_CONNECTION = "newsmon_store"


def store_from_connection(
    conn_type: str | None,
    host: str | None,
    port: int | None,
    login: str | None,
    password: str | None,
    schema: str | None,
) -> dict[str, Any]:
    """An Airflow connection (conn type elasticsearch or opensearch; schema http or https,
    default https) as settings: the store URL, and the credentials kept apart from it."""
    flavor = "opensearch" if "opensearch" in (conn_type or "") else "elasticsearch"
    scheme = schema if schema in ("http", "https") else "https"
    return {
        "store": f"{flavor}+{scheme}://{host}:{port or 9200}",
        "es_username": login or None,
        "es_password": password or None,
    }


def _connection_settings() -> dict[str, Any]:
    from airflow.sdk import BaseHook

    try:
        conn = BaseHook.get_connection(STORE_CONNECTION)
    except Exception:  # not defined: the environment or the default store
        return {}
    return store_from_connection(
        conn.conn_type, conn.host, conn.port, conn.login, conn.password, conn.schema
    )


def settings_and_run_id() -> tuple[Settings, str]:
    import os

    from airflow.sdk import get_current_context

    from .settings import Settings

    context = get_current_context()
    params = context.get("params") or {}
    explicit: dict[str, Any] = {k: params.get(k) for k in ("sources", "seeds", "store", "landing")}
    if not explicit["store"] and not os.environ.get("NEWSMON_STORE"):
        explicit.update(_connection_settings())
    run_id = re.sub(r"[^A-Za-z0-9_.-]+", "_", context["run_id"])
    return Settings.resolve(explicit), run_id


@contextmanager
def _job_inputs() -> Iterator[tuple[Settings, str, Store, list[StoryProfile]]]:
    """(settings, run id, store, story profiles) for one task; configuration errors fail the
    task without retries; the store is closed afterwards."""
    from airflow.sdk.exceptions import AirflowFailException

    from .pipeline.errors import ConfigError
    from .pipeline.stories import load_stories

    try:
        settings, run_id = settings_and_run_id()
        settings.check_inputs()
        stories = load_stories(settings.seeds, spacy_model=settings.spacy_model)
    except ConfigError as exc:
        raise AirflowFailException(f"configuration error: {exc}") from exc
    store = settings.open_store()
    try:
        yield settings, run_id, store, stories
    except ConfigError as exc:
        raise AirflowFailException(f"configuration error: {exc}") from exc
    finally:
        store.close()


def ensure_indices() -> list[str]:
    """Templates, lifecycle policy and indices (or the SQLite schema). Safe to repeat."""
    with _job_inputs() as (_settings, _run_id, store, _stories):
        return store.setup().lines


def crawl() -> str:
    from .jobs import crawl as crawl_job

    with _job_inputs() as (settings, run_id, store, stories):
        return str(crawl_job(settings.sources, stories, store, settings.landing / run_id))


def process(landing: str) -> str:
    from .jobs import process as process_job

    with _job_inputs() as (settings, _run_id, store, stories):
        return str(process_job(landing, store, stories, spacy_model=settings.spacy_model))


def index(processed: str) -> dict[str, Any]:
    from airflow.sdk.exceptions import AirflowFailException

    from .jobs import index as index_job
    from .pipeline.ledger import Verdict

    with _job_inputs() as (settings, run_id, store, stories):
        counts = index_job(
            processed,
            store,
            stories,
            run_id,
            retry=settings.retry_plan,
            alert_channels=settings.alert_channels,
        )
    if counts["verdict"]["code"] != Verdict.OK:
        # A retry would read the same files and reach the same verdict: fail at once, and so
        # emit no asset event; the next scheduled run crawls again.
        raise AirflowFailException(f"{counts['verdict']['why']}: {json.dumps(counts)}")
    return counts
