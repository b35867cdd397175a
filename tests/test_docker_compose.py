"""docker-compose.yml, checked offline (no Docker engine runs here) by compose-go, the library
Docker Compose itself loads files with: schema validation, interpolation from .env.example,
normalisation and consistency checks. Built from tools/compose-check with Go."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
TOOL = REPO / "tools" / "compose-check"


@pytest.fixture(scope="module")
def compose_check(tmp_path_factory) -> Path:
    if shutil.which("go") is None:
        if os.environ.get("CI"):
            pytest.fail("Go is needed to validate docker-compose.yml with compose-go")
        pytest.skip("Go is not installed: cannot build tools/compose-check")
    binary = tmp_path_factory.mktemp("bin") / "compose-check"
    subprocess.run(
        ["go", "build", "-o", str(binary), "."],
        cwd=TOOL,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return binary


@pytest.fixture(scope="module")
def project(compose_check) -> dict:
    run = subprocess.run(
        [str(compose_check), "docker-compose.yml", ".env.example"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_an_invalid_file_is_refused(compose_check, tmp_path):
    doc = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    doc["services"]["es01"]["healthcheck"]["interval"] = "every now and then"
    doc["services"]["kibana"]["depends_on"]["es01"]["condition"] = "when it feels like it"
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(yaml.safe_dump(doc))
    run = subprocess.run(
        [str(compose_check), str(broken), str(REPO / ".env.example")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0 and "invalid" in run.stderr


def test_the_stack(project):
    services = project["services"]
    assert {
        "setup",
        "es01",
        "kibana",
        "newsmon-setup",
        "postgres",
        "airflow-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
    } <= set(services)
    for name, service in services.items():
        one_shot = service.get("restart") == "no"
        assert one_shot or "healthcheck" in service, f"{name} has no health check"
    es = services["es01"]["environment"]
    assert (
        es["xpack.security.enabled"] == "true" and es["xpack.security.http.ssl.enabled"] == "true"
    )
    assert services["es01"]["image"].startswith("docker.elastic.co/elasticsearch/elasticsearch:9.")
    kibana = services["kibana"]["environment"]
    assert kibana["ELASTICSEARCH_USERNAME"] == "kibana_system"
    assert kibana["ELASTICSEARCH_HOSTS"].startswith("https://")
    assert services["kibana"]["depends_on"]["es01"]["condition"] == "service_healthy"
    assert "kibana import" in " ".join(services["kibana-setup"]["command"])
    assert "index setup" in " ".join(services["newsmon-setup"]["command"])


def test_airflow_services_share_image_secret_and_store(project):
    airflow = {n: s for n, s in project["services"].items() if n.startswith("airflow-")}
    assert len(airflow) == 5
    assert all(p == [] for p in compose_problems(project).values())
    assert len({s["image"] for s in airflow.values()}) == 1
    secrets = {s["environment"]["AIRFLOW__API_AUTH__JWT_SECRET"] for s in airflow.values()}
    assert len(secrets) == 1 and secrets != {""}
    for name, service in airflow.items():
        env = service["environment"]
        assert env["NEWSMON_STORE"].startswith("elasticsearch+https://")
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql")
        if name != "airflow-init":
            assert (
                service["depends_on"]["airflow-init"]["condition"]
                == "service_completed_successfully"
            )


def test_every_variable_is_in_env_example_and_env_is_ignored():
    compose = (REPO / "docker-compose.yml").read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)", compose))
    example = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", (REPO / ".env.example").read_text(), re.M))
    assert used - example == set()
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=REPO)
    assert ignored.returncode == 0


# -- the rules a team runs the stack by ---------------------------------------------------------

AIRFLOW_PREFIX = "airflow-"
NEWSMON_IMAGE = "newsmon:local"


def _needs(services: dict, name: str) -> set[str]:
    """Every service `name` waits for, directly or through another."""
    seen: set[str] = set()
    todo = list(services[name].get("depends_on") or {})
    while todo:
        other = todo.pop()
        if other not in seen:
            seen.add(other)
            todo += list(services[other].get("depends_on") or {})
    return seen


def compose_problems(project: dict, raw: str | None = None) -> dict[str, list[str]]:
    """Each rule's breaches, in words (empty lists: the file keeps them all)."""
    services = project["services"]
    raw = raw if raw is not None else (REPO / "docker-compose.yml").read_text()
    airflow = [n for n in services if n.startswith(AIRFLOW_PREFIX)]
    ours = [n for n, s in services.items() if s.get("image") == NEWSMON_IMAGE]
    out: dict[str, list[str]] = {}
    out["airflow waits for kibana"] = [
        n for n in airflow if {"kibana", "kibana-setup"} & _needs(services, n)
    ]
    out["credentials in a URL or the superuser"] = [
        n
        for n in ours
        if "@" in (services[n].get("environment") or {}).get("NEWSMON_STORE", "")
        or (services[n].get("environment") or {}).get("NEWSMON_ES_USERNAME") == "elastic"
        or (n != "kibana-setup" and "ELASTIC_PASSWORD" in str(services[n].get("environment") or {}))
    ]
    out["pipeline without its own user"] = [
        n
        for n in ours
        if "NEWSMON_STORE" in (services[n].get("environment") or {})
        and (services[n]["environment"].get("NEWSMON_ES_USERNAME") != "newsmon_writer")
    ]
    required = [
        "AIRFLOW_FERNET_KEY",
        "KIBANA_ENCRYPTION_KEY",
        "KIBANA_REPORTING_KEY",
        "KIBANA_SECURITY_KEY",
        "AIRFLOW_JWT_SECRET",
        "NEWSMON_ES_PASSWORD",
    ]
    out["secret not required"] = [v for v in required if "${" + v + ":?" not in raw]
    kibana_env = services["kibana"].get("environment") or {}
    out["kibana key missing"] = [
        k
        for k in (
            "XPACK_ENCRYPTEDSAVEDOBJECTS_ENCRYPTIONKEY",
            "XPACK_REPORTING_ENCRYPTIONKEY",
            "XPACK_SECURITY_ENCRYPTIONKEY",
        )
        if not kibana_env.get(k)
    ]
    out["not the FAB auth manager"] = [
        n
        for n in airflow
        if not str(services[n]["environment"].get("AIRFLOW__CORE__AUTH_MANAGER", "")).endswith(
            "FabAuthManager"
        )
    ]
    out["runs as root"] = [
        n for n in ours if str(services[n].get("user", "0")).split(":")[0] in ("", "0", "root")
    ]
    built = [n for n, s in services.items() if s.get("build")]
    out["image built more than once"] = built if len(built) != 1 else []
    out["not the one image"] = [n for n in airflow if n not in ours]
    return out


