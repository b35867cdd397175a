"""Alerts on tracked stories, evaluated after each index step.

Rules, each on what this run added to a story against what the story held before:
- ``coverage``: new articles on the story (one alert a run, naming them);
- ``new_outlet``: an outlet that had never reported on the story;
- ``new_figure``: a claimant puts a figure on a unit for the first time;
- ``changed_figure``: a claimant's figure for a unit differs from the one it gave last;
- ``burst``: a day with at least BURST_MIN articles and BURST_FACTOR times the story's daily
  average over the BURST_DAYS before it.

An alert's id hashes its rule, story and the event itself (the articles, the outlet, the
claimant's figure, the day), so a re-run over the same input raises nothing twice: the store
keeps every alert, and only those it did not hold are delivered. Delivery is to the log always,
and to a webhook (JSON POST) and by email when configured; a channel that fails is logged and
counted, and never stops the run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import smtplib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.request import Request, urlopen

from .models import Alert, Story
from .numbers import format_figure
from .timeline import day_of, outlet_of, own_claims

log = logging.getLogger(__name__)
BURST_MIN = 5
BURST_FACTOR = 3.0
BURST_DAYS = 14
EMERGENT_ALERT_SIZE = 3  # an emergent story this large is news of its own


def alert_id(rule: str, story_id: str, key: str) -> str:
    return hashlib.sha1(f"{rule}\x1f{story_id}\x1f{key}".encode()).hexdigest()[:20]


def claimant_key(claimant: str) -> str:
    """One key for one claimant: claims carry the canonical name (pipeline/claims), so "the
    NIS", "NIS" and "Seoul's spy agency" are one already; this folds what is left of case and
    a leading "the" in documents stored before claimants were resolved."""
    key = " ".join(claimant.lower().split())
    return key[4:] if key.startswith("the ") else key


def _figures(docs: list[dict[str, Any]]) -> list[tuple[str, str, str, float, str, str]]:
    """(day, claimant, unit, value, outlet, the figure as written) of every claim in the docs'
    own reporting."""
    found = []
    ordered = sorted(docs, key=lambda d: (day_of(d), d.get("id", "")))
    for doc, claim, who in own_claims(ordered):
        claimant = " ".join(str(who).split())
        if claimant:
            found.append(
                (
                    day_of(doc),
                    claimant,
                    claim["unit"],
                    claim["value"],
                    outlet_of(doc),
                    format_figure(claim),
                )
            )
    return found


def story_alerts(
    story_id: str,
    title: str,
    before: list[dict[str, Any]],
    added: list[dict[str, Any]],
    run_id: str,
    now: str,
) -> list[Alert]:
    """The alerts this run's additions to a story raise (each at most once, by its id)."""
    if not added:
        return []

    def alert(rule: str, key: str, line: str, **detail: Any) -> Alert:
        return Alert(alert_id(rule, story_id, key), rule, story_id, line, now, run_id, detail)

    out = []
    ids = sorted(d["id"] for d in added)
    outlets = sorted({outlet_of(d) for d in added})
    out.append(
        alert(
            "coverage",
            ",".join(ids),
            f"{title}: {len(ids)} new article(s) from {', '.join(outlets)}",
            articles=ids,
            outlets=outlets,
        )
    )
    known = {outlet_of(d) for d in before}
    for outlet in outlets:
        if outlet not in known:
            out.append(alert("new_outlet", outlet, f"{title}: first report by {outlet}"))
    latest: dict[tuple[str, str], tuple[float, str]] = {}
    for _, claimant, unit, value, _, written in _figures(before):
        latest[(claimant_key(claimant), unit)] = (value, written)
    for day, claimant, unit, value, outlet, written in _figures(added):
        key = (claimant_key(claimant), unit)
        previous, was = latest.get(key, (None, ""))
        if previous is None:
            out.append(
                alert(
                    "new_figure",
                    f"{claimant_key(claimant)}|{unit}|{value}",
                    f"{title}: {claimant} puts the figure at {written} (reported by {outlet})",
                    claimant=claimant,
                    unit=unit,
                    value=value,
                    day=day,
                )
            )
        elif previous != value:
            out.append(
                alert(
                    "changed_figure",
                    f"{claimant_key(claimant)}|{unit}|{previous}|{value}",
                    f"{title}: {claimant} now says {written}, was {was}",
                    claimant=claimant,
                    unit=unit,
                    value=value,
                    previous=previous,
                    day=day,
                )
            )
        latest[key] = (value, written)
    out += _bursts(story_id, title, before + added, {day_of(d) for d in added}, alert)
    return list({a.id: a for a in out}.values())


