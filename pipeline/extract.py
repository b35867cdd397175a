"""Stage 1, extract: article text and metadata out of fetched HTML (trafilatura)."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import lxml.html
import trafilatura
from trafilatura.settings import Document

from .ledger import Ledger
from .models import Article, FetchedPage, utc_iso

log = logging.getLogger(__name__)
MIN_TEXT_CHARS = 150  # shorter than a news brief: a paywall stub, an index page, an error page
_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datePublished",
    "pubdate",
    "publishdate",
    "date",
)


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return utc_iso(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def _head_metadata(tree: Any) -> dict[str, str]:
    meta: dict[str, str] = {}
    for node in tree.iterfind(".//link"):
        rel = (node.get("rel") or "").lower().split()
        if "canonical" in rel and node.get("href") and "canonical" not in meta:
            meta["canonical"] = node.get("href").strip()
    for node in tree.iterfind(".//meta"):
        key = node.get("property") or node.get("name") or node.get("itemprop") or ""
        if key in _PUBLISHED_META and node.get("content") and "published" not in meta:
            meta["published"] = node.get("content")
    return meta


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
    doc = trafilatura.bare_extraction(
        page.body,
        url=page.final_url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
    )
    if doc is None:
        raise ValueError("no_article_text")
    data = doc.as_dict() if isinstance(doc, Document) else doc
    text = (data.get("text") or "").strip()
    if len(text) < MIN_TEXT_CHARS:
        raise ValueError("no_article_text")
    published = (
        _iso_date(head.get("published")) or page.entry_published or _iso_date(data.get("date"))
    )
    authors = [a.strip() for a in re.split(r";|,| and ", data.get("author") or "") if a.strip()]
    return Article(
        id="",
        url=page.url,
        canonical_url=head.get("canonical", ""),
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
