"""Alert rules on what a run added to a story, raised once each; delivery to a real webhook
and a real (minimal) SMTP server on loopback."""

from __future__ import annotations

from sinks import alert_sinks

from newsmon.pipeline.alerts import AlertChannels, AlertTally, deliver, story_alerts
from newsmon.pipeline.models import Alert


def _doc(n, day, outlet, claims=(), copy_of=None):
    return {
        "id": f"d{n}",
        "published_at": f"2025-07-{day:02d}T08:00:00Z",
        "source": outlet,
        "source_name": outlet,
        "duplicate_of": copy_of,
        "claims": [{"value": v, "unit": u, "attribution": who, "via": ""} for v, u, who in claims],
    }


BEFORE = [_doc(1, 1, "KWS", [(5000, "engineers", "NIS")]), _doc(2, 2, "Herald")]


def _rules(added, before=BEFORE):
    return sorted((a.rule, a.title) for a in story_alerts("nk", "NK", before, added, "r", "t"))


def test_new_articles_a_new_outlet_and_a_claimants_changed_figure():
    added = [
        _doc(3, 3, "Times", [(6000, "engineers", "the NIS"), (1000, "deminers", "NIS")]),
        _doc(4, 3, "KWS", [(6000, "engineers", "NIS")], copy_of="d3"),  # a copy: no figures
    ]
    assert _rules(added) == [
        ("changed_figure", "NK: the NIS now says 6,000 engineers, was 5,000 engineers"),
        ("coverage", "NK: 2 new article(s) from KWS, Times"),
        ("new_figure", "NK: NIS puts the figure at 1,000 deminers (reported by Times)"),
        ("new_outlet", "NK: first report by Times"),
    ]


def test_the_same_figure_again_and_no_new_articles_raise_nothing_of_it():
    assert _rules([_doc(3, 3, "KWS", [(5000, "engineers", "NIS")])]) == [
        ("coverage", "NK: 1 new article(s) from KWS")
    ]
    assert _rules([]) == []


def test_a_burst_is_a_busy_day_against_the_days_before_not_a_busy_story():
    quiet = [_doc(n, 1 + n % 10, "KWS") for n in range(10)]  # one a day
    burst = [_doc(100 + n, 20, "KWS") for n in range(6)]
    assert ("burst", "NK: 6 articles on 2025-07-20, against 0.4 a day before") in _rules(
        burst, quiet
    )
    busy = [_doc(n, 1 + n % 14, "KWS") for n in range(14 * 3)]  # three a day, every day
    steady = [_doc(200 + n, 15, "KWS") for n in range(6)]
    assert "burst" not in {rule for rule, _ in _rules(steady, busy)}


def test_an_alert_has_the_same_id_whenever_the_same_event_is_evaluated():
    added = [_doc(3, 3, "Times", [(6000, "engineers", "NIS")])]
    first = story_alerts("nk", "NK", BEFORE, added, "r1", "2025-07-03T00:00:00Z")
    again = story_alerts("nk", "NK", BEFORE, added, "r2", "2025-07-04T00:00:00Z")
    assert [a.id for a in first] == [a.id for a in again] and len({a.id for a in first}) == 3


def test_members_met_in_any_order_raise_what_publication_order_raises():
    # The index step hands the tally a story's members as the store streams them; the latest
    # figure before this run is the last in (day, id) order however they arrive.
    before = [
        _doc(1, 1, "KWS", [(5000, "engineers", "NIS")]),
        _doc(2, 2, "Herald", [(5500, "engineers", "NIS")]),
        _doc(3, 2, "Times", [(6000, "engineers", "NIS"), (6500, "engineers", "NIS")]),
    ]
    added = [_doc(9, 3, "Post", [(6500, "engineers", "NIS")])]
    for order in ([0, 1, 2], [2, 1, 0], [1, 2, 0]):
        tally = AlertTally({"d9"})
        for doc in [added[0], *(before[i] for i in order)]:
            tally.add(doc)
        rules = sorted((a.rule, a.title) for a in tally.alerts("nk", "NK", "r", "t"))
        # d3's second figure is the latest: 6,500 again is no change
        assert (
            rules
            == _rules(added, before)
            == [
                ("coverage", "NK: 1 new article(s) from Post"),
                ("new_outlet", "NK: first report by Post"),
            ]
        )
    # the break: without d3's second figure the latest is 6,000, and 6,500 is a change
    assert ("changed_figure", "NK: NIS now says 6,500 engineers, was 6,000 engineers") in _rules(
        added, [*before[:2], _doc(3, 2, "Times", [(6000, "engineers", "NIS")])]
    )


def _alerts():
    return [Alert("a1", "coverage", "nk", "NK: 1 new article(s) from KWS", "2025-07-03T00:00:00Z")]


def test_delivery_posts_json_to_the_webhook_and_mails_the_recipients():
    with alert_sinks() as sinks:
        report = deliver(
            _alerts(),
            AlertChannels(
                webhook=sinks.webhook,
                smtp_host=sinks.smtp_host,
                smtp_port=sinks.smtp_port,
                email_to=["analyst@example.org"],
            ),
        )
    assert (report["webhook"], report["email"], report["failed"]) == (1, 1, {})
    assert sinks.posted == [{"alerts": [_alerts()[0].to_document()]}]
    assert "NK: 1 new article(s) from KWS" in sinks.mails[0]
    assert "analyst@example.org" in sinks.mails[0]


def test_a_channel_that_is_down_is_recorded_and_does_not_stop_the_run():
    report = deliver(_alerts(), AlertChannels(webhook="http://127.0.0.121:9/hook", timeout=2))
    assert report["webhook"] == 0 and "webhook" in report["failed"] and report["log"] == 1
