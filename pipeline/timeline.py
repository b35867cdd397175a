"""A story over time, from its stored articles: who reported what, when, and which figures."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from .models import ClaimSeries, FigureChange, Story, utc_now
from .numbers import format_figure
from .terms import singular


def summarize(story_id: str, title: str, docs: Iterable[dict[str, Any]]) -> Story:
    tally = SummaryTally()
    for doc in docs:
        tally.add(doc)
    return tally.story(story_id, title)


class SummaryTally:
    """What a story's summary reads of its members, gathered one member at a time (in any
    order), so that a story of any size is summarised without being held: the count, the
    outlets, the first and last dates, the first member's title and its own reporting's
    mentions."""

    def __init__(self) -> None:
        self.articles = 0
        self.outlets: set[str] = set()
        self.independent: set[str] = set()
        self.first: tuple[str, str] | None = None  # (date, id) of the earliest member
        self.first_title = ""
        self.last: str | None = None
        self.mentions: Counter[str] = Counter()

    def add(self, doc: dict[str, Any]) -> None:
        self.articles += 1
        self.outlets.add(doc["source"])
        if not doc.get("duplicate_of"):
            self.independent.add(doc["source"])
        dated = doc.get("published_at") or doc.get("fetched_at")
        if dated:
            key = (str(dated), str(doc.get("id", "")))
            if self.first is None or key < self.first:
                self.first, self.first_title = key, str(doc.get("title") or "")
            if self.last is None or key[0] > self.last:
                self.last = key[0]
        self.mentions.update(own_mentions(doc))

    def state(self) -> dict[str, Any]:
        """What the tally holds, as JSON, for the next run to go on from (from_state)."""
        return {
            "articles": self.articles,
            "outlets": sorted(self.outlets),
            "independent": sorted(self.independent),
            "first": list(self.first) if self.first else None,
            "first_title": self.first_title,
            "last": self.last,
            "mentions": dict(sorted(self.mentions.items())),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SummaryTally:
        tally = cls()
        tally.articles = int(state["articles"])
        tally.outlets = set(state["outlets"])
        tally.independent = set(state["independent"])
        first = state["first"]
        tally.first = (str(first[0]), str(first[1])) if first else None
        tally.first_title = str(state["first_title"])
        tally.last = state["last"]
        tally.mentions = Counter(state["mentions"])
        return tally

    def story(self, story_id: str, title: str) -> Story:
        return Story(
            id=story_id,
            title=title,
            articles=self.articles,
            outlets=len(self.outlets),
            independent_outlets=len(self.independent),
            first_seen=self.first[0] if self.first else None,
            last_seen=self.last,
            updated_at=utc_now(),
            top_entities=most_mentioned(self.mentions),
        )


NEW_ENTITIES_PER_DAY = 8
_NAMED = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC"})  # who and where, for analysts


def day_of(doc: dict[str, Any]) -> str:
    """A stored article's day (YYYY-MM-DD): when it was published, else when fetched."""
    return str(doc.get("published_at") or doc.get("fetched_at") or "")[:10]


def outlet_of(doc: dict[str, Any]) -> str:
    """A stored article's outlet as analysts read it: its name, else its id."""
    return str(doc.get("source_name") or doc.get("source") or "")


def _names(doc: dict[str, Any]) -> Iterator[str]:
    for entity in doc.get("entities", []):
        if entity.get("label") in _NAMED:
            yield entity["text"]


