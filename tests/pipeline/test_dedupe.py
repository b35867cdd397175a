"""Near-duplicate detection on the demo web's real wire copies, and exact duplicates."""

import pytest

from newsmon.demoweb.site import DemoSite
from newsmon.pipeline import minhash
from newsmon.pipeline.dedupe import dedupe
from newsmon.pipeline.extract import content_hash
from newsmon.pipeline.ledger import Ledger
from newsmon.pipeline.models import Article, doc_id
from newsmon.pipeline.store.sqlite import SQLiteStore


def _article(demo, outlet="x", wire=False) -> Article:
    url = f"https://{outlet}.example{demo.path}"
    text = "\n".join(demo.paragraphs)
    return Article(
        id=doc_id(url),
        url=url,
        canonical_url=url,
        source=outlet,
        source_name=outlet,
        title=demo.title,
        text=text,
        fetched_at="2025-09-01T00:00:00Z",
        published_at=demo.published.isoformat(),
        content_hash=content_hash(text),
        wire_source=wire,
    )


@pytest.fixture
def store(tmp_path):
    with SQLiteStore(tmp_path / "s.sqlite") as s:
        yield s


@pytest.fixture(scope="module")
def site():
    return DemoSite()


def test_edited_wire_copies_are_near_duplicates_of_the_wire_original(site, store):
    originals = [a for a in site.articles if not a.copy_of]
    copies = [a for a in site.articles if a.copy_of and not a.unchanged_copy]
    batch = [_article(a, a.outlet, wire=a.outlet == "kws") for a in originals + copies]
    ledger = Ledger()
    kept = list(dedupe(batch, store, ledger))
    by_demo_id = {a.id: a for a in originals}
    for copy in copies:
        original = by_demo_id[copy.copy_of]
        kept_copy = next(a for a in kept if a.url.endswith(copy.outlet + ".example" + copy.path))
        kept_original = next(
            a for a in kept if a.url.endswith(original.outlet + ".example" + original.path)
        )
        assert kept_copy.duplicate_of == kept_original.id, copy.id
        assert kept_original.duplicate_of is None
    # Originals that are not copies of each other stay apart: no false positives.
    assert sum(1 for a in kept if a.duplicate_of) == len(copies)


def test_copy_published_first_still_points_at_earlier_original(site, store):
    wire = next(a for a in site.articles if a.id == "kws-nis-engineers")
    copy = next(
        a for a in site.articles if a.copy_of == "kws-nis-engineers" and not a.unchanged_copy
    )
    kept = list(
        dedupe([_article(copy, "herald"), _article(wire, "kws", wire=True)], store, Ledger())
    )
    assert [a.duplicate_of is None for a in kept] == [True, False]
    assert kept[0].source == "kws"


def test_exact_text_under_another_url_is_an_exact_duplicate(site, store):
    demo = site.articles[0]
    a, b = _article(demo, "one"), _article(demo, "two")
    ledger = Ledger()
    kept = list(dedupe([a, b], store, ledger))
    assert len(kept) == 1
    assert [(o.outcome, o.doc_id) for o in ledger.outcomes] == [("duplicate:exact", kept[0].id)]


def test_duplicates_found_against_the_store_across_runs(site, store):
    wire = next(a for a in site.articles if a.id == "kws-nis-6000-engineers")
    copy = next(a for a in site.articles if a.copy_of == wire.id)
    first = list(dedupe([_article(wire, "kws", wire=True)], store, Ledger()))
    store.upsert_articles(first)
    ledger = Ledger()
    (later,) = dedupe([_article(copy, "herald")], store, ledger)
    assert later.duplicate_of == first[0].id
    assert ledger.outcomes[0].outcome == "duplicate:near"
    # Re-processing the stored article is "unchanged", not a duplicate of itself.
    ledger = Ledger()
    assert list(dedupe([_article(wire, "kws", wire=True)], store, ledger)) == []
    assert [o.outcome for o in ledger.outcomes] == ["unchanged"]


def test_minhash_similarity_tracks_jaccard():
    a = " ".join(f"w{i}" for i in range(400))
    b = " ".join(f"w{i}" for i in range(200)) + " " + " ".join(f"x{i}" for i in range(200))
    sa, sb = minhash.signature(a), minhash.signature(b)
    true_jaccard = len(minhash.shingles(a) & minhash.shingles(b)) / len(
        minhash.shingles(a) | minhash.shingles(b)
    )
    assert abs(minhash.similarity(sa, sb) - true_jaccard) < 0.12
    assert minhash.similarity(sa, minhash.signature(a)) == 1.0
    assert len(minhash.band_keys(sa)) == minhash.BANDS
