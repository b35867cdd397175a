from pathlib import Path

import pytest
from expectations import expected, fixture_files

from newsmon.pipeline.canonical import canonicalize
from newsmon.pipeline.charset import decode_page
from newsmon.pipeline.extract import content_hash, extract
from newsmon.pipeline.ledger import Ledger
from newsmon.pipeline.models import FetchedPage, doc_id

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"


def _page(path: Path, url: str, content_type: str = "") -> FetchedPage:
    """The fixture as the spider hands it on: decoded as the crawler decodes a response."""
    encoding, body = decode_page(path.read_bytes(), content_type)
    return FetchedPage(
        url=url,
        final_url=url,
        status=200,
        body=body,
        encoding=encoding,
        fetched_at="2025-09-01T00:00:00Z",
        source="example",
        source_name="Example",
    )


@pytest.mark.parametrize("path", fixture_files(PAGES), ids=lambda p: p.name)
def test_page_fixture(path):
    expect = expected(path)
    url = expect.get("url", f"https://example.org/{path.stem}")
    ledger = Ledger()
    page = _page(path, url, expect.get("content_type", ""))
    articles = list(canonicalize(extract([page], ledger)))
    if expect.get("rejected") or "reject" in expect:
        assert articles == []
        assert [o.outcome for o in ledger.outcomes] == ["rejected"]
        if "reject" in expect:
            assert ledger.outcomes[0].reason == expect["reject"]
        return
    assert ledger.outcomes == []
    (article,) = articles
    assert article.canonical_url == expect["canonical"]
    assert article.id == doc_id(expect["canonical"])
    assert expect["text_contains"] in article.text
    assert "Copyright" not in article.text and "Home" not in article.text.split()[:3]
    if "published" in expect:
        assert article.published_at == expect["published"]
    assert article.extractor == expect.get("extractor", "trafilatura")


def test_content_hash_ignores_case_whitespace_and_punctuation():
    assert content_hash("North Korea, engineers!\n\nRussia.") == content_hash(
        "north korea engineers russia"
    )
    assert content_hash("5,000 engineers") != content_hash("6,000 engineers")
