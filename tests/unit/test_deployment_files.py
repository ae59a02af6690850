"""The container files stay consistent with the code (no Docker engine here to run them)."""

import importlib.util
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("screening", "scheduling", "claims", "notifications")


def test_the_compose_file_migrates_then_runs_every_service_web_and_workers():
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]
    assert {"kafka", "postgres", "clearinghouse", "sms", "mail"} <= set(compose)
    for name in SERVICES:
        assert compose[name]["environment"]["SERVICE"] == name
        assert compose[f"{name}-workers"]["command"][-2:] == [f"services.{name}", "workers"]
        assert compose[f"{name}-migrate"]["command"][-2:] == [f"services.{name}", "migrate"]
        for runs in (name, f"{name}-workers"):  # neither web nor workers migrate themselves
            assert compose[runs]["depends_on"][f"{name}-migrate"] == {
                "condition": "service_completed_successfully"}
    assert compose["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"


def test_the_kubernetes_manifests_migrate_first_and_probe_health_and_readiness_of_each_service():
    documents = list(yaml.safe_load_all((ROOT / "deploy" / "k8s" / "medmassage.yaml").read_text()))
    web = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Deployment"}
    for name in SERVICES:
        container = web[name]["spec"]["template"]["spec"]["containers"][0]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert f"{name}-workers" in web
        for deployment in (name, f"{name}-workers"):
            (migrate,) = web[deployment]["spec"]["template"]["spec"]["initContainers"]
            assert migrate["command"][-2:] == [f"services.{name}", "migrate"]


def test_the_dockerfile_copies_only_folders_that_exist():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (\S+)", dockerfile, flags=re.MULTILINE):
        assert (ROOT / source).exists(), source


def test_each_service_the_deployment_names_can_be_started():
    for name in SERVICES:
        assert importlib.util.find_spec(f"services.{name}.__main__") is not None
        assert importlib.util.find_spec(f"services.{name}.app") is not None
