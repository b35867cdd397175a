"""The baseline of crawl_throughput.py: a bare Scrapy spider that fetches a list of URLs and
keeps nothing, with the limits it is given on the command line (the same as newsmon's crawl).

    python bench/_bare_spider.py URLS_FILE NAME=VALUE ...   # prints Scrapy's stats as JSON
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls_file: str, **kwargs: Any):
        super().__init__(**kwargs)
        with open(urls_file, encoding="utf-8") as stream:
            self.urls = [line.strip() for line in stream if line.strip()]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response: scrapy.http.Response) -> None:
        return None


def main() -> None:
    settings: dict[str, Any] = {"LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False}
    for item in sys.argv[2:]:
        name, _, value = item.partition("=")
        settings[name] = value
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, urls_file=sys.argv[1])
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    print(json.dumps({k: v for k, v in stats.items() if isinstance(v, int | float | str)}))


if __name__ == "__main__":
    main()
