"""Where alerts go, for real, on loopback: a webhook that keeps what is POSTed to it and an SMTP
server that keeps the messages it is given (just enough SMTP: every command gets 250, DATA
354)."""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Sinks:
    webhook: str
    smtp_host: str
    smtp_port: int
    posted: list[dict] = field(default_factory=list)
    mails: list[str] = field(default_factory=list)


@contextmanager
def alert_sinks(host: str = "127.0.0.121") -> Iterator[Sinks]:
    posted: list[dict] = []
    mails: list[str] = []

    class Hook(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802
            posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

    class Smtp(socketserver.StreamRequestHandler):
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

    web = ThreadingHTTPServer((host, 0), Hook)
    smtp = socketserver.ThreadingTCPServer((host, 0), Smtp)
    for server in (web, smtp):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Sinks(
            f"http://{host}:{web.server_address[1]}/hook",
            host,
            smtp.server_address[1],
            posted,
            mails,
        )
    finally:
        web.shutdown()
        smtp.shutdown()
        web.server_close()
        smtp.server_close()
