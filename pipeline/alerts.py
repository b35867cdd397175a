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
from collections.abc import Callable, Iterator
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


def _figures(doc: dict[str, Any]) -> Iterator[tuple[str, str, float, str]]:
    """(claimant, unit, value, the figure as written) of every claim in a doc's own
    reporting."""
    for _, claim, who in own_claims([doc]):
        claimant = " ".join(str(who).split())
        if claimant:
            yield claimant, claim["unit"], claim["value"], format_figure(claim)


# What the rules read of an added member; the rest of it is let go.
_ALERT_FIELDS = ("id", "published_at", "fetched_at", "source", "source_name", "duplicate_of")


class AlertTally:
    """What the rules read of a story's members, gathered one member at a time (in any
    order), so that a story of any size is never held whole: the outlets and each claimant's
    latest figure for a unit before this run, the articles a day, and this run's additions."""

    def __init__(self, added_ids: set[str]) -> None:
        self.added_ids = added_ids
        self.known: set[str] = set()
        self.per_day: Counter[str] = Counter()
        # (claimant key, unit) -> ((day, id, claim's place), value, as written): the latest
        # in publication order, as a sort of the members by (day, id) would leave it.
        self.latest: dict[tuple[str, str], tuple[tuple[str, str, int], float, str]] = {}
        self.added: list[dict[str, Any]] = []

    def add(self, doc: dict[str, Any]) -> None:
        day = day_of(doc)
        if day:
            self.per_day[day] += 1
        if doc["id"] in self.added_ids:
            kept = {k: doc.get(k) for k in _ALERT_FIELDS}
            kept["claims"] = doc.get("claims", [])
            self.added.append(kept)
            return
        self._know(doc)

    def _know(self, doc: dict[str, Any]) -> None:
        self.known.add(outlet_of(doc))
        day = day_of(doc)
        for place, (claimant, unit, value, written) in enumerate(_figures(doc)):
            key = (claimant_key(claimant), unit)
            order = (day, str(doc.get("id", "")), place)
            if key not in self.latest or order > self.latest[key][0]:
                self.latest[key] = (order, value, written)

    def state(self) -> dict[str, Any]:
        """What the next run's rules read as "before", as JSON: this run's additions count as
        known by then."""
        latest = dict(self.latest)
        known = set(self.known)
        settled = AlertTally(set())
        settled.latest, settled.known = latest, known
        for doc in self.added:
            settled._know(doc)
        return {
            "known": sorted(known),
            "per_day": dict(sorted(self.per_day.items())),
            "latest": [
                [claimant, unit, list(order), value, written]
                for (claimant, unit), (order, value, written) in sorted(latest.items())
            ],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], added_ids: set[str]) -> AlertTally:
        tally = cls(added_ids)
        tally.known = set(state["known"])
        tally.per_day = Counter(state["per_day"])
        tally.latest = {
            (claimant, unit): ((str(order[0]), str(order[1]), int(order[2])), value, written)
            for claimant, unit, order, value, written in state["latest"]
        }
        return tally

    def alerts(self, story_id: str, title: str, run_id: str, now: str) -> list[Alert]:
        """The alerts this run's additions raise (each at most once, by its id)."""
        if not self.added:
            return []

        def alert(rule: str, key: str, line: str, **detail: Any) -> Alert:
            return Alert(alert_id(rule, story_id, key), rule, story_id, line, now, run_id, detail)

        out = []
        added = sorted(self.added, key=lambda d: (day_of(d), d.get("id", "")))
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
        for outlet in outlets:
            if outlet not in self.known:
                out.append(alert("new_outlet", outlet, f"{title}: first report by {outlet}"))
        latest = {key: (value, written) for key, (_, value, written) in self.latest.items()}
        for doc in added:
            day, outlet = day_of(doc), outlet_of(doc)
            for claimant, unit, value, written in _figures(doc):
                key = (claimant_key(claimant), unit)
                previous, was = latest.get(key, (None, ""))
                if previous is None:
                    out.append(
                        alert(
                            "new_figure",
                            f"{claimant_key(claimant)}|{unit}|{value}",
                            f"{title}: {claimant} puts the figure at {written} "
                            f"(reported by {outlet})",
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
        out += _bursts(story_id, title, self.per_day, {day_of(d) for d in added}, alert)
        return list({a.id: a for a in out}.values())


def story_alerts(
    story_id: str,
    title: str,
    before: list[dict[str, Any]],
    added: list[dict[str, Any]],
    run_id: str,
    now: str,
) -> list[Alert]:
    """The alerts this run's additions to a story raise (each at most once, by its id)."""
    tally = AlertTally({d["id"] for d in added})
    for doc in [*before, *added]:
        tally.add(doc)
    return tally.alerts(story_id, title, run_id, now)


def _bursts(
    story_id: str,
    title: str,
    per_day: Counter[str],
    days: set[str],
    alert: Callable[..., Alert],
) -> list[Alert]:
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
    tallies: dict[str, AlertTally],
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
        raised += tallies[profile.id].alerts(profile.id, profile.title, run_id, now)
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
