"""The `newsmon` command line: the whole job on one machine, and the analyst's queries."""

from __future__ import annotations

import argparse
import json
import re
import logging
import os
import sys
from contextlib import nullcontext
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from pipeline.store import DEFAULT_STORE, SearchFilters, is_engine_url, open_store, sqlite_path
from pipeline.stories import load_stories
from pipeline.timeline import figure_series, timeline

from . import jobs
from .demoweb.server import DEFAULT_PORT

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SEED = REPO / "seeds" / "nk-engineers-russia.yaml"
DEMO_STORE = "var/demo.sqlite"
STEP_LABELS = {"crawl": "Crawling (records landed)", "extract": "Extracting pages",
               "enrich": "Enriching articles"}


def _run_id() -> str:
    return datetime.now(timezone.utc).strftime("run-%Y%m%dT%H%M%S%fZ")


class _Bars:
    """Progress bars on stderr, one per step, fed by the jobs' progress callback."""

    def __init__(self, console: Console):
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description:<28}"), BarColumn(),
                                 MofNCompleteColumn(), console=console, transient=False)
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        self.progress.__exit__(*exc)

    def __call__(self, step: str, done: int, total: int | None) -> None:
        if step not in self.tasks:
            self.tasks[step] = self.progress.add_task(STEP_LABELS.get(step, step), total=total)
        self.progress.update(self.tasks[step], completed=done, total=total)


def _counts_table(counts: dict) -> Table:
    table = Table(title="Outcome of every URL met", show_lines=False)
    table.add_column("outcome")
    table.add_column("count", justify="right")
    rows = [("feeds and sitemaps read", counts["sources_read"]),
            ("feeds not modified (304)", counts["not_modified"]),
            ("articles indexed", counts["indexed"]),
            ("articles unchanged", counts["unchanged"]),
            ("exact duplicates", counts["duplicates"]["exact"]),
            ("near duplicates (syndicated copies)", counts["duplicates"]["near"]),
            ("already seen, not fetched", counts["seen"])]
    rows += [(f"rejected: {reason}", n) for reason, n in counts["rejected"].items()]
    for label, n in rows:
        table.add_row(label, str(n))
    table.add_row("[bold]URLs met[/bold]", f"[bold]{counts['fetched']}[/bold]")
    return table


def _timeline_table(title: str, rows: list[dict]) -> Table:
    table = Table(title=f"Story timeline: {title}")
    for col in ("day", "articles", "copies", "outlets", "figures reported"):
        table.add_column(col, justify="right" if col in ("articles", "copies") else "left")
    for row in rows:
        figures = ", ".join(dict.fromkeys(f"{f['value']:,.0f} {f['unit']}" for f in row["figures"]))
        table.add_row(row["day"], str(row["articles"]), str(row["copies"]),
                      ", ".join(row["outlets"]), figures)
    return table


def _figures_table(rows: list[dict]) -> Table:
    table = Table(title="Claimed figures: who claimed what, reported by whom")
    for col in ("day", "figure", "claimed by", "reported by"):
        table.add_column(col, justify="right" if col == "figure" else "left")
    for row in rows:
        for f in row["figures"]:
            who = f["attribution"] + (f" via {f['via']}" if f["via"] else "")
            table.add_row(row["day"], f"{f['value']:,.0f} {f['unit']}", who or "-", f["outlet"])
    return table


def _public(store_url: str) -> str:
    """The store as shown to people: a resolved path, or an engine URL without credentials."""
    path = sqlite_path(store_url)
    return str(path.resolve()) if path else re.sub(r"//[^/@]*@", "//", store_url)


def _landing_root(args) -> Path:
    if args.landing:
        return Path(args.landing)
    path = sqlite_path(args.store)
    return path.parent / "landing" if path else Path("var/landing")


