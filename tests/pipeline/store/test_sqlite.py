"""SQLite-only behaviour: schema versions."""

import json
import sqlite3

import pytest
from factories import store_article as _article

from newsmon.pipeline.models import Claim, Entity, StoryMatch
from newsmon.pipeline.store.sqlite import SCHEMA_VERSION, SQLiteStore


def test_a_version_1_store_is_migrated_on_open(tmp_path):
    path = tmp_path / "old.sqlite"
    with SQLiteStore(path) as store:
        store.upsert_articles([_article(1), _article(2)])
    # Turn it back into a version 1 store: full-text rows keyed by an UNINDEXED id column.
    db = sqlite3.connect(path)
    with db:
        db.execute("DROP TABLE articles_fts")
        db.execute("CREATE VIRTUAL TABLE articles_fts USING fts5 (id UNINDEXED, title, text)")
        db.execute(
            "INSERT INTO articles_fts SELECT id, json_extract(doc, '$.title'), "
            "json_extract(doc, '$.text') FROM articles"
        )
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    db.close()
    with SQLiteStore(path) as store:
        assert (
            store.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
            == SCHEMA_VERSION
        )
        assert {h["id"] for h in store.search("deminers")} == {
            _article(1).id,
            _article(2).id,
        }
        assert len(store.search("Kursk")) == 2


def test_updating_an_article_keeps_one_full_text_row(tmp_path):
    with SQLiteStore(tmp_path / "s.sqlite") as store:
        store.upsert_articles([_article(1)])
        changed = _article(1)
        changed.text = "Rewritten: North Korean engineers build bridges."
        store.upsert_articles([changed])
        assert store.db.execute("SELECT count(*) FROM articles_fts").fetchone()[0] == 1
        assert store.search("Kursk") == []  # only the old text had it
        assert [h["id"] for h in store.search("bridges")] == [_article(1).id]


def test_a_store_from_before_feed_polling_gets_its_column_and_keeps_its_validators(tmp_path):
    path = tmp_path / "old.sqlite"
    SQLiteStore(path).close()
    db = sqlite3.connect(path)
    with db:  # the feed_state table as schema 2 had it
        db.execute("DROP TABLE feed_state")
        db.execute(
            "CREATE TABLE feed_state (url TEXT PRIMARY KEY, etag TEXT NOT NULL DEFAULT '', "
            "last_modified TEXT NOT NULL DEFAULT '')"
        )
        db.execute("INSERT INTO feed_state VALUES ('https://e.org/rss', '\"v1\"', '')")
        db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    db.close()
    with SQLiteStore(path) as store:
        (state,) = store.feed_states().values()
        assert (state.etag, state.interval_s) == ('"v1"', 0)


def test_a_store_signed_by_an_older_minhash_is_re_signed_on_open(tmp_path):
    """Old band keys never meet new ones: without the migration, no stored document would be
    found as a near-duplicate candidate again."""
    from newsmon.pipeline import minhash

    path = tmp_path / "old.sqlite"
    with SQLiteStore(path) as store:
        store.upsert_articles([_article(1), _article(2)])  # version 0 signatures
        store.db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
        store.db.commit()
    with SQLiteStore(path) as store:
        doc = store.get_article(_article(1).id)
        assert doc["minhash_version"] == minhash.VERSION
        assert doc["minhash"] == minhash.signature(_article(1).text)
        found = store.near_candidates(minhash.band_keys(minhash.signature(_article(1).text)))
        assert _article(1).id in {c["id"] for c in found}
        assert store.get_article(_article(2).id)["minhash_version"] == minhash.VERSION


def _claim_rows(store):
    return [
        tuple(r)
        for r in store.db.execute("SELECT id, claimant, unit, value FROM claims ORDER BY id, n")
    ]


