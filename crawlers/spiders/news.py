"""The news spider: feeds, news sitemaps and search feeds in; article pages and outcomes out.

It yields three kinds of records (newsmon.pipeline.models): FetchedPage for every article page
fetched, CrawlOutcome for every URL that ends here (feed read, not modified, seen, rejected), and
FeedState with the validators for the next conditional GET. Parsing is done by
newsmon.pipeline.feeds. The spider counts the URLs it meets (``met``) on its own, so that the
index step can check that every one of them got exactly one outcome.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError as CannotResolveHost,
)
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
)
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure

from newsmon.crawlers.middlewares import (
    BlockedAddress,
    NetworkPolicy,
    RetryAfterMiddleware,
    UnsupportedScheme,
)
from newsmon.pipeline.canonical import is_web_url
from newsmon.pipeline.charset import decode_page
from newsmon.pipeline.dates import parse_date
from newsmon.pipeline.feeds import ParsedSource, parse_feed, parse_sitemap
from newsmon.pipeline.models import (
    CrawlOutcome,
    FeedEntry,
    FeedState,
    FetchedPage,
    Outcome,
    Source,
    utc_now,
)
from newsmon.pipeline.polling import after_poll, due_at, is_due
from newsmon.pipeline.runfiles import Record, read_crawl_state
from newsmon.pipeline.sources import CrawlPlan, load_sources

# Statuses the spider wants to see itself; redirects stay with RedirectMiddleware.
HANDLED_STATUSES = [304] + list(range(400, 600))
HTML_TYPES = ("text/html", "application/xhtml+xml")
AGGREGATING = ("search", "aggregator")  # feeds of other outlets' articles: never the publisher
MAX_SITEMAP_DEPTH = 2  # an index of indexes of sitemaps; deeper is a loop or a trap


def failure_reason(failure: Failure) -> str:
    """A short, stable rejection reason for a failed request.

    Scrapy 2.13+ raises its own Download*Error classes; older versions and some handlers
    raise Twisted's. Both are mapped to the same reasons.
    """
    exc = failure.value
    text = str(exc)
    if isinstance(exc, BlockedAddress):
        return "blocked_address"  # an IP literal, refused by the middleware
    if _refused_name(failure):
        return "blocked_address"  # a name whose answer the resolver refused
    if isinstance(exc, UnsupportedScheme):
        return "unsupported_scheme"
    if isinstance(exc, HttpError) and 300 <= exc.response.status < 400:
        # Scrapy does not follow a redirect to anything but http(s): say which it was.
        location = _header(exc.response, "Location")
        if location and not is_web_url(urljoin(exc.response.url, location)):
            return "unsupported_scheme"
        return f"http_error:{exc.response.status}"
    if "robots.txt" in text:
        return "robots"
    if (
        isinstance(exc, DownloadCancelledError)
        or "max size" in text
        or "exceeded DOWNLOAD_MAXSIZE" in text
    ):  # the last: a decompression bomb
        return "too_large"
    if isinstance(exc, DownloadTimeoutError) or failure.check(TimeoutError, TCPTimedOutError):
        return "timeout"
    if isinstance(exc, DownloadConnectionRefusedError) or failure.check(ConnectionRefusedError):
        return "connection_refused"
    if failure.check(DNSLookupError) or "DNS lookup failed" in text:
        return "dns_error"
    if "max redirections" in text:
        return "too_many_redirects"
    if "DataLoss" in type(exc).__name__ or "DataLoss" in text:
        return "truncated"  # the body ended before its Content-Length
    return f"fetch_error:{type(exc).__name__}"


def _refused_name(failure: Failure) -> bool:
    policy = NetworkPolicy.shared
    request = getattr(failure, "request", None)
    if policy is None or request is None or not failure.check(DNSLookupError, CannotResolveHost):
        return False
    return (urlsplit(request.url).hostname or "").lower() in policy.refused


def crawl_settings(plan: CrawlPlan, current: BaseSettings) -> dict[str, Any]:
    """Scrapy settings from the sources file: its `crawl:` block, its defaults' politeness, and
    one DOWNLOAD_SLOTS entry per source host (sources sharing a host: the most polite wins)."""
    crawl, defaults = plan.crawl, plan.defaults
    out: dict[str, Any] = {}
    for name, value in (
        ("CONCURRENT_REQUESTS", crawl.concurrent_requests),
        ("AUTOTHROTTLE_ENABLED", crawl.autothrottle),
        ("AUTOTHROTTLE_TARGET_CONCURRENCY", crawl.autothrottle_target),
        ("NEWSMON_CRAWL_DELAY_MAX", crawl.crawl_delay_max),
        ("CONCURRENT_REQUESTS_PER_DOMAIN", defaults.concurrency),
        ("DOWNLOAD_DELAY", defaults.delay),
    ):
        if value is not None:
            out[name] = value
    slots: dict[str, dict[str, Any]] = {
        host: dict(entry) for host, entry in current.getdict("DOWNLOAD_SLOTS").items()
    }
    for source in plan.sources:
        host = urlsplit(source.url).hostname or ""
        entry = slots.setdefault(host, {})
        if source.concurrency is not None:
            theirs = entry.get("concurrency", source.concurrency)
            entry["concurrency"] = min(theirs, source.concurrency)
        if source.delay is not None:
            entry["delay"] = max(entry.get("delay", source.delay), source.delay)
    out["DOWNLOAD_SLOTS"] = {host: entry for host, entry in slots.items() if entry}
    return out


def longest_prefix(url: str, sources: list[Source], prefer: Source | None = None) -> Source | None:
    """The source on the URL's host whose URL shares the longest path prefix with it (path
    segments, whole ones); on a tie `prefer` (the feed that listed it), then the first listed;
    None when no source is on that host."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    best: tuple[int, bool, int] | None = None
    chosen = None
    for n, source in enumerate(sources):
        theirs = urlsplit(source.url)
        if theirs.netloc != parts.netloc:
            continue
        directory = [s for s in theirs.path.split("/") if s][:-1]  # the feed's folder
        shared = 0
        for a, b in zip(segments, directory, strict=False):
            if a != b:
                break
            shared += 1
        if shared < len(directory):  # the article is not under this source's folder
            shared = -1
        rank = (shared, source is prefer, -n)
        if best is None or rank > best:
            best, chosen = rank, source
    return chosen


