"""The process step across worker processes (real ones, started as a run starts them), and
republications that take their original's enrichment instead of being read again."""

from __future__ import annotations

import pytest

from newsmon.demoweb.site import DemoSite
from newsmon.pipeline import enrich, parallel, process
from newsmon.pipeline.enrich import load_nlp
from newsmon.pipeline.ledger import Ledger
from newsmon.pipeline.models import FetchedPage
from newsmon.pipeline.parallel import Workers
from newsmon.pipeline.process import process_pages
from newsmon.pipeline.store.sqlite import SQLiteStore


def _html(title: str, paragraphs: list[str], day: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<html><head><title>{title}</title><meta property="article:published_time" '
        f'content="{day}"></head><body><article><h1>{title}</h1>{body}</article></body></html>'
    )


def _page(url: str, html: str, source: str) -> FetchedPage:
    return FetchedPage(url, url, 200, html, "utf-8", "2025-09-01T00:00:00Z", source, source)


def demo_pages_with_a_republication_and_a_broken_page() -> list[FetchedPage]:
    pages = [
        _page(
            f"https://{a.outlet}.example{a.path}",
            _html(a.title, a.paragraphs, a.published.isoformat()),
            a.outlet,
        )
        for a in DemoSite().articles
    ]
    first = DemoSite().articles[0]
    # months later: it comes after every other article, long after its original
    republished = _html(first.title, first.paragraphs, "2026-03-01T00:00:00+00:00")
    pages.append(_page("https://republisher.example/a", republished, "republisher"))
    pages.append(_page("https://broken.example/a", "<html><body></body></html>", "broken"))
    return pages


@pytest.fixture(scope="module")
def pages():
    return demo_pages_with_a_republication_and_a_broken_page()


def _run(pages, tmp_path, name, workers):
    ledger = Ledger()
    with SQLiteStore(tmp_path / f"{name}.sqlite") as store, workers:
        out = list(process_pages(pages, store, [], ledger, workers=workers))
    docs = [a.to_document() for a in out]
    for doc in docs:
        doc.pop("fetched_at")
    return docs, sorted((o.url, o.outcome, o.reason) for o in ledger.outcomes)


def _urls_read(monkeypatch) -> list[str]:
    """The URLs of the articles the enrich stage reads in this process, as it reads them."""
    read: list[str] = []
    real = enrich._finish

    def counting(article, nlp):
        read.append(article.url)
        return real(article, nlp)

    monkeypatch.setattr(enrich, "_finish", counting)
    return read


def test_two_worker_processes_give_what_one_process_gives(pages, tmp_path):
    pool = Workers(2, batch=8)  # batches of 8: several for each stage, so workers start
    alone, alone_fates = _run(pages, tmp_path, "alone", Workers(1))
    together, fates = _run(pages, tmp_path, "workers", pool)
    assert pool.processes == 2 and pool.started
    assert together == alone  # every field of every article, in the same order
    assert fates == alone_fates
    assert ("https://broken.example/a", "rejected", "no_article_text") in [f[:3] for f in fates]
    assert any(doc["entities"] for doc in together)  # the workers' model read the texts


def test_a_republication_takes_its_originals_enrichment_without_being_read(
    pages, tmp_path, monkeypatch
):
    nlp = load_nlp()
    read = _urls_read(monkeypatch)
    docs, _ = _run(pages, tmp_path, "inherit", Workers(1, nlp=nlp))
    by_url = {d["url"]: d for d in docs}
    copy = by_url["https://republisher.example/a"]
    original = by_url[pages[0].url]
    assert "https://republisher.example/a" not in read
    assert pages[0].url in read
    for name in enrich.INHERITED:
        assert copy[name] == original[name], name
    assert copy["entities"]
    assert (copy["source"], copy["duplicate_of"]) == ("republisher", original["id"])


def test_a_copy_of_a_long_gone_original_is_read_by_the_workers_not_here(
    pages, tmp_path, monkeypatch
):
    # a cache of 3 texts: the republication (the last page) comes long after its original
    monkeypatch.setattr(process, "INHERIT_CACHE", 3)
    alone, alone_fates = _run(pages, tmp_path, "alone", Workers(1))

    def no_model_here(*_):  # the spawned workers import their own, unpatched module
        raise AssertionError("the calling process loaded a model")

    monkeypatch.setattr(parallel, "load_nlp", no_model_here)
    together, fates = _run(pages, tmp_path, "workers", Workers(2, batch=8))
    assert together == alone
    assert fates == alone_fates
    by_url = {d["url"]: d for d in together}
    copy, original = by_url["https://republisher.example/a"], by_url[pages[0].url]
    for name in enrich.INHERITED:
        assert copy[name] == original[name], name
    assert copy["entities"]


def test_a_copy_of_an_original_that_failed_fails_alike_without_being_read(
    pages, tmp_path, monkeypatch
):
    title = DemoSite().articles[0].title  # the first page's, and the republication's
    real = enrich.detect_language
    calls: list[str] = []

    def refusing(text: str) -> str:
        if text.startswith(title):
            calls.append(text)
            raise ValueError("no language for this text")
        return real(text)

    monkeypatch.setattr(enrich, "detect_language", refusing)
    docs, fates = _run(pages, tmp_path, "failed", Workers(1, nlp=load_nlp()))
    assert len(calls) == 1  # the original only: its copy took the same failure
    by_url = {url: (outcome, reason) for url, outcome, reason in fates}
    expected = ("rejected", "enrich_error:ValueError")
    assert by_url[pages[0].url] == expected
    assert by_url["https://republisher.example/a"] == expected
    assert {pages[0].url, "https://republisher.example/a"}.isdisjoint(d["url"] for d in docs)


def test_a_copy_of_an_evicted_original_is_read_again_and_gives_the_same_fields(
    pages, tmp_path, monkeypatch
):
    nlp = load_nlp()
    kept, _ = _run(pages, tmp_path, "kept", Workers(1, nlp=nlp))
    monkeypatch.setattr(process, "INHERIT_CACHE", 3)
    read = _urls_read(monkeypatch)
    evicted, _ = _run(pages, tmp_path, "evicted", Workers(1, nlp=nlp, batch=8))
    assert "https://republisher.example/a" in read  # its original was gone: read again
    assert evicted == kept


def test_a_daemonic_process_runs_the_step_itself(monkeypatch):
    import multiprocessing

    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True, raising=False)
    assert Workers(2).processes == 1


MAIN_THAT_MUST_NOT_BE_IMPORTED_AGAIN = """
if __name__ != "__main__":  # as Airflow's script: importing it in a worker fails
    raise SystemExit("the main script was imported again in a worker")
from newsmon.pipeline.models import FetchedPage
from newsmon.pipeline.parallel import Workers, extract_step

html = "<html><body><article><h1>T</h1><p>" + "Words of a news article. " * 40 + "</p></article>"
pages = [[FetchedPage(f"https://a.example/{n}", f"https://a.example/{n}", 200, html, "utf-8",
          "2025-09-01T00:00:00Z", "a", "A")] for n in range(3)]
with Workers(2, entities=False) as pool:
    done = [len(articles) for articles, _ in pool.map(extract_step, pages)]
    assert pool.started
print("extracted", done)
"""


def test_workers_start_without_importing_the_main_script_again(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "main_script.py"
    script.write_text(MAIN_THAT_MUST_NOT_BE_IMPORTED_AGAIN)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "extracted [1, 1, 1]" in done.stdout
