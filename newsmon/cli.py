"""newsmon: follow a news story from one seed article. The whole job on one machine
(demo, run), and the analyst's queries (search, story, export).

Exit status: 0 done; 1 usage or configuration error; 3 the outcome counts do not add up;
4 nothing was done (no source could be read, or nothing met was accounted for); 5 the job
failed (the crawler crashed, the store could not be reached); 130 interrupted; 141 the reader
of the output went away (a closed pipe).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, date, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from .pipeline.errors import ConfigError
from .pipeline.ledger import Verdict
from .pipeline.numbers import format_figure

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from .pipeline.store import Store
    from .settings import Settings

# Imports are lazy on purpose: `newsmon search` must not pay for Scrapy, trafilatura or spaCy.
STEP_LABELS = {
    "crawl": "Crawling (records landed)",
    "extract": "Extracting pages",
    "enrich": "Enriching articles",
}
BROKEN_PIPE = 141


class UsageError(ConfigError):
    """A bad option value: said in one line, exit 1."""


class Interrupted(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: the crawler subprocess is stopped, what it did is
    recorded as an incomplete crawl, and newsmon exits 130."""


def _run_id() -> str:
    return datetime.now(UTC).strftime("run-%Y%m%dT%H%M%S%fZ")


class _Bars:
    """Progress bars on stderr, one per step, fed by the jobs' progress callback."""

    def __init__(self, console: Console):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=False,
        )
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> _Bars:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def __call__(self, step: str, done: int, total: int | None) -> None:
        if step not in self.tasks:
            self.tasks[step] = self.progress.add_task(STEP_LABELS.get(step, step), total=total)
        self.progress.update(self.tasks[step], completed=done, total=total)


def _table(title: str, *columns: str, right: tuple[str, ...] = ()) -> Table:
    from rich.table import Table

    table = Table(title=title)
    for col in columns:
        table.add_column(col, justify="right" if col in right else "left")
    return table


def _counts_table(counts: dict[str, Any]) -> Table:
    table = _table("Outcome of every URL met", "outcome", "count", right=("count",))
    rows = [
        ("feeds and sitemaps read", counts["sources_read"]),
        ("feeds not modified (304)", counts["not_modified"]),
        ("articles indexed", counts["indexed"]),
        ("articles unchanged", counts["unchanged"]),
        ("exact duplicates", counts["duplicates"]["exact"]),
        ("near duplicates (syndicated copies)", counts["duplicates"]["near"]),
        ("already seen, not fetched", counts["seen"]),
    ]
    rows += [(f"skipped: {reason}", n) for reason, n in counts.get("skipped", {}).items()]
    rows += [(f"rejected: {reason}", n) for reason, n in counts["rejected"].items()]
    for label, n in rows:
        table.add_row(label, str(n))
    table.add_row("[bold]URLs met[/bold]", f"[bold]{counts['fetched']}[/bold]")
    return table


def _timeline_table(title: str, rows: list[dict[str, Any]]) -> Table:
    table = _table(
        f"Story timeline: {title}",
        "day",
        "articles",
        "copies",
        "outlets (own reporting)",
        "new entities",
        "figures reported",
        right=("articles", "copies"),
    )
    for row in rows:
        figures = ", ".join(dict.fromkeys(format_figure(f) for f in row["figures"]))
        outlets = ", ".join(
            o if o in row["independent_outlets"] else f"{o} (copy)" for o in row["outlets"]
        )
        table.add_row(
            row["day"],
            str(row["articles"]),
            str(row["copies"]),
            outlets,
            ", ".join(row["new_entities"]),
            figures,
        )
    return table


def _figures_table(rows: list[dict[str, Any]]) -> Table:
    table = _table(
        "Claimed figures: who claimed what, reported by whom",
        "day",
        "figure",
        "claimed by",
        "reported by",
        right=("figure",),
    )
    for row in rows:
        for f in row["figures"]:
            who = f["attribution"] + (f" via {f['via']}" if f["via"] else "")
            table.add_row(row["day"], format_figure(f), who or "-", f["outlet"])
    return table


