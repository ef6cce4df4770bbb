"""The Kubernetes manifests: `kubectl kustomize infra/k8s/overlays/dev`, validated offline.

Built-in kinds go through `kubernetes-validate --strict` (bundled schemas); the operators'
custom resources through check-jsonschema with the schemas in infra/schemas/.
"""

from __future__ import annotations

import base64
import copy
import json
from collections import Counter
from typing import Any

import pytest
import yaml

CUSTOM_SCHEMAS = {
    ("postgresql.cnpg.io/v1", "Cluster"): "cnpg-cluster.json",
    ("postgresql.cnpg.io/v1", "Database"): "cnpg-database.json",
    ("k8s.keycloak.org/v2alpha1", "Keycloak"): "keycloak.json",
    ("k8s.keycloak.org/v2alpha1", "KeycloakRealmImport"): "keycloak-realm-import.json",
}
CUSTOM_GROUPS = {"postgresql.cnpg.io", "k8s.keycloak.org"}

EXPECTED_KINDS = {
    "Namespace": 1,
    "ConfigMap": 6,  # gip-common + one per app
    # dev overlay only: 5 database roles, 4 service clients, keycloak admin, measure's
    # pseudonym secret, the console's cookie secret
    "Secret": 12,
    "Deployment": 6,  # one per app, and measure's rollup worker
    "Service": 5,
    "HorizontalPodAutoscaler": 2,
    "CronJob": 2,
    "Ingress": 1,
    "NetworkPolicy": 6,
    "Cluster": 1,
    "Database": 4,
    "Keycloak": 1,
    "KeycloakRealmImport": 1,
}


def _is_custom(doc: dict[str, Any]) -> bool:
    return doc["apiVersion"].split("/")[0] in CUSTOM_GROUPS


