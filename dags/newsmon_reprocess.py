"""
### newsmon_reprocess: process, index or stories again, from stored data

Manual only (trigger it with its Params); it never crawls.

* **stage `process`**: the stored crawls whose data interval starts in [`since`, `until`)
  are processed again as one batch (only the sources in `source_ids`, when given), indexed, and
  their stories refreshed. Crawls whose page bodies retention removed are left as they are.
* **stage `index`**: the batches that took those crawls are indexed again from their
  processed files (after an engine outage, or into a new index).
* **stage `stories`**: the stories (only those in `stories`, when given) are refreshed from
  the store alone.

Each stage gives the same documents as the first time for the same data.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task

from newsmon import dagtasks


@dag(
    dag_id="newsmon_reprocess",
    schedule=None,
    doc_md=__doc__,
    tags=["newsmon", "reprocess", "backfill"],
    **dagtasks.dag_defaults(timeout_minutes=360),
    params={
        "stage": Param("process", enum=["process", "index", "stories"]),
        "since": Param("", type="string", description="first day (YYYY-MM-DD); empty: all"),
        "until": Param("", type="string", description="day after the last; empty: all"),
        "stories": Param("", type="string", description="comma-separated story ids"),
        "source_ids": Param("", type="string", description="comma-separated source ids"),
        "landing": Param("", type="string", description="landing-zone root"),
        "store": Param("", type="string", description="store"),
        "seeds": Param("", type="string", description="comma-separated seed files"),
    },
)
def newsmon_reprocess() -> None:
    plan = task(task_id="plan", doc_md=dagtasks.reprocess_plan.__doc__)(dagtasks.reprocess_plan)()
    processed = task(task_id="process", doc_md=dagtasks.reprocess_process.__doc__)(
        dagtasks.reprocess_process
    )(plan)
    indexed = task(task_id="index", doc_md=dagtasks.reprocess_index.__doc__)(
        dagtasks.reprocess_index
    )(processed)
    task(task_id="stories", doc_md=dagtasks.reprocess_stories.__doc__)(dagtasks.reprocess_stories)(
        indexed
    )


newsmon_reprocess()
