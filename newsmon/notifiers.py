"""Airflow notifiers: story alerts after a stories run, and task failures, each to the log and
to the webhook and SMTP server the settings name (NEWSMON_ALERT_WEBHOOK,
NEWSMON_ALERT_SMTP_HOST, NEWSMON_ALERT_EMAIL_TO, or the Variables newsmon_alert_*).

Delivery is newsmon.pipeline.alerts.deliver, the same code the CLI uses; a channel that fails
is logged, and never fails the task it reports on.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.request import Request, urlopen

from airflow.sdk import BaseNotifier

log = logging.getLogger("newsmon.notifiers")
_ALERT_FIELDS = ("id", "rule", "story_id", "title", "raised_at", "run_id", "detail")


class StoryAlertNotifier(BaseNotifier):
    """On success of the stories task: deliver the alerts it returned."""

    def notify(self, context: Any) -> None:
        from .dagtasks import resolve_settings
        from .pipeline.alerts import deliver
        from .pipeline.models import Alert

        ti = context["ti"]
        result = ti.xcom_pull(task_ids=ti.task_id) or {}
        alerts = [
            Alert(**{k: a[k] for k in _ALERT_FIELDS if k in a}) for a in result.get("alerts", [])
        ]
        report = deliver(alerts, resolve_settings(dict(context)).alert_channels)
        log.info("story alerts delivered: %s", json.dumps(report, sort_keys=True))


class TaskFailureNotifier(BaseNotifier):
    """On a task's failure: one line in the log and, when a webhook is set, a JSON post."""

    def notify(self, context: Any) -> None:
        from .dagtasks import resolve_settings

        ti = context.get("ti")
        event = {
            "event": "task_failed",
            "dag_id": getattr(ti, "dag_id", ""),
            "task_id": getattr(ti, "task_id", ""),
            "run_id": str(context.get("run_id", "")),
            "try_number": getattr(ti, "try_number", None),
            "error": str(context.get("exception", ""))[:500],
        }
        log.error("newsmon task failed: %s", json.dumps(event, sort_keys=True))
        try:
            webhook = resolve_settings(dict(context)).alert_webhook
        except Exception as exc:  # a configuration error is what failed: the log has it
            log.error("failure notifier: no settings (%s)", exc)
            return
        if not webhook:
            return
        body = json.dumps(event).encode()
        request = Request(webhook, body, {"Content-Type": "application/json"}, method="POST")
        try:
            with urlopen(request, timeout=10) as answer:  # noqa: S310 (configured URL)
                answer.read()
        except (OSError, ValueError) as exc:
            log.error("failure webhook %s failed: %s", webhook, exc)