def _http_reason(response: Response) -> str:
    """An error status as a rejection reason; a server that asked to be asked later (and
    later than the crawl would wait) says retry_after."""
    if response.status in RetryAfterMiddleware.STATUSES and response.headers.get("Retry-After"):
        return "retry_after"
    return f"http_error:{response.status}"


def _met_url(meta: dict[str, Any], url: str) -> str:
    """The URL as the crawl met it: before any redirect, so it is the one counted as met."""
    redirects: list[str] = meta.get("redirect_urls") or [url]
    return redirects[0]


def _header(response: Response, name: str) -> str:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else ""


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, sources: str, state: str = "", queries: str = "[]", **kwargs: Any):
        super().__init__(**kwargs)
        plan = load_sources(sources, json.loads(queries))
        self.plan = plan
        self.now = datetime.now(UTC)  # one clock for the crawl: what is due, what is too old
        self.news_sources: list[Source] = plan.sources
        self.max_page_bytes = plan.max_page_bytes
        saved = read_crawl_state(state)
        self.validators: dict[str, FeedState] = saved.feeds
        self.seen_urls: set[str] = set(saved.seen_urls)
        self.pending = saved.pending
        self.met: set[str] = set()
        self.outlets = [s for s in self.news_sources if s.kind not in AGGREGATING]

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        # Settings are frozen only after the spider exists: the sources file's politeness
        # (priority "spider") overrides crawlers/settings.py, and `--set` overrides both.
        for name, value in crawl_settings(spider.plan, crawler.settings).items():
            crawler.settings.set(name, value, priority="spider")
        policy = NetworkPolicy.of(crawler)
        for source in spider.news_sources:
            policy.allow(urlsplit(source.url).hostname or "", source.allow_networks)
        return spider

    def _first_meeting(self, url: str) -> bool:
        """True the first time this run meets a URL: a URL listed by two feeds is one URL
        with one outcome (Scrapy's dupe filter would drop the second mention silently)."""
        if url in self.met:
            return False
        self.met.add(url)
        return True

    def _request(
        self, url: str, source: Source, callback: Callable[..., Any], **meta: Any
    ) -> scrapy.Request:
        meta.update(
            source=source,
            handle_httpstatus_list=HANDLED_STATUSES,
            download_maxsize=source.max_page_bytes or self.max_page_bytes,
        )
        if source.timeout:
            meta["download_timeout"] = float(source.timeout)
        request = scrapy.Request(
            url, callback=callback, errback=self.on_failure, meta=meta, dont_filter=True
        )
        saved = self.validators.get(url)  # conditional GET for every feed and sitemap
        if saved and saved.etag:
            request.headers["If-None-Match"] = saved.etag
        if saved and saved.last_modified:
            request.headers["If-Modified-Since"] = saved.last_modified
        return request

    async def start(self) -> AsyncIterator[Record | scrapy.Request]:
        for source in self.news_sources:
            if not self._first_meeting(source.url):
                continue
            saved = self.validators.get(source.url)
            if not is_due(saved, self.now):
                yield CrawlOutcome(
                    source.url,
                    Outcome.SKIPPED,
                    "not_due",
                    source=source.id,
                    detail=f"due {due_at(saved)}",
                )
                continue
            yield self._request(source.url, source, self.parse_source)
        # Article URLs that failed for a passing reason in an earlier run, now due: asked for
        # whether or not their feed changed.
        for pending in self.pending:
            if not self._first_meeting(pending.url):
                continue
            listed = next((s for s in self.outlets if s.id == pending.source), None)
            listed = listed or longest_prefix(pending.url, self.outlets)
            if listed is None:  # its source left the sources file
                yield CrawlOutcome(
                    pending.url, Outcome.REJECTED, "source_removed", source=pending.source
                )
                continue
            entry = FeedEntry(url=pending.url, source=listed.id, feed_url=pending.feed_url)
            yield self._request(pending.url, listed, self.parse_article, entry=entry)

    def parse_source(self, response: Response) -> Iterator[Record | scrapy.Request]:
        source: Source = response.meta["source"]
        url = _met_url(response.meta, response.url)
        listed_lastmod = response.meta.get("listed_lastmod", "")
        if response.status == 304:
            yield CrawlOutcome(url, Outcome.NOT_MODIFIED, source=source.id)
            saved = self.validators.get(url)
            yield after_poll(
                saved, url, source, self.now, status=304, listed_lastmod=listed_lastmod
            )
            return
        if response.status >= 400:
            yield CrawlOutcome(url, Outcome.REJECTED, _http_reason(response), source=source.id)
            return
        content_type = _header(response, "Content-Type")
        if source.kind == "sitemap" or response.meta.get("sitemap"):
            parsed = parse_sitemap(response.body, url, source.id)
        else:
            parsed = parse_feed(response.body, url, source.id, content_type)
        if parsed.error:
            yield CrawlOutcome(url, Outcome.REJECTED, parsed.error, source=source.id)
            return
        yield CrawlOutcome(
            url,
            Outcome.SOURCE_READ,
            source=source.id,
            detail=f"{len(parsed.entries)} entries {parsed.warning}".strip(),
        )
        yield after_poll(
            self.validators.get(url),
            url,
            source,
            self.now,
            status=response.status,
            body=response.body,
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
            listed_lastmod=listed_lastmod,
        )
        for where, reason in parsed.skipped:
            if self._first_meeting(where):
                yield CrawlOutcome(where, Outcome.REJECTED, reason, source=source.id)
        yield from self._children(parsed, source, int(response.meta.get("sitemap_depth", 0)))
        for entry in parsed.entries:
            yield from self._follow(entry, source)

    def _children(
        self, parsed: ParsedSource, source: Source, depth: int
    ) -> Iterator[Record | scrapy.Request]:
        """A sitemap index's children: the newest max_sitemaps of them, MAX_SITEMAP_DEPTH deep,
        and only those whose lastmod moved since they were last read."""
        lastmod = parsed.child_lastmod
        newest_first = sorted(parsed.child_sitemaps, key=lambda c: lastmod.get(c, ""), reverse=True)
        for rank, child in enumerate(newest_first):
            if not self._first_meeting(child):
                continue
            listed = lastmod.get(child, "")
            saved = self.validators.get(child)
            if not is_web_url(child):
                yield CrawlOutcome(child, Outcome.REJECTED, "unsupported_scheme", source=source.id)
            elif depth + 1 > MAX_SITEMAP_DEPTH:
                yield CrawlOutcome(child, Outcome.SKIPPED, "sitemap_depth", source=source.id)
            elif rank >= source.max_sitemaps:
                yield CrawlOutcome(child, Outcome.SKIPPED, "sitemap_limit", source=source.id)
            elif listed and saved and saved.listed_lastmod and listed <= saved.listed_lastmod:
                yield CrawlOutcome(
                    child, Outcome.NOT_MODIFIED, source=source.id, detail=f"lastmod {listed}"
                )
            else:
                yield self._request(
                    child,
                    source,
                    self.parse_source,
                    sitemap=True,
                    sitemap_depth=depth + 1,
                    listed_lastmod=listed,
                )

    def _outlet(self, url: str, listed_by: Source, entry: FeedEntry) -> Source:
        """The source whose settings (outlet, networks, timeout, size cap) an article gets:
        the configured outlet on the article's host with the longest URL prefix in common
        (outlets sharing a host by path), the feed that listed it on a tie; else the feed or
        sitemap that listed it (an outlet's feed on another host of its own). A search or
        aggregator feed is never the publisher: a result on no configured site is credited to
        its host, under the publisher name the feed gives."""
        parts = urlsplit(url)
        aggregating = listed_by.kind in AGGREGATING
        best = longest_prefix(url, self.outlets, prefer=None if aggregating else listed_by)
        if best is not None:
            return best
        if not aggregating:
            return listed_by
        host = parts.hostname or parts.netloc
        return replace(listed_by, id=host, name=entry.publisher or host, kind="feed", wire=False)

    def _follow(self, entry: FeedEntry, listed_by: Source) -> Iterator[Record | scrapy.Request]:
        url = urldefrag(entry.url).url
        source = self._outlet(url, listed_by, entry)
        if not self._first_meeting(url):
            return
        if not is_web_url(url):
            yield CrawlOutcome(url, Outcome.REJECTED, "unsupported_scheme", source=source.id)
            return
        if url in self.seen_urls:
            yield CrawlOutcome(url, Outcome.SEEN, source=source.id)
            return
        if self._too_old(entry, listed_by):
            yield CrawlOutcome(
                url,
                Outcome.SKIPPED,
                "before_window",
                source=source.id,
                detail=f"dated {entry.modified or entry.published}",
            )
            return
        yield self._request(url, source, self.parse_article, entry=entry)

    def _too_old(self, entry: FeedEntry, listed_by: Source) -> bool:
        """Dated (published, or last modified if later) before the listing source's window."""
        if listed_by.max_age_days is None:
            return False
        dates = [d for d in (entry.published, entry.modified) if d]
        if not dates:
            return False  # undated: the page itself may say; fetching is the safe side
        newest = parse_date(max(dates), self.now)
        return newest is not None and newest < self.now - timedelta(days=listed_by.max_age_days)

    def parse_article(self, response: Response) -> Iterator[Record]:
        source: Source = response.meta["source"]
        entry: FeedEntry = response.meta["entry"]
        url = _met_url(response.meta, response.url)
        if response.status >= 400:
            yield CrawlOutcome(
                url,
                Outcome.REJECTED,
                _http_reason(response),
                source=source.id,
                feed_url=entry.feed_url,
            )
            return
        content_type = _header(response, "Content-Type")
        if not isinstance(response, TextResponse) or (
            content_type and not content_type.lower().startswith(HTML_TYPES)
        ):
            yield CrawlOutcome(
                url, Outcome.REJECTED, "not_html", source=source.id, detail=content_type[:80]
            )
            return
        encoding, text = decode_page(response.body, content_type)
        yield FetchedPage(
            url=url,
            final_url=response.url,
            status=response.status,
            body=text,
            encoding=encoding,
            fetched_at=utc_now(),
            source=source.id,
            source_name=source.name,
            feed_url=entry.feed_url,
            content_type=content_type.lower(),
            entry_title=entry.title,
            entry_published=entry.published,
            entry_summary=entry.summary,
            wire_source=source.wire,
        )

    def on_failure(self, failure: Failure) -> Iterator[Record]:
        request: scrapy.Request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        source: Source | None = request.meta.get("source")
        entry: FeedEntry | None = request.meta.get("entry")
        url = _met_url(request.meta, request.url)
        yield CrawlOutcome(
            url,
            Outcome.REJECTED,
            failure_reason(failure),
            source=source.id if source else "",
            detail=str(failure.value)[:200],
            feed_url=entry.feed_url if entry else "",
        )
