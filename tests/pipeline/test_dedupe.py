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


def test_wire_copies_edited_or_word_for_word_are_near_duplicates_of_the_original(site, store):
    originals = [a for a in site.articles if not a.copy_of]
    copies = [a for a in site.articles if a.copy_of]
    assert any(a.unchanged_copy for a in copies)
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


def test_the_same_text_under_another_url_of_the_same_outlet_is_an_exact_duplicate(site, store):
    demo = site.articles[0]
    a, b = _article(demo, "one"), _article(demo, "one")
    b.url = b.canonical_url = b.url + "-print"
    b.id = doc_id(b.url)
    ledger = Ledger()
    kept = list(dedupe([a, b], store, ledger))
    assert len(kept) == 1
    assert [(o.outcome, o.doc_id) for o in ledger.outcomes] == [("duplicate:exact", kept[0].id)]


@pytest.mark.parametrize("stored_first", [False, True], ids=["same batch", "across runs"])
def test_the_same_text_on_another_outlet_is_that_outlets_copy(site, store, stored_first):
    """A word-for-word republication stays its outlet's document, a copy of the original,
    whatever its rel=canonical says: the outlet counts as coverage, not as independent."""
    demo = site.articles[0]
    wire, copy = _article(demo, "one", wire=True), _article(demo, "two")
    ledger = Ledger()
    if stored_first:
        store.upsert_articles(list(dedupe([wire], store, Ledger())))
        kept = list(dedupe([copy], store, ledger))
    else:
        kept = list(dedupe([wire, copy], store, ledger))[1:]
    assert [(a.source, a.duplicate_of, a.dup_similarity) for a in kept] == [("two", wire.id, 1.0)]
    assert [(o.outcome, o.doc_id) for o in ledger.outcomes] == [("duplicate:near", wire.id)]


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


# -- decisions pinned one by one: each test kills a mutation that once survived the suite ----


class _Candidates:
    """A duplicate lookup that answers near-duplicate candidates in a fixed order, as a store
    may (the order of an engine's hits is not a ranking by similarity)."""

    def __init__(self, candidates: list[dict]):
        self.candidates = candidates

    def content_hashes(self, ids):
        return {}

    def find_by_content_hash(self, content_hash):
        return None

    def near_candidates(self, bands):
        return self.candidates

    def get_article(self, doc_id):
        return None  # candidates' originals published later than nothing: no regroup


def _plain(n: int, text: str, published="2025-07-01T00:00:00Z", wire=False, host="x") -> Article:
    url = f"https://{host}.example/{n}"
    return Article(
        id=doc_id(url),
        url=url,
        canonical_url=url,
        source=host,
        source_name=host,
        title=f"T{n}",
        text=text,
        fetched_at="2025-09-01T00:00:00Z",
        published_at=published,
        content_hash=content_hash(text),
        wire_source=wire,
    )


def _words(prefix: str, n: int) -> str:
    return " ".join(f"{prefix}{i}" for i in range(n))


def _changed(sig: list[int], share: float) -> list[int]:
    """The signature with the given share of its rows changed: similarity 1 - share."""
    k = round(len(sig) * share)
    return [v + 1 if i < k else v for i, v in enumerate(sig)]


def test_the_best_candidate_wins_not_the_first():
    article = _plain(1, _words("w", 300))
    sig = minhash.signature(article.text)
    weaker = {"id": "weaker", "duplicate_of": None, "minhash": _changed(sig, 0.4)}  # 0.6
    better = {"id": "better", "duplicate_of": None, "minhash": _changed(sig, 0.1)}  # 0.9
    (kept,) = dedupe([article], _Candidates([weaker, better]), Ledger())
    assert (kept.duplicate_of, kept.dup_similarity) == ("better", 0.898)


@pytest.mark.parametrize(
    "share_changed, copy", [(0.45, True), (0.55, False), (0.62, False), (0.78, False)]
)
def test_the_near_duplicate_threshold_is_one_half(share_changed, copy):
    article = _plain(1, _words("w", 300))
    sig = minhash.signature(article.text)
    candidate = {"id": "c", "duplicate_of": None, "minhash": _changed(sig, share_changed)}
    (kept,) = dedupe([article], _Candidates([candidate]), Ledger())
    assert (kept.duplicate_of == "c") is copy


def test_a_wire_agency_wins_a_tie_on_publication_time():
    text = _words("w", 300)
    # Same minute; without the tie-break the herald's URL would sort first and be the original.
    herald = _plain(1, text + " extra line", host="a-herald")
    wire = _plain(2, text, wire=True, host="z-wire")
    kept = list(dedupe([herald, wire], _Candidates([]), Ledger()))
    assert [a.source for a in kept] == ["z-wire", "a-herald"]
    assert kept[0].duplicate_of is None and kept[1].duplicate_of == wire.id


def test_similarity_uses_every_row():
    same_start = [1] * 8 + [2] * 120
    assert minhash.similarity([1] * 128, same_start) == 8 / 128
    assert minhash.similarity(list(range(128)), list(range(128))) == 1.0


class _Stored(_Candidates):
    """A store that already holds one document, with its content hash."""

    def __init__(self, doc_id: str, content_hash: str):
        super().__init__([])
        self.hashes = {doc_id: content_hash}

    def content_hashes(self, ids):
        return {i: h for i, h in self.hashes.items() if i in ids}


