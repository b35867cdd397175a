"""
### newsmon_maintenance: lifecycle, retention, dead letters, data quality

Daily. The four tasks are independent; each fails on its own, loudly.

* **check_lifecycle**: the rollover policy (ILM on Elasticsearch, ISM on OpenSearch) exists and
  manages every article index. Fix: `newsmon index setup`.
* **retention**: in landing folders that were indexed, page bodies go after
  `retention_body_days` (default 7) and whole folders after `retention_keep_days` (default
  90). What was never indexed is never removed.
* **replay_dead_letters**: documents the store refused (the engine was down) are written
  again; those still refused stay for the next replay.
* **data_quality**: each outlet's share of pages without text, articles without a date, and
  rejected pages over the last 24 hours, against its own previous 14 days. A jump of more
  than 30 points fails the task and names the outlet: its extraction broke. No run at all
  in the last 24 hours fails it too: nothing is being indexed.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task

from newsmon import dagtasks


@dag(
    dag_id="newsmon_maintenance",
    schedule="@daily",
    doc_md=__doc__,
    tags=["newsmon", "maintenance", "data-quality"],
    **dagtasks.dag_defaults(timeout_minutes=60),
    params={
        "store": Param("", type="string", description="store (empty: the settings')"),
        "landing": Param("", type="string", description="landing-zone root"),
    },
)
def newsmon_maintenance() -> None:
    for name, func in (
        ("check_lifecycle", dagtasks.check_lifecycle),
        ("retention", dagtasks.apply_retention),
        ("replay_dead_letters", dagtasks.replay_dead_letters),
        ("data_quality", dagtasks.check_data_quality),
    ):
        task(task_id=name, doc_md=func.__doc__)(func)()


newsmon_maintenance()
