"""The per-outlet data-quality check: it fires on a jump against the outlet's own history,
and not on an outlet that was always like that, nor on too few pages to judge."""

from factories import store_article

from newsmon.pipeline.models import CrawlOutcome, Outcome
from newsmon.pipeline.quality import QualityRules, check_outlets, outlet_figures


def _run(**outlets):
    return {
        "outlets": {
            name: dict(zip(("pages", "articles", "no_text", "no_date", "rejected"), f, strict=True))
            for name, f in outlets.items()
        }
    }


def test_a_jump_in_an_outlets_rejections_is_found_and_named():
    history = [_run(herald=(20, 19, 0, 1, 1), ledger=(20, 20, 0, 0, 0)) for _ in range(3)]
    recent = [_run(herald=(20, 2, 18, 0, 18), ledger=(20, 20, 0, 0, 0))]
    issues, looked = check_outlets(recent, history)
    found = {(i.source, i.measure) for i in issues}
    assert found == {("herald", "no_text"), ("herald", "rejected")}
    assert "herald" in issues[0].line and set(looked) == {"herald", "ledger"}


def test_an_outlet_that_never_had_dates_is_not_an_issue():
    history = [_run(wire=(20, 20, 0, 20, 0)) for _ in range(3)]
    recent = [_run(wire=(20, 20, 0, 20, 0))]
    assert check_outlets(recent, history)[0] == []


def test_dates_vanishing_is_an_issue():
    history = [_run(wire=(20, 20, 0, 0, 0)) for _ in range(3)]
    recent = [_run(wire=(20, 20, 0, 20, 0))]
    [issue] = check_outlets(recent, history)[0]
    assert (issue.measure, issue.recent, issue.baseline) == ("no_date", 1.0, 0.0)


def test_too_few_pages_or_no_history_are_not_judged():
    history = [_run(big=(50, 50, 0, 0, 0))]
    assert check_outlets([_run(big=(3, 0, 3, 0, 3))], history)[0] == []  # 3 < min_pages
    assert check_outlets([_run(new=(30, 0, 30, 0, 30))], history)[0] == []  # no history
    strict = QualityRules(min_pages=1)
    assert check_outlets([_run(big=(3, 0, 3, 0, 3))], history, strict)[0] != []


def test_outlet_figures_count_article_pages_not_feeds():
    outcomes = [
        CrawlOutcome("https://a/feed", Outcome.SOURCE_READ, source="a"),
        CrawlOutcome("https://a/1", Outcome.INDEXED, source="a", feed_url="https://a/feed"),
        CrawlOutcome(
            "https://a/2", Outcome.REJECTED, "no_article_text", "a", feed_url="https://a/feed"
        ),
        CrawlOutcome("https://a/3", Outcome.SEEN, source="a", feed_url="https://a/feed"),
    ]
    article = store_article(1, source="a", published_at=None)
    assert outlet_figures(outcomes, [article]) == {
        "a": {"pages": 2, "articles": 1, "no_text": 1, "no_date": 1, "rejected": 1}
    }