def test_every_fate_is_recorded_with_its_url_outlet_and_document():
    text = _words("w", 300)
    wire = _plain(1, text, published="2025-07-01T01:00:00Z", wire=True, host="wire")
    amp = _plain(1, text, published="2025-07-01T01:00:00Z", wire=True, host="wire")
    amp.url = "https://wire.example/amp/1"
    near = _plain(
        2, text + " " + _words("extra", 40), published="2025-07-01T02:00:00Z", host="herald"
    )
    verbatim = _plain(3, text, published="2025-07-01T03:00:00Z", host="times")
    stored = _plain(4, _words("old", 200), published="2025-07-01T04:00:00Z", host="ledger")
    fresh = _plain(5, _words("new", 200), published="2025-07-01T05:00:00Z", host="ledger")
    ledger = Ledger()
    kept = list(
        dedupe(
            [fresh, stored, verbatim, near, amp, wire],
            _Stored(stored.id, stored.content_hash),
            ledger,
        )
    )
    assert [a.id for a in kept] == [wire.id, near.id, verbatim.id, fresh.id]
    assert wire.alternate_urls == [amp.url]
    assert (wire.duplicate_of, wire.dup_group) == (None, wire.id)
    assert (near.duplicate_of, near.dup_group) == (wire.id, wire.id)
    assert (fresh.duplicate_of, fresh.dup_group) == (None, fresh.id)
    assert len(wire.minhash) == minhash.NUM_PERM and len(wire.minhash_bands) == minhash.BANDS
    recorded = [(o.url, o.outcome, o.source, o.doc_id, o.detail) for o in ledger.outcomes]
    assert recorded == [
        (amp.url, "duplicate:exact", "wire", wire.id, ""),
        (near.url, "duplicate:near", "herald", wire.id, f"similarity={near.dup_similarity:.2f}"),
        (verbatim.url, "duplicate:near", "times", wire.id, "similarity=1.00"),
        (stored.url, "unchanged", "ledger", stored.id, ""),
    ]


def test_at_a_few_thousand_articles_no_unrelated_article_is_flagged(store):
    """The scale at which the old, near-monotone permutations flagged unrelated articles by
    the hundred: 3,000 articles that share stock phrases, and 150 planted copies at true
    Jaccard 0.5 to 0.95, each made by one of four kinds of edit."""
    from newsmon.demoweb.synthetic import NewsGenerator, as_article

    gen = NewsGenerator(seed=7)
    originals = [as_article(n, gen.article(), day=1) for n in range(3000)]
    copies, planted_of = [], {}
    for k in range(150):
        source = originals[k * 20]
        planted = gen.copy(source.text, 0.5 + 0.45 * k / 149)
        copy = as_article(10_000 + k, planted.text, day=2)
        copies.append(copy)
        planted_of[copy.id] = source.id
    kept = list(dedupe(originals + copies, store, Ledger()))
    flagged = {a.id: a.duplicate_of for a in kept if a.duplicate_of}
    wrongly = {i for i, original in flagged.items() if planted_of.get(i) != original}
    found = {i for i, original in planted_of.items() if flagged.get(i) == original}
    assert wrongly == set()
    assert len(found) / len(planted_of) >= 0.95


def test_a_batch_larger_than_memory_sorts_on_disk_in_the_same_order(site):
    from newsmon.pipeline.dedupe import _order, in_order

    batch = [_article(a, a.outlet) for a in reversed(site.articles)]
    in_memory = list(in_order(batch))
    on_disk = list(in_order(batch, in_memory=3))  # all but 2 of them through the spill file
    assert [a.url for a in on_disk] == [a.url for a in in_memory]
    assert [a.url for a in in_memory] == [a.url for a in sorted(batch, key=_order)]
    assert on_disk[0] is not in_memory[0] and on_disk == in_memory  # read back, field by field


def test_the_batch_remembers_its_latest_kept_documents_only(site, store):
    copy = next(a for a in site.articles if a.copy_of)
    original = next(a for a in site.articles if a.id == copy.copy_of)
    others = [a for a in site.articles if not a.copy_of and a is not original][:2]

    # The copy comes after its original and 2 other originals, in publication order.
    def batch():
        made = [_article(a, a.outlet) for a in [original, *others, copy]]
        for n, article in enumerate(made):
            article.published_at = f"2025-09-01T0{n}:00:00Z"
        return made

    found = [a.duplicate_of for a in dedupe(batch(), store, Ledger(), remember=3)]
    assert found == [None, None, None, batch()[0].id]
    # With room for two, the original is forgotten by the time its copy comes: the bound holds.
    found = [a.duplicate_of for a in dedupe(batch(), store, Ledger(), remember=2)]
    assert found == [None, None, None, None]


def test_forgotten_documents_leave_no_band_behind_and_shared_bands_keep_the_rest(site):
    from newsmon.pipeline.dedupe import _Seen, sign

    copy = next(a for a in site.articles if a.copy_of)
    original = next(a for a in site.articles if a.id == copy.copy_of)
    others = [a for a in site.articles if not a.copy_of and a is not original][:3]
    made = [sign(_article(a, a.outlet)) for a in [original, copy, *others]]
    shared = set(made[0].minhash_bands) & set(made[1].minhash_bands)
    assert shared  # a near copy shares bands with its original: the list case is exercised
    seen = _Seen(limit=len(made))
    for article in made[:-1]:
        seen.keep(article)
    band = next(iter(shared))
    assert set(seen.in_band(band)) == {made[0].id, made[1].id}
    seen.limit = 1
    seen.keep(made[-1])  # and forgets all the others
    assert list(seen.by_id) == [made[-1].id]
    assert set(seen.in_band(band)) <= {made[-1].id}
    wanted = {hash(b) for b in made[-1].minhash_bands}
    assert set(seen.by_band) == wanted  # nothing of the forgotten documents is held
    assert all(seen.in_band(b) == [made[-1].id] for b in made[-1].minhash_bands)