def _of_kind(docs, kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


# Deployments that are an app's workers (no port, no Service), as name → app.
WORKERS = {"measure-rollup": "measure"}


def _app_deployments(docs) -> dict[str, dict[str, Any]]:
    return {n: d for n, d in _of_kind(docs, "Deployment").items() if n not in WORKERS}


def _pod_specs(docs):
    """(owner, pod spec) of every workload: Deployments and CronJobs."""
    for d in docs:
        if d["kind"] == "Deployment":
            yield f"deployment/{d['metadata']['name']}", d["spec"]["template"]["spec"]
        elif d["kind"] == "CronJob":
            spec = d["spec"]["jobTemplate"]["spec"]["template"]["spec"]
            yield f"cronjob/{d['metadata']['name']}", spec


def _validate_builtin(infra, docs) -> tuple[int, str]:
    stream = yaml.safe_dump_all(docs, sort_keys=False)
    proc = infra.run([infra.tool("kubernetes-validate"), "--strict", "-"], input=stream)
    return proc.returncode, proc.stdout + proc.stderr


def _validate_custom(infra, tmp_path, docs) -> list[tuple[str, int, str]]:
    by_schema: dict[str, list[str]] = {}
    for n, doc in enumerate(docs):
        schema = CUSTOM_SCHEMAS.get((doc["apiVersion"], doc["kind"]))
        assert schema, f"no schema in infra/schemas for {doc['apiVersion']} {doc['kind']}"
        path = tmp_path / f"{n:03d}-{doc['kind']}-{doc['metadata']['name']}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        by_schema.setdefault(schema, []).append(str(path))
    results = []
    for schema, files in sorted(by_schema.items()):
        proc = infra.run(
            [infra.tool("check-jsonschema"), "--schemafile", str(infra.schemas / schema), *files]
        )
        results.append((schema, proc.returncode, proc.stdout + proc.stderr))
    return results


# ------------------------------------------------------------------------------- rendering


def test_dev_overlay_renders_the_expected_objects(dev_docs):
    kinds = Counter(d["kind"] for d in dev_docs)
    assert dict(kinds) == EXPECTED_KINDS
    assert set(_of_kind(dev_docs, "Deployment")) == {
        "tenants",
        "billing",
        "measure",
        "reports",
        "gateway",
        *WORKERS,
    }
    assert {d["metadata"]["namespace"] for d in dev_docs if d["kind"] != "Namespace"} == {"gip"}


def test_base_holds_no_secret(base_docs):
    """Secrets are referenced by the base, never defined there (no committed real values)."""
    assert not [d for d in base_docs if d["kind"] == "Secret"]
    assert not [d for d in base_docs if d["kind"] == "KeycloakRealmImport"], "dev realm in base"


# ------------------------------------------------------------------------------ validation


def test_builtin_kinds_pass_kubernetes_validate_strict(infra, dev_docs):
    builtin = [d for d in dev_docs if not _is_custom(d)]
    rc, output = _validate_builtin(infra, builtin)
    assert rc == 0, output
    assert "WARN" not in output and "ERROR" not in output, output
    assert output.count(" passed for resource ") == len(builtin), output


def test_kubernetes_validate_rejects_a_misspelt_deployment_field(infra, dev_docs):
    deployment = copy.deepcopy(_of_kind(dev_docs, "Deployment")["measure"])
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"]["readOnlyRootFilesytem"] = True
    rc, output = _validate_builtin(infra, [deployment])
    assert rc != 0
    assert "readOnlyRootFilesytem" in output


def test_custom_resources_pass_their_schemas(infra, dev_docs, tmp_path):
    custom = [d for d in dev_docs if _is_custom(d)]
    assert len(custom) == 7
    for schema, rc, output in _validate_custom(infra, tmp_path, custom):
        assert rc == 0, f"{schema}: {output}"


@pytest.mark.parametrize(
    ("kind", "path", "typo"),
    [
        ("Cluster", ["spec"], "instancess"),
        ("Cluster", ["spec", "bootstrap", "initdb"], "ownr"),
        ("Cluster", ["spec", "managed", "roles", 0], "passwordSecrett"),
        ("Database", ["spec"], "ensur"),
        ("Keycloak", ["spec", "hostname"], "backchannelDynamc"),
        ("KeycloakRealmImport", ["spec"], "keycloakCRname"),
        ("KeycloakRealmImport", ["metadata"], "nme"),
    ],
)
def test_custom_schemas_reject_misspelt_fields(infra, dev_docs, tmp_path, kind, path, typo):
    doc = copy.deepcopy(next(d for d in dev_docs if d["kind"] == kind))
    node = doc
    for key in path:
        node = node[key]
    node[typo] = "x"
    [(_, rc, output)] = _validate_custom(infra, tmp_path, [doc])
    assert rc != 0
    assert typo in output


# -------------------------------------------------------------------------------- workloads


def test_every_workload_is_hardened(dev_docs):
    for owner, pod in _pod_specs(dev_docs):
        pod_sc = pod.get("securityContext", {})
        assert pod_sc.get("runAsNonRoot") is True, owner
        assert pod_sc.get("runAsUser", 0) != 0, owner
        assert pod.get("automountServiceAccountToken") is False, owner
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for c in pod.get("initContainers", []) + pod["containers"]:
            where = f"{owner}/{c['name']}"
            sc = c.get("securityContext", {})
            assert sc.get("readOnlyRootFilesystem") is True, where
            assert sc.get("allowPrivilegeEscalation") is False, where
            assert sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True, where
            assert sc.get("capabilities", {}).get("drop") == ["ALL"], where
            seccomp = sc.get("seccompProfile", pod_sc.get("seccompProfile", {}))
            assert seccomp.get("type") == "RuntimeDefault", where
            resources = c.get("resources", {})
            for part in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(part, {})), f"{where} {part}"
            mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
            tmp = volumes.get(mounts.get("/tmp", ""), {})  # noqa: S108 (a mount path)
            assert "emptyDir" in tmp, f"{where}: no emptyDir on /tmp"
            assert c["image"].startswith("gip-mesure/") and c["image"].endswith(":dev"), where


def test_deployments_probe_healthz_and_readyz_and_serve(infra, dev_docs):
    assert set(_app_deployments(dev_docs)) == set(infra.apps)
    for name, deployment in _app_deployments(dev_docs).items():
        pod = deployment["spec"]["template"]["spec"]
        [container] = pod["containers"]
        assert container["command"] == ["python", "-m", name, "serve"], name
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports == {"http": infra.ports[name]}, name
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            http_get = container[probe]["httpGet"]
            assert http_get["path"] == path, f"{name} {probe}"
            assert ports.get(http_get["port"], http_get["port"]) == infra.ports[name], name
        env = {
            **_configmap_env(dev_docs, container),
            **{e["name"]: e for e in container.get("env", [])},
        }
        assert env[f"GIP_{name.upper()}_PORT"] == str(infra.ports[name])
        assert env[f"GIP_{name.upper()}_HOST"] == "0.0.0.0"


