"""Claims on real published news: the labelled figures of `labelled/claims.yaml` (562 figures
in 80 article bodies of the extraction benchmark in ../shared/eval: business, economy, health,
politics, crime, science, conflict, culture and sport), development and test halves apart.

Each article's text goes through `pipeline.claims.extract_claims`, as enrichment calls it.
Gold and found claims are paired one to one within an article: same value (and the same top,
for a range), the found one in the sentence the gold one quotes first, then any. Printed per
half:
- value recall: gold figures whose value was found;
- (value, unit): precision and recall; a unit matches when the gold counted noun is the head
  of the found unit, singular or plural ("North Korean engineers" is "engineer");
- (value, unit, claimant): precision and recall; claimants match by their canonical names,
  folded, or one name inside the other ("Trump" in "Donald Trump"); no claimant matches none;
- relay accuracy and hedge accuracy, over the (value, unit) pairs;
- vague: how many "thousands of"-style figures were found, and flagged vague;
- speed: articles/s of the whole enrich stage (language, entities, claims) over the story
  benchmark's corpus (labelled/stories.yaml), and of claim extraction alone, in the same run.

    .venv/bin/python bench/claims.py [--show dev|test]

`--show` lists the misses and the false finds of a half (use dev for tuning).
"""

from __future__ import annotations

import argparse
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml
from _eval import eval_dir
from _labelled import load

from newsmon.pipeline.claims import extract_claims
from newsmon.pipeline.enrich import enrich_article, load_nlp
from newsmon.pipeline.models import Claim

GOLD = Path(__file__).parent / "labelled" / "claims.yaml"
TARGETS = {"claimant P": 0.9, "claimant R": 0.9}
# Unit spellings that are one unit.
UNIT_SYNONYMS = {
    "people": "person",
    "%": "percent",
    "per cent": "percent",
    "gw": "gigawatt",
    "mw": "megawatt",
    "km": "kilometer",
    "kilometre": "kilometer",
    "millimetre": "millimeter",
    "hp": "horsepower",
    "tonne": "ton",
    "$": "usd",
    "dollar": "usd",
    "men": "man",
    "women": "woman",
    "children": "child",
    "feet": "foot",
    "diagnoses": "diagnosis",
    "analyses": "analysis",
    "crises": "crisis",
}


@dataclass
class Gold:
    value: float
    top: float | None
    unit: str
    quote: str
    claimant: str
    via: str
    hedges: frozenset[str]
    vague: bool


def singular(word: str) -> str:
    word = UNIT_SYNONYMS.get(word, word)
    for plural, one in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("s", "")):
        if word.endswith(plural) and len(word) > len(plural) + 2 and not word.endswith("ss"):
            return word[: -len(plural)] + one
    return word


def unit_matches(gold: str, found: str) -> bool:
    found = found.lower().strip()
    if UNIT_SYNONYMS.get(found, found) == gold.lower():
        return True
    words = [singular(w) for w in re.findall(r"[\w$%-]+", found)]
    return bool(words) and singular(gold.lower()) in (words[-1], UNIT_SYNONYMS.get(words[-1]))


def _fold(name: str) -> list[str]:
    name = unicodedata.normalize("NFKD", name.lower())
    name = "".join(c for c in name if not unicodedata.combining(c))
    name = re.sub(r"\.com\b|['’]s\b", "", name)
    return [w for w in re.findall(r"\w+", name) if w != "the"]


def claimant_matches(gold: str, found: str) -> bool:
    g, f = _fold(gold), _fold(found)
    if not g or not f:
        return not g and not f
    return set(g) <= set(f) or set(f) <= set(g)


def load_gold() -> dict[str, tuple[str, str, list[Gold]]]:
    """id prefix -> (half, text, gold claims)."""
    import json

    truth = json.loads(
        (eval_dir() / "article-extraction-benchmark" / "ground-truth.json").read_text()
    )
    bodies = {key[:8]: item["articleBody"] for key, item in truth.items()}
    out = {}
    for key, item in yaml.safe_load(GOLD.read_text(encoding="utf-8")).items():
        claims = [
            Gold(
                value=float(c["v"]),
                top=float(c["max"]) if "max" in c else None,
                unit=str(c["u"]),
                quote=str(c["q"]),
                claimant=c.get("c") or "",
                via=c.get("via") or "",
                hedges=frozenset(c.get("h") or []),
                vague=bool(c.get("vague")),
            )
            for c in item["claims"]
        ]
        out[str(key)] = (item["half"], bodies[str(key)], claims)
    return out


def _same(a: float, b: float | None) -> bool:
    return b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(a))