def _settings(args: argparse.Namespace) -> Settings:
    from .settings import Settings

    return Settings.resolve(
        {
            "store": getattr(args, "store", None),
            "landing": getattr(args, "landing", None),
            "sources": getattr(args, "sources", None),
            "seeds": getattr(args, "seed", None),
        }
    )


def _job(args: argparse.Namespace, settings: Settings, out: Console, err: Console) -> int:
    from . import jobs
    from .pipeline.stories import load_stories
    from .pipeline.timeline import timeline

    settings.check_inputs()
    stories = load_stories(settings.seeds, spacy_model=settings.spacy_model)
    store = settings.open_store()
    try:
        store.setup()  # idempotent: templates, policies and indices, or the SQLite schema
        run_id = _run_id()
        bars: AbstractContextManager[Any] = _Bars(err) if not args.quiet else nullcontext(None)
        with bars as progress:
            counts = jobs.run_all(
                settings.sources,
                stories,
                store,
                settings.landing / run_id,
                run_id,
                progress=progress,
                spacy_model=settings.spacy_model,
                workers=settings.workers,
                retry=settings.retry_plan,
                alert_channels=settings.alert_channels,
            )
        summaries = jobs.story_summaries(store, stories)
        verdict = Verdict(counts["verdict"]["code"])
        result = {
            key: counts[key]
            for key in (
                "fetched",
                "indexed",
                "duplicates",
                "rejected",
                "unchanged",
                "not_modified",
                "seen",
                "skipped",
                "sources_read",
                "outcomes",
                "adds_up",
                "crawl_complete",
                "dead_letter",
                "alerts",
                "verdict",
            )
        }
        result.update(
            stories=summaries,
            store=settings.public_store,
            run_id=run_id,
            landing=str(settings.landing / run_id),
        )
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            out.print(_counts_table(counts))
            for profile in stories:
                rows = timeline(store.story_articles(profile.id))
                out.print(_timeline_table(profile.title, rows))
                out.print(_figures_table(rows))
            pending = counts["dead_letter"]["pending"]
            if pending:
                out.print(
                    f"[yellow]{pending} documents could not be written and wait in the "
                    "dead-letter file; the next run replays them.[/yellow]"
                )
            out.print(f"Store: {settings.public_store}  (search it: newsmon search QUERY)")
        if verdict is not Verdict.OK:
            err.print(
                f"[red]newsmon {args.command}: {counts['verdict']['why']} "
                f"(exit {int(verdict)})[/red]"
            )
        return int(verdict)
    finally:
        store.close()


