"""Read and validate the sources file (seeds/sources.yaml): which feeds, sitemaps and search
feeds to crawl. Format (README, "Sources file"):

    crawl:                    # optional: the whole crawl (unset = crawlers/settings.py)
      concurrent_requests: 16 # in flight at once, all hosts together
      autothrottle: true      # adapt each host's delay to how fast it answers
      crawl_delay_max: 30     # robots.txt Crawl-delay is obeyed up to this many seconds
    defaults:                 # optional, applied to every source unless it sets its own
      allow_networks: []      # private networks a source may resolve to (CIDR); none by default
      timeout: 20             # seconds per request
      max_page_bytes: 5000000
      concurrency: 2          # parallel requests to one host
      delay: 0.25             # least seconds between requests to one host
      poll_interval: 0        # minutes; 0 = every run while the feed changes
      max_poll_interval: 360  # minutes; the longest wait for a feed that does not change
      max_sitemaps: 20        # child sitemaps followed per sitemap index, newest first
      max_age_days: null      # entries dated older than this are not fetched; null = no limit
    sources:
      - id: kws               # outlet id, stored in every document as `source`
        name: Korea Wire Service
        kind: feed            # feed (RSS or Atom, sniffed) | sitemap | search | aggregator
        url: https://example.org/rss.xml   # for search: a template with {query}
        wire: true            # a wire agency: the original of syndicated copies

The whole file is validated before any crawl starts; every problem is one line that names the
file and the field (``sources.yaml: sources[2].kind: ...``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote_plus, urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError
from .models import Source

DEFAULT_MAX_PAGE_BYTES = 5_000_000


class SourcesError(ConfigError):
    """The sources file is not usable; the message says where and why."""


def _networks(value: list[str]) -> list[str]:
    for network in value:
        ipaddress.ip_network(network)  # ValueError names the bad one
    return value


class CrawlSpec(BaseModel):
    """Settings of the whole crawl; each one unset keeps crawlers/settings.py's value."""

    model_config = ConfigDict(extra="forbid")

    concurrent_requests: int | None = Field(default=None, gt=0)
    autothrottle: bool | None = None
    autothrottle_target: float | None = Field(default=None, gt=0)
    crawl_delay_max: float | None = Field(default=None, ge=0)


class _Politeness(BaseModel):
    """What a source, or the defaults, may set about how its host is asked and polled."""

    model_config = ConfigDict(extra="forbid")

    timeout: float | None = Field(default=None, gt=0)
    concurrency: int | None = Field(default=None, gt=0)
    delay: float | None = Field(default=None, ge=0)
    poll_interval: float | None = Field(default=None, ge=0)
    max_poll_interval: float | None = Field(default=None, ge=0)
    max_sitemaps: int | None = Field(default=None, gt=0)
    max_age_days: float | None = Field(default=None, gt=0)


class SourceDefaults(_Politeness):
    allow_networks: list[str] = Field(default_factory=list)
    max_page_bytes: int = Field(default=DEFAULT_MAX_PAGE_BYTES, gt=0)

    _check_networks = field_validator("allow_networks")(_networks)


class SourceSpec(_Politeness):
    id: str = Field(min_length=1)
    name: str | None = None
    kind: Literal["feed", "sitemap", "search", "aggregator"] = "feed"
    url: str
    wire: bool = False
    allow_networks: list[str] | None = None
    max_page_bytes: int | None = Field(default=None, gt=0)

    _check_networks = field_validator("allow_networks")(
        lambda v: _networks(v) if v is not None else v
    )

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str) -> str:
        if urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        return value

    @model_validator(mode="after")
    def _search_template(self) -> SourceSpec:
        if self.kind == "search" and "{query}" not in self.url:
            raise ValueError("a search source needs {query} in its url")
        return self


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    crawl: CrawlSpec = Field(default_factory=CrawlSpec)
    defaults: SourceDefaults = Field(default_factory=SourceDefaults)
    sources: list[SourceSpec] = Field(min_length=1)


@dataclass(slots=True)
class CrawlPlan:
    sources: list[Source]
    max_page_bytes: int
    crawl: CrawlSpec
    defaults: SourceDefaults


def _problems(path: Path, exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
        lines.append(f"{path}: {where.lstrip('.') or 'file'}: {error['msg']}")
    return "\n".join(lines)


def validate_sources(path: str | Path) -> SourcesFile:
    """The parsed, validated sources file, or SourcesError with one line per problem."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourcesError(f"{path}: sources file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesError(f"{path}: cannot read sources file: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise SourcesError(
            f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}"
        ) from exc
    if not isinstance(doc, dict):
        raise SourcesError(f"{path}: expected a mapping with a `sources:` list")
    try:
        return SourcesFile.model_validate(doc)
    except ValidationError as exc:
        raise SourcesError(_problems(path, exc)) from None


def load_sources(path: str | Path, queries: list[str] | None = None) -> CrawlPlan:
    """Sources to crawl, with search templates expanded once per story query."""
    spec = validate_sources(path)
    defaults = spec.defaults
    out: list[Source] = []
    for raw in spec.sources:
        networks = raw.allow_networks if raw.allow_networks is not None else defaults.allow_networks

        def pick(name: str, fallback: object = None, raw: SourceSpec = raw) -> Any:
            for value in (getattr(raw, name), getattr(defaults, name)):
                if value is not None:
                    return value
            return fallback

        base = Source(
            id=raw.id,
            name=raw.name or raw.id,
            url=raw.url,
            kind=raw.kind,
            allow_networks=tuple(networks),
            timeout=pick("timeout"),
            max_page_bytes=raw.max_page_bytes or defaults.max_page_bytes,
            wire=raw.wire,
            concurrency=pick("concurrency"),
            delay=pick("delay"),
            poll_interval=pick("poll_interval", 0.0),
            max_poll_interval=pick("max_poll_interval", 360.0),
            max_sitemaps=pick("max_sitemaps", 20),
            max_age_days=pick("max_age_days"),
        )
        if raw.kind == "search":
            out += [
                replace(base, url=raw.url.replace("{query}", quote_plus(q))) for q in queries or []
            ]
        else:
            out.append(base)
    return CrawlPlan(out, defaults.max_page_bytes, spec.crawl, defaults)
