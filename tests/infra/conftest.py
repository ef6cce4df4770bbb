"""Shared fixtures of the infrastructure checks (docker compose, images, Kubernetes).

Everything here runs offline: the validators use schema files kept in the repo
(infra/schemas/, kubernetes-validate's bundled schemas), and every subprocess gets a proxy that
points nowhere, so an attempt to fetch anything from the network fails the test instead of
passing silently.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"

# The call DAG (DESIGN.md §2): who may call whom.
CALLS: dict[str, frozenset[str]] = {
    "tenants": frozenset(),
    "measure": frozenset({"tenants"}),
    "billing": frozenset({"tenants", "measure"}),
    "reports": frozenset({"measure", "billing", "tenants"}),
    "gateway": frozenset({"tenants", "billing", "measure", "reports"}),
}
PORTS = {"gateway": 8000, "tenants": 8001, "billing": 8002, "measure": 8003, "reports": 8004}
WITH_DATABASE = ("tenants", "billing", "measure", "reports")


class Infra:
    """Paths, conventions and helpers, handed to the tests as the `infra` fixture."""

    root = ROOT
    calls = CALLS
    ports = PORTS
    with_database = WITH_DATABASE
    apps = tuple(PORTS)
    compose_file = ROOT / "docker-compose.yml"
    schemas = ROOT / "infra" / "schemas"
    realm_file = ROOT / "infra" / "keycloak" / "realm-gip.json"
    dev_overlay = ROOT / "infra" / "k8s" / "overlays" / "dev"
    base = ROOT / "infra" / "k8s" / "base"

    @staticmethod
    def tool(name: str) -> str:
        path = VENV_BIN / name
        if not path.exists():
            pytest.fail(f"{path} is missing: install the dev tools (uv pip sync requirements.lock)")
        return str(path)

    @staticmethod
    def run(
        args: Sequence[str], *, input: str | None = None, check: bool = False
    ) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ)
        # Any network access by a validator goes to a closed port and fails loudly.
        for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
            env[var] = "http://127.0.0.1:9"
        env.pop("NO_PROXY", None)
        env.pop("no_proxy", None)
        proc = subprocess.run(
            list(args), input=input, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
        )
        if check and proc.returncode != 0:
            pytest.fail(
                f"{' '.join(args)} exited {proc.returncode}\n"
                f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
            )
        return proc

    def kustomize(self, path: Path) -> list[dict[str, Any]]:
        proc = self.run([self.tool("kubectl"), "kustomize", str(path)], check=True)
        docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
        assert docs, f"kubectl kustomize {path} rendered nothing"
        return docs

    def realm(self) -> dict[str, Any]:
        if not self.realm_file.exists():
            pytest.fail(f"{self.realm_file} is missing (the realm is the single source of truth)")
        return json.loads(self.realm_file.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def infra() -> Infra:
    return Infra()


@pytest.fixture(scope="session")
def compose(infra: Infra) -> dict[str, Any]:
    data = yaml.safe_load(infra.compose_file.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data.get("services"), "docker-compose.yml has no services"
    return data


@pytest.fixture(scope="session")
def dev_docs(infra: Infra) -> list[dict[str, Any]]:
    """The dev overlay as `kubectl kustomize` renders it (default load restrictions)."""
    return infra.kustomize(infra.dev_overlay)


@pytest.fixture(scope="session")
def base_docs(infra: Infra) -> list[dict[str, Any]]:
    return infra.kustomize(infra.base)
