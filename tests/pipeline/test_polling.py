from datetime import UTC, datetime, timedelta

from newsmon.pipeline.models import Source
from newsmon.pipeline.polling import FIRST_BACKOFF, after_poll, due_at, is_due

T0 = datetime(2025, 6, 17, 12, 0, tzinfo=UTC)
FEED = "https://a.example/rss.xml"


def _source(**kw) -> Source:
    return Source(id="a", name="A", url=FEED, **kw)


def _poll(previous, now, status=200, body=b"v1", **source):
    return after_poll(previous, FEED, _source(**source), now, status=status, body=body, etag="e")


def test_a_feed_that_keeps_not_changing_is_asked_ever_less_often_up_to_the_cap():
    state = _poll(None, T0)
    assert state.interval_s == 0 and state.changed_at == "2025-06-17T12:00:00Z"
    waits = []
    now = T0
    for _ in range(7):
        now += timedelta(seconds=state.interval_s)
        assert is_due(state, now)
        state = _poll(state, now, status=304, body=b"")
        waits.append(state.interval_s // 60)
    assert waits == [15, 30, 60, 120, 240, 360, 360]
    assert state.etag == "e" and state.changed_at == "2025-06-17T12:00:00Z"


def test_a_change_brings_the_feed_back_to_its_poll_interval():
    state = _poll(_poll(_poll(None, T0), T0, status=304), T0 + FIRST_BACKOFF, status=304)
    assert state.interval_s == 30 * 60
    changed = _poll(state, T0 + timedelta(hours=1), body=b"v2", poll_interval=5)
    assert changed.interval_s == 5 * 60
    assert changed.changed_at == "2025-06-17T13:00:00Z"


def test_the_same_body_again_counts_as_unchanged_for_servers_without_conditional_get():
    first = _poll(None, T0)
    again = _poll(first, T0 + timedelta(minutes=1), status=200, body=b"v1")
    assert again.interval_s == FIRST_BACKOFF.total_seconds()


def test_not_due_until_the_wait_is_over():
    state = _poll(_poll(None, T0), T0, status=304)
    assert due_at(state) == T0 + FIRST_BACKOFF
    assert not is_due(state, T0 + FIRST_BACKOFF - timedelta(seconds=1))
    assert is_due(state, T0 + FIRST_BACKOFF)
    assert is_due(None, T0)  # never asked: due


def test_max_poll_interval_zero_turns_adaptive_polling_off():
    state = _poll(_poll(None, T0), T0, status=304, max_poll_interval=0)
    assert state.interval_s == 0 and is_due(state, T0)


def test_a_sitemaps_listed_lastmod_is_kept_across_polls():
    first = after_poll(
        None, FEED, _source(), T0, status=200, body=b"x", listed_lastmod="2025-06-17T00:00:00Z"
    )
    again = after_poll(first, FEED, _source(), T0, status=304)
    assert again.listed_lastmod == "2025-06-17T00:00:00Z"
