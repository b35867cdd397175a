"""Stores: one interface (base.Store), chosen by URL.

    /abs/path/newsmon.sqlite  or  sqlite:////abs/path/newsmon.sqlite   the embedded SQLite store
    opensearch+http://127.0.0.1:9200                                 OpenSearch 2.19+ / 3.x
    elasticsearch+https://es01:9200                                  Elasticsearch 9

Credentials are passed separately (EngineAuth), never inside the URL, so any password works.
Relative paths are resolved by the caller (newsmon.settings), against the caller's directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .base import (
    IndexAdmin,
    SearchFilters,
    SetupReport,
    Store,
    StoreNotFound,
    StoreNotReady,
    UpsertResult,
)

ENGINE_SCHEMES = ("elasticsearch+", "opensearch+")


class StoreURLError(ValueError):
    """A store URL that names no supported store."""


@dataclass(frozen=True)
class EngineAuth:
    username: str | None = None
    password: str | None = None
    api_key: str | None = None
    ca_certs: str | None = None


def is_engine_url(url: str) -> bool:
    return url.startswith(ENGINE_SCHEMES)


def sqlite_path(url: str | os.PathLike[str]) -> Path | None:
    """The file of an SQLite store URL (a path or sqlite:///PATH); None for an engine."""
    url = str(url)
    if is_engine_url(url):
        return None
    if url.startswith("sqlite:///"):
        url = url[len("sqlite:///") :]
    if "://" in url:
        raise StoreURLError(
            f"unsupported store {url!r}: a file path, sqlite:///PATH, "
            "opensearch+http(s)://HOST:PORT or elasticsearch+http(s)://HOST:PORT"
        )
    return Path(url)


def _engine(url: str, auth: EngineAuth, prefix: str):  # type: ignore[no-untyped-def]
    from .engine import ElasticsearchTransport, EngineStore, OpenSearchTransport

    flavor, _, endpoint = url.partition("+")
    transport_class = ElasticsearchTransport if flavor == "elasticsearch" else OpenSearchTransport
    basic = (auth.username, auth.password or "") if auth.username else None
    transport = transport_class(
        endpoint, api_key=auth.api_key, ca_certs=auth.ca_certs, basic_auth=basic
    )
    return EngineStore(transport, url, prefix=prefix)


def open_store(
    url: str | os.PathLike[str],
    *,
    create: bool = True,
    auth: EngineAuth | None = None,
    prefix: str = "newsmon",
) -> Store:
    """The store at url. With create=False (read-only commands) a missing store is an error
    (StoreNotFound), never an empty store made for a mistyped path."""
    url = str(url)
    path = sqlite_path(url)
    if path is None:
        store: Store = _engine(url, auth or EngineAuth(), prefix)
        if not create and not store.exists():
            store.close()
            raise StoreNotFound(
                f"no newsmon indices ({prefix}-articles) on {url}: "
                "run `newsmon index setup` or a job first"
            )
        return store
    from .sqlite import SQLiteStore

    return SQLiteStore(path, create=create)


def open_index_admin(
    url: str | os.PathLike[str], *, auth: EngineAuth | None = None, prefix: str = "newsmon"
) -> IndexAdmin:
    """A search-engine store, for what only engines do (migrate, rollover)."""
    url = str(url)
    if not is_engine_url(url):
        raise StoreURLError(
            f"{url} is an SQLite store: it has no indices to migrate or roll "
            "over (its schema is migrated when it is opened)"
        )
    admin: IndexAdmin = _engine(url, auth or EngineAuth(), prefix)
    return admin


__all__ = [
    "ENGINE_SCHEMES",
    "EngineAuth",
    "IndexAdmin",
    "SearchFilters",
    "SetupReport",
    "Store",
    "StoreNotFound",
    "StoreNotReady",
    "StoreURLError",
    "UpsertResult",
    "is_engine_url",
    "open_index_admin",
    "open_store",
    "sqlite_path",
]
