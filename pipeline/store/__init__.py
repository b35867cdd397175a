"""Stores: one interface (base.Store), chosen by URL.

    sqlite:///var/newsmon.sqlite   or a plain file path   -> the embedded SQLite store
"""

from __future__ import annotations

import os

from .base import SearchFilters, Store, UpsertResult

DEFAULT_STORE = "var/newsmon.sqlite"


def open_store(url: str | os.PathLike | None = None) -> Store:
    url = str(url or os.environ.get("NEWSMON_STORE") or DEFAULT_STORE)
    if url.startswith("sqlite:///"):
        url = url[len("sqlite:///"):]
    if "://" in url:
        raise ValueError(f"unsupported store URL {url!r}: use a file path or sqlite:///PATH")
    from .sqlite import SQLiteStore
    return SQLiteStore(url)


__all__ = ["open_store", "SearchFilters", "Store", "UpsertResult", "DEFAULT_STORE"]
