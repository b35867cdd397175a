"""BoundedDownloader: Scrapy's downloader, with each host's concurrency actually bounding it.

Scrapy 2.13+ hands a queued request to a coroutine that marks it as transferring only once it
runs. With no download delay, ``Downloader._process_queue`` therefore sees the slot's free
transfer places unchanged while it empties the queue, and a host set to one request at a time
gets all of them at once (measured here: 4 in flight for ``concurrency: 1``; see also
scrapy/scrapy#6982). With a delay, Scrapy stops after one request per call, which hides it.

The fix is one line of Scrapy's method: count a request as transferring from the moment it is
handed out. Scrapy's own ``_download`` adds it again (a set: no change) and removes it when the
response is in. The rest of the method is Scrapy's, unchanged; tests/crawlers/test_politeness.py
fails if this class is taken out of the settings.
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro


class BoundedDownloader(Downloader):
    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # the fix: taken from this moment
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:  # as Scrapy: no burst when a delay is set
                self._process_queue(slot)
                break