def test_services_migrate_in_an_init_container(infra, dev_docs):
    for name, deployment in _app_deployments(dev_docs).items():
        init = deployment["spec"]["template"]["spec"].get("initContainers", [])
        if name in infra.with_database:
            assert [c["command"] for c in init] == [["python", "-m", name, "migrate"]], name
            env = {e["name"]: e for e in init[0]["env"]}
            assert f"GIP_{name.upper()}_DATABASE_URL" in env, name
        else:
            assert init == [], f"{name} has no database to migrate"


def test_workers_run_their_app_image_without_port_and_prove_they_are_alive(dev_docs):
    deployments = _of_kind(dev_docs, "Deployment")
    services = _of_kind(dev_docs, "Service")
    for name, app in WORKERS.items():
        worker, api = deployments[name], deployments[app]
        [container] = worker["spec"]["template"]["spec"]["containers"]
        [api_container] = api["spec"]["template"]["spec"]["containers"]
        assert container["image"] == api_container["image"], name
        assert container["command"] == ["python", "-m", app, "rollup", "--follow"], name
        assert "ports" not in container and "readinessProbe" not in container, name
        assert "--alive" in container["livenessProbe"]["exec"]["command"], name
        # The API's init container migrates; the worker does not race it.
        assert not worker["spec"]["template"]["spec"].get("initContainers"), name
        # Same settings as the API (it must pass the same production checks), its own name.
        assert container["envFrom"] == api_container["envFrom"], name
        env = {e["name"]: e for e in container["env"]}
        api_env = {e["name"]: e for e in api_container["env"]}
        assert env.pop("OTEL_SERVICE_NAME")["value"] == name
        assert env == api_env, name
        # No Service sends it traffic; the API's does not select it.
        labels = worker["spec"]["template"]["metadata"]["labels"]
        for service in services.values():
            assert not service["spec"]["selector"].items() <= labels.items(), name
    # measure's API pods leave the rollup to the worker.
    assert _of_kind(dev_docs, "ConfigMap")  # rendered
    [api_container] = deployments["measure"]["spec"]["template"]["spec"]["containers"]
    assert _configmap_env(dev_docs, api_container)["GIP_MEASURE_ROLLUP_IN_PROCESS"] == "false"


def test_every_measure_process_gets_the_pseudonym_secret(dev_docs):
    # In production the settings refuse the development default: every process that loads
    # measure's settings (API, its migration, the worker, the purge) needs the real one.
    for owner, pod in _pod_specs(dev_docs):
        for c in pod.get("initContainers", []) + pod["containers"]:
            if not c["image"].startswith("gip-mesure/measure"):
                continue
            env = {e["name"]: e for e in c.get("env", [])}
            ref = env["GIP_MEASURE_PSEUDONYM_SECRET"]["valueFrom"]["secretKeyRef"]
            assert ref == {"name": "gip-measure-pseudonym", "key": "secret"}, owner


def test_the_ingress_takes_the_console_session_cookies(dev_docs):
    # Up to MAX_CHUNKS Set-Cookie headers of CHUNK_CHARS each, past nginx's 4k default.
    annotations = _of_kind(dev_docs, "Ingress")["gateway"]["metadata"]["annotations"]
    size = annotations["nginx.ingress.kubernetes.io/proxy-buffer-size"]
    assert size.endswith("k") and int(size[:-1]) * 1024 >= 5 * 4096


