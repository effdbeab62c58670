"""deploy/kubernetes.yaml holds together: what scripts/test's schema check cannot see (names and labels
that must agree across resources, the Secret, the probes, no session affinity); and the deploy files set
only settings the service reads, the manifest every one a production card needs."""

from __future__ import annotations

from typing import Any

import yaml

from cds_service.settings import DEFAULT_HEALTH_PLAN_NAME, PRODUCTION_SETTINGS, Settings
from tests.conftest import REPO_ROOT

MANIFEST = REPO_ROOT / "deploy" / "kubernetes.yaml"


def resources() -> dict[str, dict[str, Any]]:
    return {doc["kind"]: doc for doc in yaml.safe_load_all(MANIFEST.read_text()) if doc}


def test_the_manifest_has_the_resources_a_replicated_service_needs() -> None:
    assert set(resources()) == {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"}


def test_the_database_url_and_assertion_secret_come_from_the_secret() -> None:
    container = resources()["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    env = {item["name"]: item for item in container["env"]}
    for name, key in (("CDS_DATABASE_URL", "database-url"), ("CDS_ASSERTION_SECRET", "assertion-secret")):
        assert "value" not in env[name]
        assert env[name]["valueFrom"]["secretKeyRef"] == {"name": "cds-dexrazoxane", "key": key}


def test_probes_point_at_health_and_readiness() -> None:
    container = resources()["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"


def test_every_selector_matches_the_pods_and_nothing_is_sticky() -> None:
    found = resources()
    deployment = found["Deployment"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert found["Service"]["spec"]["selector"].items() <= pod_labels.items()
    assert found["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert found["Service"]["spec"].get("sessionAffinity", "None") == "None"
    assert "sticky" not in MANIFEST.read_text().replace("no sticky sessions", "")


def test_the_autoscaler_scales_this_deployment_and_the_budget_leaves_a_replica() -> None:
    found = resources()
    target = found["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", found["Deployment"]["metadata"]["name"])
    assert found["HorizontalPodAutoscaler"]["spec"]["minReplicas"] >= 2
    assert (
        found["PodDisruptionBudget"]["spec"]["minAvailable"]
        < found["HorizontalPodAutoscaler"]["spec"]["minReplicas"]
    )
    # The autoscaler measures CPU against the request: without one it cannot scale.
    container = found["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["requests"]["cpu"]


DOCKERFILE = REPO_ROOT / "deploy" / "Dockerfile"


def manifest_variables() -> set[str]:
    container = resources()["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    return {item["name"] for item in container["env"]}


def dockerfile_variables() -> set[str]:
    """Names set by ENV instructions (``ENV A=1 B=2``, continued lines joined; ``ENV A 1`` too)."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    names: set[str] = set()
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].upper() != "ENV":
            continue
        pairs = words[1:]
        names |= {p.split("=", 1)[0] for p in pairs} if "=" in pairs[0] else {pairs[0]}
    return names


def test_every_cds_variable_the_deploy_files_set_is_a_setting_the_service_reads() -> None:
    fields = set(Settings.model_fields)
    for where, names in (("kubernetes.yaml", manifest_variables()), ("Dockerfile", dockerfile_variables())):
        settings = {name for name in names if name.startswith("CDS_")}
        unread = sorted(name for name in settings if name.removeprefix("CDS_").lower() not in fields)
        assert unread == [], f"{where} sets {unread}, which no setting reads"
    assert "PYTHONUNBUFFERED" in dockerfile_variables()  # the ENV reader reads the Dockerfile's ENV


def test_the_manifest_sets_what_a_production_card_needs() -> None:
    """The payer's name on every card, the public URL (DTR questionnaire, JWT audience), the assertion key."""
    wanted = {f"CDS_{name.upper()}" for name in PRODUCTION_SETTINGS}
    assert wanted <= manifest_variables()
    container = resources()["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    env = {item["name"]: item for item in container["env"]}
    assert env["CDS_HEALTH_PLAN_NAME"]["value"] != DEFAULT_HEALTH_PLAN_NAME
