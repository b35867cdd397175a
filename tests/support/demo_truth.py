"""Compare what a run stored with the demo web's ground truth (newsmon.demoweb.truth), exactly:
the outcome of every URL, the duplicate groups, the story members and the stored documents."""

from __future__ import annotations

from collections import Counter
from typing import Any

from newsmon.demoweb.truth import GroundTruth, ground_truth
from newsmon.pipeline.models import Outcome, doc_id

SEED_STORY_ID = "nk-engineers-russia"


def truth_for(web: Any, stories: list[Any]) -> GroundTruth:
    return ground_truth(web.site, web.sources(), [q for s in stories for q in s.queries])


def stored_outcomes(store: Any) -> dict[str, tuple[str, str, str]]:
    """url -> (outcome, reason, doc id): the latest outcome of every URL the store keeps."""
    if hasattr(store, "db"):  # SQLite: the url_outcomes table
        rows = store.db.execute("SELECT url, outcome, reason, doc_id FROM url_outcomes")
        return {r[0]: (r[1], r[2], r[3]) for r in rows}
    hits = store._scan(store.state, {"term": {"kind": "outcome"}}, [{"url": "asc"}])
    return {
        h["_source"]["url"]: (
            h["_source"]["outcome"],
            h["_source"]["reason"],
            h["_source"]["doc_id"],
        )
        for h in hits
    }


def mismatches(
    store: Any,
    truth: GroundTruth,
    outcomes: dict[str, tuple[str, str, str]] | None = None,
    labels: bool = True,
) -> list[str]:
    """Every difference between the store and the truth, in words (empty: they agree)."""
    got = stored_outcomes(store) if outcomes is None else outcomes
    problems = [
        f"met but not expected: {u} {got[u]}" for u in sorted(set(got) - set(truth.outcomes))
    ]
    problems += [
        f"expected but not met: {u} {truth.outcomes[u]}"
        for u in sorted(set(truth.outcomes) - set(got))
    ]
    for url in sorted(set(got) & set(truth.outcomes)) if labels else []:
        # Without labels (runs that met a page under two URLs in another order), only the
        # documents, their groups and the story count, and that every URL has an outcome.
        want, (outcome, reason, doc) = truth.outcomes[url], got[url]
        if not want.matches(outcome, reason):
            problems.append(f"{url}: {outcome} {reason!r}, expected {want.outcome} {want.reason!r}")
        elif want.original and doc != doc_id(want.original):
            problems.append(f"{url}: a duplicate of {doc}, expected of {want.original}")
    docs = {d["canonical_url"]: d for d in store.iter_articles()}
    if set(docs) != truth.indexed:
        problems.append(
            f"documents: missing {sorted(truth.indexed - set(docs))}, "
            f"unexpected {sorted(set(docs) - truth.indexed)}"
        )
    copies = {url: d["duplicate_of"] for url, d in docs.items() if d["duplicate_of"]}
    expected_copies = {url: doc_id(o) for url, o in truth.duplicate_of.items()}
    if copies != expected_copies:
        problems.append(f"duplicate groups: got {copies}, expected {expected_copies}")
    for url, d in docs.items():
        group = d["duplicate_of"] or d["id"]
        if d["dup_group"] != group:
            problems.append(f"{url}: dup_group {d['dup_group']}, expected {group}")
    members = {d["canonical_url"] for d in store.story_articles(SEED_STORY_ID)}
    if members != truth.story_members:
        problems.append(
            f"story members: missing {sorted(truth.story_members - members)}, "
            f"unexpected {sorted(members - truth.story_members)}"
        )
    return problems


def expected_counts(truth: GroundTruth) -> dict[str, Any]:
    """The summary counts the truth implies."""
    by = Counter(e.outcome for e in truth.outcomes.values())
    return {
        "fetched": len(truth.outcomes),
        "indexed": by[Outcome.INDEXED],
        "duplicates": {"exact": by[Outcome.DUPLICATE_EXACT], "near": by[Outcome.DUPLICATE_NEAR]},
        "sources_read": by[Outcome.SOURCE_READ],
        "rejected": sum(by[o] for o in (Outcome.REJECTED,)),
    }