def test_every_gateway_replica_gets_the_same_console_cookie_secret(dev_docs):
    # Console sessions are sealed into cookies that any replica must open.
    [container] = _app_deployments(dev_docs)["gateway"]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container.get("env", [])}
    ref = env["GIP_GATEWAY_CONSOLE_COOKIE_SECRET"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": "gip-console-cookie", "key": "secret"}
    previous = env["GIP_GATEWAY_CONSOLE_COOKIE_PREVIOUS_SECRET"]["valueFrom"]["secretKeyRef"]
    assert previous == {"name": "gip-console-cookie", "key": "previous", "optional": True}
    assert "gip-console-cookie" in _of_kind(dev_docs, "Secret")


def test_cronjobs(dev_docs):
    cronjobs = _of_kind(dev_docs, "CronJob")
    expected = {
        "reports-quarterly-notes": (
            "0 3 2 1,4,7,10 *",
            ["python", "-m", "reports", "generate-quarter", "--quarter", "previous"],
        ),
        "measure-retention-purge": (None, ["python", "-m", "measure", "purge"]),
    }
    assert set(cronjobs) == set(expected)
    for name, (schedule, command) in expected.items():
        spec = cronjobs[name]["spec"]
        if schedule:
            assert spec["schedule"] == schedule
        else:  # daily: fixed minute and hour, every day of every month
            minute, hour, dom, month, dow = spec["schedule"].split()
            assert minute.isdigit() and hour.isdigit() and (dom, month, dow) == ("*", "*", "*")
        assert spec["timeZone"] == "Europe/Paris"
        assert spec["concurrencyPolicy"] == "Forbid"
        [container] = spec["jobTemplate"]["spec"]["template"]["spec"]["containers"]
        assert container["command"] == command


def test_autoscalers_own_gateway_and_measure(dev_docs):
    deployments = _of_kind(dev_docs, "Deployment")
    hpas = _of_kind(dev_docs, "HorizontalPodAutoscaler")
    assert set(hpas) == {"gateway", "measure"}
    for name, hpa in hpas.items():
        assert hpa["apiVersion"] == "autoscaling/v2"
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["apiVersion"], target["kind"], target["name"]) == (
            "apps/v1",
            "Deployment",
            name,
        )
        assert "replicas" not in deployments[name]["spec"], f"{name}: the HPA owns replicas"
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


# ------------------------------------------------------------------------------ references


def _configmap_env(docs, container) -> dict[str, str]:
    configmaps = _of_kind(docs, "ConfigMap")
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(configmaps[source["configMapRef"]["name"]]["data"])
    return env


