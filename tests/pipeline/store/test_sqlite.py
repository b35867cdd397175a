"""SQLite-only behaviour: schema versions."""

import sqlite3

from factories import store_article as _article

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
