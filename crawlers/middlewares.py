"""Downloader middleware that keeps the crawler off private networks (SSRF protection)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class BlockedAddress(IgnoreRequest):
    """The request's host resolves to an address no source allows."""


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        return []  # the download itself fails with a DNS error, recorded as such
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


class AddressGuardMiddleware:
    """Refuse requests to non-public addresses unless the source allows that network.

    Every request passes here, including redirects (RedirectMiddleware schedules a new request)
    and robots.txt fetches, so a public page cannot bounce the crawler to a metadata service.
    Requests that carry no source (robots.txt) get the allowance of the sources on that host.
    """

    def __init__(self, default_networks: list[str]):
        self.default_networks = [ipaddress.ip_network(n) for n in default_networks]
        self.by_host: dict[str, list[Network]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler.settings.getlist("NEWSMON_ALLOW_NETWORKS"))

    def _allowed(self, request: Request, host: str) -> list[Network]:
        source = request.meta.get("source")
        if source is not None:
            networks = [ipaddress.ip_network(n) for n in source.allow_networks]
            self.by_host.setdefault(host, networks)
            return networks + self.default_networks
        return self.by_host.get(host, []) + self.default_networks

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        host = urlsplit(request.url).hostname or ""
        allowed = self._allowed(request, host)
        for address in _addresses(host):
            if address.is_global:
                continue
            if not any(address in network for network in allowed):
                raise BlockedAddress(f"blocked_address: {host} resolves to {address}")
        return None
