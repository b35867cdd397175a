"""Story tracking on the labelled set (bench/labelled/), development and test halves apart.

For each half, as newsmon runs: the half's articles, their syndicated copies and its
unrelated articles, in publication order, through the real stages (dedupe on an embedded
store, enrich with the installed spaCy model, assign stories). Each story is seeded by its
seed article alone (title, text, date: what `newsmon seed add` gets); seeds are not scored.

Printed per half:
- tracked stories: precision and recall, micro over (article, story) pairs and the macro mean
  over stories;
- emergent stories: BCubed precision, recall and F1 of the clustering newsmon makes with no
  seeds at all, against the gold stories (an article of no story is its own cluster); and the
  F1 of the same half in two runs, the second going on from the stories the first stored
  (their profiles, as the index step writes them), as daily runs do;
- near-duplicates: precision and recall of the copies flagged against the planted ones;
- outlet crediting: the share of articles credited to the outlet that published them (two
  outlets share a host by path; an aggregator lists three others);
- named entities: precision and recall of the PERSON, ORG and GPE entities enrichment finds in
  the English articles, name and type, against the hand labels of `labelled/entities.yaml`;
- speed: articles per second through assignment, and through the whole set of stages.

    .venv/bin/python bench/story_tracking.py
"""

from __future__ import annotations

import copy
import re
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml
from _labelled import Item, load

from newsmon.crawlers.spiders.news import longest_prefix
from newsmon.pipeline.dedupe import dedupe
from newsmon.pipeline.enrich import enrich_article, load_nlp
from newsmon.pipeline.ledger import Ledger
from newsmon.pipeline.models import Article
from newsmon.pipeline.profiles import derive_profile
from newsmon.pipeline.store.sqlite import SQLiteStore
from newsmon.pipeline.stories import EmergentProfile, StoryTracker
from newsmon.pipeline.terms import fold

TARGETS = {
    "tracked P": 0.9,
    "tracked R": 0.9,
    "emergent F1": 0.85,
    "near P": 0.99,
    "near R": 0.95,
    "outlets credited": 1.0,
    "entity P": 0.9,
    "entity R": 0.9,
}
ENTITY_LABELS = ("PERSON", "ORG", "GPE")
GOLD_ENTITIES = Path(__file__).parent / "labelled" / "entities.yaml"


def _name(text: str) -> str:
    text = re.sub(r"^the\s+", "", fold(" ".join(text.split())))
    return re.sub(r"'s$", "", text).strip(" .,;:")


def entity_scores(
    items: list[Item], articles: dict[str, Article], gold: dict
) -> tuple[float, float]:
    right = found = expected = 0
    for item in items:
        labels = gold.get(item.labels.get("key", ""))
        if labels is None or item.article.id not in articles:
            continue
        want = {(_name(n), label) for label in ENTITY_LABELS for n in labels.get(label, [])}
        ignore = {_name(n) for n in labels.get("ignore", [])}
        got = {
            (_name(e.text), e.label)
            for e in articles[item.article.id].entities
            if e.label in ENTITY_LABELS
        }
        got = {g for g in got if g[0] not in ignore or g in want}
        right += len(got & want)
        found += len(got)
        expected += len(want)
    return _ratio(right, found), _ratio(right, expected)


def _ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def tracked_scores(items: list[Item], articles: dict[str, Article]) -> dict[str, float]:
    gold: dict[str, set[str]] = defaultdict(set)
    pred: dict[str, set[str]] = defaultdict(set)
    for item in items:
        if item.story:
            gold[item.story].add(item.article.id)
        for match in articles[item.article.id].stories:
            if not match.id.startswith("emerging-"):
                pred[match.id].add(item.article.id)
    stories = sorted(gold)
    right = sum(len(gold[s] & pred[s]) for s in stories)
    per = [
        (_ratio(len(gold[s] & pred[s]), len(pred[s])), _ratio(len(gold[s] & pred[s]), len(gold[s])))
        for s in stories
    ]
    return {
        "P": _ratio(right, sum(len(pred[s]) for s in stories)),
        "R": _ratio(right, sum(len(gold[s]) for s in stories)),
        "macro P": sum(p for p, _ in per) / len(per),
        "macro R": sum(r for _, r in per) / len(per),
    }


