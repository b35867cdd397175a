"""A story over time, from its stored articles: who reported what, when, and which figures."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from .models import Story, utc_now


def summarize(story_id: str, title: str, docs: list[dict[str, Any]]) -> Story:
    dated = sorted(d["published_at"] or d["fetched_at"] for d in docs)
    return Story(
        id=story_id,
        title=title,
        articles=len(docs),
        outlets=len({d["source"] for d in docs}),
        independent_outlets=len({d["source"] for d in docs if not d.get("duplicate_of")}),
        first_seen=dated[0] if dated else None,
        last_seen=dated[-1] if dated else None,
        updated_at=utc_now(),
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


def top_entities(docs: list[dict[str, Any]], size: int = 5) -> list[str]:
    """The names a story's own reporting mentions most (copies repeat them), most first."""
    mentions: Counter[str] = Counter()
    for doc in docs:
        if doc.get("duplicate_of"):
            continue
        mentions.update(_names(doc))
    return [name for name, _ in sorted(mentions.items(), key=lambda m: (-m[1], m[0]))[:size]]


def figure_series(docs: list[dict[str, Any]]) -> dict[str, list[tuple[str, float, str]]]:
    """unit -> [(published_at, value, attribution)]: how each claimed figure moved."""
    series: dict[str, list[tuple[str, float, str]]] = defaultdict(list)
    for doc in docs:
        if doc.get("duplicate_of"):
            continue
        for claim in doc.get("claims", []):
            series[claim["unit"]].append(
                (
                    doc.get("published_at") or doc["fetched_at"],
                    claim["value"],
                    claim.get("claimant") or claim["attribution"],
                )
            )
    return {unit: sorted(points) for unit, points in series.items()}
