"""Stage 1, extract: article text and metadata out of fetched HTML.

Text comes from trafilatura. A page it finds no article in gets two more tries before it is
rejected as no_article_text: trafilatura again, favouring recall and reading tables (older
sites lay articles out in tables), then the page's prose paragraphs as they stand. Each fallback
that produced the text is named in the article's `extractor` field, so a site whose layout
broke shows.

The publication date is the first readable one, inside the sanity window (newsmon.pipeline.dates),
of: the page's own metadata (meta tags, then JSON-LD, then a <time> marked as the publication
time), the feed's or sitemap's date, then the date trafilatura finds in the page.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

import lxml.html
import trafilatura
from trafilatura.settings import Document

from .dates import fetched_time, iso_date
from .ledger import Ledger
from .models import Article, FetchedPage

log = logging.getLogger(__name__)
MIN_TEXT_CHARS = 150  # shorter than a news brief: a paywall stub, an index page, an error page
_PUBLISHED_META = (  # the names publishers use for it, most specific first
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publication_date",
    "sailthru.date",
    "parsely-pub-date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "date",
)
_PROSE_MIN_CHARS = 80  # a paragraph of prose, not a caption or a link label


def _json_ld_dates(tree: Any) -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("datePublished"), str):
                found.append(node["datePublished"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        try:
            walk(json.loads(script.text or ""))
        except (ValueError, RecursionError):
            continue  # a broken block is the publisher's problem, not a reason to drop the page
    return found


def _head_metadata(tree: Any) -> dict[str, Any]:
    """The canonical link and every publication date the page states, in order of trust."""
    canonical = ""
    for node in tree.iterfind(".//link"):
        rel = (node.get("rel") or "").lower().split()
        if "canonical" in rel and node.get("href"):
            canonical = node.get("href").strip()
            break
    by_name: dict[str, str] = {}
    for node in tree.iterfind(".//meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower()
        if key in _PUBLISHED_META and node.get("content") and key not in by_name:
            by_name[key] = node.get("content")
    dates = [by_name[k] for k in _PUBLISHED_META if k in by_name]
    dates += _json_ld_dates(tree)
    for node in tree.iterfind(".//time"):
        if node.get("datetime") and (
            node.get("pubdate") is not None or node.get("itemprop") == "datePublished"
        ):
            dates.append(node.get("datetime"))
    return {"canonical": canonical, "dates": dates}


def _prose(tree: Any) -> str:
    """The last resort: the page's paragraphs of prose, in document order."""
    paragraphs = []
    for node in tree.iterfind(".//p"):
        text = " ".join(node.text_content().split())
        if len(text) >= _PROSE_MIN_CHARS:
            paragraphs.append(text)
    return "\n".join(paragraphs)


def _trafilatura(body: str, url: str, **options: Any) -> dict[str, Any]:
    doc = trafilatura.bare_extraction(
        body, url=url, with_metadata=True, include_comments=False, **options
    )
    if doc is None:
        return {}
    return doc.as_dict() if isinstance(doc, Document) else dict(doc)


def _text_of(data: dict[str, Any]) -> str:
    return (data.get("text") or "").strip()


def normalized_text(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def content_hash(text: str) -> str:
    return hashlib.sha1(normalized_text(text).encode("utf-8")).hexdigest()


def extract_page(page: FetchedPage) -> Article:
    """Raises ValueError with a rejection reason when the page holds no article."""
    try:
        tree = lxml.html.document_fromstring(page.body)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ValueError("parse_error:html") from exc
    head = _head_metadata(tree)
    data = _trafilatura(page.body, page.final_url, include_tables=False)
    text, used = _text_of(data), "trafilatura"
    if len(text) < MIN_TEXT_CHARS:
        recall = _trafilatura(page.body, page.final_url, include_tables=True, favor_recall=True)
        if len(recalled := _text_of(recall)) >= MIN_TEXT_CHARS:
            data, text, used = recall, recalled, "trafilatura:recall"
        else:
            data, text, used = data or recall, _prose(tree), "paragraphs"
        if len(text) < MIN_TEXT_CHARS:
            raise ValueError("no_article_text")
    now = fetched_time(page.fetched_at)
    published = (
        next(filter(None, (iso_date(d, now) for d in head["dates"])), None)
        or iso_date(page.entry_published, now)
        or iso_date(data.get("date"), now)
    )
    authors = [a.strip() for a in re.split(r";|,| and ", data.get("author") or "") if a.strip()]
    return Article(
        id="",
        url=page.url,
        canonical_url=head["canonical"],
        source=page.source,
        source_name=page.source_name,
        feed_url=page.feed_url,
        final_url=page.final_url,
        title=(data.get("title") or page.entry_title or "").strip(),
        text=text,
        summary=(data.get("description") or page.entry_summary or "").strip()[:1000],
        authors=authors,
        published_at=published,
        fetched_at=page.fetched_at,
        content_hash=content_hash(text),
        wire_source=page.wire_source,
        extractor=used,
    )


def extract(pages: Iterable[FetchedPage], ledger: Ledger) -> Iterator[Article]:
    for page in pages:
        try:
            yield extract_page(page)
        except ValueError as exc:
            ledger.reject(page.url, str(exc), source=page.source)
        except Exception as exc:  # a bad page must not stop the run; it is recorded
            log.exception("extraction failed for %s", page.url)
            ledger.fail(page.url, "extract", exc, source=page.source)
