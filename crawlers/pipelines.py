"""Item pipeline: every record the spider yields goes to the run's landing file."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from scrapy import Spider
from scrapy.crawler import Crawler

from newsmon.pipeline.runfiles import Record, append_record


class LandingZonePipeline:
    def __init__(self, path: str):
        if not path:
            raise ValueError(
                "NEWSMON_LANDING_FILE is not set; run crawls through newsmon.crawlers.run"
            )
        self.path = Path(path)
        self.stream: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LandingZonePipeline:
        return cls(crawler.settings.get("NEWSMON_LANDING_FILE"))

    def open_spider(self, spider: Spider | None = None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.stream = self.path.open("a", encoding="utf-8")

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.stream:
            self.stream.close()

    def process_item(self, item: Record, spider: Spider | None = None) -> Record:
        if self.stream is None:
            raise RuntimeError("the landing file is not open: open_spider was not called")
        append_record(item, self.stream)
        self.stream.flush()  # the parent process follows the file to show progress
        return item