def cmd_demo(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .demoweb.server import serve_demo_web

    base = _settings(args)
    with serve_demo_web(port=args.port) as web:
        sources = web.write_sources_file(base.landing / "demo-sources.yaml")
        settings = base.with_values(sources=sources)
        if not args.json:
            err.print(
                f"Demo web: {len(web.site.outlets)} outlets, {len(web.site.articles)} "
                f"articles, serving on 127.0.0.x; sources in {sources}"
            )
        return _job(args, settings, out, err)


def cmd_run(args: argparse.Namespace, out: Console, err: Console) -> int:
    return _job(args, _settings(args), out, err)


def _day(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        return (
            date.fromisoformat(value).isoformat()
            if len(value) == 10
            else datetime.fromisoformat(value).isoformat()
        )
    except ValueError:
        raise UsageError(
            f"{option} {value!r}: not a date (YYYY-MM-DD or an ISO 8601 date and time)"
        ) from None


def _known_story(store: Store, story: str | None) -> str | None:
    if story is None:
        return None
    known = [s["id"] for s in store.list_stories()]
    if story not in known:
        raise UsageError(
            f"--story {story!r}: no such story in {store.url}; known: {', '.join(known) or 'none'}"
        )
    return story


def _outlet(store: Store, source: str | None) -> str | None:
    """An outlet id, from its id or its name (case-insensitive)."""
    if source is None:
        return None
    outlets = store.outlets()
    for outlet_id, name in outlets:
        if source == outlet_id or source.casefold() in (outlet_id.casefold(), name.casefold()):
            return outlet_id
    listing = ", ".join(f"{i} ({n})" for i, n in outlets[:20])
    raise UsageError(
        f"--source {source!r}: no outlet with that id or name; known: {listing or 'none'}"
    )


def cmd_search(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .pipeline.store import SearchFilters

    since, until = _day(args.since, "--since"), _day(args.until, "--until")
    store = _settings(args).open_store(create=False)
    try:
        filters = SearchFilters(
            story=_known_story(store, args.story),
            since=since,
            until=until,
            source=_outlet(store, args.source),
            language=args.language,
            entity=args.entity,
            include_duplicates=not args.originals,
        )
        hits = store.search(args.query, filters, limit=args.limit)
    finally:
        store.close()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        k: h.get(k)
                        for k in (
                            "id",
                            "title",
                            "source",
                            "source_name",
                            "published_at",
                            "url",
                            "duplicate_of",
                            "_snippet",
                            "_score",
                        )
                    }
                    for h in hits
                ],
                ensure_ascii=False,
            )
        )
        return 0
    table = _table(
        f"{len(hits)} results for {args.query!r}", "published", "outlet (id)", "title", "copy of"
    )
    for h in hits:
        table.add_row(
            (h.get("published_at") or "")[:16],
            f"{h['source_name']} ({h['source']})",
            h["title"],
            (h.get("duplicate_of") or "")[:8],
        )
    out.print(table)
    return 0


