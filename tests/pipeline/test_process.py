"""The process stages composed: one bad or huge article never stops the run."""

from __future__ import annotations

import pytest

from newsmon.pipeline import enrich
from newsmon.pipeline.ledger import Ledger
from newsmon.pipeline.models import FetchedPage
from newsmon.pipeline.process import process_pages
from newsmon.pipeline.store.sqlite import SQLiteStore
from newsmon.pipeline.stories import StoryTracker

PARAGRAPH = (
    "Officials in Seoul said on Tuesday that engineers had been sent to the region, "
    "and that the deployment would continue through the summer months. "
)


def _page(url: str, html: str) -> FetchedPage:
    return FetchedPage(
        url=url,
        final_url=url,
        status=200,
        body=html,
        encoding="utf-8",
        fetched_at="2025-09-01T00:00:00Z",
        source="s",
        source_name="S",
    )


def _article_html(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"{body}</article></body></html>"
    )


def live_blog_4_5_mb() -> str:
    """A live blog: thousands of short timestamped posts, 4.5 MB of HTML; the last post names
    someone no other post does."""
    posts = [
        f"<div class='post'><time>{n // 60:02d}:{n % 60:02d}</time><p>Update {n}: "
        f"{PARAGRAPH * 3}</p></div>"
        for n in range(9100)
    ]
    posts.append(
        "<div class='post'><p>Late update: Jacinda Ardern arrived in Wellington "
        "and spoke to reporters about the engineers.</p></div>"
    )
    html = (
        "<html><head><title>Live: the deployment, hour by hour</title></head><body>"
        "<article><h1>Live: the deployment, hour by hour</h1>"
        + "".join(posts)
        + "</article></body></html>"
    )
    assert len(html.encode()) > 4_500_000
    return html


def text_of_1_mb() -> str:
    """One article whose text passes spaCy's default max_length (1,000,000 characters)."""
    paragraphs = [f"Paragraph {n}. " + PARAGRAPH * 4 for n in range(1800)]
    paragraphs.append("In the final paragraph, Emmanuel Macron said France would send aid.")
    return _article_html("A very long report", paragraphs)


@pytest.fixture
def store(tmp_path):
    with SQLiteStore(tmp_path / "s.sqlite") as s:
        yield s


def test_a_stage_failing_on_one_article_rejects_that_article_only(store, monkeypatch):
    real = enrich._finish

    def fragile(article, nlp):
        if "bad" in article.url:
            raise RuntimeError("the model choked")
        return real(article, nlp)

    monkeypatch.setattr(enrich, "_finish", fragile)  # a stage fault, injected
    pages = [
        _page(
            f"https://e.example/{name}",
            _article_html(name, [" ".join(f"{name}{i}" for i in range(300))]),
        )
        for name in ("first", "bad", "last")
    ]
    ledger = Ledger()
    out = list(process_pages(pages, store, [], ledger, nlp=None))
    assert [a.url for a in out] == ["https://e.example/first", "https://e.example/last"]
    (failed,) = ledger.outcomes
    assert (failed.url, failed.outcome, failed.reason) == (
        "https://e.example/bad",
        "rejected",
        "enrich_error:RuntimeError",
    )
    assert failed.detail == "the model choked"


class _FragileTracker(StoryTracker):
    """The real tracker with a fault injected: it fails on near copies."""

    def assign(self, article):
        if article.duplicate_of:
            raise ValueError("no story for copies today")
        return super().assign(article)


def test_a_near_copy_that_fails_later_has_one_outcome(store):
    original = [PARAGRAPH * 3, "first " * 50, "second " * 50]
    pages = [
        _page("https://a.example/original", _article_html("Original", original)),
        _page("https://b.example/copy", _article_html("Copy", original + ["extra"])),
    ]
    ledger = Ledger()
    out = list(process_pages(pages, store, [], ledger, tracker=_FragileTracker([])))
    assert [a.url for a in out] == ["https://a.example/original"]
    assert [(o.url, o.reason) for o in ledger.outcomes] == [
        ("https://b.example/copy", "assign_error:ValueError")
    ]


def _rule_based_nlp():
    """A real spaCy pipeline with spaCy's default max_length (texts longer raise E088), whose
    entities come from rules: as exact as the statistical model is on these names, and fast
    enough to read 4 MB in a test (the statistical model takes minutes; its speed is the
    process benchmark's business)."""
    import spacy

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [{"label": "PERSON", "pattern": name} for name in ("Jacinda Ardern", "Emmanuel Macron")]
    )
    return nlp


def test_spacy_refuses_what_newsmon_reads_in_pieces():
    nlp = _rule_based_nlp()
    with pytest.raises(ValueError, match="E088"):
        nlp("x " * 600_000)


def test_a_live_blog_and_a_million_characters_of_text_are_read_whole(store):
    nlp = _rule_based_nlp()
    pages = [
        _page("https://e.example/live", live_blog_4_5_mb()),
        _page("https://e.example/long", text_of_1_mb()),
    ]
    ledger = Ledger()
    out = {a.url: a for a in process_pages(pages, store, [], ledger, nlp=nlp)}
    assert ledger.outcomes == []
    assert len(out["https://e.example/long"].text) > nlp.max_length
    # Entities from the very end of each text: every piece was read, nothing truncated.
    assert "Emmanuel Macron" in out["https://e.example/long"].persons
    assert "Jacinda Ardern" in out["https://e.example/live"].persons