def test_every_reference_resolves(dev_docs):
    configmaps = _of_kind(dev_docs, "ConfigMap")
    secrets = {
        name: {k: base64.b64decode(v).decode() for k, v in s.get("data", {}).items()}
        for name, s in _of_kind(dev_docs, "Secret").items()
    }
    services = _of_kind(dev_docs, "Service")
    for owner, pod in _pod_specs(dev_docs):
        for c in pod.get("initContainers", []) + pod["containers"]:
            for source in c.get("envFrom", []):
                assert source["configMapRef"]["name"] in configmaps, owner
            for var in c.get("env", []):
                ref = var.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] in secrets, f"{owner}: {ref}"
                    # An optional key (a rotation's former value) may be absent.
                    if not ref.get("optional"):
                        assert ref["key"] in secrets[ref["name"]], f"{owner}: {ref}"
    for name, service in services.items():
        selector = service["spec"]["selector"]
        pods = [
            d["spec"]["template"]
            for d in dev_docs
            if d["kind"] == "Deployment"
            and selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(pods) == 1, f"service {name} selects {len(pods)} deployments"
        port_names = {p["name"] for p in pods[0]["spec"]["containers"][0]["ports"]}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names, name
    for rule in _of_kind(dev_docs, "Ingress")["gateway"]["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == "gateway" and backend["name"] in services
    cluster = _of_kind(dev_docs, "Cluster")["gip-postgres"]["spec"]
    basic_auth = {
        n
        for n, s in _of_kind(dev_docs, "Secret").items()
        if s.get("type") == "kubernetes.io/basic-auth"
    }
    assert cluster["bootstrap"]["initdb"]["secret"]["name"] in basic_auth
    roles = {r["name"]: r for r in cluster["managed"]["roles"]}
    for role in roles.values():
        assert role["passwordSecret"]["name"] in basic_auth
        assert secrets[role["passwordSecret"]["name"]]["username"] == role["name"]
    owners = {cluster["bootstrap"]["initdb"]["owner"]} | set(roles)
    databases = {cluster["bootstrap"]["initdb"]["database"]}
    for database in _of_kind(dev_docs, "Database").values():
        assert database["spec"]["cluster"]["name"] == "gip-postgres"
        assert database["spec"]["owner"] in owners
        databases.add(database["spec"]["name"])
    assert databases == {"tenants", "billing", "measure", "reports", "keycloak"}
    keycloak = _of_kind(dev_docs, "Keycloak")["gip-keycloak"]["spec"]
    for key in ("usernameSecret", "passwordSecret"):
        ref = keycloak["db"][key]
        assert ref["key"] in secrets[ref["name"]]
    assert keycloak["db"]["database"] in databases
    assert "username" in secrets[keycloak["bootstrapAdmin"]["user"]["secret"]]


def _selects(selector: dict, labels: dict) -> bool:
    """Whether a label selector (matchLabels, matchExpressions In/NotIn) selects `labels`."""
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    for expr in selector.get("matchExpressions", []):
        value = labels.get(expr["key"])
        if expr["operator"] == "In" and value not in expr["values"]:
            return False
        if expr["operator"] == "NotIn" and value in expr["values"]:
            return False
    return True


def test_settings_and_network_policies_follow_the_call_dag(infra, dev_docs):
    deployments = _app_deployments(dev_docs)
    for name, deployment in deployments.items():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        env = _configmap_env(dev_docs, container)
        peers = {
            k.removeprefix("GIP_PEER_").lower(): v
            for k, v in env.items()
            if k.startswith("GIP_PEER_")
        }
        assert set(peers) == infra.calls[name], f"{name}: peers {sorted(peers)}"
        for peer, url in peers.items():
            assert url == f"http://{peer}:{infra.ports[peer]}", url
        assert env["GIP_IDP_URL"] == "http://gip-keycloak-service:8080"
        assert env["GIP_ENV"] == "dev"
    every_policy = list(_of_kind(dev_docs, "NetworkPolicy").values())
    policies = {
        p["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"]: p
        for p in every_policy
        if "app.kubernetes.io/component" not in p["spec"]["podSelector"]["matchLabels"]
    }
    assert set(policies) == set(infra.apps)
    # A worker (no port, called by nobody) is closed to every connection: a policy of its own
    # with no ingress rule selects it, and no policy that lets traffic in does.
    deployments_all = _of_kind(dev_docs, "Deployment")
    for worker in WORKERS:
        labels = deployments_all[worker]["spec"]["template"]["metadata"]["labels"]
        selecting = [p for p in every_policy if _selects(p["spec"]["podSelector"], labels)]
        assert selecting and all(p["spec"].get("ingress") == [] for p in selecting), worker
    for callee, policy in policies.items():
        callers = {caller for caller, callees in infra.calls.items() if callee in callees}
        allowed: set[str] = set()
        open_to_all = False
        for rule in policy["spec"]["ingress"]:
            assert [p["port"] for p in rule["ports"]] == [infra.ports[callee]], callee
            if "from" not in rule:
                open_to_all = True
            for peer in rule.get("from", []):
                for expr in peer.get("podSelector", {}).get("matchExpressions", []):
                    assert expr["key"] == "app.kubernetes.io/name" and expr["operator"] == "In"
                    allowed |= set(expr["values"])
        if callee == "gateway":
            assert open_to_all, "the gateway is the public entry"
        else:
            assert not open_to_all and allowed == callers, f"{callee}: {sorted(allowed)}"


def test_client_ids_and_dev_secrets_match_the_realm(infra, dev_docs):
    realm_clients = {c["clientId"]: c for c in infra.realm()["clients"]}
    secrets = _of_kind(dev_docs, "Secret")
    for name in infra.with_database:
        [container] = _of_kind(dev_docs, "Deployment")[name]["spec"]["template"]["spec"][
            "containers"
        ]
        env = _configmap_env(dev_docs, container)
        client_id = env[f"GIP_{name.upper()}_CLIENT_ID"]
        assert client_id == f"svc-{name}" and client_id in realm_clients
        ref = next(e for e in container["env"] if e["name"] == f"GIP_{name.upper()}_CLIENT_SECRET")
        ref = ref["valueFrom"]["secretKeyRef"]
        value = base64.b64decode(secrets[ref["name"]]["data"][ref["key"]]).decode()
        assert value == realm_clients[client_id]["secret"], client_id
