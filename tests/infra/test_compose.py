"""docker-compose.yml, the app image recipe and what they mount."""

from __future__ import annotations

import copy
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

INFRA_SERVICES = {"postgres", "keycloak"}  # what an app may wait for besides its DAG peers
# Long-running services without a container health check, and why. Nothing may depend on them.
NO_HEALTHCHECK = {
    "otel-collector": "distroless image: no shell or HTTP client to probe with; exporters retry",
}


def _dockerfile(infra, service: dict[str, Any]) -> Path:
    build = service["build"]
    if isinstance(build, str):
        build = {"context": build}
    context = (infra.root / build.get("context", ".")).resolve()
    return context / build.get("dockerfile", "Dockerfile")


def _healthcheck_in_dockerfile(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    return bool(re.search(r"^HEALTHCHECK\s+(?!NONE\b)", text, flags=re.MULTILINE))


def _has_healthcheck(infra, service: dict[str, Any]) -> bool:
    hc = service.get("healthcheck")
    if hc is not None:
        return not hc.get("disable", False) and hc.get("test") not in (None, ["NONE"])
    return "build" in service and _healthcheck_in_dockerfile(_dockerfile(infra, service))


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def _apps(compose) -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in compose["services"].items() if "build" in svc}


def _workers(compose) -> dict[str, tuple[str, dict[str, Any]]]:
    """Services that run an app's image without building it: that app's workers (a process
    of its own, no port), as name → (app, service)."""
    images = {svc["image"]: name for name, svc in _apps(compose).items()}
    return {
        name: (images[svc["image"]], svc)
        for name, svc in compose["services"].items()
        if "build" not in svc and svc.get("image") in images
    }


