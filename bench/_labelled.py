"""The labelled story set (bench/labelled/stories.yaml) as the pipeline's records, with its
syndicated copies made the way syndication makes them, deterministically."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from _eval import REPO

from newsmon.pipeline.extract import content_hash
from newsmon.pipeline.models import Article, Source, doc_id

LABELLED = REPO / "bench" / "labelled" / "stories.yaml"
# Words a subeditor swaps; each copy changes a few of them.
SWAPS = {
    "said": "says",
    "on Monday": "earlier this week",
    "on Tuesday": "on Tuesday local time",
    "about": "around",
    "thousands": "several thousand",
    "warned": "cautioned",
    "company": "firm",
    "government": "authorities",
    "officials": "authorities",
    "a": "one",
}
STANDFIRSTS = [
    "The latest on the story, as it develops.",
    "Here is what we know so far.",
    "Our partners report.",
]


@dataclass
class Item:
    article: Article
    story: str | None  # the gold story
    half: str
    outlet: str  # the gold outlet
    listed_by: str  # the source id whose feed listed it (an aggregator for some)
    copy_of: str | None = None  # the gold original's id
    seed: bool = False
    look_alike: str | None = None
    labels: dict = field(default_factory=dict)


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]


def _article(outlet: dict, title: str, text: str, lang: str, published: datetime) -> Article:
    url = f"{outlet['base']}{published:%Y/%m/%d}/{_slug(title)}"
    text = "\n".join(line.strip() for line in text.strip().splitlines())
    return Article(
        id=doc_id(url),
        url=url,
        canonical_url=url,
        source=outlet["id"],
        source_name=outlet["name"],
        title=title,
        text=text,
        fetched_at=(published + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        published_at=published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        language=lang,
        content_hash=content_hash(text),
        wire_source=bool(outlet.get("wire")),
    )


def _edit(text: str, rng: random.Random) -> str:
    """A syndicated copy's text: a standfirst, a few words swapped, the last paragraph cut
    (sometimes), a credit line."""
    paragraphs = text.split("\n")
    if len(paragraphs) > 3 and rng.random() < 0.5:
        paragraphs = paragraphs[:-1]
    out = []
    for para in paragraphs:
        for old, new in SWAPS.items():
            if rng.random() < 0.3:
                para = re.sub(rf"\b{re.escape(old)}\b", new, para, count=1)
        out.append(para)
    if rng.random() < 0.5:
        out.insert(0, rng.choice(STANDFIRSTS))
    out.append(rng.choice(["(Reporting by staff; editing by the desk)", "Copyright the wire."]))
    return "\n".join(out)


def load(path: Path = LABELLED) -> tuple[list[Item], list[Source], dict]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    outlets = {o["id"]: o for o in doc["outlets"]}
    aggregator = doc["aggregator"]
    rng = random.Random(7)
    items: list[Item] = []
    for raw in doc["articles"]:
        published = datetime.fromisoformat(str(raw["published"]).replace("Z", "+00:00"))
        outlet = outlets[raw["outlet"]]
        article = _article(outlet, raw["title"], raw["text"], raw["lang"], published)
        story = raw.get("story")
        listed = aggregator["id"] if raw["outlet"] in aggregator["lists"] else raw["outlet"]
        item = Item(
            article,
            story,
            raw["half"],
            raw["outlet"],
            listed,
            seed=bool(raw.get("seed")),
            look_alike=raw.get("look_alike"),
            labels={"key": raw["id"]},
        )
        items.append(item)
        for n, copier in enumerate(raw.get("copies", [])):
            when = published + timedelta(hours=1 + 2 * n + rng.random())
            copy = _article(
                outlets[copier], raw["title"], _edit(raw["text"], rng), raw["lang"], when
            )
            listed = aggregator["id"] if copier in aggregator["lists"] else copier
            items.append(Item(copy, story, raw["half"], copier, listed, copy_of=article.id))
    sources = [
        Source(id=o["id"], name=o["name"], url=o["base"] + "feed.xml", wire=bool(o.get("wire")))
        for o in doc["outlets"]
    ]
    sources.append(
        Source(
            id=aggregator["id"],
            name=aggregator["name"],
            url="https://newshub.example/feed.xml",
            kind="aggregator",
        )
    )
    return items, sources, doc
