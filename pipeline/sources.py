"""Read the sources file (seeds/sources.yaml): which feeds, sitemaps and search feeds to crawl.

Format, documented in README ("Sources file"):

    defaults:                 # optional, applied to every source
      allow_networks: []      # private networks a source may resolve to (CIDR); none by default
      timeout: 20             # seconds per request
      max_page_bytes: 5000000
    sources:
      - id: kws               # outlet id, stored in every document as `source`
        name: Korea Wire Service
        kind: feed            # feed (RSS or Atom, sniffed) | sitemap | search
        url: https://example.org/rss.xml   # for search: a template with {query}
        wire: true            # a wire agency: the original of syndicated copies
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote_plus

import yaml

from .models import Source

KINDS = ("feed", "sitemap", "search")


class SourcesError(ValueError):
    """The sources file is not usable; the message says where and why."""


@dataclass(slots=True)
class CrawlPlan:
    sources: list[Source]
    max_page_bytes: int


def load_sources(path: str | Path, queries: list[str] | None = None) -> CrawlPlan:
    """Sources to crawl, with search templates expanded once per story query."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SourcesError(f"{path}: cannot read sources file: {exc}") from exc
    defaults = doc.get("defaults") or {}
    out: list[Source] = []
    for n, raw in enumerate(doc.get("sources") or [], 1):
        where = f"{path}: source #{n}"
        missing = [k for k in ("id", "url") if not raw.get(k)]
        if missing:
            raise SourcesError(f"{where}: missing {', '.join(missing)}")
        kind = raw.get("kind", "feed")
        if kind not in KINDS:
            raise SourcesError(f"{where}: kind must be one of {KINDS}, not {kind!r}")
        base = dict(
            id=str(raw["id"]), name=str(raw.get("name", raw["id"])), kind=kind,
            allow_networks=tuple(raw.get("allow_networks", defaults.get("allow_networks", ()))),
            timeout=raw.get("timeout", defaults.get("timeout")),
            wire=bool(raw.get("wire", False)))
        if kind == "search":
            if "{query}" not in raw["url"]:
                raise SourcesError(f"{where}: a search source needs {{query}} in its url")
            for q in queries or []:
                out.append(Source(url=raw["url"].replace("{query}", quote_plus(q)), **base))
        else:
            out.append(Source(url=str(raw["url"]), **base))
    return CrawlPlan(out, int(defaults.get("max_page_bytes", 5_000_000)))
