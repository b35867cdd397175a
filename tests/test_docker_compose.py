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
    assert "kibana import" in " ".join(services["newsmon-setup"]["command"])


def test_airflow_services_share_image_secret_and_store(project):
    airflow = {n: s for n, s in project["services"].items() if n.startswith("airflow-")}
    assert len(airflow) == 5
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