def _story_and_members(
    settings: Settings, story_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A known story's record and its articles (an unknown id is an error listing the known)."""
    store = settings.open_store(create=False)
    try:
        _known_story(store, story_id)
        story = store.get_story(story_id)
        assert story is not None
        return story, store.story_articles(story_id)
    finally:
        store.close()


def cmd_claims(args: argparse.Namespace, out: Console, err: Console) -> int:
    from dataclasses import asdict

    from .pipeline.timeline import claim_history

    story, docs = _story_and_members(_settings(args), args.id)
    series = claim_history(docs, unit=args.unit, claimant=args.claimant)
    if args.json:
        print(json.dumps([asdict(s) for s in series], ensure_ascii=False))
        return 0
    table = _table(
        f"{story['title']}: claimed figures by claimant",
        "claimant",
        "latest figure",
        "seen",
        "reports",
        "changes",
        right=("latest figure", "reports"),
    )
    for s in series:
        changes = "; ".join(f"{c.before} → {c.after} on {c.day}" for c in s.changes)
        table.add_row(
            s.claimant or "(no claimant)",
            s.current,
            f"{s.first_seen} to {s.last_confirmed}",
            str(s.reports),
            changes or "-",
        )
    out.print(table)
    if not series:
        err.print("No claimed figures match.")
    return 0


def cmd_story(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .pipeline.timeline import figure_series, timeline

    story, docs = _story_and_members(_settings(args), args.id)
    rows = timeline(docs)
    if args.plot:
        from .plots import plot_story

        plot_story(story, rows, figure_series(docs), Path(args.plot))
        err.print(f"Plot written to {args.plot}")
    if args.json:
        print(
            json.dumps(
                {"story": story, "timeline": rows, "figures": figure_series(docs)},
                ensure_ascii=False,
            )
        )
        return 0
    out.print(
        f"[bold]{story['title']}[/bold]: {story['articles']} articles from "
        f"{story['outlets']} outlets ({story['independent_outlets']} independent), "
        f"{story['first_seen']} to {story['last_seen']}"
    )
    out.print(_timeline_table(story["title"], rows))
    out.print(_figures_table(rows))
    return 0


def cmd_report(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .report import render

    settings = _settings(args)
    story, docs = _story_and_members(settings, args.id)
    page = render(story, docs, settings.public_store)
    target = Path(args.html)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    err.print(f"Report on {args.id} written to {target.resolve()} ({len(page):,} bytes)")
    return 0


def cmd_stories(args: argparse.Namespace, out: Console, err: Console) -> int:
    store = _settings(args).open_store(create=False)
    try:
        stories = [
            {**story, "kind": story.get("kind", "tracked")}
            for story in store.list_stories()
            if not story.get("merged_into")
        ]
    finally:
        store.close()
    stories = [
        s
        for s in stories
        if (args.kind in (None, s["kind"]))
        and (s["kind"] == "tracked" or s["articles"] >= args.min_size)
    ]
    # Tracked first, then the largest emergent stories, the latest first among equals.
    stories.sort(key=lambda s: (s["kind"] != "tracked", -s["articles"], s["id"]))
    for story in stories:
        story.pop("profile", None)  # the centroid: for assignment, not for people
    if args.json:
        print(json.dumps({"stories": stories}, ensure_ascii=False))
        return 0
    table = _table(
        "Stories",
        "id",
        "kind",
        "title",
        "articles",
        "outlets (independent)",
        "first seen",
        "last seen",
        "top entities",
        right=("articles",),
    )
    table.columns[0].no_wrap = True  # an id is typed back in: `newsmon story ID`
    table.columns[2].max_width = 40
    table.columns[2].overflow = "ellipsis"
    table.columns[2].no_wrap = True
    for story in stories:
        table.add_row(
            story["id"],
            story["kind"],
            story["title"],
            str(story["articles"]),
            f"{story['outlets']} ({story['independent_outlets']})",
            str(story["first_seen"] or "")[:10],
            str(story["last_seen"] or "")[:10],
            ", ".join((story.get("top_entities") or [])[:3]),
        )
    out.print(table)
    if not stories:
        err.print("No stories yet: run `newsmon run` with a seed (--seed), or `newsmon demo`.")
    else:
        err.print(
            "Follow an emergent story as a tracked one: newsmon seed promote ID --output FILE"
        )
    return 0


def cmd_seed(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .pipeline.enrich import load_nlp
    from .seeding import derive_seed, promote, write_seed

    settings = _settings(args)
    nlp = load_nlp(settings.spacy_model)
    if args.action == "promote":
        store = settings.open_store(create=False)
        try:
            profile, text = promote(store, args.article, args.id, args.title, nlp)
        finally:
            store.close()
        where = None
    else:
        profile, text = derive_seed(args.article, args.id, args.title, args.date, nlp)
        where = Path(args.article)
    output = Path(args.output or f"{profile.id}.yaml").resolve()
    if where is not None and where.is_file() and where.suffix.lower() not in {".html", ".htm"}:
        article = os.path.relpath(where.resolve(), output.parent)
    else:  # a page or a story: the text the profile came from is kept beside the seed file
        kept = output.with_suffix(".txt")
        kept.write_text(text + "\n", encoding="utf-8")
        article = kept.name
    write_seed(profile, output, article)
    if args.json:
        print(json.dumps({"seed": str(output), "id": profile.id}, ensure_ascii=False))
        return 0
    out.print(f"Seed [bold]{profile.id}[/bold] written to {output}")
    table = _table("Key entities", "entity", "type", "weight", "also found as", right=("weight",))
    for entity in profile.entities:
        table.add_row(
            entity.name, entity.label, f"{entity.weight:.2f}", ", ".join(entity.forms[:6])
        )
    out.print(table)
    out.print("Key terms: " + ", ".join(list(profile.terms)[:15]))
    for claim in profile.figures:
        who = claim.attribution + (f" via {claim.via}" if claim.via else "")
        out.print(f"Figure: {claim.value:,.0f} {claim.unit} ({who or 'no claimant'})")
    out.print("Search queries: " + "; ".join(profile.queries))
    out.print(f"Follow it: newsmon run --seed {os.path.relpath(output)}")
    return 0


def cmd_alerts(args: argparse.Namespace, out: Console, err: Console) -> int:
    store = _settings(args).open_store(create=False)
    try:
        if args.story:
            _known_story(store, args.story)
        alerts = store.list_alerts(args.story, limit=args.limit)
    finally:
        store.close()
    if args.json:
        print(json.dumps({"alerts": alerts}, ensure_ascii=False))
        return 0
    table = _table("Alerts, latest first", "raised", "rule", "story", "alert")
    for alert in alerts:
        table.add_row(alert["raised_at"], alert["rule"], alert["story_id"], alert["title"])
    out.print(table)
    return 0


def cmd_export(args: argparse.Namespace, out: Console, err: Console) -> int:
    store = _settings(args).open_store(create=False)
    n = 0
    try:
        with (
            open(args.output, "w", encoding="utf-8") if args.output else nullcontext(sys.stdout)
        ) as stream:
            for doc in store.iter_articles():
                stream.write(json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n")
                n += 1
    finally:
        store.close()
    err.print(f"exported {n} documents")
    return 0


def cmd_index(args: argparse.Namespace, out: Console, err: Console) -> int:
    settings = _settings(args)
    if args.action == "setup":
        store = settings.open_store()
        try:
            report = store.setup()
        finally:
            store.close()
    else:
        admin = settings.open_index_admin()
        try:
            report = (
                admin.migrate(keep_old=args.keep_old)
                if args.action == "migrate"
                else admin.rollover(max_docs=args.max_docs)
            )
        finally:
            admin.close()
    for line in report.lines:
        out.print(line)
    return 0


def cmd_kibana(args: argparse.Namespace, out: Console, err: Console) -> int:
    from .kibana import SAVED_OBJECTS, import_objects, load_objects

    objects = load_objects(Path(args.ndjson) if args.ndjson else SAVED_OBJECTS, prefix=args.prefix)
    answer = import_objects(
        args.kibana_url,
        objects,
        username=args.username,
        password=os.environ.get("KIBANA_PASSWORD"),
        api_key=os.environ.get("KIBANA_API_KEY"),
        space=args.space,
    )
    out.print(
        f"imported {answer.get('successCount', 0)} saved objects into {args.kibana_url}: "
        "data views, saved searches and the Story tracker dashboard"
    )
    return 0


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Every option's help ends with its default, when it has one worth saying."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (
            "%(default)" not in text
            and action.option_strings
            and action.default not in (None, False, argparse.SUPPRESS)
        ):
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One exit status for every usage error, as documented (argparse's own is 2).
        self.print_usage(sys.stderr)
        self.exit(int(Verdict.USAGE), f"{self.prog}: error: {message}\n")


STORE_HELP = (
    "store: an SQLite file, sqlite:///PATH, opensearch+http(s)://HOST:PORT or "
    "elasticsearch+http(s)://HOST:PORT (default: $NEWSMON_STORE, else "
    "$NEWSMON_HOME/newsmon.sqlite; NEWSMON_HOME defaults to ~/.local/share/newsmon)"
)


def build_parser() -> argparse.ArgumentParser:
    from .demoweb import DEFAULT_PORT

    parser = _Parser(prog="newsmon", description=__doc__, formatter_class=_HelpFormatter)
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log every step, the crawler's log included, on stderr",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(
            name, help=help_text, description=help_text, formatter_class=_HelpFormatter
        )
        return p

    def job_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--store", help=STORE_HELP)
        p.add_argument(
            "--seed",
            action="append",
            metavar="FILE",
            help="story seed file, repeatable (default: $NEWSMON_SEEDS, else the "
            "seed story shipped with newsmon)",
        )
        p.add_argument(
            "--landing",
            metavar="DIR",
            help="landing-zone folder for the run's files (default: "
            "$NEWSMON_LANDING, else $NEWSMON_HOME/landing)",
        )
        p.add_argument(
            "--json", action="store_true", help="print one JSON summary line instead of tables"
        )
        p.add_argument("--quiet", action="store_true", help="no progress bars")

    demo = command("demo", "serve the built-in offline demo web, crawl it, follow the seed story")
    job_options(demo)
    demo.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="first port of the demo web; outlet i listens on 127.0.0.(20+i):port+i",
    )
    demo.set_defaults(func=cmd_demo)

    run = command("run", "crawl the sources in a sources file, process and index them")
    run.add_argument(
        "--sources",
        metavar="FILE",
        help="sources file, see README (default: $NEWSMON_SOURCES, else the live "
        "list shipped with newsmon)",
    )
    job_options(run)
    run.set_defaults(func=cmd_run)

    search = command("search", "full-text search with filters")
    search.add_argument("query", help='words (all must match) or "a phrase"')
    search.add_argument("--story", help="only articles of this story id (see newsmon story)")
    search.add_argument("--since", metavar="DATE", help="published on or after (YYYY-MM-DD)")
    search.add_argument("--until", metavar="DATE", help="published before (YYYY-MM-DD)")
    search.add_argument("--source", metavar="OUTLET", help="outlet id or name")
    search.add_argument("--language", help="ISO 639-1 code, e.g. en")
    search.add_argument("--entity", help="a person, organisation or place")
    search.add_argument("--originals", action="store_true", help="leave syndicated copies out")
    search.add_argument("--limit", type=int, default=20, help="at most this many results")
    search.add_argument("--store", help=STORE_HELP)
    search.add_argument("--json", action="store_true", help="print the hits as one JSON list")
    search.set_defaults(func=cmd_search)

    story = command("story", "a story's timeline: who reported what, when")
    story.add_argument("id", help="story id, e.g. nk-engineers-russia")
    story.add_argument("--store", help=STORE_HELP)
    story.add_argument("--json", action="store_true", help="print one JSON object")
    story.add_argument(
        "--plot",
        metavar="FILE.png",
        help="also write a PNG of articles and claimed figures over time",
    )
    story.set_defaults(func=cmd_story)

    claims = command("claims", "a story's figures: each claimant's, per unit, over time")
    claims.add_argument("id", help="story id (newsmon stories)")
    claims.add_argument("--unit", help="only this unit (engineers, USD, percent, ...)")
    claims.add_argument("--claimant", help="only claimants whose name contains this")
    claims.add_argument("--store", help=STORE_HELP)
    claims.add_argument("--json", action="store_true", help="print one JSON list")
    claims.set_defaults(func=cmd_claims)

    report = command("report", "one self-contained HTML page of a story, with plots")
    report.add_argument("id", help="story id (newsmon stories)")
    report.add_argument("--html", metavar="FILE", required=True, help="the page to write")
    report.add_argument("--store", help=STORE_HELP)
    report.set_defaults(func=cmd_report)

    stories = command("stories", "every story: size, outlets, first and last seen, top entities")
    stories.add_argument(
        "--kind", choices=["tracked", "emergent"], help="only stories of this kind"
    )
    stories.add_argument(
        "--min-size",
        type=int,
        default=2,
        help="emergent stories with at least this many articles (a lone article is no story)",
    )
    stories.add_argument("--store", help=STORE_HELP)
    stories.add_argument("--json", action="store_true", help="print one JSON object")
    stories.set_defaults(func=cmd_stories)

    seed = command("seed", "derive a story profile from one article and write it as a seed file")
    seed.add_argument(
        "action",
        choices=["add", "promote"],
        help="add: from an article; promote: from an emergent story, to track it",
    )
    seed.add_argument(
        "article",
        help="add: the seed article, a text or HTML file or an http(s) URL; promote: the "
        "emergent story's id (newsmon stories)",
    )
    seed.add_argument("--store", help=STORE_HELP + "; for promote")
    seed.add_argument("--id", help="story id (default: from the title)")
    seed.add_argument("--title", help="story title (default: the article's)")
    seed.add_argument(
        "--date", help="the article's date, YYYY-MM-DD (default: the page's, else none)"
    )
    seed.add_argument("--output", metavar="FILE", help="seed file to write (default: ID.yaml)")
    seed.add_argument("--json", action="store_true", help="print one JSON object")
    seed.set_defaults(func=cmd_seed)

    alerts = command("alerts", "alerts raised after runs: new coverage, outlets, figures, bursts")
    alerts.add_argument("--story", help="only this story's alerts")
    alerts.add_argument("--limit", type=int, default=100, help="at most this many")
    alerts.add_argument("--store", help=STORE_HELP)
    alerts.add_argument("--json", action="store_true", help="print one JSON object")
    alerts.set_defaults(func=cmd_alerts)

    index = command("index", "store set-up; search engines also: migrate, rollover")
    index.add_argument(
        "action",
        choices=["setup", "migrate", "rollover"],
        help="setup: templates, policies, indices or the SQLite schema (safe "
        "to repeat); migrate: reindex into the current mapping version "
        "behind the alias; rollover: start a new write index",
    )
    index.add_argument("--store", help=STORE_HELP)
    index.add_argument("--keep-old", action="store_true", help="migrate: keep the old indices")
    index.add_argument(
        "--max-docs", type=int, help="rollover: only if the write index holds this many documents"
    )
    index.set_defaults(func=cmd_index)

    kibana = command("kibana", "import the Kibana saved objects (data views, dashboard)")
    kibana.add_argument("action", choices=["import"], help="what to do")
    kibana.add_argument(
        "--kibana-url",
        default=os.environ.get("KIBANA_URL", "http://localhost:5601"),
        help="Kibana's URL ($KIBANA_URL)",
    )
    kibana.add_argument(
        "--username",
        default=os.environ.get("KIBANA_USERNAME"),
        help="Kibana user ($KIBANA_USERNAME); password from KIBANA_PASSWORD, "
        "or set KIBANA_API_KEY instead",
    )
    kibana.add_argument("--space", help="Kibana space (default: the default space)")
    kibana.add_argument(
        "--prefix",
        default=os.environ.get("NEWSMON_INDEX_PREFIX", "newsmon"),
        help="index prefix the data views point at ($NEWSMON_INDEX_PREFIX)",
    )
    kibana.add_argument(
        "--ndjson", help="saved objects file (default: the one shipped with newsmon)"
    )
    kibana.set_defaults(func=cmd_kibana)

    export = command("export", "every article document, one JSON object a line")
    export.add_argument("--store", help=STORE_HELP)
    export.add_argument("--format", choices=["jsonl"], default="jsonl", help="output format")
    export.add_argument("--output", metavar="FILE", help="file to write (default: stdout)")
    export.set_defaults(func=cmd_export)
    return parser


def _error(err: Console, args: argparse.Namespace, text: str) -> None:
    """One line per problem, never wrapped, so that each names its file and field whole."""
    for line in text.splitlines() or [""]:
        err.print(
            f"newsmon {args.command}: {line}",
            style="red",
            soft_wrap=True,
            highlight=False,
            markup=False,
        )


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Interrupted()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # The crawler's log is in the run's crawl.log; on the terminal only with --verbose (its
    # warnings are outcomes the summary counts, and would tear the progress bars).
    logging.getLogger("newsmon.crawler").setLevel(
        logging.INFO if args.verbose else logging.CRITICAL + 1
    )
    from rich.console import Console

    out, err = Console(), Console(stderr=True)
    signal.signal(signal.SIGTERM, _on_sigterm)
    from .pipeline.errors import CrawlError  # not from .jobs: its imports cost 0.3 s
    from .pipeline.store import StoreNotFound, StoreNotReady

    try:
        code: int = args.func(args, out, err)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # The reader went away (`newsmon search ... | head`): no traceback, and no second
        # error when Python flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE
    except (KeyboardInterrupt, Interrupted):
        _error(err, args, "interrupted")
        return int(Verdict.INTERRUPTED)
    except (ConfigError, StoreNotFound, StoreNotReady) as exc:
        _error(err, args, str(exc))
        return int(Verdict.USAGE)
    except (CrawlError, OSError, RuntimeError) as exc:
        _error(err, args, str(exc))
        return int(Verdict.FAILED)


if __name__ == "__main__":
    sys.exit(main())
