"""Records for tests that need a stored article and do not care which: one factory."""

from __future__ import annotations

from typing import Any

from newsmon.pipeline.models import Article, Entity, StoryMatch, doc_id


def store_article(n: int, **overrides: Any) -> Article:
    """Article n: its own URL, day (July n) and band key, a band key shared by all, and story
    "nk" when n is odd."""
    url = f"https://example.org/news/{n}"
    values: dict[str, Any] = dict(
        id=doc_id(url),
        url=url,
        canonical_url=url,
        source="kws",
        source_name="Korea Wire Service",
        title=f"Story {n}: North Korean engineers",
        text=f"Body {n} about deminers in Kursk.",
        fetched_at="2025-09-01T00:00:00Z",
        published_at=f"2025-07-{n:02d}T10:00:00Z",
        language="en",
        content_hash=f"hash{n}",
        dup_group=doc_id(url),
        entities=[Entity("Kim Jong Un", "PERSON")],
        persons=["Kim Jong Un"],
        minhash=[n] * 8,
        minhash_bands=[f"b{n}", "shared"],
        stories=[StoryMatch("nk", 0.9)] if n % 2 else [],
    )
    values.update(overrides)
    return Article(**values)
