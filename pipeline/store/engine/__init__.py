"""Search-engine stores: Elasticsearch 9 and OpenSearch 2.19+/3.x behind one Store interface.

Both engines get the same request bodies, read from the JSON files beside this module; the only
differences are the client library (transport.py) and the lifecycle policy (ILM on
Elasticsearch, ISM on OpenSearch; lifecycle.py). Articles are updated in place, so the alias is
not a data stream: an update goes to the index that holds the document (found by id through the
alias), only new documents go to the write index, which keeps every document in the index
exactly once across rollovers.

    base.py        transport, retries, request bodies, paging
    lifecycle.py   templates, policies, setup, migrate, rollover (what only engines do)
    documents.py   articles, claims, stories: bulk upserts, search, aggregations
    state.py       feed validators, URL outcomes, runs
    retry.py       the one retry helper
"""

from __future__ import annotations

from .base import RESOURCES, EngineBase
from .lifecycle import Lifecycle
from .retry import RetryPolicy
from .state import CrawlStateStore
from .transport import (
    ElasticsearchTransport,
    EngineError,
    EngineUnavailable,
    OpenSearchTransport,
    Transport,
)


class EngineStore(Lifecycle, CrawlStateStore):
    """The whole engine store: every Store method, and the IndexAdmin ones."""


__all__ = [
    "RESOURCES",
    "ElasticsearchTransport",
    "EngineBase",
    "EngineError",
    "EngineStore",
    "EngineUnavailable",
    "OpenSearchTransport",
    "RetryPolicy",
    "Transport",
]
