"""PoliteThrottle: AutoThrottle that never asks a host faster than that host allows.

Scrapy's AutoThrottle adapts each host's delay to its latency, but its floor is the global
DOWNLOAD_DELAY: it lowers a per-source delay (DOWNLOAD_SLOTS) back down, and it knows nothing of
robots.txt's Crawl-delay, which Scrapy's robots middleware reads but does not apply. This one
keeps a floor per host, the larger of the source's ``delay`` and the host's Crawl-delay (capped
at NEWSMON_CRAWL_DELAY_MAX: a site asking for an hour between pages is asked every cap seconds,
and the log says so). A floored host gets no jitter, which could dip below the floor. With
AUTOTHROTTLE_ENABLED off the floors still hold; only the adapting stops.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

log = logging.getLogger(__name__)


class PoliteThrottle(AutoThrottle):
    def __init__(self, crawler: Crawler):  # AutoThrottle's would refuse to run when disabled
        self.crawler = crawler
        settings = crawler.settings
        self.adapt = settings.getbool("AUTOTHROTTLE_ENABLED")
        self.debug = settings.getbool("AUTOTHROTTLE_DEBUG")
        self.target_concurrency = settings.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY")
        if self.adapt and self.target_concurrency <= 0.0:
            raise NotConfigured("AUTOTHROTTLE_TARGET_CONCURRENCY must be higher than 0")
        self.cap = settings.getfloat("NEWSMON_CRAWL_DELAY_MAX")
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        self.floors: dict[str, float] = {
            host: float(slot["delay"])
            for host, slot in settings.getdict("DOWNLOAD_SLOTS").items()
            if slot.get("delay")
        }
        crawler.signals.connect(self._spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self._response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self._robots_parsed, signal=signals.robots_parsed)

    def _spider_opened(self, spider: Spider) -> None:
        self.mindelay = self._min_delay()
        self.maxdelay = max(self._max_delay(), self.cap)
        if self.adapt:
            assert self.crawler.engine is not None
            self.crawler.engine.downloader._delay = self._start_delay()

    def _robots_parsed(self, robotparser: Any, request: Request) -> None:
        reader = getattr(robotparser, "crawl_delay", None)
        asked = reader(self.user_agent) if callable(reader) else None
        if not asked:
            return
        host = urlparse_cached(request).hostname or ""
        delay = min(float(asked), self.cap)
        if asked > self.cap:
            log.warning(
                "%s asks for Crawl-delay %s s; newsmon waits %s s (NEWSMON_CRAWL_DELAY_MAX)",
                host,
                asked,
                self.cap,
            )
        self.floors[host] = max(self.floors.get(host, 0.0), delay)
        if self.crawler.stats:
            self.crawler.stats.set_value(f"newsmon/crawl_delay/{host}", delay)
        self._hold(host)

    def _hold(self, host: str) -> None:
        """Keep the host's slot at or above its floor, without jitter below it."""
        floor = self.floors.get(host)
        engine = self.crawler.engine
        slot = engine.downloader.slots.get(host) if engine else None
        if floor is None or slot is None:
            return
        slot.delay = max(slot.delay, floor)
        slot.jitter = 0.0

    def _response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        if self.adapt:
            super()._response_downloaded(response, request, spider)
        key = request.meta.get("download_slot")
        if key is not None:
            self._hold(key)
