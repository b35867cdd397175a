"""Downloader components: what keeps the crawler on the public web (SSRF protection), and
Retry-After.

Two places, because a URL reaches an address in two ways:

- ``AddressGuardMiddleware`` (a downloader middleware) sees every request, redirects and
  robots.txt included. It refuses every scheme but http and https, URLs without a host, and IP
  literals outside the allowed networks.
- ``GuardedResolver`` (Scrapy's TWISTED_DNS_RESOLVER) checks the address a name resolves to at the
  moment it is resolved for the connection. The address that is checked is the address that is
  connected to: a name cannot resolve to a public address for a check and to a private one for
  the connection (DNS rebinding), because there is only one resolution.

Private, loopback, link-local and metadata addresses are refused unless a source allows the
network (``allow_networks`` in the sources file). DNS answers per host, so a name may resolve to
any network that a source on that host allows.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import deferred_to_future
from scrapy.utils.misc import load_object
from twisted.internet import defer, task, threads
from twisted.internet.error import DNSLookupError

from newsmon.pipeline.canonical import is_web_url

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(IgnoreRequest):
    """The request's host is, or resolves to, an address no source allows."""


class UnsupportedScheme(IgnoreRequest):
    """Only http and https are fetched: never file:, data:, ftp:, s3: or a URL with no host."""


class NetworkPolicy:
    """Which non-public networks each host may resolve to; shared by the middleware and the
    resolver of one crawl."""

    def __init__(self, default_networks: Iterable[str] = ()):
        self.default = [ipaddress.ip_network(n) for n in default_networks]
        self.by_host: dict[str, list[Network]] = {}
        # Names the resolver refused, and why: Twisted reports every failed lookup as "no
        # results", so the spider looks the reason up here.
        self.refused: dict[str, str] = {}

    # One per process: Scrapy builds the DNS resolver for the reactor from a crawler of its own,
    # not the spider's, and newsmon.crawlers.run runs one crawl per process.
    shared: NetworkPolicy | None = None

    @classmethod
    def of(cls, crawler: Crawler) -> NetworkPolicy:
        if cls.shared is None:
            cls.shared = cls(crawler.settings.getlist("NEWSMON_ALLOW_NETWORKS"))
        return cls.shared

    def allow(self, host: str, networks: Iterable[str]) -> None:
        allowed = self.by_host.setdefault(host.lower(), [])
        allowed += [n for n in map(ipaddress.ip_network, networks) if n not in allowed]

    def refusal(self, host: str, address: Address, networks: Iterable[Network] = ()) -> str:
        """Why the host may not be reached at this address; "" when it may."""
        if address.is_global:
            return ""
        allowed = [*networks, *self.by_host.get(host.lower(), []), *self.default]
        if any(address in network for network in allowed):
            return ""
        return f"blocked_address: {host} resolves to {address}"


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class AddressGuardMiddleware:
    """Refuse non-web schemes, host-less URLs and IP literals no source allows. Names are
    checked by GuardedResolver, where they are resolved for the connection."""

    def __init__(self, policy: NetworkPolicy):
        self.policy = policy
        self.learned: set[tuple[str, tuple[str, ...]]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(NetworkPolicy.of(crawler))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if not is_web_url(request.url):
            raise UnsupportedScheme(f"unsupported_scheme: {request.url[:80]}")
        host = urlsplit(request.url).hostname or ""
        networks: tuple[str, ...] = tuple(getattr(request.meta.get("source"), "allow_networks", ()))
        if networks and (host, networks) not in self.learned:
            # A source's page on another host (a search result, a redirect target it links
            # to) brings the source's allowance to that host: for the robots.txt request that
            # follows, which carries no source, and for the name's resolution.
            self.learned.add((host, networks))
            self.policy.allow(host, networks)
        address = _literal(host)
        if address is not None:
            reason = self.policy.refusal(host, address)
            if reason:
                raise BlockedAddress(reason)


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, with every answer checked before it is used to connect.

    NEWSMON_DNS_LOOKUP may name another lookup function (name -> IPv4 address); the tests use it
    for a name that answers differently on each lookup."""

    crawler: Crawler | None = None
    lookup: Callable[[str], str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> GuardedResolver:
        resolver: GuardedResolver = super().from_crawler(crawler, reactor)
        resolver.crawler = crawler
        path = crawler.settings.get("NEWSMON_DNS_LOOKUP")
        resolver.lookup = load_object(path) if path else None
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> defer.Deferred[str]:  # noqa: N802
        if self.lookup is not None:
            answer: defer.Deferred[str] = threads.deferToThread(self.lookup, name)
        else:
            answer = super().getHostByName(name, timeout)
        return answer.addCallback(self._checked, name)

    def _checked(self, address: str, name: str) -> str:
        if self.crawler is not None:
            policy = NetworkPolicy.of(self.crawler)
            reason = policy.refusal(name, ipaddress.ip_address(address))
            if reason:
                policy.refused[name.lower()] = reason
                raise DNSLookupError(reason)
        return address


def retry_after_seconds(value: str, now: datetime | None = None) -> float | None:
    """Retry-After as seconds to wait: a number of seconds or an HTTP date (RFC 9110)."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    """Honour Retry-After on 429 and 503: wait as the server asks, up to
    NEWSMON_RETRY_AFTER_MAX seconds, then ask again (at most NEWSMON_RETRY_AFTER_TIMES times).
    A longer wait is not made within the crawl: the response goes to the spider, which records
    rejected:retry_after, and Scrapy's own retry (which would ask again at once) is skipped."""

    STATUSES = (429, 503)

    def __init__(self, max_wait: float, times: int):
        self.max_wait = max_wait
        self.times = times

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(
            crawler.settings.getfloat("NEWSMON_RETRY_AFTER_MAX"),
            crawler.settings.getint("NEWSMON_RETRY_AFTER_TIMES"),
        )

    async def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        header = response.headers.get("Retry-After")
        if response.status not in self.STATUSES or not header:
            return response
        delay = retry_after_seconds(header.decode("latin-1"))
        waited = int(request.meta.get("retry_after_times", 0))
        if delay is None or delay > self.max_wait or waited >= self.times:
            request.meta["dont_retry"] = True
            return response
        from twisted.internet import reactor

        await deferred_to_future(task.deferLater(reactor, delay, lambda: None))
        again = request.replace(dont_filter=True)
        again.meta["retry_after_times"] = waited + 1
        return again
