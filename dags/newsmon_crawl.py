"""
### newsmon_crawl: crawl every source for one data interval

Runs every 15 minutes by default (`NEWSMON_CRAWL_SCHEDULE`: a cron expression, or `none` for
triggered runs only; read when the DAG file is parsed). The sources are split into shards by
host (`crawl_shards`, default 4), and one mapped `crawl_shard` task crawls each, in the
**`newsmon_crawl` pool**: its slots bound how many crawlers run at once. Each shard writes its
landing folder for the data interval, `<landing>/crawl-<interval>-s<k>of<n>/`; running the
interval again crawls it again into the same folder.

When every shard has crawled, `publish` emits an event on the asset `newsmon://landing/crawled`
with what landed (interval, shards, landing folders, URLs met, pages): `newsmon_process` runs
on it. A shard that read none of its sources fails, and then no event is emitted; what the
other shards landed is processed with the next event.

Settings: the DAG params, else the Variables `newsmon_<setting>`, else `NEWSMON_*`.
"""

from __future__ import annotations

from airflow.sdk import Asset, Param, dag, task

from newsmon import dagtasks

CRAWLED = Asset(dagtasks.CRAWLED_URI)


@dag(
    dag_id="newsmon_crawl",
    schedule=dagtasks.crawl_schedule(),
    doc_md=__doc__,
    tags=["newsmon", "crawl"],
    **dagtasks.dag_defaults(timeout_minutes=45),
    params={
        "sources": Param("", type="string", description="sources file (empty: the settings')"),
        "seeds": Param("", type="string", description="comma-separated seed files"),
        "store": Param("", type="string", description="store (empty: the settings')"),
        "landing": Param("", type="string", description="landing-zone root"),
        "crawl_shards": Param(0, type="integer", minimum=0, description="0: the settings'"),
    },
)
def newsmon_crawl() -> None:
    ready = task(task_id="ensure_store", doc_md=dagtasks.ensure_store.__doc__)(
        dagtasks.ensure_store
    )()
    shards = task(task_id="plan_shards", doc_md=dagtasks.plan_shards.__doc__)(
        dagtasks.plan_shards
    )()
    ready >> shards
    crawled = task(
        task_id="crawl_shard",
        pool=dagtasks.CRAWL_POOL,
        doc_md=dagtasks.crawl_shard.__doc__,
        map_index_template="{{ task.op_kwargs['shard']['shard'] }}",
    )(dagtasks.crawl_shard).expand(shard=shards)
    task(task_id="publish", outlets=[CRAWLED], doc_md=dagtasks.publish_crawl.__doc__)(
        dagtasks.publish_crawl
    )(crawled)


newsmon_crawl()
