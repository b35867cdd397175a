"""The accounting check compares two independent counts: the URLs the crawler met and the
outcomes recorded. Each test here breaks the invariant one way and shows the check fails."""

from __future__ import annotations

from newsmon.pipeline.ledger import Ledger, Verdict, check_arithmetic, judge
from newsmon.pipeline.models import CrawlOutcome, CrawlSummary, Outcome

FINISHED = CrawlSummary(urls_met=3, finish_reason="finished", complete=True)


def _ledger(*outcomes: tuple[str, Outcome, str]) -> Ledger:
    ledger = Ledger()
    for url, outcome, reason in outcomes:
        ledger.record(CrawlOutcome(url, outcome, reason))
    return ledger


def _three() -> Ledger:
    return _ledger(
        ("https://e.org/rss", Outcome.SOURCE_READ, ""),
        ("https://e.org/a", Outcome.INDEXED, ""),
        ("https://e.org/b", Outcome.REJECTED, "timeout"),
    )


def test_counts_that_add_up():
    counts = _three().counts(FINISHED)
    assert counts["adds_up"] and counts["fetched"] == counts["outcomes"] == 3
    assert judge(counts) == (Verdict.OK, "every URL met has exactly one outcome")


def test_a_missing_outcome_does_not_add_up():
    ledger = _three()
    ledger.outcomes.pop()
    counts = ledger.counts(FINISHED)
    assert not counts["adds_up"]
    assert judge(counts)[0] is Verdict.COUNTS_DO_NOT_ADD_UP
    assert "met 3 URLs, but 2 outcomes" in judge(counts)[1]


def test_a_doubled_outcome_does_not_add_up_even_when_the_total_does():
    ledger = _three()
    ledger.outcomes[2] = CrawlOutcome("https://e.org/a", Outcome.REJECTED, "index_error")
    counts = ledger.counts(FINISHED)  # 3 outcomes for 3 URLs met, but one URL twice
    assert counts["outcomes"] == 3 and counts["doubled"] == 1
    assert not counts["adds_up"]
    assert judge(counts)[0] is Verdict.COUNTS_DO_NOT_ADD_UP


def test_an_unfinished_crawl_does_not_add_up():
    counts = _three().counts(None)  # the crawler never wrote its summary
    assert not counts["adds_up"] and counts["crawl_finish_reason"] == "no crawl summary"
    verdict, why = judge(counts)
    assert verdict is Verdict.COUNTS_DO_NOT_ADD_UP and "did not finish" in why


def test_check_arithmetic_itself():
    assert check_arithmetic(3, 3, 3)
    assert not check_arithmetic(3, 2, 2)  # one missing
    assert not check_arithmetic(3, 4, 3)  # one doubled
    assert not check_arithmetic(3, 3, 2)  # one doubled, one missing: the total agrees
    assert not check_arithmetic(None, 0, 0)  # unknown


def test_nothing_read_and_nothing_accounted_are_their_own_verdict():
    dead = _ledger(
        ("https://e.org/rss", Outcome.REJECTED, "dns_error"),
        ("https://f.org/rss", Outcome.REJECTED, "dns_error"),
    )
    counts = dead.counts(CrawlSummary(2, "finished", True))
    assert counts["adds_up"]
    assert judge(counts) == (Verdict.NOTHING_DONE, "no source could be read: dns_error (2)")
    empty = Ledger().counts(CrawlSummary(100, "finished", True))
    verdict, why = judge(empty)
    assert verdict is Verdict.NOTHING_DONE and "met 100 URLs but no outcome" in why


def test_unchanged_feeds_are_a_good_run():
    quiet = _ledger(("https://e.org/rss", Outcome.NOT_MODIFIED, ""))
    assert judge(quiet.counts(CrawlSummary(1, "finished", True)))[0] is Verdict.OK