def _job(args, sources_file: Path, out: Console, err: Console) -> int:
    stories = load_stories(args.seed or [DEFAULT_SEED])
    store = open_store(args.store)
    store.setup()   # idempotent: templates, policies and indices, or the SQLite schema
    run_id = _run_id()
    run_dir = _landing_root(args) / run_id
    bars = _Bars(err) if not args.quiet else nullcontext(None)
    with bars as progress:
        counts = jobs.run_all(sources_file, stories, store, run_dir, run_id, progress=progress)
    summaries = jobs.story_summaries(store, stories)
    result = {"fetched": counts["fetched"], "indexed": counts["indexed"],
              "duplicates": counts["duplicates"], "rejected": counts["rejected"],
              "unchanged": counts["unchanged"], "not_modified": counts["not_modified"],
              "seen": counts["seen"], "sources_read": counts["sources_read"],
              "adds_up": counts["adds_up"], "dead_letter": counts["dead_letter"],
              "stories": summaries, "store": _public(args.store), "run_id": run_id}
    if not args.json:
        out.print(_counts_table(counts))
        for profile in stories:
            rows = timeline(store.story_articles(profile.id))
            out.print(_timeline_table(profile.title, rows))
            out.print(_figures_table(rows))
        pending = counts["dead_letter"]["pending"]
        if pending:
            out.print(f"[yellow]{pending} documents could not be written and wait in the "
                      f"dead-letter file; the next run replays them.[/yellow]")
        out.print(f"Store: {result['store']}  (search it: newsmon search QUERY --store "
                  f"{_public(args.store)})")
    else:
        print(json.dumps(result, ensure_ascii=False))
    store.close()
    return 0 if counts["adds_up"] else 3


def cmd_demo(args, out: Console, err: Console) -> int:
    from .demoweb.server import serve_demo_web
    with serve_demo_web(port=args.port) as web:
        sources_file = web.write_sources_file(_landing_root(args) / "demo-sources.yaml")
        if not args.json:
            err.print(f"Demo web: {len(web.site.outlets)} outlets, {len(web.site.articles)} "
                      f"articles, serving on 127.0.0.x; sources in {sources_file}")
        return _job(args, sources_file, out, err)


def cmd_run(args, out: Console, err: Console) -> int:
    return _job(args, Path(args.sources), out, err)


def cmd_search(args, out: Console, err: Console) -> int:
    store = open_store(args.store)
    filters = SearchFilters(story=args.story, since=args.since, until=args.until,
                            source=args.source, language=args.language, entity=args.entity,
                            include_duplicates=not args.originals)
    hits = store.search(args.query, filters, limit=args.limit)
    if args.json:
        print(json.dumps([{k: h.get(k) for k in ("id", "title", "source_name", "published_at",
                                                 "url", "duplicate_of", "_snippet", "_score")}
                          for h in hits], ensure_ascii=False))
        return 0
    table = Table(title=f"{len(hits)} results for {args.query!r}")
    for col in ("published", "outlet", "title", "copy of"):
        table.add_column(col)
    for h in hits:
        table.add_row((h.get("published_at") or "")[:16], h["source_name"], h["title"],
                      (h.get("duplicate_of") or "")[:8])
    out.print(table)
    return 0


def cmd_story(args, out: Console, err: Console) -> int:
    store = open_store(args.store)
    story = store.get_story(args.id)
    if story is None:
        err.print(f"[red]no story {args.id!r} in {args.store}[/red]; known: "
                  f"{', '.join(s['id'] for s in store.list_stories()) or 'none'}")
        return 2
    docs = store.story_articles(args.id)
    rows = timeline(docs)
    if args.plot:
        from .plots import plot_story
        plot_story(story, rows, figure_series(docs), Path(args.plot))
        err.print(f"Plot written to {args.plot}")
    if args.json:
        print(json.dumps({"story": story, "timeline": rows, "figures": figure_series(docs)},
                         ensure_ascii=False))
        return 0
    out.print(f"[bold]{story['title']}[/bold]: {story['articles']} articles from "
              f"{story['outlets']} outlets ({story['independent_outlets']} independent), "
              f"{story['first_seen']} to {story['last_seen']}")
    out.print(_timeline_table(story["title"], rows))
    out.print(_figures_table(rows))
    return 0


