"""Stores: one interface (base.Store), chosen by URL.

    var/newsmon.sqlite  or  sqlite:///var/newsmon.sqlite       the embedded SQLite store
    opensearch+http://127.0.0.1:9200                          OpenSearch 2.19+ / 3.x
    elasticsearch+https://elastic:PASSWORD@es01:9200           Elasticsearch 9

Credentials may be in the URL or in NEWSMON_ES_API_KEY; NEWSMON_CA_CERTS names a CA bundle
for TLS; NEWSMON_INDEX_PREFIX (default "newsmon") names the indices.
"""

from __future__ import annotations

import os
from pathlib import Path

from .base import SearchFilters, Store, UpsertResult

DEFAULT_STORE = "var/newsmon.sqlite"
ENGINE_SCHEMES = ("elasticsearch+", "opensearch+")


def is_engine_url(url: str) -> bool:
    return url.startswith(ENGINE_SCHEMES)


def sqlite_path(url: str | os.PathLike) -> Path | None:
    """The file of an SQLite store URL (a path or sqlite:///PATH); None for an engine."""
    url = str(url)
    if is_engine_url(url):
        return None
    if url.startswith("sqlite:///"):
        url = url[len("sqlite:///"):]
    if "://" in url:
        raise ValueError(f"unsupported store URL {url!r}: a file path, sqlite:///PATH, "
                         "opensearch+http(s)://HOST:PORT or elasticsearch+http(s)://HOST:PORT")
    return Path(url)


def open_store(url: str | os.PathLike | None = None, prefix: str | None = None) -> Store:
    url = str(url or os.environ.get("NEWSMON_STORE") or DEFAULT_STORE)
    path = sqlite_path(url)
    if path is None:
        from .engine import ElasticsearchTransport, EngineStore, OpenSearchTransport
        flavor, _, endpoint = url.partition("+")
        transport_class = ElasticsearchTransport if flavor == "elasticsearch" else OpenSearchTransport
        transport = transport_class(endpoint, api_key=os.environ.get("NEWSMON_ES_API_KEY") or None,
                                    ca_certs=os.environ.get("NEWSMON_CA_CERTS") or None)
        return EngineStore(transport, url,
                           prefix=prefix or os.environ.get("NEWSMON_INDEX_PREFIX") or "newsmon")
    from .sqlite import SQLiteStore
    return SQLiteStore(path)


__all__ = ["open_store", "is_engine_url", "sqlite_path", "SearchFilters", "Store", "UpsertResult", "DEFAULT_STORE"]
