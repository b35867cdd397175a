"""
### newsmon pipeline: crawl, process, index

Follows the story seeds in `seeds/` across the outlets in the sources file.

* **ensure_indices**: index templates, lifecycle policy and indices (or the SQLite schema);
  safe to repeat.
* **crawl**: Scrapy, in a subprocess, over every feed, news sitemap and search feed; writes the
  run's landing file (one record per URL met).
* **process**: extraction, canonical URLs, exact and near-duplicate detection, language,
  entities, key terms, claimed figures, story assignment.
* **index**: writes documents, the outcome of every URL and the feed validators to the store;
  refreshes story records. Fails if the outcome counts do not add up.

Each task is idempotent for its run: a retry reads the same files and writes the same
documents; documents the engine refuses go to the landing zone's dead-letter file and the next
run replays them. Params (else the environment: `NEWSMON_SOURCES`, `NEWSMON_SEEDS`,
`NEWSMON_STORE`, `NEWSMON_LANDING`, `NEWSMON_HOME`; for the store, else the Airflow connection
`newsmon_store`) choose sources, seeds, store and landing zone; relative paths are resolved
against the worker's working directory before anything starts, and the defaults are absolute
(`$NEWSMON_HOME`, by default the worker user's data folder).

A configuration error fails its task at once, without retries. A run that could read no source,
or whose outcome counts do not add up, fails `index`, and then no asset event is emitted.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, Param, dag, task

from newsmon import dagtasks

ARTICLES = Asset("newsmon://articles")


@dag(
    dag_id="newsmon_pipeline",
    schedule=timedelta(hours=1),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["newsmon", "crawl", "index"],
    default_args={
        "owner": "newsmon",
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "execution_timeout": timedelta(hours=1),
    },
    params={
        "sources": Param(
            "",
            type="string",
            description="sources file; empty: $NEWSMON_SOURCES or the shipped seeds/sources.yaml",
        ),
        "seeds": Param(
            "",
            type="string",
            description="comma-separated story seed files; empty: $NEWSMON_SEEDS or the seed story",
        ),
        "store": Param(
            "",
            type="string",
            description="store; empty: $NEWSMON_STORE, the newsmon_store connection or "
            "$NEWSMON_HOME/newsmon.sqlite",
        ),
        "landing": Param(
            "",
            type="string",
            description="landing-zone root; empty: $NEWSMON_LANDING or $NEWSMON_HOME/landing",
        ),
    },
)
def newsmon_pipeline() -> None:
    ready = task(task_id="ensure_indices")(dagtasks.ensure_indices)()
    landing = task(task_id="crawl")(dagtasks.crawl)()
    ready >> landing
    processed = task(task_id="process")(dagtasks.process)(landing)
    task(task_id="index", outlets=[ARTICLES])(dagtasks.index)(processed)


newsmon_pipeline()