def cmd_export(args, out: Console, err: Console) -> int:
    store = open_store(args.store)
    stream = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    n = 0
    for doc in store.iter_articles():
        stream.write(json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n")
        n += 1
    if args.output:
        stream.close()
    err.print(f"exported {n} documents")
    return 0


def cmd_index(args, out: Console, err: Console) -> int:
    store = open_store(args.store)
    if not is_engine_url(args.store):
        store.setup()
        out.print(f"SQLite store {_public(args.store)}: schema ready (nothing else to set up)")
        return 0
    if args.action == "setup":
        lines = store.setup().lines
    elif args.action == "migrate":
        lines = store.migrate(keep_old=args.keep_old)
    else:
        conditions = {"max_docs": args.max_docs} if args.max_docs else None
        result = store.rollover(conditions)
        lines = [f"rolled over: {result.get('rolled_over')} ({result.get('old_index')} -> "
                 f"{result.get('new_index')})"]
    for line in lines:
        out.print(line)
    return 0


def cmd_kibana(args, out: Console, err: Console) -> int:
    from .kibana import import_objects, load_objects
    objects = load_objects(Path(args.ndjson), prefix=args.prefix)
    answer = import_objects(args.kibana_url, objects, username=args.username,
                            password=os.environ.get("KIBANA_PASSWORD"),
                            api_key=os.environ.get("KIBANA_API_KEY"), space=args.space)
    out.print(f"imported {answer.get('successCount', 0)} saved objects into {args.kibana_url}: "
              "data views, saved searches and the Story tracker dashboard")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsmon", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step")
    sub = parser.add_subparsers(dest="command", required=True)

    def job_options(p, store_default):
        p.add_argument("--store", default=store_default, help="SQLite store path")
        p.add_argument("--seed", action="append", help="story seed file (repeatable)")
        p.add_argument("--landing", help="landing-zone directory (default: beside the store)")
        p.add_argument("--json", action="store_true", help="end with one JSON summary line")
        p.add_argument("--quiet", action="store_true", help="no progress bars")

    demo = sub.add_parser("demo", help="crawl the built-in offline demo web and follow the seed story")
    job_options(demo, DEMO_STORE)
    demo.add_argument("--port", type=int, default=DEFAULT_PORT,
                      help="first port of the demo web (outlet i listens on 127.0.0.(20+i):port+i)")
    demo.set_defaults(func=cmd_demo)

    run = sub.add_parser("run", help="crawl the sources in a sources file")
    run.add_argument("--sources", required=True, help="sources file (see seeds/sources.yaml)")
    job_options(run, DEFAULT_STORE)
    run.set_defaults(func=cmd_run)

    search = sub.add_parser("search", help="full-text search with filters")
    search.add_argument("query", help='words (all must match) or "a phrase"')
    search.add_argument("--story")
    search.add_argument("--since", help="published on or after (YYYY-MM-DD)")
    search.add_argument("--until", help="published before (YYYY-MM-DD)")
    search.add_argument("--source", help="outlet id")
    search.add_argument("--language")
    search.add_argument("--entity", help="a person, organisation or place")
    search.add_argument("--originals", action="store_true", help="leave syndicated copies out")
    search.add_argument("--limit", type=int, default=20)
    search.add_argument("--store", default=DEFAULT_STORE)
    search.add_argument("--json", action="store_true")
    search.set_defaults(func=cmd_search)

    story = sub.add_parser("story", help="a story's timeline: who reported what, when")
    story.add_argument("id")
    story.add_argument("--store", default=DEFAULT_STORE)
    story.add_argument("--json", action="store_true")
    story.add_argument("--plot", help="write a PNG of articles and claimed figures over time")
    story.set_defaults(func=cmd_story)

    index = sub.add_parser("index", help="search-engine indices: setup, migrate, rollover")
    index.add_argument("action", choices=["setup", "migrate", "rollover"],
                       help="setup: templates, policies, indices (safe to repeat); migrate: "
                            "reindex into the current mapping version behind the alias; "
                            "rollover: start a new write index")
    index.add_argument("--store", default=DEFAULT_STORE)
    index.add_argument("--keep-old", action="store_true", help="migrate: keep the old indices")
    index.add_argument("--max-docs", type=int, help="rollover: only if the write index has this many")
    index.set_defaults(func=cmd_index)

    kibana = sub.add_parser("kibana", help="Kibana saved objects")
    kibana.add_argument("action", choices=["import"])
    kibana.add_argument("--kibana-url", default=os.environ.get("KIBANA_URL", "http://localhost:5601"))
    kibana.add_argument("--username", default=os.environ.get("KIBANA_USERNAME"),
                        help="password from KIBANA_PASSWORD; or set KIBANA_API_KEY")
    kibana.add_argument("--space", help="Kibana space (default: the default space)")
    kibana.add_argument("--prefix", default=os.environ.get("NEWSMON_INDEX_PREFIX", "newsmon"))
    kibana.add_argument("--ndjson", default=str(REPO / "kibana" / "saved_objects.ndjson"))
    kibana.set_defaults(func=cmd_kibana)

    export = sub.add_parser("export", help="every article document, one JSON object a line")
    export.add_argument("--store", default=DEFAULT_STORE)
    export.add_argument("--format", choices=["jsonl"], default="jsonl")
    export.add_argument("--output", help="file to write (default: standard output)")
    export.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    out, err = Console(), Console(stderr=True)
    try:
        return args.func(args, out, err)
    except (jobs.CrawlError, OSError, ValueError, RuntimeError) as exc:
        err.print(f"[red]newsmon {args.command}: {exc}[/red]")
        return 1


if __name__ == "__main__":
    sys.exit(main())
