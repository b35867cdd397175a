"""Airflow 3 on this machine with newsmon's DAGs on the embedded store (`make airflow`).

Starts the api-server, scheduler, dag-processor and triggerer (what `airflow standalone`
runs) as one group of processes with one configuration: a migrated metadata database under
AIRFLOW_HOME (default var/airflow), no example DAGs, parallelism capped for a 2-core
machine, the LocalExecutor, the `newsmon_crawl` pool, and Airflow's simple auth manager with
one user, `admin`, whose password is printed (and kept in AIRFLOW_HOME/passwords.json). The
newsmon settings come from the environment as for any task (NEWSMON_HOME defaults to
var/newsmon here, so the store and landing zone stay in the checkout). Ctrl-C or SIGTERM stops
every process it started, and waits for them.

The test tests/dags/test_airflow_services.py uses the same class.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalAirflow:
    def __init__(
        self,
        home: Path,
        port: int = 8080,
        env: dict[str, str] | None = None,
        parallelism: int = 2,
        log_dir: Path | None = None,
    ):
        self.home = home.resolve()
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.procs: list[subprocess.Popen[bytes]] = []
        self._token: str | None = None
        self.log_dir = log_dir or self.home / "logs" / "components"
        secret_file = self.home / "secrets.json"
        self.home.mkdir(parents=True, exist_ok=True)
        if secret_file.exists():
            saved = json.loads(secret_file.read_text())
        else:
            saved = {"jwt": secrets.token_urlsafe(32), "password": secrets.token_urlsafe(12)}
            secret_file.write_text(json.dumps(saved))
            secret_file.chmod(0o600)
        self.password = saved["password"]
        passwords = self.home / "passwords.json"
        passwords.write_text(json.dumps({"admin": self.password}))
        passwords.chmod(0o600)
        self.env = {
            **os.environ,
            **(env or {}),
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(parallelism),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API_AUTH__JWT_SECRET": saved["jwt"],
            "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        }
        self.airflow = str(Path(sys.executable).with_name("airflow"))

    def _run(self, *args: str) -> None:
        subprocess.run(
            [self.airflow, *args], env=self.env, check=True, capture_output=True, timeout=600
        )

    def start(self, timeout: float = 300) -> LocalAirflow:
        self._run("db", "migrate")
        self._run("pools", "set", "newsmon_crawl", "2", "newsmon crawls at once")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in COMPONENTS:
            log = (self.log_dir / f"{name}.log").open("ab")
            self.procs.append(
                subprocess.Popen(
                    [self.airflow, name],
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own group: stop() ends its children too
                )
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.procs):
                self.stop()
                raise RuntimeError(f"an Airflow component exited: see {self.log_dir}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=5) as r:
                    health = json.loads(r.read())
                if health.get("scheduler", {}).get("status") == "healthy":
                    return self
            except OSError:
                pass
            time.sleep(2)
        self.stop()
        raise TimeoutError(f"Airflow did not become healthy in {timeout:.0f} s")

    def stop(self, timeout: float = 60) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.procs:
            try:
                proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        self.procs = []

    # -- the REST API, as an ops script would use it --------------------------------------------

    def token(self) -> str:
        """A bearer token for the REST API, asked for once per instance."""
        if self._token is None:
            self._token = self._new_token()
        return self._token

    def _new_token(self) -> str:
        body = json.dumps({"username": "admin", "password": self.password}).encode()
        request = urllib.request.Request(
            f"{self.url}/auth/token", body, {"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return str(json.loads(answer.read())["access_token"])

    def api(self, method: str, path: str, body: object = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}/api/v2{path}",
            data,
            {"Content-Type": "application/json", "Authorization": f"Bearer {self.token()}"},
            method=method,
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read() or b"{}")  # type: ignore[no-any-return]

    def __enter__(self) -> LocalAirflow:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", default=os.environ.get("AIRFLOW_HOME", REPO / "var/airflow"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("AIRFLOW_PORT", 8080)))
    args = parser.parse_args()
    env = {"NEWSMON_HOME": os.environ.get("NEWSMON_HOME", str(REPO / "var/newsmon"))}
    airflow = LocalAirflow(Path(args.home), args.port, env)
    stopping = {"now": False}

    def stop(*_: object) -> None:
        stopping["now"] = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"starting Airflow in {airflow.home} (logs: {airflow.log_dir}) ...", flush=True)
    airflow.start()
    print(
        f"Airflow is up: {airflow.url}  user admin, password {airflow.password}\n"
        f"  newsmon store and landing zone: {env['NEWSMON_HOME']}\n"
        "  DAGs start paused: unpause newsmon_crawl, newsmon_process and newsmon_stories\n"
        "  Ctrl-C stops everything.",
        flush=True,
    )
    try:
        while not stopping["now"]:
            if any(p.poll() is not None for p in airflow.procs):
                print("an Airflow component exited: stopping", file=sys.stderr)
                break
            time.sleep(1)
    finally:
        print("stopping Airflow ...", flush=True)
        airflow.stop()
        print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
