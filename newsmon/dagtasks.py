"""What the Airflow tasks run: thin adapters from a task's context to newsmon.ops and
newsmon.jobs.

Kept out of dags/ so that DAG files only wire tasks, and importing a DAG file stays cheap: the
heavy imports (Scrapy, trafilatura, spaCy) happen inside the task, on the worker. Settings come
from the same object as the CLI's (newsmon.settings): DAG params, else Airflow Variables
(``newsmon_<setting>``, e.g. ``newsmon_sources``), else the environment (``NEWSMON_*``), else
(for the store) the Airflow connection ``newsmon_store``, else the defaults. Every path is made
absolute before the crawler starts.

Failures are loud. A configuration error fails the task at once, without retries
(AirflowFailException), and so does a result that a retry would only repeat: a crawl that read
no source, counts that do not add up, an outlet whose extraction broke. Everything else (the
engine down, a worker killed) is retried with backoff, and every step is idempotent, so a
retry leaves no duplicates.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from .pipeline.models import StoryProfile
    from .pipeline.store import Store
    from .settings import Settings

log = logging.getLogger("newsmon.dagtasks")
STORE_CONNECTION = "newsmon_store"
CRAWL_POOL = "newsmon_crawl"
CRAWLED_URI = "newsmon://landing/crawled"
INDEXED_URI = "newsmon://store/indexed"
# Settings a DAG param or an Airflow Variable (newsmon_<name>) may set.
SETTINGS = (
    "sources",
    "seeds",
    "store",
    "landing",
    "spacy_model",
    "workers",
    "crawl_shards",
    "retention_body_days",
    "retention_keep_days",
    "alert_webhook",
    "alert_smtp_host",
    "alert_smtp_port",
    "alert_email_from",
    "alert_email_to",
)


def dag_defaults(timeout_minutes: float) -> dict[str, Any]:
    """What every newsmon DAG shares: a fixed start date, no catch-up (a missed crawl
    interval cannot be crawled later: the feeds have moved on; reprocess instead), one run at
    a time (batches follow each other), and every task's defaults: the owner, retries with
    exponential backoff, this time limit, and the failure notifier."""
    from datetime import timedelta

    import pendulum

    from .notifiers import TaskFailureNotifier

    return {
        "start_date": pendulum.datetime(2025, 1, 1, tz="UTC"),
        "catchup": False,
        "max_active_runs": 1,
        "default_args": {
            "owner": "newsmon",
            "retries": 2,
            "retry_delay": timedelta(minutes=1),
            "retry_exponential_backoff": True,
            "max_retry_delay": timedelta(minutes=30),
            "execution_timeout": timedelta(minutes=timeout_minutes),
            "on_failure_callback": [TaskFailureNotifier()],
        },
    }


def crawl_schedule() -> Any:
    """The crawl DAG's timetable: NEWSMON_CRAWL_SCHEDULE (a cron expression, default every
    15 minutes, as data intervals), or none (manual or externally triggered runs only) when it
    says "none". Read when the DAG file is parsed: an environment variable, no I/O."""
    from airflow.sdk import CronDataIntervalTimetable

    value = os.environ.get("NEWSMON_CRAWL_SCHEDULE", "").strip() or "*/15 * * * *"
    if value.lower() == "none":
        return None
    return CronDataIntervalTimetable(value, timezone="UTC")


def store_from_connection(
    conn_type: str | None,
    host: str | None,
    port: int | None,
    login: str | None,
    password: str | None,
    schema: str | None,
) -> dict[str, Any]:
    """An Airflow connection (conn type elasticsearch or opensearch; schema http or https,
    default https) as settings: the store URL, and the credentials kept apart from it."""
    flavor = "opensearch" if "opensearch" in (conn_type or "") else "elasticsearch"
    scheme = schema if schema in ("http", "https") else "https"
    return {
        "store": f"{flavor}+{scheme}://{host}:{port or 9200}",
        "es_username": login or None,
        "es_password": password or None,
    }


def _connection_settings() -> dict[str, Any]:
    from airflow.sdk import BaseHook

    try:
        conn = BaseHook.get_connection(STORE_CONNECTION)
    except Exception:  # not defined: the environment or the default store
        return {}
    out = store_from_connection(
        conn.conn_type, conn.host, conn.port, conn.login, conn.password, conn.schema
    )
    extra = conn.extra_dejson or {}
    if extra.get("api_key"):
        out["es_api_key"] = extra["api_key"]
    if extra.get("ca_certs"):
        out["ca_certs"] = extra["ca_certs"]
    return out


def _variables() -> dict[str, Any]:
    """Settings from Airflow Variables newsmon_<name>: read at run time, never at import."""
    from airflow.sdk import Variable

    out = {}
    for name in SETTINGS:
        try:
            value = Variable.get(f"newsmon_{name}", default=None)
        except Exception:  # no Variables backend reachable: the environment decides
            value = None
        if value not in (None, ""):
            out[name] = value
    return out


def _context() -> dict[str, Any]:
    from airflow.sdk import get_current_context

    return dict(get_current_context())


def resolve_settings(context: dict[str, Any]) -> Settings:
    """The task's settings: params, Variables, environment, connection, defaults."""
    from airflow.sdk.exceptions import AirflowFailException

    from .pipeline.errors import ConfigError
    from .settings import Settings

    params = context.get("params") or {}
    explicit: dict[str, Any] = _variables()
    # A param left at its default ("" or 0) says nothing: a Variable or the environment decides.
    explicit.update({k: params[k] for k in SETTINGS if params.get(k) not in (None, "", 0)})
    if not explicit.get("store") and not os.environ.get("NEWSMON_STORE"):
        explicit.update(_connection_settings())
    try:
        return Settings.resolve(explicit)
    except (ValueError, ConfigError) as exc:
        raise AirflowFailException(f"configuration error: {exc}") from exc


