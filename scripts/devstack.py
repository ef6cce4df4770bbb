"""The whole platform as real local processes: dev IdP, four services, gateway.

Used by `make up` (scripts/up.py) and by the end-to-end tests (on other ports and a temporary
`var/`), so that what the tests start is what a newcomer starts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("tenants", "billing", "measure", "reports")
PEERS = {
    "tenants": (),
    "measure": ("tenants",),
    "billing": ("tenants", "measure"),
    "reports": ("measure", "billing", "tenants"),
    "gateway": SERVICES,
}
DEFAULT_PORTS = {
    "idp": 8080,
    "gateway": 8000,
    "tenants": 8001,
    "billing": 8002,
    "measure": 8003,
    "reports": 8004,
}


def free_ports(names: Iterable[str]) -> dict[str, int]:
    """A free port for each name, all different: every socket is held until all are chosen,
    since the system may hand a port just closed out again (two apps would then race for it)."""
    with contextlib.ExitStack() as held:
        chosen = {}
        for name in names:
            s = held.enter_context(socket.socket())
            s.bind(("127.0.0.1", 0))
            chosen[name] = int(s.getsockname()[1])
        return chosen


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def answers(url: str, timeout: float = 1.0) -> bool:
    try:
        with urlopen(url, timeout=timeout) as response:  # noqa: S310 — our own local URL
            return bool(response.status == 200)
    except (URLError, OSError):
        return False


@dataclass
class Process:
    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    ready_path: str
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            # A session of its own: stopping the stack signals the whole process group.
            self.popen = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def ready(self) -> bool:
        return self.alive() and answers(self.url + self.ready_path)

    def signal(self, sig: int) -> None:
        if self.alive():
            assert self.popen is not None
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                pass

    def wait(self, timeout: float) -> bool:
        if self.popen is None:
            return True
        try:
            self.popen.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False


@dataclass
class Stack:
    var_dir: Path = ROOT / "var"
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    python: str = sys.executable
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)
    # Per service, a database other than the SQLite file under var_dir (the e2e suite on
    # PostgreSQL in CI).
    database_urls: dict[str, str] = field(default_factory=dict)

    @property
    def idp_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['idp']}"

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def database_url(self, service: str) -> str:
        if service in self.database_urls:
            return self.database_urls[service]
        return f"sqlite+aiosqlite:///{self.var_dir / (service + '.db')}"

    def env_for(self, name: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GIP_", "OTEL_"))}
        prefix = f"GIP_{name.upper()}_"
        env.update(
            {
                "GIP_ENV": "dev",
                "GIP_IDP_URL": self.idp_url,
                "OTEL_SERVICE_NAME": name,
                prefix + "HOST": "127.0.0.1",
                prefix + "PORT": str(self.ports.get(name, 0)),
                "PYTHONUNBUFFERED": "1",
            }
        )
        if name in SERVICES:
            env[prefix + "DATABASE_URL"] = self.database_url(name)
        if name == "gateway":
            # The console's OIDC redirect URI is built from where browsers reach the gateway.
            env[prefix + "PUBLIC_URL"] = self.gateway_url
        for peer in PEERS.get(name, ()):
            env[f"GIP_PEER_{peer.upper()}"] = self.url(peer)
        env.update(self.extra_env)
        return env

    def migrate(self) -> None:
        """Apply every service's migrations; running it again changes nothing."""
        for service in SERVICES:
            subprocess.run(
                [self.python, "-m", service, "migrate"],
                cwd=ROOT,
                env=self.env_for(service),
                check=True,
            )

    def _idp(self) -> Process:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DEV_IDP_")}
        env.update(
            {
                "DEV_IDP_HOST": "127.0.0.1",
                "DEV_IDP_PORT": str(self.ports["idp"]),
                "DEV_IDP_STATE_DIR": str(self.var_dir / "dev-idp"),
                # If the launcher dies without cleaning up, the IdP does not outlive it.
                "DEV_IDP_EXIT_WITH_PARENT": "1",
            }
        )
        return Process(
            "idp",
            ["node", str(ROOT / "infra/dev-idp/server.js")],
            env,
            self.ports["idp"],
            "/realms/gip/.well-known/openid-configuration",
            self.var_dir / "logs" / "idp.log",
        )

    def _app(self, name: str) -> Process:
        return Process(
            name,
            [self.python, "-m", name, "serve"],
            self.env_for(name),
            self.ports[name],
            "/healthz",
            self.var_dir / "logs" / f"{name}.log",
        )

    def start(self, names: tuple[str, ...] | None = None, timeout: float = 60.0) -> None:
        """Start the IdP, the services and the gateway (or `names`), then wait until each
        answers; on failure stop what was started and raise with the log's tail."""
        order = names or ("idp", *SERVICES, "gateway")
        busy = [n for n in order if port_in_use(self.ports[n])]
        if busy:
            raise RuntimeError(
                "ports already in use: "
                + ", ".join(f"{n} :{self.ports[n]}" for n in busy)
                + " (is another `make up` running?)"
            )
        for name in order:
            process = self._idp() if name == "idp" else self._app(name)
            self.processes[name] = process
            process.start()
        deadline = time.monotonic() + timeout
        pending = list(order)
        while pending and time.monotonic() < deadline:
            for name in list(pending):
                process = self.processes[name]
                if process.ready():
                    pending.remove(name)
                elif not process.alive():
                    self.stop()
                    raise RuntimeError(f"{name} exited at start:\n{tail(process.log)}")
            time.sleep(0.2)
        if pending:
            logs = "\n".join(f"--- {n}\n{tail(self.processes[n].log)}" for n in pending)
            self.stop()
            raise RuntimeError(f"not ready after {timeout:.0f} s: {', '.join(pending)}\n{logs}")

    def stop_one(self, name: str, timeout: float = 10.0) -> None:
        process = self.processes.get(name)
        if process is None:
            return
        process.signal(signal.SIGTERM)
        if not process.wait(timeout):
            process.signal(signal.SIGKILL)
            process.wait(5)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM every process group, then SIGKILL what is still there."""
        for process in self.processes.values():
            process.signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            if not process.wait(max(0.1, deadline - time.monotonic())):
                process.signal(signal.SIGKILL)
                process.wait(5)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