def timeline(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per day: articles, outlets, the outlets that reported on their own (not syndicated
    copies), copies, the entities the story had not met before that day (most mentioned
    first), and the figures each claimant put forward."""
    days: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "articles": 0,
            "outlets": set(),
            "independent": 0,
            "independent_outlets": set(),
            "copies": 0,
            "mentions": Counter(),
            "figures": [],
        }
    )
    for doc in docs:
        row = days[day_of(doc)]
        row["articles"] += 1
        outlet = outlet_of(doc)
        row["outlets"].add(outlet)
        row["mentions"].update(_names(doc))
        if doc.get("duplicate_of"):
            row["copies"] += 1
            continue  # a copy repeats its original's figures
        row["independent"] += 1
        row["independent_outlets"].add(outlet)
        for claim in doc.get("claims", []):
            figure = {
                "value": claim["value"],
                "value_max": claim.get("value_max"),
                "unit": claim["unit"],
                "kind": claim.get("kind", "count"),
                "vague": claim.get("vague", False),
                "attribution": claim.get("claimant") or claim["attribution"],
                "as_written": claim["attribution"],
                "via": claim.get("via", ""),
                "hedges": claim.get("hedges", []),
                "outlet": outlet,
            }
            if figure not in row["figures"]:
                row["figures"].append(figure)
    known: set[str] = set()
    rows = []
    for day, row in sorted(days.items()):
        mentions: Counter[str] = row.pop("mentions")
        new = [
            e for e, _ in sorted(mentions.items(), key=lambda m: (-m[1], m[0])) if e not in known
        ]
        known.update(mentions)
        row["new_entities"] = new[:NEW_ENTITIES_PER_DAY]
        rows.append(
            {"day": day, **{k: sorted(v) if isinstance(v, set) else v for k, v in row.items()}}
        )
    return rows


def top_entities(docs: Iterable[dict[str, Any]], size: int = 5) -> list[str]:
    """The names a story's own reporting mentions most (copies repeat them), most first."""
    mentions: Counter[str] = Counter()
    for doc in docs:
        mentions.update(own_mentions(doc))
    return most_mentioned(mentions, size)


def own_mentions(doc: dict[str, Any]) -> Iterator[str]:
    """The names an article mentions, none for a copy (it repeats its original's)."""
    return iter(()) if doc.get("duplicate_of") else _names(doc)


def most_mentioned(mentions: Counter[str], size: int = 5) -> list[str]:
    return [name for name, _ in ranked(mentions, size)]


def ranked(counts: Counter[str], size: int) -> list[tuple[str, int]]:
    """The most common, ties by name. Counter.most_common breaks ties by insertion order, which
    for names that arrive from a set changes with every process's hash seed (the same input
    gave 1,078 to 1,084 emergent stories at 4,000 articles)."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:size]


def own_claims(
    docs: Iterable[dict[str, Any]],
) -> Iterator[tuple[dict[str, Any], dict[str, Any], str]]:
    """(doc, claim, claimant or attribution as written) of every claim in the docs' own
    reporting: a copy repeats its original's figures."""
    for doc in docs:
        if doc.get("duplicate_of"):
            continue
        for claim in doc.get("claims", []):
            yield doc, claim, claim.get("claimant") or claim.get("attribution") or ""


def figure_series(docs: list[dict[str, Any]]) -> dict[str, list[tuple[str, float, str]]]:
    """unit -> [(published_at, value, attribution)]: how each claimed figure moved."""
    series: dict[str, list[tuple[str, float, str]]] = defaultdict(list)
    for doc, claim, who in own_claims(docs):
        series[claim["unit"]].append(
            (doc.get("published_at") or doc["fetched_at"], claim["value"], who)
        )
    return {unit: sorted(points) for unit, points in series.items()}


def claim_history(
    docs: list[dict[str, Any]], unit: str | None = None, claimant: str | None = None
) -> list[ClaimSeries]:
    """Each claimant's figures for each unit over time: first seen, last confirmed, and every
    change ("NIS: 10,000 -> 15,000 troops on 2025-03-01"). Copies are left out (they repeat
    their original); `unit` matches singular or plural, `claimant` any part of the name."""
    points: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for doc, claim, who in own_claims(docs):
        if unit and singular(claim["unit"].lower()) != singular(unit.lower()):
            continue
        if claimant and claimant.lower() not in who.lower():
            continue
        when = doc.get("published_at") or doc.get("fetched_at") or ""
        points[(who, claim["unit"])].append((when, format_figure(claim), outlet_of(doc)))
    out = []
    for (who, what), seen in sorted(points.items()):
        seen.sort()
        changes = []
        current, confirmed = seen[0][1], seen[0][0]
        for when, figure, _ in seen[1:]:
            if figure != current:
                changes.append(FigureChange(when[:10], current, figure))
                current = figure
            confirmed = when
        out.append(
            ClaimSeries(
                claimant=who,
                unit=what,
                first_seen=seen[0][0][:10],
                last_confirmed=confirmed[:10],
                current=current,
                reports=len(seen),
                changes=changes,
                outlets=sorted({outlet for _, _, outlet in seen}),
            )
        )
    return out
