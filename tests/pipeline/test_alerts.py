"""Alert rules on what a run added to a story, raised once each; delivery to a real webhook
and a real (minimal) SMTP server on loopback."""

from __future__ import annotations

import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from newsmon.pipeline.alerts import AlertChannels, deliver, story_alerts
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


def _alerts():
    return [Alert("a1", "coverage", "nk", "NK: 1 new article(s) from KWS", "2025-07-03T00:00:00Z")]


def test_delivery_posts_json_to_the_webhook_and_mails_the_recipients():
    posted: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802
            posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

    mails: list[str] = []

    class Smtp(socketserver.StreamRequestHandler):
        """Just enough SMTP for one message: every command gets 250, DATA gets 354."""

        def handle(self):
            self.wfile.write(b"220 test\r\n")
            while line := self.rfile.readline():
                verb = line.strip().upper()
                if verb.startswith(b"DATA"):
                    self.wfile.write(b"354 go\r\n")
                    body = []
                    while (data := self.rfile.readline()) not in (b".\r\n", b""):
                        body.append(data.decode())
                    mails.append("".join(body))
                    self.wfile.write(b"250 ok\r\n")
                elif verb.startswith(b"QUIT"):
                    self.wfile.write(b"221 bye\r\n")
                    return
                else:
                    self.wfile.write(b"250 ok\r\n")

    web = ThreadingHTTPServer(("127.0.0.121", 0), Hook)
    smtp = socketserver.ThreadingTCPServer(("127.0.0.121", 0), Smtp)
    for server in (web, smtp):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        report = deliver(
            _alerts(),
            AlertChannels(
                webhook=f"http://127.0.0.121:{web.server_address[1]}/hook",
                smtp_host="127.0.0.121",
                smtp_port=smtp.server_address[1],
                email_to=["analyst@example.org"],
            ),
        )
    finally:
        web.shutdown()
        smtp.shutdown()
    assert (report["webhook"], report["email"], report["failed"]) == (1, 1, {})
    assert posted == [{"alerts": [_alerts()[0].to_document()]}]
    assert "NK: 1 new article(s) from KWS" in mails[0] and "analyst@example.org" in mails[0]


def test_a_channel_that_is_down_is_recorded_and_does_not_stop_the_run():
    report = deliver(_alerts(), AlertChannels(webhook="http://127.0.0.121:9/hook", timeout=2))
    assert report["webhook"] == 0 and "webhook" in report["failed"] and report["log"] == 1
