"""Turn feed and sitemap bytes into FeedEntry records, or into a reason why not.

Pure functions over bytes: the crawler calls them, and so do the tests and the benchmark over
the feedparser project's edge-case feeds.
"""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser
from lxml import etree

from .canonical import is_web_url
from .dates import iso_date, within_window
from .models import FeedEntry, utc_iso

# Entity declarations are how XML bombs and external-entity reads start; no news feed needs them.
# Looked for in the whole document, in every encoding an XML parser would accept it in.
_ENTITY = "<!ENTITY"
_ENTITY_DECLARATIONS = [
    re.compile(re.escape(_ENTITY.encode(codec)), re.IGNORECASE if codec == "utf-8" else 0)
    for codec in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
]


def declares_entities(body: bytes) -> bool:
    """Whether an XML document declares an entity anywhere, whatever its encoding."""
    return any(pattern.search(body) for pattern in _ENTITY_DECLARATIONS)


_SAFE_XML = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


@dataclass(slots=True)
class ParsedSource:
    entries: list[FeedEntry] = field(default_factory=list)
    error: str = ""  # a rejection reason when nothing usable came out
    warning: str = ""  # the document was damaged but entries were recovered
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (where, reason)
    child_sitemaps: list[str] = field(default_factory=list)  # from a sitemap index
    child_lastmod: dict[str, str] = field(default_factory=dict)  # child -> its lastmod (UTC)


def _iso(struct: time.struct_time | None) -> str | None:
    if not struct:
        return None
    try:
        written = within_window(datetime.fromtimestamp(calendar.timegm(struct), tz=UTC))
    except (OverflowError, ValueError, TypeError):
        return None
    return utc_iso(written) if written else None


def parse_feed(body: bytes, url: str, source: str, content_type: str = "") -> ParsedSource:
    """RSS 0.9x/1.0/2.0 or Atom, as feedparser reads it."""
    if declares_entities(body):
        return ParsedSource(error="unsafe_xml")
    # Without a content type, feedparser flags the document as non-XML; bytes with no HTTP
    # context are left for it to sniff, as XML.
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    try:
        parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True)
    except Exception as exc:  # feedparser promises not to raise; a bug there must not stop a crawl
        return ParsedSource(error=f"feed_parse_error:{type(exc).__name__}")
    bozo = type(parsed.get("bozo_exception")).__name__ if parsed.get("bozo") else ""
    # A bozo flag alone is no reason to reject: feedparser sets it for a content type that is
    # not XML or an undefined HTML entity too, and still reads the feed. Reject only what it
    # could not recognise as any feed format.
    if not parsed.entries and not parsed.get("version"):
        return ParsedSource(error=f"feed_parse_error:{bozo}" if bozo else "not_a_feed")
    result = ParsedSource(warning=f"recovered_from:{bozo}" if bozo else "")
    for n, entry in enumerate(parsed.entries):
        link = entry.get("link") or ""
        if not link and str(entry.get("id", "")).startswith(("http://", "https://")):
            link = entry["id"]
        if not link:
            result.skipped.append((f"{url}#entry-{n}", "entry_without_link"))
            continue
        link = urljoin(url, link.strip())
        if not is_web_url(link):
            result.skipped.append((link, "unsupported_scheme"))
            continue
        result.entries.append(
            FeedEntry(
                url=link,
                source=source,
                feed_url=url,
                title=str(entry.get("title", "")).strip(),
                published=_iso(entry.get("published_parsed") or entry.get("updated_parsed")),
                summary=str(entry.get("summary", ""))[:2000],
                publisher=str((entry.get("source") or {}).get("title", "")).strip(),
            )
        )
    return result


def parse_sitemap(body: bytes, url: str, source: str) -> ParsedSource:
    """A sitemap or news sitemap (urlset); a sitemap index yields its child sitemaps' URLs."""
    if declares_entities(body):
        return ParsedSource(error="unsafe_xml")
    try:
        root = etree.fromstring(body, parser=_SAFE_XML)
    except etree.XMLSyntaxError as exc:
        return ParsedSource(error=f"sitemap_parse_error:{type(exc).__name__}")
    result = ParsedSource()
    tag = etree.QName(root).localname
    if tag not in ("urlset", "sitemapindex"):
        return ParsedSource(error="not_a_sitemap")
    for n, node in enumerate(root):
        if not isinstance(node.tag, str):
            continue
        loc = node.findtext(f"{{{SITEMAP_NS}}}loc") or node.findtext("loc")
        if not loc:
            result.skipped.append((f"{url}#url-{n}", "sitemap_url_without_loc"))
            continue
        loc = urljoin(url, loc.strip())
        if not is_web_url(loc):  # file:///proc/self/environ must never be fetched
            result.skipped.append((loc, "unsupported_scheme"))
            continue
        modified = iso_date(node.findtext(f"{{{SITEMAP_NS}}}lastmod"))
        published = iso_date(node.findtext(f".//{{{NEWS_NS}}}publication_date")) or modified
        if tag == "sitemapindex":
            result.child_sitemaps.append(loc)
            if modified:
                result.child_lastmod[loc] = modified
            continue
        result.entries.append(
            FeedEntry(
                url=loc,
                source=source,
                feed_url=url,
                title=(node.findtext(f".//{{{NEWS_NS}}}title") or "").strip(),
                published=published,
                modified=modified,
            )
        )
    return result
