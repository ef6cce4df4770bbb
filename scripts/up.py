"""`make up`: migrate, start the whole platform, print where it is; Ctrl-C stops it all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devstack import SERVICES, Stack

DEMO_LOGINS = """\
  demo logins (user / password):  admin / admin (GIP administrator)
                                  hds-admin / hds-admin, hds-viewer / hds-viewer (Hauts-de-Seine)
                                  idf-admin / idf-admin (Île-de-France)
  API clients (client credentials): gip-ops, demo-partner, demo-ent  (secret: <id>-secret)"""


def stack_from_env() -> Stack:
    """Ports and the state folder can be moved (GIP_UP_PORT_<NAME>, GIP_UP_VAR_DIR), so that a
    second platform (the end-to-end test of this script) runs beside a developer's."""
    stack = Stack()
    if var_dir := os.environ.get("GIP_UP_VAR_DIR"):
        stack.var_dir = Path(var_dir)
    for name in stack.ports:
        if port := os.environ.get(f"GIP_UP_PORT_{name.upper()}"):
            stack.ports[name] = int(port)
    return stack


def load_demo_data(stack: Stack) -> None:
    """The demo members, projects and establishments, a school year of hits sent as the ENTs
    would, then the year's catalogue and a draft allocation — through the public API, as
    their users would. Each loader is idempotent,
    so a second `make up` changes nothing. GIP_UP_DEMO=0 skips it."""
    if os.environ.get("GIP_UP_DEMO", "1") == "0":
        return
    through_gateway = ["--base-url", stack.gateway_url, "--idp-url", stack.idp_url]
    # In this order: hits need tenants' projects; billing's draft run needs measure's visits.
    loaders = {"tenants": through_gateway, "measure": through_gateway, "billing": []}
    for service, args in loaders.items():
        print(f"loading the {service} demo data …", flush=True)
        log = stack.var_dir / "logs" / f"{service}-demo.log"
        env = stack.env_for(service)
        env.update({"GIP_BILLING_DEMO_URL": stack.gateway_url})
        with log.open("ab") as out:
            done = subprocess.run(
                [stack.python, "-m", service, "demo", *args],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if done.returncode != 0:
            print(f"  {service} demo data not loaded; see {log}", file=sys.stderr)


def main() -> int:
    stack = stack_from_env()
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print("migrating the databases under var/ …", flush=True)
    stack.migrate()
    print("starting the dev IdP, the services and the gateway …", flush=True)
    try:
        stack.start()
    except RuntimeError as exc:
        print(f"could not start the platform: {exc}", file=sys.stderr)
        return 1
    load_demo_data(stack)
    print(
        f"""
gip-mesure is up.
  gateway        {stack.gateway_url}   (API /api/v1/…, merged OpenAPI /openapi.json, /docs)
  dev IdP        {stack.idp_url}/realms/gip"""
    )
    for service in SERVICES:
        print(f"  {service:<14} {stack.url(service)}")
    logs = stack.var_dir / "logs"
    print(f"{DEMO_LOGINS}\n  logs under {logs}.  Ctrl-C stops everything.", flush=True)
    try:
        while True:
            for name, process in stack.processes.items():
                if not process.alive():
                    print(f"{name} stopped unexpectedly; see var/logs/{name}.log", file=sys.stderr)
                    raise KeyboardInterrupt
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nstopping …", flush=True)
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