def pair(gold: list[Gold], found: list[Claim]) -> list[tuple[Gold, Claim | None]]:
    """Each gold claim with the found claim of its value, one to one; a found one in the
    quoted sentence first, then one of the right unit, then any."""
    left = list(found)
    paired: dict[int, Claim] = {}
    for in_quote in (True, False):  # first within the quoted sentence, then anywhere
        for n, g in enumerate(gold):
            if n in paired:
                continue
            same = [
                c
                for c in left
                if _same(g.value, c.value)
                and (g.top is None or _same(g.top, c.value_max))
                and (not in_quote or g.quote in c.text)
            ]
            same.sort(key=lambda c: not unit_matches(g.unit, c.unit))
            if same:
                paired[n] = same[0]
                left.remove(same[0])
    return [(g, paired.get(n)) for n, g in enumerate(gold)]


def score(items: list[tuple[str, list[Gold]]], show: bool = False) -> dict[str, float]:
    counts: Counter[str] = Counter()
    for text, gold in items:
        found = extract_claims(text)
        counts["gold"] += len(gold)
        counts["found"] += len(found)
        paired = pair(gold, found)
        used = {id(c) for _, c in paired if c is not None}
        for g, c in paired:
            if c is None:
                if show:
                    print(f"  MISS {g.value:g} {g.unit} [{g.claimant}]  « {g.quote} »")
                continue
            counts["value"] += 1
            unit_ok = unit_matches(g.unit, c.unit)
            counts["unit"] += unit_ok
            who_ok = unit_ok and claimant_matches(g.claimant, c.claimant or c.attribution)
            counts["claimant"] += who_ok
            if unit_ok:
                counts["relay right"] += claimant_matches(g.via, c.via)
                counts["hedges right"] += frozenset(c.hedges) == g.hedges
                counts["vague gold"] += g.vague
                counts["vague right"] += g.vague and c.vague
            if show and not who_ok:
                print(
                    f"  WRONG {g.value:g} gold: {g.unit} [{g.claimant}]  found: {c.unit} "
                    f"[{c.claimant or c.attribution}]  « {g.quote} »"
                )
        if show:
            for c in found:
                if id(c) not in used:
                    print(f"  EXTRA {c.value:g} {c.unit} [{c.claimant}]  « {c.text[:90]} »")
    ratio = _ratio
    return {
        "gold claims": counts["gold"],
        "found claims": counts["found"],
        "value R": ratio(counts["value"], counts["gold"]),
        "value+unit P": ratio(counts["unit"], counts["found"]),
        "value+unit R": ratio(counts["unit"], counts["gold"]),
        "claimant P": ratio(counts["claimant"], counts["found"]),
        "claimant R": ratio(counts["claimant"], counts["gold"]),
        "relay accuracy": ratio(counts["relay right"], counts["unit"]),
        "hedge accuracy": ratio(counts["hedges right"], counts["unit"]),
        "vague flagged": ratio(counts["vague right"], counts["vague gold"]),
    }


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def speed() -> dict[str, float]:
    """Articles/s of enrichment over the story benchmark's corpus, and of claims alone."""
    items, _, _ = load()
    articles = [i.article for i in items]
    nlp = load_nlp()
    for article in articles[:5]:  # warm the model and the gazetteer
        enrich_article(article, nlp)
    started = time.perf_counter()
    for article in articles:
        enrich_article(article, nlp)
    enrich_s = time.perf_counter() - started
    started = time.perf_counter()
    for article in articles:
        extract_claims(article.text)
    claims_s = time.perf_counter() - started
    return {
        "corpus articles": len(articles),
        "enrich articles/s": len(articles) / enrich_s,
        "claims articles/s": len(articles) / claims_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", choices=["dev", "test"])
    args = parser.parse_args()
    gold = load_gold()
    halves = {}
    for half in ("dev", "test"):
        items = [(text, claims) for h, text, claims in gold.values() if h == half]
        if args.show == half:
            print(f"--- {half}: misses, wrong units or claimants, extra finds")
        halves[half] = score(items, show=args.show == half)
        halves[half] = {"articles": len(items), **halves[half]}
    print(f"labelled claims: {len(gold)} articles of real published news")
    print(f"{'':<22} {'dev':>8} {'test':>8}  target (test)")
    for key in halves["dev"]:
        dev, test = halves["dev"][key], halves["test"][key]
        target = TARGETS.get(key)
        fmt = "{:>8.0f}" if dev > 1.5 else "{:>8.3f}"
        mark = "" if target is None else f"  >= {target} {'met' if test >= target else 'NOT MET'}"
        print(f"{key:<22} {fmt.format(dev)} {fmt.format(test)}{mark}")
    for key, value in speed().items():
        print(f"{key:<22} {value:>8.1f}")


if __name__ == "__main__":
    main()
