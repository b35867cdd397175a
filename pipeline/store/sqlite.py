"""The embedded store: one SQLite file with FTS5 full-text search. No server needed."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from ..models import (
    Alert,
    Article,
    CrawlOutcome,
    FeedState,
    Outcome,
    PendingURL,
    Regroup,
    Story,
    poll_fields,
    utc_now,
)
from .base import (
    FINAL_OUTCOMES,
    TERM_FIELDS,
    SearchFilters,
    SetupReport,
    StoreNotFound,
    UpsertResult,
    claim_documents,
    stable_document,
)

SCHEMA = resources.files(__package__) / "sqlite_schema.sql"
# 2: full-text rows keyed by rowid; 3: feed polling; 4: MinHash v2; 5: claims as rows;
# 6: entity names as rows; 7: band keys in a full-text index
SCHEMA_VERSION = "7"


def fts_query(query: str) -> str:
    """User words to an FTS5 query: every word must match; "quoted phrases" stay phrases;
    FTS5 operators typed by the user are taken as words, so no input is a syntax error."""
    tokens = re.findall(r'"([^"]+)"|(\S+)', query)
    parts = []
    for phrase, word in tokens:
        text = (phrase or word).replace('"', " ").strip()
        if text:
            parts.append('"' + text + '"')
    return " ".join(parts)


# What each table's rows of a document are made of: rewriting a document writes a table's
# rows again only when this changed.
_SIDE_ROWS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "articles_fts": lambda d: (d["title"], d["text"]),
    "article_bands_fts": lambda d: d["minhash_bands"],
    "article_stories": lambda d: d["stories"],
    "claims": claim_documents,
    "article_entities": lambda d: [e["text"].casefold() for e in d.get("entities") or []],
}
# Full-text tables, whose rows share the article's rowid.
_BY_ROWID = ("articles_fts", "article_bands_fts")
# The tables that hold rows of an article by its id, beside the article itself and its
# full-text rows: removing an article clears them all.
SIDE_TABLES = tuple(table for table in _SIDE_ROWS if table not in _BY_ROWID)


def band_token(key: str) -> str:
    """A band key as one token of the band index, whatever characters the key holds (FTS5
    would split "v2.05ab" in two, and match the halves as a phrase)."""
    return hashlib.blake2b(key.encode("utf-8"), digest_size=10).hexdigest()


def _band_query(keys: Iterable[str]) -> str:
    return " OR ".join(band_token(k) for k in keys)


class SQLiteStore:
    def __init__(self, path: str | Path, create: bool = True):
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30)
        else:
            # Read-only commands must not leave an empty store behind a mistyped path.
            if not self.path.is_file():
                raise StoreNotFound(
                    f"no store at {self.path}: run `newsmon demo` or "
                    "`newsmon run` first, or pass --store"
                )
            self.db = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=30)
            if not self.exists():
                self.db.close()
                raise StoreNotFound(f"{self.path} is not a newsmon store")
        self.db.row_factory = sqlite3.Row
        # Up to 64 MiB of page cache (the default is 2 MiB), so that more of the full-text,
        # band and entity indexes stay in memory while a large store is written. 256 MiB made
        # the 100,000-document benchmark only 17 % faster, for 192 MiB more in every process.
        self.db.execute("PRAGMA cache_size = -65536")
        # In WAL mode, NORMAL syncs at checkpoints, not at every commit: a crash of the process
        # loses nothing, and a power cut only the last commits, which re-running the step writes
        # again. FULL cost 4.8 ms a commit, a seventh of the index step (1,564 commits at 4,000
        # articles: the stories' summaries and members).
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.setup()

    # -- lifecycle ----------------------------------------------------------------------------
    def exists(self) -> bool:
        return (
            self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone()
            is not None
        )

    def setup(self) -> SetupReport:
        """Create the schema if missing, or migrate an older one. Safe to run again."""
        report = SetupReport()
        version = (
            self.exists()
            and self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        )
        if version and version[0] == "1":
            self._migrate_from_1()
            report.say("migrated schema 1 -> 2 (full-text rows keyed by rowid)")
        self.db.executescript(SCHEMA.read_text(encoding="utf-8"))
        columns = {r["name"] for r in self.db.execute("PRAGMA table_info(feed_state)")}
        if "poll" not in columns:  # a store from before adaptive polling (schema 1 or 2)
            self.db.execute("ALTER TABLE feed_state ADD COLUMN poll TEXT NOT NULL DEFAULT '{}'")
            report.say("migrated schema -> 3 (feed polling state)")
        if version and int(version[0]) < 4:
            from ..dedupe import resign_stored

            count = resign_stored(self)
            report.say(f"migrated -> 4: MinHash signatures recomputed for {count} documents")
        if version and int(version[0]) < 5:
            with self.db:
                self.db.execute("DELETE FROM claims")  # rows a half-done migration left
                for doc in self.iter_articles():
                    self._write_claims(doc)
            report.say("migrated -> 5: claims written as rows")
        if version and int(version[0]) < 6:
            with self.db:
                self.db.execute("DELETE FROM article_entities")
                for doc in self.iter_articles():
                    self._write_entities(doc)
            report.say("migrated -> 6: entity names written as rows")
        if version and int(version[0]) < 7:
            with self.db:
                self.db.execute("DROP TABLE IF EXISTS article_bands")
                self.db.execute("DELETE FROM article_bands_fts")
                for row in self.db.execute(
                    "SELECT rowid, json_extract(doc, '$.minhash_bands') AS bands FROM articles"
                ):
                    self._write_bands(row["rowid"], json.loads(row["bands"] or "[]"))
            report.say("migrated -> 7: band keys in a full-text index")
        self.db.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
        )
        self.db.commit()
        report.say(f"SQLite store {self.path}: schema version {SCHEMA_VERSION} ready")
        return report

    def _migrate_from_1(self) -> None:
        """Version 1 keyed full-text rows by an UNINDEXED id column: rebuild them by rowid."""
        with self.db:
            self.db.execute("DROP TABLE IF EXISTS articles_fts")
            self.db.execute(
                "CREATE VIRTUAL TABLE articles_fts USING fts5 "
                "(title, text, tokenize = 'unicode61 remove_diacritics 2')"
            )
            self.db.execute(
                "INSERT INTO articles_fts (rowid, title, text) SELECT rowid, "
                "json_extract(doc, '$.title'), json_extract(doc, '$.text') FROM articles"
            )

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- documents ----------------------------------------------------------------------------
    def upsert_articles(self, articles: Iterable[Article]) -> UpsertResult:
        result = UpsertResult()
        with self.db:
            for article in articles:
                doc = article.to_document()
                row = self.db.execute(
                    "SELECT doc FROM articles WHERE id = ?", (article.id,)
                ).fetchone()
                before = json.loads(row["doc"]) if row else None
                if before and stable_document(before) == stable_document(doc):
                    result.unchanged.append(article.id)
                    continue
                self._write(doc, new=row is None, old=before)
                result.note(article.id, before, doc)
        return result

    def _write(
        self, doc: dict[str, Any], new: bool = False, old: dict[str, Any] | None = None
    ) -> None:
        """The document and its rows in the side tables. A new document has no rows there to
        delete: skipping the deletes skips lookups in indexes that, at 100,000 documents, no
        longer fit the page cache. Given the document as it was (`old`), only the rows whose
        fields changed are written again: a document that moves to another story keeps its
        full-text, band and entity rows (a third of the index step's time at 4,000 articles
        went to rewriting them)."""
        doc_id = doc["id"]
        rowid = self.db.execute(
            "INSERT INTO articles (id, canonical_url, source, language, published_at,"
            " content_hash, duplicate_of, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET canonical_url = excluded.canonical_url,"
            " source = excluded.source, language = excluded.language,"
            " published_at = excluded.published_at, content_hash = excluded.content_hash,"
            " duplicate_of = excluded.duplicate_of, doc = excluded.doc RETURNING rowid",
            (
                doc_id,
                doc["canonical_url"],
                doc["source"],
                doc["language"],
                doc["published_at"],
                doc["content_hash"],
                doc["duplicate_of"],
                json.dumps(doc, ensure_ascii=False),
            ),
        ).fetchone()[0]
        changed = {
            part
            for part, rows in _SIDE_ROWS.items()
            if new or old is None or rows(doc) != rows(old)
        }
        if not new:
            for part in changed:
                if part in _BY_ROWID:
                    self.db.execute(f"DELETE FROM {part} WHERE rowid = ?", (rowid,))  # noqa: S608
                else:
                    self.db.execute(f"DELETE FROM {part} WHERE id = ?", (doc_id,))  # noqa: S608
        if "articles_fts" in changed:
            self.db.execute(
                "INSERT INTO articles_fts (rowid, title, text) VALUES (?, ?, ?)",
                (rowid, doc["title"], doc["text"]),
            )
        if "article_bands_fts" in changed:
            self._write_bands(rowid, doc["minhash_bands"])
        if "article_stories" in changed:
            self.db.executemany(
                "INSERT INTO article_stories VALUES (?, ?, ?)",
                [(s["id"], doc_id, s["score"]) for s in doc["stories"]],
            )
        if "claims" in changed:
            self._write_claims(doc)
        if "article_entities" in changed:
            self._write_entities(doc)

    def _write_bands(self, rowid: int, keys: list[str]) -> None:
        if keys:
            self.db.execute(
                "INSERT INTO article_bands_fts (rowid, bands) VALUES (?, ?)",
                (rowid, " ".join(band_token(k) for k in keys)),
            )

    def _write_entities(self, doc: dict[str, Any]) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO article_entities VALUES (?, ?)",
            [(e["text"].casefold(), doc["id"]) for e in doc.get("entities") or []],
        )

    def _write_claims(self, doc: dict[str, Any]) -> None:
        self.db.executemany(
            "INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    doc["id"],
                    n,
                    c["published_at"],
                    c["claimant"],
                    c["unit"],
                    c["value"],
                    json.dumps(c, ensure_ascii=False),
                )
                for n, c in enumerate(claim_documents(doc))
            ],
        )

    def regroup(self, change: Regroup) -> dict[str, Any] | None:
        old = self.get_article(change.old)
        copies = [
            json.loads(r["doc"])
            for r in self.db.execute(
                "SELECT doc FROM articles WHERE duplicate_of = ?", (change.old,)
            )
        ]
        with self.db:
            for doc in copies:
                doc.update(duplicate_of=change.new, dup_group=change.new, is_copy=True)
                self._write(doc)
            if old is not None and change.exact:
                row = self.db.execute(
                    "SELECT rowid FROM articles WHERE id = ?", (change.old,)
                ).fetchone()
                for table in _BY_ROWID:
                    self.db.execute(f"DELETE FROM {table} WHERE rowid = ?", (row[0],))  # noqa: S608
                for table in ("articles", *SIDE_TABLES):
                    self.db.execute(f"DELETE FROM {table} WHERE id = ?", (change.old,))
            elif old is not None:
                self._write(
                    {
                        **old,
                        "duplicate_of": change.new,
                        "dup_group": change.new,
                        "dup_similarity": change.similarity,
                        "is_copy": True,
                    }
                )
        return old

    def get_article(self, doc_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT doc FROM articles WHERE id = ?", (doc_id,)).fetchone()
        return json.loads(row["doc"]) if row else None

    def iter_articles(self, filters: SearchFilters | None = None) -> Iterator[dict[str, Any]]:
        where, args = self._filter_sql(filters or SearchFilters())
        rows = self.db.execute(
            f"SELECT a.doc FROM articles a WHERE {where} ORDER BY a.published_at, a.id", args
        )
        for row in rows:
            yield json.loads(row["doc"])

    def count_articles(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def _filter_sql(self, filters: SearchFilters) -> tuple[str, list]:
        where, args = [], []
        if filters.story:
            where.append("a.id IN (SELECT id FROM article_stories WHERE story_id = ?)")
            args.append(filters.story)
        if filters.since:
            where.append("a.published_at >= ?")
            args.append(filters.since)
        if filters.until:
            where.append("a.published_at < ?")
            args.append(filters.until)
        if filters.source:
            where.append("a.source = ?")
            args.append(filters.source)
        if filters.language:
            where.append("a.language = ?")
            args.append(filters.language)
        if filters.entity:
            where.append("a.id IN (SELECT id FROM article_entities WHERE name = ?)")
            args.append(filters.entity.casefold())
        if not filters.include_duplicates:
            where.append("a.duplicate_of IS NULL")
        return (" AND ".join(where) or "1"), args

    def search(
        self, query: str, filters: SearchFilters | None = None, limit: int = 20
    ) -> list[dict[str, Any]]:
        filters = filters or SearchFilters()
        where, args = self._filter_sql(filters)
        match = fts_query(query)
        if match:
            sql = (
                f"SELECT a.doc, snippet(articles_fts, 1, '[', ']', '…', 16) AS snippet, "
                f"bm25(articles_fts, 5.0, 1.0) AS rank FROM articles_fts "
                f"JOIN articles a ON a.rowid = articles_fts.rowid "
                f"WHERE articles_fts MATCH ? AND {where} ORDER BY rank, a.published_at LIMIT ?"
            )
            rows = self.db.execute(sql, [match, *args, limit]).fetchall()
        else:
            sql = (
                f"SELECT a.doc, '' AS snippet, 0 AS rank FROM articles a WHERE {where} "
                f"ORDER BY a.published_at DESC LIMIT ?"
            )
            rows = self.db.execute(sql, [*args, limit]).fetchall()
        hits = []
        for row in rows:
            doc = json.loads(row["doc"])
            doc["_snippet"] = row["snippet"]
            doc["_score"] = -float(row["rank"])
            hits.append(doc)
        return hits

    def story_articles(self, story_id: str) -> list[dict[str, Any]]:
        return list(self.iter_story_articles(story_id))

    def iter_story_articles(self, story_id: str) -> Iterator[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT a.doc FROM articles a JOIN article_stories s ON s.id = a.id "
            "WHERE s.story_id = ? ORDER BY a.published_at, a.id",
            (story_id,),
        )
        for row in rows:
            yield json.loads(row["doc"])

    def date_histogram(self, filters: SearchFilters | None = None) -> list[tuple[str, int]]:
        where, args = self._filter_sql(filters or SearchFilters())
        rows = self.db.execute(
            f"SELECT substr(a.published_at, 1, 10) AS day, count(*) FROM articles a "
            f"WHERE a.published_at IS NOT NULL AND {where} GROUP BY day ORDER BY day",
            args,
        )
        return [(r[0], r[1]) for r in rows]

    def top_terms(
        self, field: str, filters: SearchFilters | None = None, size: int = 10
    ) -> list[tuple[str, int]]:
        if field not in TERM_FIELDS:
            raise ValueError(f"cannot count {field!r}: one of {', '.join(TERM_FIELDS)}")
        where, args = self._filter_sql(filters or SearchFilters())
        if field in ("source", "language"):
            values = f"SELECT a.{field} AS value FROM articles a WHERE {where}"
        else:
            values = (
                f"SELECT DISTINCT a.id, v.value AS value FROM articles a, "
                f"json_each(a.doc, '$.{field}') v WHERE {where}"
            )
        rows = self.db.execute(
            f"SELECT value, count(*) AS n FROM ({values}) WHERE value IS NOT NULL "
            f"GROUP BY value ORDER BY n DESC, value LIMIT ?",
            [*args, size],
        )
        return [(r[0], r[1]) for r in rows]

    def outlets(self) -> list[tuple[str, str]]:
        rows = self.db.execute(
            "SELECT source, min(json_extract(doc, '$.source_name')) FROM "
            "articles GROUP BY source ORDER BY source"
        )
        return [(r[0], r[1] or r[0]) for r in rows]

    # -- duplicate lookup ---------------------------------------------------------------------
    def content_hashes(self, ids: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = self.db.execute(
                f"SELECT id, content_hash FROM articles WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            out.update({r["id"]: r["content_hash"] for r in rows})
        return out

    def find_by_content_hash(self, content_hash: str) -> str | None:
        row = self.db.execute(
            "SELECT id FROM articles WHERE content_hash = ? ORDER BY published_at, id LIMIT 1",
            (content_hash,),
        ).fetchone()
        return row["id"] if row else None

    def near_candidates(self, bands: list[str]) -> list[dict[str, Any]]:
        if not bands:
            return []
        rows = self.db.execute(
            "SELECT a.id, a.duplicate_of, json_extract(a.doc, '$.minhash') AS minhash "
            "FROM article_bands_fts b JOIN articles a ON a.rowid = b.rowid "
            "WHERE article_bands_fts MATCH ? ORDER BY a.id",  # dedupe keeps the first of equals
            (_band_query(bands),),
        )
        return [
            {
                "id": r["id"],
                "duplicate_of": r["duplicate_of"],
                "minhash": json.loads(r["minhash"] or "[]"),
            }
            for r in rows
        ]

    # -- stories ------------------------------------------------------------------------------
    def upsert_stories(self, stories: Iterable[Story]) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO stories VALUES (?, ?)",
                ((s.id, json.dumps(s.to_document(), ensure_ascii=False)) for s in stories),
            )

    def get_story(self, story_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT doc FROM stories WHERE id = ?", (story_id,)).fetchone()
        return json.loads(row["doc"]) if row else None

    def list_stories(self) -> list[dict[str, Any]]:
        return [
            json.loads(r["doc"]) for r in self.db.execute("SELECT doc FROM stories ORDER BY id")
        ]

    def get_articles(self, ids: list[str]) -> list[dict[str, Any]]:
        found = {}
        for start in range(0, len(ids), 500):  # below SQLite's limit on bound parameters
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(
                f"SELECT id, doc FROM articles WHERE id IN ({marks})",  # noqa: S608
                chunk,
            ):
                found[row["id"]] = json.loads(row["doc"])
        return [found[i] for i in ids if i in found]

    def count_story_articles(self, story_id: str) -> int:
        row = self.db.execute(
            "SELECT count(*) FROM article_stories WHERE story_id = ?", (story_id,)
        ).fetchone()
        return int(row[0])

    def story_tallies(self, story_ids: list[str]) -> dict[str, dict[str, Any]]:
        out = {}
        for story_id in story_ids:
            row = self.db.execute(
                "SELECT tally FROM story_tallies WHERE story_id = ?", (story_id,)
            ).fetchone()
            if row:
                out[story_id] = json.loads(row["tally"])
        return out

    def save_story_tallies(self, tallies: dict[str, dict[str, Any]]) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO story_tallies VALUES (?, ?)",
                ((k, json.dumps(v, ensure_ascii=False)) for k, v in tallies.items()),
            )

    # -- alerts -------------------------------------------------------------------------------
    def save_alerts(self, alerts: Iterable[Alert]) -> list[Alert]:
        new = []
        with self.db:
            for alert in alerts:
                cursor = self.db.execute(
                    "INSERT OR IGNORE INTO alerts VALUES (?, ?, ?, ?)",
                    (alert.id, alert.story_id, alert.raised_at, json.dumps(alert.to_document())),
                )
                if cursor.rowcount:
                    new.append(alert)
        return new

    def list_alerts(self, story_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        where, params = ("WHERE story_id = ?", [story_id]) if story_id else ("", [])
        rows = self.db.execute(
            f"SELECT doc FROM alerts {where} ORDER BY raised_at DESC, id LIMIT ?",
            [*params, limit],
        )
        return [json.loads(r["doc"]) for r in rows]

    # -- crawl state --------------------------------------------------------------------------
    def feed_states(self) -> dict[str, FeedState]:
        rows = self.db.execute("SELECT url, etag, last_modified, poll FROM feed_state")
        return {
            r["url"]: FeedState(r["url"], r["etag"], r["last_modified"], **json.loads(r["poll"]))
            for r in rows
        }

    def save_feed_states(self, states: Iterable[FeedState]) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO feed_state (url, etag, last_modified, poll) "
                "VALUES (?, ?, ?, ?)",
                [(s.url, s.etag, s.last_modified, json.dumps(poll_fields(s))) for s in states],
            )

    def seen_urls(self) -> list[str]:
        rows = self.db.execute(
            "SELECT url FROM url_outcomes WHERE outcome IN "
            f"({','.join('?' * len(FINAL_OUTCOMES))})",
            [str(o) for o in FINAL_OUTCOMES],
        )
        return [r["url"] for r in rows]

    def record_outcomes(self, run_id: str, outcomes: Iterable[CrawlOutcome]) -> None:
        now = utc_now()
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO url_outcomes VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (o.url, str(o.outcome), o.reason, o.source, o.doc_id, run_id, now)
                    for o in outcomes
                    # a URL that was final stays final: 'seen' and 'not_modified' say nothing new
                    if o.outcome not in (Outcome.SEEN, Outcome.NOT_MODIFIED)
                ],
            )

    def pending_urls(
        self, urls: list[str] | None = None, due_by: str | None = None
    ) -> list[PendingURL]:
        where, args = ["1"], []
        if due_by is not None:
            where.append("next_attempt <= ?")
            args.append(due_by)
        rows = self.db.execute(
            "SELECT url, source, feed_url, attempts, next_attempt, reason FROM pending_urls "
            f"WHERE {' AND '.join(where)} ORDER BY next_attempt, url",
            args,
        ).fetchall()
        wanted = set(urls) if urls is not None else None
        return [PendingURL(*r) for r in rows if wanted is None or r[0] in wanted]

    def save_pending(self, pending: Iterable[PendingURL], done: Iterable[str]) -> None:
        with self.db:
            self.db.executemany("DELETE FROM pending_urls WHERE url = ?", [(u,) for u in done])
            self.db.executemany(
                "INSERT OR REPLACE INTO pending_urls VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (p.url, p.source, p.feed_url, p.attempts, p.next_attempt, p.reason)
                    for p in pending
                ],
            )

    def record_run(self, run_id: str, counts: dict[str, Any]) -> None:
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO runs VALUES (?, ?, ?)",
                (run_id, utc_now(), json.dumps(counts)),
            )

    def list_runs(self, since: str | None = None) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT run_id, finished, counts FROM runs WHERE finished >= ? "
            "ORDER BY finished, run_id",
            (since or "",),
        )
        return [{"run_id": r[0], "at": r[1], "counts": json.loads(r[2])} for r in rows]

    def check_lifecycle(self) -> SetupReport:
        report = SetupReport()
        report.say("embedded store: no index lifecycle to check (the file is one database)")
        return report