def _bursts(
    story_id: str,
    title: str,
    docs: list[dict[str, Any]],
    days: set[str],
    alert: Callable[..., Alert],
) -> list[Alert]:
    per_day = Counter(filter(None, map(day_of, docs)))
    found = []
    for day in sorted(d for d in days if d):
        try:
            start = date.fromisoformat(day)
        except ValueError:
            continue
        window = [(start - timedelta(days=n)).isoformat() for n in range(1, BURST_DAYS + 1)]
        average = sum(per_day[d] for d in window) / BURST_DAYS
        count = per_day[day]
        if count >= BURST_MIN and count >= BURST_FACTOR * average:
            found.append(
                alert(
                    "burst",
                    day,
                    f"{title}: {count} articles on {day}, against {average:.1f} a day before",
                    day=day,
                    articles=count,
                    average=round(average, 2),
                )
            )
    return found


@dataclass
class AlertChannels:
    """Where new alerts go besides the log (Settings: NEWSMON_ALERT_*)."""

    webhook: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    email_from: str | None = None
    email_to: list[str] = field(default_factory=list)
    timeout: float = 10.0


def raise_alerts(
    store: Any,
    stories: list[Any],
    members: dict[str, list[dict[str, Any]]],
    added_ids: set[str],
    run_id: str,
    now: str,
    channels: AlertChannels | None = None,
    emergent: list[Story] | None = None,
) -> dict[str, Any]:
    """Evaluate every tracked story's rules on what this run added, and whether an emergent
    story grew past EMERGENT_ALERT_SIZE; keep and deliver the alerts the store did not hold
    yet."""
    raised: list[Alert] = []
    for profile in stories:
        docs = members[profile.id]
        added = [d for d in docs if d["id"] in added_ids]
        before = [d for d in docs if d["id"] not in added_ids]
        raised += story_alerts(profile.id, profile.title, before, added, run_id, now)
    for story in emergent or []:
        if story.articles >= EMERGENT_ALERT_SIZE and not story.merged_into:
            raised.append(
                Alert(
                    alert_id("emergent_story", story.id, ""),
                    "emergent_story",
                    story.id,
                    f"New story: {story.title} ({story.articles} articles, "
                    f"{story.outlets} outlets; {', '.join(story.top_entities[:3])})",
                    now,
                    run_id,
                    {"articles": story.articles, "outlets": story.outlets},
                )
            )
    new = store.save_alerts(raised)
    report = deliver(new, channels)
    return {"raised": len(new), "by_rule": dict(Counter(a.rule for a in new)), **report}


def deliver(alerts: list[Alert], channels: AlertChannels | None = None) -> dict[str, Any]:
    """Send new alerts; what was sent and what failed, by channel."""
    channels = channels or AlertChannels()
    report: dict[str, Any] = {"log": len(alerts), "webhook": 0, "email": 0, "failed": {}}
    for item in alerts:
        log.warning("ALERT [%s] %s (%s)", item.rule, item.title, item.id)
    if not alerts:
        return report
    if channels.webhook:
        try:
            body = json.dumps({"alerts": [a.to_document() for a in alerts]}).encode()
            request = Request(
                channels.webhook, body, {"Content-Type": "application/json"}, method="POST"
            )
            with urlopen(request, timeout=channels.timeout) as answer:  # noqa: S310 (configured)
                answer.read()
            report["webhook"] = len(alerts)
        except (OSError, ValueError) as exc:  # URLError, HTTPError, timeouts, a bad URL
            log.error("alert webhook %s failed: %s", channels.webhook, exc)
            report["failed"]["webhook"] = str(exc)[:200]
    if channels.smtp_host and channels.email_to:
        message = EmailMessage()
        message["Subject"] = f"newsmon: {len(alerts)} alert(s)"
        message["From"] = channels.email_from or "newsmon@localhost"
        message["To"] = ", ".join(channels.email_to)
        message.set_content("\n".join(f"[{a.rule}] {a.title}" for a in alerts))
        try:
            with smtplib.SMTP(
                channels.smtp_host, channels.smtp_port, timeout=channels.timeout
            ) as s:
                s.send_message(message)
            report["email"] = len(alerts)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("alert email via %s failed: %s", channels.smtp_host, exc)
            report["failed"]["email"] = str(exc)[:200]
    return report