def test_claims_are_rows_of_their_own_replaced_with_their_article(tmp_path):
    from newsmon.pipeline.models import Claim

    figure = Claim(
        5000, "engineers", "s", "NIS", "Yonhap", claimant="National Intelligence Service"
    )
    with SQLiteStore(tmp_path / "s.sqlite") as store:
        store.upsert_articles([_article(1, claims=[figure, Claim(10000, "troops", "s")])])
        one = _article(1).id
        assert _claim_rows(store) == [
            (one, "National Intelligence Service", "engineers", 5000),
            (one, "", "troops", 10000),  # a figure nobody is credited with
        ]
        # rewritten with one figure fewer: the stale row goes with it, no duplicate is left
        store.upsert_articles([_article(1, claims=[figure], text="Rewritten.")])
        assert _claim_rows(store) == [(one, "National Intelligence Service", "engineers", 5000)]


def test_a_store_from_before_claim_rows_gets_them_on_open(tmp_path):
    from newsmon.pipeline.models import Claim

    path = tmp_path / "old.sqlite"
    with SQLiteStore(path) as store:
        store.upsert_articles([_article(2, claims=[Claim(300, "killed", "s", "police")])])
    db = sqlite3.connect(path)
    with db:  # as schema 4 had it: no claims table
        db.execute("DROP TABLE claims")
        db.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    db.close()
    with SQLiteStore(path) as store:
        assert _claim_rows(store) == [(_article(2).id, "police", "killed", 300)]


def test_an_exact_copy_removed_by_a_regroup_takes_its_claim_rows_with_it(tmp_path):
    from newsmon.pipeline.models import Claim, Regroup

    with SQLiteStore(tmp_path / "s.sqlite") as store:
        store.upsert_articles(
            [_article(n, claims=[Claim(300, "killed", "s", "police")]) for n in (1, 2)]
        )
        store.regroup(Regroup(old=_article(2).id, new=_article(1).id, exact=True))
        assert [row[0] for row in _claim_rows(store)] == [_article(1).id]


def _entity_plan(store, name: str) -> str:
    from newsmon.pipeline.store import SearchFilters

    where, args = store._filter_sql(SearchFilters(entity=name))
    plan = store.db.execute(f"EXPLAIN QUERY PLAN SELECT a.id FROM articles a WHERE {where}", args)
    return " ".join(row[3] for row in plan)


def test_an_entity_filter_is_an_index_lookup_that_reads_the_entity_rows(tmp_path):
    from newsmon.pipeline.models import Entity
    from newsmon.pipeline.store import SearchFilters

    with SQLiteStore(tmp_path / "s.sqlite") as store:
        store.upsert_articles(
            [_article(1), _article(2, entities=[Entity("Søren Ørsted", "PERSON")])]
        )
        assert "article_entities" in _entity_plan(store, "kim jong un")
        assert "json_each" not in _entity_plan(store, "kim jong un")
        found = store.search("", SearchFilters(entity="SØREN ØRSTED"))  # any case, any script
        assert [d["id"] for d in found] == [_article(2).id]
        # The filter reads the rows and nothing else: without them, nothing is found.
        store.db.execute("DELETE FROM article_entities")
        assert store.search("", SearchFilters(entity="kim jong un")) == []


def test_a_store_from_before_entity_rows_gets_them_on_open(tmp_path):
    from newsmon.pipeline.store import SearchFilters

    path = tmp_path / "old.sqlite"
    with SQLiteStore(path) as store:
        store.upsert_articles([_article(1), _article(2)])
    db = sqlite3.connect(path)
    with db:  # as schema 5 had it: no entity rows
        db.execute("DROP TABLE article_entities")
        db.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    db.close()
    with SQLiteStore(path) as store:
        assert len(store.search("", SearchFilters(entity="Kim Jong Un"))) == 2


def test_an_exact_copy_removed_by_a_regroup_takes_its_entity_rows_with_it(tmp_path):
    from newsmon.pipeline.models import Regroup

    with SQLiteStore(tmp_path / "s.sqlite") as store:
        store.upsert_articles([_article(1), _article(2)])
        store.regroup(Regroup(old=_article(2).id, new=_article(1).id, exact=True))
        rows = store.db.execute("SELECT id FROM article_entities").fetchall()
        assert [r[0] for r in rows] == [_article(1).id]


