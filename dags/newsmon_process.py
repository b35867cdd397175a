"""
### newsmon_process: process and index what the crawls landed

Runs on each event of the asset `newsmon://landing/crawled` (from `newsmon_crawl`).

* **collect**: the finished crawl folders that no indexed batch has taken yet, oldest first
  (so a run that failed, or events that came while one ran, are caught up). Nothing waiting:
  skipped, and no asset event.
* **process**: extraction, canonical URLs, exact and near duplicates (across the shards too),
  language, entities, claimed figures, story assignment, as one batch in
  `<landing>/batch-<run id>/`.
* **index**: documents, the outcome of every URL and the feed validators into the store; the
  crawls are marked indexed. Counts that do not add up fail it at once, and then no event is
  emitted on `newsmon://store/indexed`, which `newsmon_stories` runs on.

Re-running a run processes and indexes the same folders into the same documents.
"""

from __future__ import annotations

from airflow.sdk import Asset, dag, task

from newsmon import dagtasks

CRAWLED = Asset(dagtasks.CRAWLED_URI)
INDEXED = Asset(dagtasks.INDEXED_URI)


@dag(
    dag_id="newsmon_process",
    schedule=[CRAWLED],
    doc_md=__doc__,
    tags=["newsmon", "process", "index"],
    **dagtasks.dag_defaults(timeout_minutes=120),
)
def newsmon_process() -> None:
    crawls = task(task_id="collect", doc_md=dagtasks.collect_landed.__doc__)(
        dagtasks.collect_landed
    )()
    batch = task(task_id="process", doc_md=dagtasks.process_batch.__doc__)(dagtasks.process_batch)(
        crawls
    )
    task(task_id="index", outlets=[INDEXED], doc_md=dagtasks.index_batch.__doc__)(
        dagtasks.index_batch
    )(batch)


newsmon_process()