def _run_id(context: dict[str, Any]) -> str:
    from .ops import safe_name

    return safe_name(str(context["run_id"]))


@contextmanager
def config_errors_fail() -> Iterator[None]:
    """A configuration error inside fails the task at once, without retries."""
    from airflow.sdk.exceptions import AirflowFailException

    from .pipeline.errors import ConfigError

    try:
        yield
    except ConfigError as exc:
        raise AirflowFailException(f"configuration error: {exc}") from exc


@contextmanager
def job_inputs(
    load_seeds: bool = True,
) -> Iterator[tuple[dict[str, Any], Settings, Store, list[StoryProfile]]]:
    """(context, settings, store, story profiles) for one task. Configuration errors fail the
    task without retries; the store is closed afterwards."""
    from .pipeline.stories import load_stories

    context = _context()
    settings = resolve_settings(context)
    with config_errors_fail():
        settings.check_inputs()
        stories = (
            load_stories(settings.seeds, spacy_model=settings.spacy_model) if load_seeds else []
        )
    store = settings.open_store()
    try:
        with config_errors_fail():
            yield context, settings, store, stories
    finally:
        store.close()


def _fail(why: str) -> NoReturn:
    from airflow.sdk.exceptions import AirflowFailException

    raise AirflowFailException(why)


def _skip(why: str) -> NoReturn:
    from airflow.sdk.exceptions import AirflowSkipException

    log.info("nothing to do: %s", why)
    raise AirflowSkipException(why)


# -- newsmon_crawl -----------------------------------------------------------------------------


def ensure_store() -> list[str]:
    """Templates, lifecycle policy and indices (or the SQLite schema). Safe to repeat."""
    with job_inputs(load_seeds=False) as (_context, _settings, store, _stories):
        return store.setup().lines


def plan_shards() -> list[dict[str, Any]]:
    """The sources in shards by host; one mapped crawl task each."""
    from .ops import plan_shards as plan

    settings = resolve_settings(_context())  # no store: planning only reads the sources
    with config_errors_fail():
        groups = plan(settings.sources, settings.crawl_shards)
    log.info("%d shards: %s", len(groups), json.dumps(groups))
    return [{"shard": i, "shards": len(groups), "sources": ids} for i, ids in enumerate(groups)]


def interval_start(context: dict[str, Any]) -> datetime:
    """The data interval's start; for a manual run without one, when it was asked to run."""
    for key in ("data_interval_start", "logical_date"):
        value = context.get(key)
        if value is not None:
            return value
    run = context.get("dag_run")
    after = getattr(run, "run_after", None)
    return after if after is not None else datetime.now(UTC)


def crawl_shard(shard: dict[str, Any]) -> dict[str, Any]:
    """Crawl one shard's sources for this data interval into its landing folder."""
    from .ops import NothingRead, crawl_dir, interval_key
    from .ops import crawl_shard as crawl

    with job_inputs() as (context, settings, store, stories):
        interval = interval_key(interval_start(context))
        run_dir = crawl_dir(settings.landing, interval, shard["shard"], shard["shards"])
        try:
            counts = crawl(settings.sources, shard["sources"], stories, store, run_dir, interval)
        except NothingRead as exc:
            # Crawling the same interval again at once would meet the same refusals; the
            # next interval's run tries again, and every article URL met waits as pending.
            _fail(str(exc))
    log.info("shard %s: %s", shard["shard"], json.dumps(counts, sort_keys=True))
    return counts