def test_compose_validates_against_the_compose_schema(infra):
    proc = infra.run(
        [
            infra.tool("check-jsonschema"),
            "--schemafile",
            str(infra.schemas / "compose-spec.json"),
            str(infra.compose_file),
        ]
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_compose_schema_rejects_a_misspelt_field(infra, compose, tmp_path):
    broken = copy.deepcopy(compose)
    broken["services"]["tenants"]["healthchek"] = {"test": ["CMD", "true"]}
    path = tmp_path / "docker-compose.yml"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    proc = infra.run(
        [
            infra.tool("check-jsonschema"),
            "--schemafile",
            str(infra.schemas / "compose-spec.json"),
            str(path),
        ]
    )
    assert proc.returncode != 0
    assert "healthchek" in proc.stdout + proc.stderr


def test_the_five_apps_are_built_from_a_dockerfile_with_a_healthcheck(infra, compose):
    apps = _apps(compose)
    assert set(apps) == set(infra.apps)
    for name, service in apps.items():
        dockerfile = _dockerfile(infra, service)
        assert dockerfile.is_file(), f"{name}: {dockerfile} does not exist"
        text = dockerfile.read_text(encoding="utf-8")
        assert _healthcheck_in_dockerfile(dockerfile) or "healthcheck" in service, name
        assert "/healthz" in text, f"{dockerfile} health check must probe /healthz"
        assert re.search(r"^FROM python:3\.11-slim\b", text, flags=re.MULTILINE), dockerfile
        users = re.findall(r"^USER\s+(\S+)", text, flags=re.MULTILINE)
        assert users, f"{dockerfile}: no USER"
        assert users[-1].split(":")[0] not in {"root", "0"}, f"{dockerfile} runs as root"
        assert "uv pip sync --python /app/.venv/bin/python requirements.lock" in text
        # The shared recipe selects the app with build args.
        args = service["build"].get("args", {})
        if re.search(r"^ARG SERVICE\b", text, flags=re.MULTILINE):
            assert args.get("SERVICE") == name, f"{name}: build arg SERVICE={args.get('SERVICE')}"
            assert str(args.get("PORT")) == str(infra.ports[name]), name
        package = (
            infra.root / "gateway" / "src" / "gateway"
            if name == "gateway"
            else infra.root / "services" / name / "src" / name
        )
        assert (package / "__init__.py").is_file(), f"{name}: no package at {package}"


def test_every_long_running_service_has_a_healthcheck(infra, compose):
    for name, service in compose["services"].items():
        if name in NO_HEALTHCHECK:
            assert not _has_healthcheck(infra, service), f"{name}: drop it from NO_HEALTHCHECK"
            continue
        assert _has_healthcheck(infra, service), f"{name} has no health check"


def test_every_depends_on_waits_for_a_healthy_service(infra, compose):
    services = compose["services"]
    for name, service in services.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: use the long depends_on syntax"
        for dep, spec in depends.items():
            assert dep in services, f"{name} depends on unknown {dep}"
            assert spec.get("condition") == "service_healthy", f"{name} -> {dep}: {spec}"
            assert dep not in NO_HEALTHCHECK and _has_healthcheck(infra, services[dep]), dep


def test_startup_order_and_peers_follow_the_call_dag(infra, compose):
    for name, service in _apps(compose).items():
        allowed = infra.calls[name]
        depends = set(service.get("depends_on", {}))
        app_deps = depends - INFRA_SERVICES
        assert app_deps == allowed, f"{name} waits for {sorted(app_deps)}, DAG: {sorted(allowed)}"
        expected_infra = {"keycloak"} | ({"postgres"} if name in infra.with_database else set())
        assert depends & INFRA_SERVICES == expected_infra, name
        env = _env(service)
        peers = {k.removeprefix("GIP_PEER_").lower() for k in env if k.startswith("GIP_PEER_")}
        assert peers == allowed, f"{name} has peers {sorted(peers)}, DAG: {sorted(allowed)}"
        for peer in peers:
            url = urlsplit(env[f"GIP_PEER_{peer.upper()}"])
            assert (url.hostname, url.port) == (peer, infra.ports[peer]), env
    for name in set(compose["services"]) - set(infra.apps) - set(_workers(compose)):
        deps = set(compose["services"][name].get("depends_on", {}))
        assert not deps & set(infra.apps), f"infrastructure service {name} depends on an app"


def test_workers_run_their_app_image_after_it_and_on_its_database(infra, compose):
    workers = _workers(compose)
    assert set(workers) == {"measure-rollup"}
    apps = _apps(compose)
    for name, (app, service) in workers.items():
        assert name.startswith(f"{app}-"), name
        assert "ports" not in service, f"{name} serves nothing"
        # After its app, which migrates the database the worker uses.
        assert set(service["depends_on"]) == {app, "postgres"}, name
        env, app_env = _env(service), _env(apps[app])
        assert env["OTEL_SERVICE_NAME"] == name
        assert env.get("GIP_MIGRATE_ON_START", "false") == "false", name
        assert not any(k.startswith("GIP_PEER_") for k in env), f"{name} calls no peer"
        # The app's own settings, alike (with GIP_ENV=production both are checked): all but
        # where it listens, and whether the API leaves the rollup to the worker.
        own = f"GIP_{app.upper()}_"
        api_only = {f"{own}HOST", f"{own}PORT", f"{own}ROLLUP_IN_PROCESS"}
        for key in ("GIP_ENV", *(k for k in app_env if k.startswith(own))):
            if key not in api_only:
                assert env.get(key) == app_env[key], f"{name}: {key}"
        # Its health check asks the worker itself, not an HTTP port it does not have.
        assert "--alive" in service["healthcheck"]["test"], name
    # measure's API pods leave the rollup to measure-rollup.
    assert _env(apps["measure"])["GIP_MEASURE_ROLLUP_IN_PROCESS"] == "false"


def test_app_settings_follow_the_conventions(infra, compose):
    realm_clients = {c["clientId"]: c for c in infra.realm().get("clients", [])}
    for name, service in _apps(compose).items():
        env = _env(service)
        svc = name.upper()
        assert env[f"GIP_{svc}_HOST"] == "0.0.0.0"
        assert env[f"GIP_{svc}_PORT"] == str(infra.ports[name])
        assert env["OTEL_SERVICE_NAME"] == name
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
        assert env["GIP_IDP_URL"] == "http://keycloak:8080"
        assert env["GIP_OIDC_ISSUER"] == "http://localhost:8080/realms/gip"
        assert env["GIP_ENV"] in {"dev", "${GIP_ENV:-dev}"}
        if name in infra.with_database:
            url = env[f"GIP_{svc}_DATABASE_URL"]
            assert re.fullmatch(rf"postgresql\+psycopg://{name}:\S+@postgres:5432/{name}", url), url
            client_id = env[f"GIP_{svc}_CLIENT_ID"]
            assert client_id == f"svc-{name}"
            client = realm_clients.get(client_id)
            assert client is not None, f"realm has no client {client_id}"
            secret = env[f"GIP_{svc}_CLIENT_SECRET"]
            assert secret == f"${{GIP_{svc}_CLIENT_SECRET:-{client['secret']}}}", secret
        else:
            assert not any(k.endswith("_DATABASE_URL") for k in env), name
    ports = {p.split(":")[0] for s in compose["services"].values() for p in s.get("ports", [])}
    assert {"8000", "8080"} <= ports, "gateway and keycloak must be published"


def test_compose_mounts_files_that_exist(infra, compose):
    expected = {
        "postgres": "/docker-entrypoint-initdb.d/",
        "keycloak": "/opt/keycloak/data/import/realm-gip.json",
        "otel-collector": "/etc/otelcol/config.yaml",
        "prometheus": "/etc/prometheus/prometheus.yml",
    }
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (infra.root / source).exists(), f"{name}: {source} does not exist"
        if name in expected:
            targets = [v.split(":")[1] for v in service.get("volumes", [])]
            assert any(t.startswith(expected[name]) for t in targets), (name, targets)
    keycloak = compose["services"]["keycloak"]
    assert keycloak["image"].startswith("quay.io/keycloak/keycloak:26.")
    assert "--import-realm" in keycloak["command"]
    assert _env(keycloak)["KC_HEALTH_ENABLED"] == "true"
    assert "9000" in " ".join(keycloak["healthcheck"]["test"])
    assert compose["services"]["postgres"]["image"] == "postgres:15"


def test_prometheus_scrapes_every_app(infra):
    config = yaml.safe_load((infra.root / "infra/prometheus/prometheus.yml").read_text())
    targets = {
        target
        for job in config["scrape_configs"]
        if job.get("metrics_path", "/metrics") == "/metrics"
        for static in job.get("static_configs", [])
        for target in static["targets"]
    }
    for name, port in infra.ports.items():
        assert f"{name}:{port}" in targets, f"prometheus does not scrape {name}"


def test_collector_pipelines_use_declared_components(infra):
    config = yaml.safe_load((infra.root / "infra/otel/collector.yaml").read_text())
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")
    for pipeline in config["service"]["pipelines"].values():
        for kind in ("receivers", "processors", "exporters"):
            for component in pipeline.get(kind, []):
                assert component in config[kind], f"{component} is not declared in {kind}"


# --------------------------------------------------------------------------- .dockerignore


def _dockerignore_regex(pattern: str) -> re.Pattern[str]:
    """Docker's pattern syntax (moby/patternmatcher): `**` crosses directories, `*` does not."""
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif c == "*":
            out, i = out + "[^/]*", i + 1
        elif c == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(c), i + 1
    return re.compile(out + r"\Z")


def _excluded_by_dockerignore(rules: list[tuple[bool, re.Pattern[str]]], path: str) -> bool:
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for negated, regex in rules:
        if any(regex.match(p) for p in prefixes):
            excluded = not negated
    return excluded


def test_dockerignore_keeps_build_inputs_and_drops_the_rest(infra):
    rules = []
    for line in (infra.root / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").lstrip("/"))
        rules.append((negated, _dockerignore_regex(pattern)))

    dockerfile = (infra.root / "infra/docker/Dockerfile.service").read_text()
    copy_sources = [
        src
        for args in re.findall(r"^COPY\s+(.+)$", dockerfile, flags=re.MULTILINE)
        if "--from=" not in args  # from another build stage, not from the context
        for src in [a for a in args.split() if not a.startswith("--")][:-1]
    ]
    assert copy_sources, "no COPY in the Dockerfile?"
    needed = [s.rstrip("/") for s in copy_sources]
    for member in (
        "libs/gipkit",
        "services/tenants",
        "services/billing",
        "services/measure",
        "services/reports",
        "gateway",
    ):
        needed.append(f"{member}/pyproject.toml")
        needed += [
            str(p.relative_to(infra.root))
            for p in (infra.root / member / "src").rglob("*.py")
            if "__pycache__" not in p.parts
        ]
        needed.append(f"{member}/migrations/env.py")  # Alembic, outside src/
    for path in needed:
        assert not _excluded_by_dockerignore(rules, path), f".dockerignore excludes {path}"

    for path in (
        ".git/HEAD",
        ".venv/bin/python",
        "var/tenants.db",
        ".env",
        "tests/infra/test_compose.py",
        "services/tenants/tests/test_api.py",
        "libs/gipkit/src/gipkit/__pycache__/app.cpython-311.pyc",
        "infra/dev-idp/node_modules/oidc-provider/package.json",
        "infra/keycloak/realm-gip.json",
        "docker-compose.yml",
    ):
        assert _excluded_by_dockerignore(rules, path), f".dockerignore lets {path} in"


# ------------------------------------------------------------------------------ entrypoint


@pytest.mark.parametrize(
    ("service", "migrate_on_start", "argv", "expected"),
    [
        ("tenants", "true", [], ["-m tenants migrate", "-m tenants serve"]),
        ("reports", "true", ["serve"], ["-m reports migrate", "-m reports serve"]),
        ("tenants", "false", [], ["-m tenants serve"]),
        ("gateway", "true", [], ["-m gateway serve"]),
        ("measure", "true", ["purge"], ["-m measure purge"]),
    ],
)
def test_entrypoint_runs_migrate_before_serve_when_asked(
    infra, tmp_path, service, migrate_on_start, argv, expected
):
    log = tmp_path / "calls.log"
    fake = tmp_path / "python"
    fake.write_text(f'#!/bin/sh\necho "$*" >> {log}\n')
    fake.chmod(0o755)
    env = {
        "PATH": f"{tmp_path}:{os.environ['PATH']}",
        "GIP_SERVICE": service,
        "GIP_MIGRATE_ON_START": migrate_on_start,
    }
    script = infra.root / "infra/docker/entrypoint.sh"
    subprocess.run(["sh", str(script), *argv], env=env, check=True, timeout=10)
    assert log.read_text().splitlines() == expected


def test_entrypoint_does_not_serve_when_migration_fails(infra, tmp_path):
    log = tmp_path / "calls.log"
    fake = tmp_path / "python"
    fake.write_text(f'#!/bin/sh\necho "$*" >> {log}\n[ "$3" != migrate ]\n')
    fake.chmod(0o755)
    env = {
        "PATH": f"{tmp_path}:{os.environ['PATH']}",
        "GIP_SERVICE": "billing",
        "GIP_MIGRATE_ON_START": "true",
    }
    proc = subprocess.run(
        ["sh", str(infra.root / "infra/docker/entrypoint.sh")], env=env, timeout=10
    )
    assert proc.returncode != 0
    assert log.read_text().splitlines() == ["-m billing migrate"]


# ----------------------------------------------------------------- postgres init script


def test_postgres_init_script_creates_a_database_per_service(infra):
    """Runs infra/postgres/init-databases.sh against a throw-away PostgreSQL server."""
    initdb, pg_ctl, psql = (shutil.which(t) for t in ("initdb", "pg_ctl", "psql"))
    if not (initdb and pg_ctl and psql):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, psql) are not on PATH")
    workdir = Path(tempfile.mkdtemp(prefix="gip-initdb-"))
    data = workdir / "data"
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        pw = pwd.getpwnam("postgres")
        os.chown(workdir, pw.pw_uid, pw.pw_gid)
        as_postgres = ["runuser", "-u", "postgres", "--"]
    env = {
        **os.environ,
        "PGHOST": str(workdir),  # unix socket only: no port taken
        "PGPORT": "5432",
        "POSTGRES_USER": "postgres",
        "GIP_BILLING_DB_PASSWORD": "it's-s3cret",
    }

    def run(*args: str) -> str:
        proc = subprocess.run(
            args, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert proc.returncode == 0, f"{args}: {proc.stdout}{proc.stderr}"
        return proc.stdout

    def sql(user: str, database: str, statement: str) -> str:
        return run(psql, "-v", "ON_ERROR_STOP=1", "-U", user, "-d", database, "-Atc", statement)

    try:
        run(*as_postgres, initdb, "-D", str(data), "-U", "postgres", "-A", "trust")
        options = f"-p 5432 -k {workdir} -c listen_addresses=''"
        run(
            *as_postgres, pg_ctl, "-D", str(data), "-o", options, "-w", "-l", f"{data}.log", "start"
        )
        try:
            run("bash", str(infra.root / "infra/postgres/init-databases.sh"))
            owners = sql(
                "postgres",
                "postgres",
                "select datname || ':' || pg_get_userbyid(datdba) from pg_database",
            ).split()
            for db in infra.with_database:
                assert f"{db}:{db}" in owners
                # The owner can create its schema (what `python -m <svc> migrate` does).
                sql(db, db, "create table probe (id int primary key); drop table probe;")
        finally:
            run(*as_postgres, pg_ctl, "-D", str(data), "-m", "immediate", "stop")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