def bcubed(gold: dict[str, str], pred: dict[str, str]) -> tuple[float, float, float]:
    by_gold: dict[str, set[str]] = defaultdict(set)
    by_pred: dict[str, set[str]] = defaultdict(set)
    for item, label in gold.items():
        by_gold[label].add(item)
        by_pred[pred[item]].add(item)
    precision = recall = 0.0
    for item in gold:
        same_pred = by_pred[pred[item]]
        same_gold = by_gold[gold[item]]
        both = len(same_pred & same_gold)
        precision += both / len(same_pred)
        recall += both / len(same_gold)
    p, r = precision / len(gold), recall / len(gold)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def run_half(half: str, items: list[Item], sources, nlp) -> dict[str, float]:
    seeds = [i for i in items if i.seed and i.half == half]
    # The seed articles are on the web too (their copies point at them), but not scored.
    stream = sorted(
        (i for i in items if i.half == half), key=lambda i: (i.article.published_at, i.article.id)
    )
    start = time.perf_counter()
    profiles = [
        derive_profile(
            s.story or s.article.id,
            s.article.title,
            s.article.text,
            nlp,
            date=s.article.published_at or "",
        )
        for s in seeds
    ]
    profiling = time.perf_counter() - start

    fresh = [copy.deepcopy(i.article) for i in stream]
    with tempfile.TemporaryDirectory() as tmp, SQLiteStore(Path(tmp) / "s.sqlite") as store:
        store.setup()
        started = time.perf_counter()
        kept = list(dedupe(fresh, store, Ledger()))
        dedupe_s = time.perf_counter() - started
    started = time.perf_counter()
    enriched = [enrich_article(a, nlp) for a in kept]
    enrich_s = time.perf_counter() - started
    by_id = {a.id: a for a in enriched}
    missing = [i for i in stream if i.article.id not in by_id]

    started = time.perf_counter()
    tracker = StoryTracker(profiles)
    for article in enriched:
        tracker.assign(article)
    assign_s = time.perf_counter() - started
    kept_items = [i for i in stream if i.article.id in by_id]
    tracked = tracked_scores([i for i in kept_items if not i.seed], by_id)

    alone = StoryTracker([])
    clusters = {a.id: alone.assign(copy.deepcopy(a)).stories[0].id for a in enriched}
    clusters = _resolved(clusters, alone)
    gold = {i.article.id: i.story or f"none:{i.article.id}" for i in kept_items}
    ep, er, ef = bcubed(gold, clusters)
    _, _, two_runs_f1 = bcubed(gold, emergent_in_two_runs(enriched))

    planted = {i.article.id: i.copy_of for i in stream if i.copy_of}
    flagged = {a.id: a.duplicate_of for a in kept if a.duplicate_of}
    near_right = sum(planted.get(d) == o for d, o in flagged.items())

    outlets = [s for s in sources if s.kind != "aggregator"]
    by_source = {s.id: s for s in sources}
    credited = 0
    for item in (i for i in items if i.half == half):
        listed = by_source[item.listed_by]
        prefer = None if listed.kind == "aggregator" else listed
        best = longest_prefix(item.article.url, outlets, prefer=prefer)
        credited += best is not None and best.id == item.outlet
    n_half = sum(1 for i in items if i.half == half)
    gold_entities = yaml.safe_load(GOLD_ENTITIES.read_text(encoding="utf-8"))
    entity_p, entity_r = entity_scores([i for i in stream if not i.copy_of], by_id, gold_entities)

    return {
        "articles": len(stream),
        "stories": len(seeds),
        "tracked P": tracked["P"],
        "tracked R": tracked["R"],
        "tracked macro P": tracked["macro P"],
        "tracked macro R": tracked["macro R"],
        "emergent P": ep,
        "emergent R": er,
        "emergent F1": ef,
        "emergent F1, two runs": two_runs_f1,
        "emergent clusters": len(set(clusters.values())),
        "gold clusters": len(set(gold.values())),
        "near P": _ratio(near_right, len(flagged)),
        "near R": _ratio(near_right, len(planted)),
        "planted copies": len(planted),
        "exact duplicates dropped": len(missing),
        "outlets credited": credited / n_half,
        "entity P": entity_p,
        "entity R": entity_r,
        "assign articles/s": len(enriched) / assign_s if assign_s else 0.0,
        "stages articles/s": len(enriched) / (dedupe_s + enrich_s + assign_s),
        "profile s/seed": profiling / max(1, len(seeds)),
    }


def _resolved(clusters: dict[str, str], tracker: StoryTracker) -> dict[str, str]:
    """Each article's story after the tracker's merges (a merged story may merge again)."""
    moved = {m.old: m.new for m in tracker.merges}
    for doc, story in clusters.items():
        while story in moved:
            story = moved[story]
        clusters[doc] = story
    return clusters


def emergent_in_two_runs(enriched: list[Article]) -> dict[str, str]:
    """Emergent clusters when the first half (by publication) is one run and the rest the
    next: the second tracker knows the first run's stories only by the profiles built from
    their members (EmergentProfile, as jobs._refresh_emergent stores them)."""
    half = len(enriched) // 2
    first = StoryTracker([])
    assigned = [first.assign(copy.deepcopy(a)) for a in enriched[:half]]
    clusters = _resolved({a.id: a.stories[0].id for a in assigned}, first)
    builders: dict[str, EmergentProfile] = {}
    for article in assigned:
        story = clusters[article.id]
        builders.setdefault(story, EmergentProfile(first)).add(article.to_document())
    second = StoryTracker([])
    second.remember(
        {"id": story, "kind": "emergent", "profile": builder.profile()}
        for story, builder in sorted(builders.items())
    )
    later = {a.id: second.assign(copy.deepcopy(a)).stories[0].id for a in enriched[half:]}
    return _resolved({**clusters, **later}, second)  # a later story may absorb a stored one


def main() -> None:
    items, sources, _ = load()
    nlp = load_nlp()
    print(f"labelled set: {len(items)} articles ({sum(1 for i in items if i.copy_of)} copies)")
    results = {half: run_half(half, items, sources, nlp) for half in ("dev", "test")}
    print(f"{'':<26} {'dev':>8} {'test':>8}  target (test)")
    for key in results["dev"]:
        dev, test = results["dev"][key], results["test"][key]
        target = TARGETS.get(key)
        fmt = "{:>8.0f}" if isinstance(dev, int) or dev > 10 else "{:>8.3f}"
        mark = "" if target is None else f"  >= {target} {'met' if test >= target else 'NOT MET'}"
        print(f"{key:<26} {fmt.format(dev)} {fmt.format(test)}{mark}")


if __name__ == "__main__":
    main()