def publish_crawl(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The asset event of a finished crawl: what landed, and where."""
    from airflow.sdk import Asset

    context = _context()
    results = list(results)
    if not results:
        _fail("no shard crawled: the sources file has no source")
    extra = {
        "interval": results[0]["interval"],
        "shards": len(results),
        "landing": [r["dir"] for r in results],
        "urls_met": sum(int(r["urls_met"] or 0) for r in results),
        "pages": sum(int(r["pages"]) for r in results),
        "sources_read": sum(int(r["sources_read"]) for r in results),
    }
    context["outlet_events"][Asset(CRAWLED_URI)].extra = extra
    return extra


# -- newsmon_process ---------------------------------------------------------------------------


def collect_landed() -> list[str]:
    """Finished crawls that no indexed batch has taken yet, oldest first."""
    from .ops import pending_crawls

    context = _context()
    settings = resolve_settings(context)
    crawls = pending_crawls(settings.landing)
    if not crawls:
        _skip(f"no crawl in {settings.landing} waits to be processed")
    return [str(p) for p in crawls]


def process_batch(crawls: list[str]) -> str:
    """The collected crawls processed as one batch; returns the batch folder."""
    from .ops import batch_dir
    from .ops import process_batch as process

    with job_inputs() as (context, settings, store, stories):
        out = batch_dir(settings.landing, _run_id(context))
        processed = process(
            [Path(c) for c in crawls],
            store,
            stories,
            out,
            spacy_model=settings.spacy_model,
            workers=settings.workers,
        )
    return str(processed.parent)


def index_batch(batch: str) -> dict[str, Any]:
    """Index the batch; fail, and emit no asset event, when its counts do not add up."""
    from airflow.sdk import Asset

    from .ops import index_batch as index
    from .pipeline.ledger import Verdict

    with job_inputs(load_seeds=False) as (context, settings, store, _stories):
        counts = index(Path(batch), store, _run_id(context), settings.retry_plan)
    if counts["verdict"]["code"] != Verdict.OK:
        # A retry would read the same files and reach the same verdict.
        _fail(f"{counts['verdict']['why']}: {json.dumps(counts, sort_keys=True)}")
    context["outlet_events"][Asset(INDEXED_URI)].extra = {
        "batch": batch,
        "indexed": counts["indexed"],
        "duplicates": counts["duplicates"],
        "rejected": sum(counts["rejected"].values()),
        "outcomes": counts["outcomes"],
    }
    return counts


# -- newsmon_stories ---------------------------------------------------------------------------


def refresh_stories() -> dict[str, Any]:
    """Stories, emergent stories and claims after every indexed batch not yet followed; the
    alerts they raise are returned (the task's notifiers deliver them)."""
    from .ops import pending_story_batches, refresh_batch_stories

    with job_inputs() as (context, settings, store, stories):
        batches = pending_story_batches(settings.landing)
        if not batches:
            _skip("every indexed batch has had its stories refreshed")
        run_id = _run_id(context)
        done = []
        for batch in batches:
            # Alerts are kept in the store here and delivered by the notifiers.
            result = refresh_batch_stories(batch, store, stories, run_id, alert_channels=None)
            done.append({"batch": batch.name, **result})
        raised = sum(d["alerts"]["raised"] for d in done)
        # The newest alerts are this run's: as many as it raised (none: nothing to ask for).
        alerts = store.list_alerts(limit=raised) if raised else []
    new = [a for a in alerts if a.get("run_id") == run_id]
    return {"batches": done, "alerts": new}


# -- newsmon_maintenance -----------------------------------------------------------------------


def check_lifecycle() -> list[str]:
    """Fails when the rollover policy is missing or does not manage an article index."""
    with job_inputs(load_seeds=False) as (_context, _settings, store, _stories):
        report = store.check_lifecycle()
    problems = report.details.get("problems") or []
    if problems:
        _fail("index lifecycle: " + "; ".join(problems))
    return report.lines


def apply_retention() -> dict[str, Any]:
    """Page bodies, then whole folders, out of indexed landing folders past their days."""
    from .ops import Retention
    from .ops import apply_retention as retain

    settings = resolve_settings(_context())
    done = retain(
        settings.landing, Retention(settings.retention_body_days, settings.retention_keep_days)
    )
    log.info("retention: %s", json.dumps(done, sort_keys=True))
    return done


def replay_dead_letters() -> dict[str, int]:
    """Documents the store refused, written again; those still refused stay."""
    from .ops import replay_dead_letters as replay

    with job_inputs(load_seeds=False) as (_context, settings, store, _stories):
        done = replay(settings.landing, store)
    log.info("dead letters: %s", json.dumps(done, sort_keys=True))
    return done


def check_data_quality() -> dict[str, Any]:
    """Fails when an outlet's share of pages without text, without a date, or rejected
    jumped against its own history."""
    from .ops import data_quality

    with job_inputs(load_seeds=False) as (_context, _settings, store, _stories):
        issues, looked = data_quality(store)
    log.info("data quality by outlet: %s", json.dumps(looked, sort_keys=True))
    if not looked:
        _fail("no run was indexed in the last 24 hours: are newsmon_crawl and newsmon_process on?")
    if issues:
        _fail("extraction broke: " + "; ".join(i.line for i in issues))
    return {"outlets": len(looked), "issues": 0}


# -- newsmon_reprocess -------------------------------------------------------------------------


def _day(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.fromisoformat(str(value))
    except ValueError:
        _fail(f"configuration error: {value!r} is not a date (YYYY-MM-DD)")
    return day if day.tzinfo else day.replace(tzinfo=UTC)


def _listed(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v).strip()]
    return [v.strip() for v in str(value or "").split(",") if v.strip()]


def reprocess_plan() -> dict[str, Any]:
    """What a reprocess takes: the stored crawls of the date range (stage process), the
    batches that took them (stage index), or nothing but the store (stage stories)."""
    from .ops import BODIES_REMOVED, INDEXED, read_marker, select_crawls

    context = _context()
    settings = resolve_settings(context)
    params = context.get("params") or {}
    stage = str(params.get("stage") or "process")
    since, until = _day(params.get("since")), _day(params.get("until"))
    if since and until and until <= since:
        _fail(f"configuration error: until ({until:%Y-%m-%d}) is not after since")
    crawls = select_crawls(settings.landing, since, until)
    plan: dict[str, Any] = {"stage": stage, "crawls": [], "batches": [], "stripped": []}
    if stage == "process":
        plan["stripped"] = [str(p) for p in crawls if (p / BODIES_REMOVED).exists()]
        plan["crawls"] = [str(p) for p in crawls if not (p / BODIES_REMOVED).exists()]
        if plan["stripped"]:
            log.warning(
                "%d crawls of the range lost their page bodies to retention: they keep "
                "their stored documents (reprocess stage index or stories instead)",
                len(plan["stripped"]),
            )
        if not plan["crawls"]:
            _fail(f"no stored crawl with page bodies in the range ({len(crawls)} crawls)")
    elif stage == "index":
        markers = [read_marker(p / INDEXED) for p in crawls]
        plan["batches"] = sorted({str(settings.landing / m["batch"]) for m in markers if m})
        if not plan["batches"]:
            _fail("no indexed batch took a crawl of the range")
    log.info("reprocess plan: %s", json.dumps(plan))
    return plan


def reprocess_process(plan: dict[str, Any]) -> dict[str, Any]:
    """Stage process: the plan's crawls as one new batch (only `source_ids`, when given)."""
    from .ops import batch_dir
    from .ops import process_batch as process

    if plan["stage"] != "process":
        return plan
    with job_inputs() as (context, settings, store, stories):
        sources = set(_listed((context.get("params") or {}).get("source_ids"))) or None
        out = batch_dir(settings.landing, _run_id(context))
        process(
            [Path(c) for c in plan["crawls"]],
            store,
            _only(stories, context),
            out,
            spacy_model=settings.spacy_model,
            sources=sources,
            workers=settings.workers,
        )
    return {**plan, "batches": [str(out)]}


def reprocess_index(plan: dict[str, Any]) -> dict[str, Any]:
    """Stages process and index: the plan's batches into the store again."""
    from .ops import index_batch as index
    from .pipeline.ledger import Verdict

    if plan["stage"] not in ("process", "index"):
        return {**plan, "indexed": []}
    out = []
    with job_inputs(load_seeds=False) as (context, settings, store, _stories):
        for n, batch in enumerate(plan["batches"]):
            counts = index(Path(batch), store, f"{_run_id(context)}-{n}", settings.retry_plan)
            if counts["verdict"]["code"] != Verdict.OK:
                _fail(f"{batch}: {counts['verdict']['why']}")
            out.append({"batch": batch, "indexed": counts["indexed"], "written": counts["written"]})
    return {**plan, "indexed": out}


def reprocess_stories(plan: dict[str, Any]) -> dict[str, Any]:
    """Every stage: the stories after the batches, or from the store alone (stage stories)."""
    from .ops import refresh_batch_stories

    with job_inputs() as (context, _settings, store, stories):
        chosen = _only(stories, context)
        run_id = _run_id(context)
        if plan["stage"] == "stories":
            return refresh_batch_stories(None, store, chosen, run_id)
        done = [refresh_batch_stories(Path(b), store, chosen, run_id) for b in plan["batches"]]
    return {"batches": len(done), "alerts": sum(d["alerts"]["raised"] for d in done)}


def _only(stories: list[StoryProfile], context: dict[str, Any]) -> list[StoryProfile]:
    wanted = set(_listed((context.get("params") or {}).get("stories")))
    if not wanted:
        return stories
    unknown = wanted - {s.id for s in stories}
    if unknown:
        _fail(f"configuration error: no seed defines the stories {sorted(unknown)}")
    return [s for s in stories if s.id in wanted]