def _tables_written(store, article):
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    try:
        store.upsert_articles([article])
    finally:
        store.db.set_trace_callback(None)
    tables = ("articles_fts", "article_bands_fts", "article_stories", "claims", "article_entities")
    # the statements come with their values: the article's own row holds the word "claims"
    heads = (f"{verb} {t} " for t in tables for verb in ("INSERT INTO", "DELETE FROM"))
    return {h.split()[-1] for h in heads for s in statements if s.startswith(h)}


@pytest.mark.parametrize(
    "change, rewritten",
    [
        ({"stories": [StoryMatch("other", 0.8)]}, {"article_stories", "claims"}),
        ({"text": "Rewritten about bridges."}, {"articles_fts"}),
        ({"entities": [Entity("Kim Yo Jong", "PERSON")]}, {"article_entities"}),
        ({"minhash_bands": ["b9"]}, {"article_bands_fts"}),
        ({"claims": []}, {"claims"}),
    ],
)
def test_a_rewritten_document_rewrites_only_the_rows_whose_fields_changed(
    tmp_path, change, rewritten
):
    figure = Claim(5000, "engineers", "s", "NIS", "Yonhap")
    with SQLiteStore(tmp_path / "s.sqlite") as store:
        store.upsert_articles([_article(1, claims=[figure])])
        assert _tables_written(store, _article(1, **{"claims": [figure], **change})) == rewritten
        # and what was rewritten is what the store now answers with
        doc = store.get_article(_article(1).id)
        rows = store.db.execute("SELECT doc FROM claims").fetchall()
        expected = [] if "claims" in change else [doc["story_ids"]]
        assert [json.loads(r[0])["story_ids"] for r in rows] == expected
        names = [r[0] for r in store.db.execute("SELECT name FROM article_entities")]
        assert names == [e["text"].casefold() for e in doc["entities"]]
        assert len(store.search("bridges")) == ("text" in change)


def test_a_store_from_before_the_band_index_gets_it_on_open(tmp_path):
    """Schema 6 kept band keys in a B-tree table: on open they move to the full-text index,
    and the stored documents are near-duplicate candidates again."""
    path = tmp_path / "old.sqlite"
    with SQLiteStore(path) as store:
        store.upsert_articles([_article(1), _article(2)])
    db = sqlite3.connect(path)
    with db:  # as schema 6 had it
        db.execute("DELETE FROM article_bands_fts")
        db.execute(
            "CREATE TABLE article_bands (band TEXT NOT NULL, id TEXT NOT NULL, "
            "PRIMARY KEY (band, id)) WITHOUT ROWID"
        )
        db.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    db.close()
    with SQLiteStore(path) as store:
        tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master")}
        assert "article_bands" not in tables
        found = store.near_candidates(["shared"])
        assert sorted(c["id"] for c in found) == sorted([_article(1).id, _article(2).id])


def test_band_candidates_are_the_articles_sharing_a_key_each_once(tmp_path):
    with SQLiteStore(tmp_path / "s.sqlite") as store:
        store.upsert_articles(
            [
                _article(1, minhash_bands=["v2.00aa", "v2.01bb"]),
                _article(2, minhash_bands=["v2.00aa", "v2.01cc"]),
                _article(3, minhash_bands=["v2.00dd"]),
            ]
        )
        found = [c["id"] for c in store.near_candidates(["v2.00aa", "v2.01bb", "v2.01zz"])]
        assert sorted(found) == sorted([_article(1).id, _article(2).id])
        # a key is one token: its halves ("v2", "00aa") match nothing on their own
        assert store.near_candidates(["v2.00ee"]) == []
        assert store.near_candidates(["v2"]) == []
        assert store.near_candidates(["00aa"]) == []


def test_an_exact_copy_removed_by_a_regroup_takes_its_band_rows_with_it(tmp_path):
    from newsmon.pipeline.models import Regroup

    with SQLiteStore(tmp_path / "s.sqlite") as store:
        store.upsert_articles([_article(1), _article(2)])
        store.regroup(Regroup(old=_article(2).id, new=_article(1).id, exact=True))
        assert store.db.execute("SELECT count(*) FROM article_bands_fts").fetchone()[0] == 1
        bands = store.get_article(_article(1).id)["minhash_bands"]
        assert [c["id"] for c in store.near_candidates(bands)] == [_article(1).id]
