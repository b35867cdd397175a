"""Generated news pages for scale benchmarks, with real text: the sentences of the 181 real
articles of the extraction benchmark (`../shared/eval`), drawn into new articles of about 650
words, so the named entities, figures and sentence lengths are those of published news while
every article is new. Each page is about 24 KB of HTML: the article inside a site's navigation,
a most-read box, related links, inline scripts and a footer, as news pages are.

Copies are planted as syndication makes them: 4 % exact copies on another outlet, 4 % near
copies (a sentence dropped, a line added, the title changed). Everything follows from `seed`, so
two runs (and two sizes) see the same pages.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from _eval import extraction_benchmark

from newsmon.pipeline.models import FetchedPage

OUTLETS = 40
EXACT_SHARE = 0.04
NEAR_SHARE = 0.04
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")
START = datetime(2025, 6, 1, tzinfo=UTC)


def real_sentences() -> list[str]:
    """Every sentence of 6 to 60 words of the benchmark's article bodies, once."""
    truth, _ = extraction_benchmark()
    seen: dict[str, None] = {}
    for item in truth.values():
        for paragraph in item["articleBody"].split("\n"):
            for sentence in _SENTENCE.split(paragraph.strip()):
                if 6 <= len(sentence.split()) <= 60:
                    seen.setdefault(sentence.strip(), None)
    return list(seen)


def _boilerplate(rng: random.Random, outlet: int) -> tuple[str, str]:
    sections = ["World", "Politics", "Business", "Markets", "Tech", "Science", "Health", "Sport"]
    nav = "".join(
        f'<li class="nav-item"><a class="nav-link" href="/section/{s.lower()}/{n}">{s} {n}</a></li>'
        for s in sections
        for n in range(6)
    )
    most_read = "".join(
        f'<li><a href="/news/{rng.randrange(10**8)}.html">Headline number {n} of the day, '
        f"read by {rng.randrange(1000, 90000)} readers</a></li>"
        for n in range(30)
    )
    scripts = (
        '<script type="application/json" id="site-config">{"ads":{"slots":['
        + ",".join(f'{{"id":"slot-{n}","sizes":[[300,250],[728,90]]}}' for n in range(80))
        + "]}}</script>"
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
        + "gtag('js',new Date());" * 20
        + "</script>"
    )
    head = (
        f"<style>{'.c{margin:0;padding:0;font:14px/1.4 sans-serif}' * 100}</style>"
        f'<link rel="stylesheet" href="https://outlet{outlet}.example/static/site.css">{scripts}'
    )
    header = (
        f'<header class="site-header"><a class="logo" href="/">Outlet {outlet} News</a>'
        f'<nav class="main-nav"><ul>{nav}</ul></nav>'
        '<form class="search" action="/search"><input name="q"><button>Search</button></form>'
        "</header>"
    )
    footer = (
        f'<aside class="most-read"><h2>Most read</h2><ol>{most_read}</ol></aside>'
        '<footer class="site-footer"><ul>'
        + "".join(f'<li><a href="/about/{n}">About us page {n}</a></li>' for n in range(60))
        + "</ul><p>© 2025 Outlet News Group. All rights reserved. Reproduction without "
        "permission is prohibited. Terms of use, privacy policy and cookie settings apply to "
        "every page of this site.</p></footer>"
    )
    return head, header + "@@ARTICLE@@" + footer


class NewsPages:
    """`count` pages, in publication order over about a year."""

    def __init__(
        self,
        count: int,
        seed: int = 11,
        sentences: list[str] | None = None,
        per_day: int | None = None,
    ):
        self.count = count
        self.seed = seed
        # Spread over one year whatever the count (a larger run is a denser one), or at a fixed
        # rate: the calling process's cost grows with the articles a story window holds, so
        # only a fixed rate shows what the length of a run alone costs.
        self.per_day = per_day
        self.sentences = sentences if sentences is not None else real_sentences()

    def _text(self, rng: random.Random) -> list[str]:
        paragraphs, words = [], 0
        while words < 650:
            paragraph = [rng.choice(self.sentences) for _ in range(rng.randint(2, 4))]
            words += sum(len(s.split()) for s in paragraph)
            paragraphs.append(" ".join(paragraph))
        return paragraphs

    def __iter__(self) -> Iterator[FetchedPage]:
        rng = random.Random(self.seed)
        made: list[tuple[str, list[str]]] = []
        for n in range(self.count):
            outlet = rng.randrange(OUTLETS)
            roll = rng.random()
            if made and roll < EXACT_SHARE:
                title, paragraphs = made[rng.randrange(len(made))]
            elif made and roll < EXACT_SHARE + NEAR_SHARE:
                title, original = made[rng.randrange(len(made))]
                paragraphs = list(original)
                paragraphs.pop(rng.randrange(len(paragraphs)))
                paragraphs.append(rng.choice(self.sentences))
                title = f"{title} (updated)"
            else:
                paragraphs = self._text(rng)
                title = " ".join(rng.choice(self.sentences).split()[:10]).rstrip(",.;:")
                made.append((title, paragraphs))
            yield self.page(n, outlet, title, paragraphs, rng)

    def page(
        self, n: int, outlet: int, title: str, paragraphs: list[str], rng: random.Random
    ) -> FetchedPage:
        if self.per_day:
            published = START + timedelta(minutes=n * 1440 / self.per_day)
        else:
            published = START + timedelta(minutes=n * 525_600 // max(self.count, 1))
        head, frame = _boilerplate(rng, outlet)
        url = f"https://outlet{outlet}.example/news/{n}.html"
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        article = (
            f'<main><article><h1 class="headline">{title}</h1>'
            f'<p class="byline">By Staff Reporter, Outlet {outlet}</p>'
            f'<time datetime="{published.isoformat()}">{published:%d %B %Y}</time>'
            f'<div class="article-body">{body}</div></article></main>'
        )
        html = (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | Outlet '
            f'{outlet}</title><link rel="canonical" href="{url}">'
            f'<meta property="article:published_time" content="{published.isoformat()}">'
            f"{head}</head><body>{frame.replace('@@ARTICLE@@', article)}</body></html>"
        )
        return FetchedPage(
            url=url,
            final_url=url,
            status=200,
            body=html,
            encoding="utf-8",
            fetched_at=(published + timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
            source=f"outlet{outlet}",
            source_name=f"Outlet {outlet}",
        )
