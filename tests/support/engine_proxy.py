"""A real HTTP proxy on 127.0.0.1 in front of the test search engine.

Two uses:
- outages: `stop()` closes the listening socket (clients get "connection refused", as when an
  engine is down), `start()` listens again on the same port;
- Elasticsearch compatibility: with `as_elasticsearch=True` it rewrites the media types that
  elasticsearch-py 9 sends (application/vnd.elasticsearch+json; compatible-with=9) to plain
  JSON and adds the `X-Elastic-Product: Elasticsearch` header the client insists on. That lets
  the real Elasticsearch client and newsmon's Elasticsearch transport run against the real
  OpenSearch node. It is a shim, not a mock: every request is executed by a real engine; what
  it cannot show is Elasticsearch-only behaviour (ILM), which needs NEWSMON_ES_URL.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_VND = re.compile(r"application/vnd\.elasticsearch\+([\w-]+)(;\s*compatible-with=\d+)?")
_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authorization",
    "proxy-authenticate",
    "content-length",
    "host",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args):
        pass

    def _forward(self):
        proxy = self.server.proxy
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {}
        for name, value in self.headers.items():
            if name.lower() in _HOP:
                continue
            if proxy.as_elasticsearch and name.lower() in ("accept", "content-type"):
                value = _VND.sub(lambda m: f"application/{m.group(1)}", value)
            headers[name] = value
        target = urlsplit(proxy.target)
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        proxy.requests += 1
        self.send_response(resp.status)
        for name, value in resp.getheaders():
            if name.lower() not in _HOP:
                self.send_header(name, value)
        if proxy.as_elasticsearch:
            self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, proxy):
        self.proxy = proxy
        self.open_connections: set[socket.socket] = set()
        self.lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request_thread(self, request, client_address):
        with self.lock:
            self.open_connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.lock:
                self.open_connections.discard(request)

    def cut_connections(self) -> None:
        """Reset every established connection too: keep-alive clients must notice the outage."""
        with self.lock:
            for conn in list(self.open_connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class EngineProxy:
    def __init__(self, target: str, as_elasticsearch: bool = False):
        self.target = target.rstrip("/")
        self.as_elasticsearch = as_elasticsearch
        self.requests = 0
        self.port = 0
        self._server: _Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> EngineProxy:
        self._server = _Server(("127.0.0.1", self.port), self)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server.cut_connections()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
