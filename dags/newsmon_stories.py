"""
### newsmon_stories: story timelines, emergent stories, claims and alerts

Runs on each event of the asset `newsmon://store/indexed` (from `newsmon_process`).

* **refresh**: for every indexed batch whose stories were not refreshed yet: the stored
  articles that the batch's reports let into a tracked story, every tracked story's summary
  (outlets, independent outlets, copies, figures), the emergent stories the batch touched
  (merged and split as they grow), and the alerts the batch set off, each raised once.
  Nothing waiting: skipped.

The alerts go to the task log, and to the webhook and e-mail addresses the settings name
(`NEWSMON_ALERT_WEBHOOK`, `NEWSMON_ALERT_SMTP_HOST`, `NEWSMON_ALERT_EMAIL_TO`, or the Variables
`newsmon_alert_*`), through the task's notifier; they are also kept in the store (Kibana's
alerts index, `newsmon alerts`).
"""

from __future__ import annotations

from airflow.sdk import Asset, dag, task

from newsmon import dagtasks
from newsmon.notifiers import StoryAlertNotifier

INDEXED = Asset(dagtasks.INDEXED_URI)


@dag(
    dag_id="newsmon_stories",
    schedule=[INDEXED],
    doc_md=__doc__,
    tags=["newsmon", "stories", "alerts"],
    **dagtasks.dag_defaults(timeout_minutes=60),
)
def newsmon_stories() -> None:
    task(
        task_id="refresh",
        doc_md=dagtasks.refresh_stories.__doc__,
        on_success_callback=[StoryAlertNotifier()],
    )(dagtasks.refresh_stories)()


newsmon_stories()