def test_the_stack_keeps_the_rules(project):
    assert compose_problems(project) == {k: [] for k in compose_problems(project)}


@pytest.mark.parametrize(
    ("rule", "breach"),
    [
        (
            "airflow waits for kibana",
            lambda d: d["services"]["newsmon-setup"]["depends_on"].update(
                {"kibana": {"condition": "service_healthy"}}
            ),
        ),
        (
            "credentials in a URL or the superuser",
            lambda d: d["x-airflow-common"]["environment"].update(
                NEWSMON_STORE="elasticsearch+https://elastic:pw@es01:9200"
            ),
        ),
        (
            "pipeline without its own user",
            lambda d: d["x-airflow-common"]["environment"].pop("NEWSMON_ES_USERNAME"),
        ),
        ("kibana key missing", lambda d: d["services"]["kibana"]["environment"].clear()),
        (
            "not the FAB auth manager",
            lambda d: d["x-airflow-common"]["environment"].update(
                AIRFLOW__CORE__AUTH_MANAGER="airflow.api_fastapi.auth.managers.simple."
                "simple_auth_manager.SimpleAuthManager"
            ),
        ),
        ("runs as root", lambda d: d["services"]["airflow-scheduler"].update(user="0:0")),
        (
            "image built more than once",
            lambda d: d["services"]["kibana-setup"].update(build="."),
        ),
    ],
)
def test_each_rule_finds_its_breach(compose_check, tmp_path, rule, breach):
    """The file with one rule broken, loaded by compose-go like the original: the checker
    must name that rule."""
    raw = (REPO / "docker-compose.yml").read_text()
    doc = yaml.safe_load(raw)  # merged maps are shared objects: an edit reaches every service
    broken = tmp_path / "docker-compose.yml"
    breach(doc)
    broken.write_text(yaml.safe_dump(doc, sort_keys=False))
    run = subprocess.run(
        [str(compose_check), str(broken), str(REPO / ".env.example")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    found = compose_problems(json.loads(run.stdout), broken.read_text())
    assert found[rule], (rule, found)


def test_a_missing_secret_stops_compose_before_anything_starts(compose_check, tmp_path):
    for name in ("AIRFLOW_FERNET_KEY", "KIBANA_SECURITY_KEY", "NEWSMON_ES_PASSWORD"):
        env = tmp_path / f"no-{name}.env"
        env.write_text(
            "".join(
                line
                for line in (REPO / ".env.example").read_text().splitlines(keepends=True)
                if not line.startswith(name + "=")
            )
        )
        run = subprocess.run(
            [str(compose_check), str(REPO / "docker-compose.yml"), str(env)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode != 0 and f"set {name} in .env" in run.stderr, name


def _init_check(project) -> str:
    script = project["services"]["airflow-init"]["command"][2]
    return script.split("<<'CHECK'\n", 1)[1].split("\nCHECK\n", 1)[0]


def test_airflow_init_refuses_placeholder_and_malformed_secrets(project):
    import sys

    from cryptography.fernet import Fernet

    check = _init_check(project)
    good = {
        "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
        "AIRFLOW__API_AUTH__JWT_SECRET": "s3cret-jwt-value-long",
        "AIRFLOW__API__SECRET_KEY": "s3cret-api-value-long",
        "AIRFLOW_ADMIN_PASSWORD": "a-real-admin-password",
    }

    def run(env):
        return subprocess.run(
            [sys.executable, "-c", check], env=env, capture_output=True, text=True, timeout=60
        )

    assert run(good).returncode == 0, run(good).stderr
    for name, value in (
        ("AIRFLOW__CORE__FERNET_KEY", "change-me-fernet-key"),
        ("AIRFLOW__API_AUTH__JWT_SECRET", "change-me-jwt-secret"),
        ("AIRFLOW_ADMIN_PASSWORD", "short"),
    ):
        bad = run({**good, name: value})
        assert bad.returncode != 0 and name.split("__")[-1].lower()[:6] in bad.stderr.lower(), name


def test_the_image_runs_as_an_unprivileged_user():
    dockerfile = (REPO / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("0", "root")


def test_the_writer_role_is_least_privilege():
    role = json.loads((REPO / "pipeline/store/engine/writer_role.json").read_text())
    assert "all" not in role["cluster"] and "manage" not in role["cluster"]
    assert all(name.startswith("newsmon-") for i in role["indices"] for name in i["names"])
    assert not any(i.get("allow_restricted_indices") for i in role["indices"])
