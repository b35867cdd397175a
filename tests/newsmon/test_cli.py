"""`newsmon` as a user runs it: a subprocess started from a directory of the user's (never the
repository), relative paths, its output and its exit status."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from demo_truth import expected_counts, mismatches, truth_for

from newsmon.cli import build_parser
from newsmon.pipeline.models import Article
from newsmon.pipeline.store import open_store

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"


def newsmon(
    *args: object,
    cwd: Path,
    home: Path | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env["NEWSMON_HOME"] = str(home or cwd / "home")
    return subprocess.run(
        [sys.executable, "-m", "newsmon.cli", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=check,
    )


def last_json(proc: subprocess.CompletedProcess[str]) -> dict:
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.20", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_twice(tmp_path_factory):
    """`newsmon demo` twice with the default store (NEWSMON_HOME), as after `make demo`."""
    cwd = tmp_path_factory.mktemp("user")
    port = _free_port()
    first = newsmon("demo", "--json", "--port", port, cwd=cwd)
    export1 = newsmon("export", cwd=cwd).stdout
    second = newsmon("demo", "--json", "--port", port, cwd=cwd)
    export2 = newsmon("export", cwd=cwd).stdout
    return {
        "cwd": cwd,
        "port": port,
        "store": cwd / "home" / "newsmon.sqlite",
        "first": first,
        "second": second,
        "export1": export1,
        "export2": export2,
    }


def test_demo_summary_matches_the_ground_truth(demo_twice, stories):
    from newsmon.demoweb.server import serve_demo_web

    summary = last_json(demo_twice["first"])
    assert demo_twice["first"].returncode == 0
    assert summary["store"] == str(demo_twice["store"])
    assert summary["adds_up"] and summary["verdict"]["name"] == "ok"
    with serve_demo_web(port=demo_twice["port"]) as web:  # the same addresses as the demo's
        truth = truth_for(web, stories)
    expected = expected_counts(truth)
    assert summary["fetched"] == summary["outcomes"] == expected["fetched"]
    assert summary["indexed"] == expected["indexed"]
    assert summary["duplicates"] == expected["duplicates"]
    assert sum(summary["rejected"].values()) == expected["rejected"]
    (story,) = summary["stories"]
    assert story["id"] == "nk-engineers-russia"
    assert story["articles"] == len(truth.story_members)
    store = open_store(demo_twice["store"], create=False)
    assert mismatches(store, truth) == []
    store.close()


HEAVY = ("pydantic", "spacy", "trafilatura", "scrapy", "elasticsearch", "opensearchpy", "lxml")


def test_search_imports_nothing_heavy(demo_twice):
    """`newsmon search` answers in well under a second because it imports only what a query
    on the embedded store needs: none of the extraction, NLP, crawl or engine libraries."""
    code = (
        "import sys, json; from newsmon.cli import main; rc = main(['search', 'deminers']); "
        "print(json.dumps([rc, sorted({m.split('.')[0] for m in sys.modules})]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env["NEWSMON_HOME"] = str(demo_twice["cwd"] / "home")
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=demo_twice["cwd"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "deminer" in proc.stdout.lower()  # it did search, and found the demo's articles
    rc, modules = last_json(proc)
    assert rc == 0
    assert not set(HEAVY) & set(modules), set(HEAVY) & set(modules)


def test_second_demo_run_adds_and_changes_nothing(demo_twice):
    second = last_json(demo_twice["second"])
    assert demo_twice["second"].returncode == 0
    assert second["indexed"] == 0 and second["duplicates"] == {"exact": 0, "near": 0}
    first = last_json(demo_twice["first"])
    assert second["not_modified"] == first["sources_read"]  # every feed answered 304
    assert demo_twice["export1"] == demo_twice["export2"]


def test_export_follows_the_article_schema(demo_twice):
    docs = [json.loads(line) for line in demo_twice["export1"].splitlines()]
    fields = {f.name for f in dataclasses.fields(Article)}
    assert (
        len(docs)
        == last_json(demo_twice["first"])["indexed"]
        + last_json(demo_twice["first"])["duplicates"]["near"]
    )
    for doc in docs:
        assert fields <= set(doc), fields - set(doc)
        assert doc["canonical_url"].startswith("http://127.0.0.")
    assert len({doc["id"] for doc in docs}) == len(docs)


def test_the_documented_search_finds_the_demo_articles(demo_twice):
    """README: after `make demo`, `newsmon search deminers` (no --store) finds them."""
    cwd = demo_twice["cwd"]
    hits = json.loads(
        newsmon("search", "deminers", "--story", "nk-engineers-russia", "--json", cwd=cwd).stdout
    )
    assert hits
    for h in hits:
        assert "deminer" in (h["title"] + h["_snippet"]).lower(), h
    since = json.loads(
        newsmon("search", "engineers", "--since", "2025-08-01", "--json", cwd=cwd).stdout
    )
    assert since and all(h["published_at"] >= "2025-08-01" for h in since)
    originals = json.loads(newsmon("search", "engineers", "--originals", "--json", cwd=cwd).stdout)
    everything = json.loads(
        newsmon("search", "engineers", "--json", "--limit", 100, cwd=cwd).stdout
    )
    assert originals and all(h["duplicate_of"] is None for h in originals)
    assert any(h["duplicate_of"] for h in everything)


def test_source_by_id_or_name_and_outlets_shown_with_ids(demo_twice):
    cwd = demo_twice["cwd"]
    by_id = json.loads(newsmon("search", "", "--source", "kyiv-ledger", "--json", cwd=cwd).stdout)
    by_name = json.loads(newsmon("search", "", "--source", "kyiv ledger", "--json", cwd=cwd).stdout)
    assert by_id and by_id == by_name
    assert {(h["source"], h["source_name"]) for h in by_id} == {("kyiv-ledger", "Kyiv Ledger")}
    table = newsmon("search", "Kursk", cwd=cwd).stdout
    assert "(kws)" in table and "results for" in table


@pytest.mark.parametrize(
    "args, message",
    [
        (["search", "x", "--since", "2025-13-45"], "--since '2025-13-45': not a date"),
        (["search", "x", "--until", "yesterday"], "--until 'yesterday': not a date"),
        (["search", "x", "--story", "nope"], "--story 'nope': no such story"),
        (["search", "x", "--source", "Nowhere Gazette"], "--source 'Nowhere Gazette': no outlet"),
        (["story", "nope"], "no such story"),
        (["claims", "nope"], "no such story"),
    ],
)
def test_bad_input_is_an_error_not_an_empty_answer(demo_twice, args, message):
    proc = newsmon(*args, cwd=demo_twice["cwd"], check=False)
    assert proc.returncode == 1, proc.stderr
    assert message in " ".join(proc.stderr.split())
    assert proc.stdout == ""


@pytest.mark.parametrize("command", [["search", "x"], ["story", "nk-engineers-russia"], ["export"]])
def test_read_only_commands_never_create_a_store(tmp_path, command):
    missing = tmp_path / "nowhere" / "x.sqlite"
    proc = newsmon(*command, "--store", missing, cwd=tmp_path, check=False)
    assert proc.returncode == 1
    assert f"no store at {missing}" in " ".join(proc.stderr.split())
    assert not missing.parent.exists()
    default = newsmon(*command, cwd=tmp_path, check=False)  # the default store, missing too
    assert default.returncode == 1 and not (tmp_path / "home").exists()


def test_a_job_from_another_directory_with_relative_paths(demo_web, tmp_path, stories):
    """--sources, --seed, --store and --landing relative to where the user is."""
    (tmp_path / "conf").mkdir()
    demo_web.write_sources_file(tmp_path / "conf" / "mysources.yaml")
    shutil.copytree(SEEDS, tmp_path / "myseeds", ignore=shutil.ignore_patterns("*.py"))
    proc = newsmon(
        "run",
        "--sources",
        "conf/mysources.yaml",
        "--seed",
        "myseeds/nk-engineers-russia.yaml",
        "--store",
        "data/store.sqlite",
        "--landing",
        "data/landing",
        "--json",
        "--quiet",
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    summary = last_json(proc)
    assert summary["store"] == str(tmp_path / "data" / "store.sqlite")
    assert Path(summary["landing"]).parent == tmp_path / "data" / "landing"
    assert (Path(summary["landing"]) / "crawl.jsonl").is_file()
    assert not (REPO / "data").exists() and not (tmp_path / "home").exists()
    store = open_store(tmp_path / "data" / "store.sqlite", create=False)
    assert mismatches(store, truth_for(demo_web, stories)) == []
    store.close()


def test_a_run_that_reads_no_source_fails_and_says_why(tmp_path):
    sources = tmp_path / "dead.yaml"
    sources.write_text(
        yaml.safe_dump(
            {
                "defaults": {"allow_networks": ["127.0.0.0/8"], "timeout": 2},
                "sources": [
                    {"id": "dead", "url": "http://127.0.0.1:9/rss.xml"},
                    {"id": "dead2", "url": "http://127.0.0.1:9/atom.xml"},
                ],
            }
        )
    )
    proc = newsmon(
        "run",
        "--sources",
        sources,
        "--store",
        "s.sqlite",
        "--json",
        "--quiet",
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 4, proc.stderr
    summary = last_json(proc)
    assert summary["verdict"]["name"] == "nothing_done"
    assert summary["rejected"] == {"connection_refused": 2}
    assert "no source could be read: connection_refused (2)" in proc.stderr


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "sources.yaml: sources file not found"),
        ("sources: [unclosed\n", "sources.yaml: not valid YAML (line 2)"),
        (
            "sources:\n  - {id: x, kind: nonsense, url: 'http://x.example'}\n",
            "sources.yaml: sources[0].kind: "
            "Input should be 'feed', 'sitemap', 'search' or 'aggregator'",
        ),
        (
            "sources:\n  - {id: x, url: 'file:///etc/passwd'}\n",
            "sources.yaml: sources[0].url: Value error, must be an http:// or https:// URL",
        ),
        (
            "sources:\n  - {id: x, url: 'http://x.example', allow_networks: [banana]}\n",
            "sources.yaml: sources[0].allow_networks",
        ),
    ],
)
def test_configuration_errors_are_one_line_naming_file_and_field(tmp_path, content, message):
    if content is not None:
        (tmp_path / "sources.yaml").write_text(content)
    proc = newsmon(
        "run", "--sources", "sources.yaml", "--store", "s.sqlite", cwd=tmp_path, check=False
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert message in lines[0] and str(tmp_path) in lines[0]
    assert not (tmp_path / "s.sqlite").exists() or content is None


def test_usage_errors_exit_1():
    proc = newsmon("search", cwd=Path("/tmp"), check=False)  # no query
    assert proc.returncode == 1 and "required" in proc.stderr
    proc = newsmon("frobnicate", cwd=Path("/tmp"), check=False)
    assert proc.returncode == 1 and "invalid choice" in proc.stderr


def test_a_closed_pipe_is_quiet(demo_twice):
    proc = subprocess.run(
        f"{sys.executable} -m newsmon.cli export | head -c 100 > /dev/null",
        shell=True,
        cwd=demo_twice["cwd"],
        capture_output=True,
        text=True,
        env={**os.environ, "NEWSMON_HOME": str(demo_twice["cwd"] / "home")},
    )
    assert "Broken pipe" not in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "", proc.stderr


def test_every_option_has_help_with_its_default():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in subparsers.choices.items():
        text = " ".join(sub.format_help().split())
        for action in sub._actions:
            if action.dest == "help":
                continue
            assert action.help, f"{name} {action.option_strings or action.dest}: no help"
            if action.option_strings and action.default not in (None, False):
                assert f"(default: {action.default})" in text, f"{name} {action.option_strings}"


def test_story_timeline_and_plot(demo_twice, tmp_path):
    cwd = demo_twice["cwd"]
    plot = tmp_path / "story.png"
    data = last_json(newsmon("story", "nk-engineers-russia", "--json", "--plot", plot, cwd=cwd))
    days = [row["day"] for row in data["timeline"]]
    assert days == sorted(days) and len(days) >= 8
    assert sum(row["articles"] for row in data["timeline"]) == data["story"]["articles"]
    assert "engineers" in data["figures"]
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = newsmon("story", "nk-engineers-russia", cwd=cwd).stdout
    assert "Claimed figures" in text and "Yonhap" in text


def test_claims_shows_each_claimants_figures_over_time(demo_twice):
    cwd = demo_twice["cwd"]
    series = last_json(newsmon("claims", "nk-engineers-russia", "--json", cwd=cwd))
    nis = [s for s in series if s["claimant"] == "National Intelligence Service"]
    assert nis, series
    for s in series:
        assert s["first_seen"] <= s["last_confirmed"] and s["reports"] >= 1
        assert s["reports"] > len(s["changes"])
    only = last_json(
        newsmon("claims", "nk-engineers-russia", "--json", "--unit", "engineer", cwd=cwd)
    )
    assert only and {s["unit"] for s in only} == {"engineers"}
    text = newsmon("claims", "nk-engineers-russia", "--claimant", "intelligence", cwd=cwd).stdout
    assert "Intelligence" in text and "engineers" in text


def test_stories_lists_each_story_with_its_size_outlets_and_top_entities(demo_twice):
    cwd = demo_twice["cwd"]
    listed = last_json(newsmon("stories", "--json", cwd=cwd))["stories"]
    story, *emergent = listed
    timeline = last_json(newsmon("story", story["id"], "--json", cwd=cwd))
    assert story["id"] == "nk-engineers-russia" and story["kind"] == "tracked"
    assert story["articles"] == timeline["story"]["articles"] > 0
    assert story["independent_outlets"] <= story["outlets"]
    assert "North Korea" in story["top_entities"]
    assert "nk-engineers-russia" in newsmon("stories", cwd=cwd).stdout
    # The demo's articles of no tracked story cluster: the two reports of one missile launch
    # are one emergent story; a lone article is none (below --min-size).
    assert emergent and all(s["kind"] == "emergent" and s["articles"] >= 2 for s in emergent)
    assert any("ballistic missiles" in s["title"] for s in emergent)
    everything = last_json(newsmon("stories", "--json", "--min-size", "1", cwd=cwd))["stories"]
    assert len(everything) > len(listed)
    only = last_json(newsmon("stories", "--json", "--kind", "tracked", cwd=cwd))["stories"]
    assert [s["id"] for s in only] == ["nk-engineers-russia"]


def test_alerts_are_raised_by_the_first_run_and_never_again_by_a_rerun(demo_twice):
    first = last_json(demo_twice["first"])["alerts"]
    second = last_json(demo_twice["second"])["alerts"]
    assert first["raised"] > 0 and first["by_rule"]["coverage"] == 1
    assert {"new_outlet", "new_figure"} <= set(first["by_rule"])
    assert second["raised"] == 0
    listed = last_json(newsmon("alerts", "--json", cwd=demo_twice["cwd"]))["alerts"]
    assert len(listed) == first["raised"]
    assert {a["story_id"] for a in listed if a["rule"] != "emergent_story"} == {
        "nk-engineers-russia"
    }
    text = newsmon("alerts", "--story", "nk-engineers-russia", cwd=demo_twice["cwd"]).stdout
    assert "coverage" in text


def test_sigterm_stops_the_crawler_and_the_run_records_what_it_did(demo_web, tmp_path):
    import signal
    import time

    demo_web.write_sources_file(tmp_path / "sources.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env["NEWSMON_HOME"] = str(tmp_path / "home")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsmon.cli",
            "run",
            "--sources",
            "sources.yaml",
            "--store",
            "s.sqlite",
            "--landing",
            "landing",
            "--quiet",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    crawl_files: list[Path] = []
    while time.monotonic() < deadline:  # until the crawler has landed a few records
        crawl_files = list((tmp_path / "landing").glob("*/crawl.jsonl"))
        if crawl_files and len(crawl_files[0].read_text().splitlines()) >= 5:
            break
        time.sleep(0.05)
    assert crawl_files, "the crawl did not start"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    crawler = subprocess.run(
        ["pgrep", "-f", f"newsmon.crawlers.run .*{tmp_path}"], capture_output=True, text=True
    )
    assert crawler.stdout == "", "the crawler outlived newsmon"
    store = open_store(tmp_path / "s.sqlite", create=False)
    (run,) = [json.loads(r[0]) for r in store.db.execute("SELECT counts FROM runs")]
    assert not run["crawl_complete"] and run["outcomes"] > 0
    assert store.feed_states() == {}  # no validator saved: the next run asks again
    store.close()


# -- seeds from articles ---------------------------------------------------------------------

SEED_TITLE = "North Korea sends engineers and deminers to Russia"


def test_seed_add_regenerates_the_committed_seed_file(tmp_path):
    """The shipped profile is exactly what `newsmon seed add` derives from the seed article,
    run as the README says, from another directory with relative paths."""
    shutil.copy(SEEDS / "000_b47da22447e8a96d.txt", tmp_path / "article.txt")
    (tmp_path / "out").mkdir()
    newsmon(
        "seed",
        "add",
        "../article.txt",
        "--id",
        "nk-engineers-russia",
        "--title",
        SEED_TITLE,
        "--date",
        "2025-06-16",
        "--output",
        "nk.yaml",
        cwd=tmp_path / "out",
    )
    written = yaml.safe_load((tmp_path / "out" / "nk.yaml").read_text(encoding="utf-8"))
    committed = yaml.safe_load((SEEDS / "nk-engineers-russia.yaml").read_text(encoding="utf-8"))
    assert written.pop("article") == "../article.txt"  # relative to the seed file
    committed.pop("article")
    assert written == committed


def test_seed_add_from_a_url_reads_the_page_and_keeps_its_text(tmp_path):
    from webfixtures import Reply, serve

    text = (SEEDS / "000_b47da22447e8a96d.txt").read_text(encoding="utf-8")
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n") if p.strip())
    page = (
        "<html><head><title>NK engineers</title>"
        '<meta property="article:published_time" content="2025-06-16T09:00:00+09:00">'
        f"</head><body><article><h1>{SEED_TITLE}</h1>{paragraphs}</article></body></html>"
    ).encode()
    with serve("127.0.0.98", {"/story": Reply(200, page)}) as site:
        result = last_json(newsmon("seed", "add", site.base + "/story", "--json", cwd=tmp_path))
    seed = yaml.safe_load(Path(result["seed"]).read_text(encoding="utf-8"))
    assert result["id"] == seed["id"] == "north-korea-sends-engineers-and-deminers"
    assert seed["title"] == SEED_TITLE and seed["date"] == "2025-06-16"
    assert [e["name"] for e in seed["entities"][:2]] == ["North Korea", "Russia"]
    kept = Path(result["seed"]).with_suffix(".txt").read_text(encoding="utf-8")
    assert "5,000 engineers" in kept and seed["article"] == Path(result["seed"]).stem + ".txt"
    # What it wrote is a seed file newsmon runs with.
    from newsmon.pipeline.stories import load_story

    assert load_story(result["seed"]).entities[0].name == "North Korea"


def test_seed_add_says_what_is_wrong_with_its_article(tmp_path):
    missing = newsmon("seed", "add", "nowhere.txt", cwd=tmp_path, check=False)
    assert missing.returncode == 1 and "nowhere.txt: cannot read the seed article" in missing.stderr
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    empty = newsmon("seed", "add", "empty.txt", cwd=tmp_path, check=False)
    assert empty.returncode == 1 and "has no text" in empty.stderr
    assert not list(tmp_path.glob("*.yaml"))


def test_an_emergent_story_is_promoted_to_a_tracked_one(demo_twice, tmp_path):
    cwd = demo_twice["cwd"]
    stories = last_json(newsmon("stories", "--json", "--kind", "emergent", cwd=cwd))["stories"]
    missiles = next(s for s in stories if "ballistic missiles" in s["title"])
    out = tmp_path / "missiles.yaml"
    newsmon("seed", "promote", missiles["id"], "--id", "nk-missiles", "--output", out, cwd=cwd)
    from newsmon.pipeline.stories import load_story

    profile = load_story(out)
    assert profile.id == "nk-missiles" and profile.entities[0].name == "North Korea"
    assert "missile" in profile.terms
    unknown = newsmon("seed", "promote", "emerging-nothing", cwd=cwd, check=False)
    assert unknown.returncode == 1 and "no such emergent story" in unknown.stderr
    tracked = newsmon("seed", "promote", "nk-engineers-russia", cwd=cwd, check=False)
    assert tracked.returncode == 1 and "not an emergent story" in tracked.stderr


# -- the HTML report, in a real browser -------------------------------------------------------


def _chromium() -> str:
    found = os.environ.get("NEWSMON_CHROMIUM") or shutil.which("chromium")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("no Chromium here (apt-get install chromium); CI installs it")
    return found


def test_the_story_report_renders_its_plots_in_a_real_browser(demo_twice, tmp_path):
    page = tmp_path / "report" / "nk.html"
    newsmon("report", "nk-engineers-russia", "--html", page, cwd=demo_twice["cwd"])
    text = page.read_text(encoding="utf-8")
    # Self-contained: nothing is loaded from anywhere (article links are only links).
    assert not re.search(r"<(link|img|iframe)\b|<script[^>]*\bsrc=", text)
    browser = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    dom = subprocess.run(
        [*browser, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    rendered = re.search(r'data-rendered="([^"]*)"', dom)
    assert rendered, "the page's load handler did not run"
    sizes = dict(item.split(":") for item in rendered.group(1).split())
    assert set(sizes) == {"plot-coverage", "plot-outlets", "plot-figures", "plot-syndication"}
    for plot, size in sizes.items():
        width, height = map(int, size.split("x"))
        assert width > 400 and height > 100, f"{plot} was laid out at {size}"
    shot = tmp_path / "shot.png"
    subprocess.run(
        [*browser, "--window-size=1200,1600", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    blue = sum(n for n, rgb in colours if rgb == (0x2B, 0x6C, 0xB0))  # the own-reports bars
    assert image.size == (1200, 1600) and blue > 2000, "no plot bars on the screen"
    assert "Korea Wire Service" in dom and "5,000 engineers" in dom
