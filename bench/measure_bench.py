"""The measure benchmark (issue 5, "Benchmark"), on PostgreSQL, in one run.

1. Batched ingestion through the HTTP API (uvicorn, 1 worker, 1,000-hit batches, one client
   connection), against a raw COPY of the same rows (as stored) into an unindexed plain table.
2. Single-hit requests/s and `GET /collect` requests/s (32 in flight), beside `/healthz` on the
   same server and PostgreSQL's commit rate: the ceilings they run under.
3. A big store loaded through measure's own storage path in-process (`prepare` + `store`, so the
   raw table and the rollup are what the service would hold), then `GET /api/v1/indicators`
   latencies for one project over a quarter and a school year, and the same figures computed by
   DuckDB over the same hits exported to Parquet, with a check that both agree.

Everything runs on 127.0.0.1; every loop is bounded in count and in time; the server process
is always stopped; the database `gip_bench_measure` is dropped at the end unless `reuse`.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import io
import json
import multiprocessing
import os
import pstats
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import httpx
import loadgen
import psycopg
from cryptography.hazmat.primitives import serialization

from gipkit.auth import Principal
from gipkit.db import Database, upgrade
from gipkit.testing.tokens import CLOSED_PEERS, TEST_ISSUER, TokenFactory
from gipkit.uai import uai_check_letter
from measure.common.clock import day_start, utcnow
from measure.common.directory import Attachment, Project, StaticDirectory
from measure.common.method import ALL, ALL_UAI
from measure.demo.generate import DemoProject
from measure.demo.generate import hits as demo_hits
from measure.hits import store as store_module
from measure.hits.partitions import Partitions
from measure.hits.prepare import PreparedHit, prepare
from measure.hits.service import limits
from measure.hits.store import ACCEPTED, HIT_COLUMNS, store
from measure.indicators import repository
from measure.indicators.periods import parse_period
from measure.rollup import job as job_module
from measure.rollup import presence as presence_module
from measure.rollup import service as rollup_module
from measure.rollup import totals as totals_module
from measure.rollup.job import catch_up
from measure.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
MIGRATIONS = ROOT / "services" / "measure" / "migrations"
DB = "gip_bench_measure"
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}"
ORG = "bench-org"
ORIGIN = "https://ent.bench.example"
UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)

BATCH = 1000  # hits per request, batched ingestion
# Connections of the second batched measure: an ENT posting from two threads, so that the one
# server worker prepares a batch while PostgreSQL writes the one before.
PIPELINED = 2
LOAD_BATCH = 25_000  # hits per in-process store() call when loading the big store
LOAD_PROJECTS = 4
INGEST_SITE, INGEST_BIG_SITE = "990001", "990002"
# The write statement's reference writes the batched phase's hits again under this site.
REFERENCE_SITE = "990009"
CONCURRENCY = 32


@dataclass
class Options:
    hits: int = 10_000_000
    reuse: bool = False
    jobs: int = 1  # loader processes for the big store
    batches: int = 100  # batched ingestion: 1,000-hit requests measured (empty store)
    big_batches: int = 30  # the same once the big store is loaded
    singles: int = 3000  # single-hit requests, /collect requests, /healthz requests
    samples: int = 30  # indicator requests per period
    phase_seconds: float = 120.0  # bound of each measured loop
    load_seconds: float = 3600.0  # bound of the load
    say: Callable[[str], None] = print


# --- calendar: the last two complete school years before today -------------------------------


@dataclass(frozen=True)
class Calendar:
    first: date
    last: date
    retention_months: int
    quarter: str
    school_year: str

    @classmethod
    def now(cls, today: date | None = None) -> Calendar:
        today = today or utcnow().date()
        end_year = today.year if today.month >= 9 else today.year - 1
        first, last = date(end_year - 2, 9, 1), date(end_year, 8, 31)
        # Months back to the first loaded day, plus a margin: the retention window must keep
        # every loaded hit (the default, 25 months, would refuse the first school year).
        months = (today.year - first.year) * 12 + today.month - first.month + 2
        return cls(
            first=first,
            last=last,
            retention_months=max(25, months),
            quarter=f"{end_year}-Q1",
            school_year=f"{end_year - 1}-{end_year}",
        )


# --- projects --------------------------------------------------------------------------------


def uais_of(number: int, count: int) -> list[str]:
    digits = [f"09{number % 10}{n:04d}" for n in range(count)]
    return [d + uai_check_letter(d) for d in digits]


@dataclass(frozen=True)
class BenchProject:
    slug: str
    site_id: str
    uais: tuple[str, ...]

    def project(self) -> Project:
        return Project(
            slug=self.slug,
            site_id=self.site_id,
            members=(ORG,),
            allowed_origins=(ORIGIN,),
            attachments=tuple(Attachment(u, date(2020, 9, 1), None) for u in self.uais),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "site_id": self.site_id,
            "members": [ORG],
            "allowed_origins": [ORIGIN],
            "attachments": [[u, "2020-09-01", None] for u in self.uais],
        }


LOADED = [
    BenchProject(f"bench-p{i}", f"91000{i}", tuple(uais_of(i, 8)))
    for i in range(1, 1 + LOAD_PROJECTS)
]
INGEST = BenchProject("bench-ingest", INGEST_SITE, tuple(uais_of(8, 6)))
INGEST_BIG = BenchProject("bench-ingest-big", INGEST_BIG_SITE, tuple(uais_of(9, 6)))
ALL_PROJECTS = [*LOADED, INGEST, INGEST_BIG]
PRINCIPAL = Principal(
    subject="bench-load",
    client_id="bench-load",
    roles=frozenset({"ent-ingest"}),
    organization=ORG,
    organizations=(ORG,),
)


def settings_for(calendar: Calendar) -> Settings:
    return Settings(
        env="test",
        oidc_issuer=TEST_ISSUER,
        idp_url="http://127.0.0.1:9",
        **CLOSED_PEERS,
        database_url=URL,
        retention_months=calendar.retention_months,
        collect_per_minute=1_000_000_000,
    )


# --- processes, CPU, PostgreSQL --------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (0 when it is gone or unreadable)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def runqueue_seconds(pid: int) -> float:
    """Time the process's main thread spent runnable but waiting for a CPU (schedstat)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def connect(dbname: str = DB, *, autocommit: bool = False) -> psycopg.Connection[Any]:
    return psycopg.connect(**PG, dbname=dbname, autocommit=autocommit, connect_timeout=10)


def backend_pids() -> list[int]:
    with connect(autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (DB,),
        ).fetchall()
    return [r[0] for r in rows]


def _own_cpu() -> float:
    """This process and its finished children (the loader processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class CpuMeter:
    """CPU seconds of the server, this process (and its finished children) and the database's
    backends over a phase, and the time the server and the backends waited for a CPU while
    runnable. Backends are sampled every second (a connection closed during the phase keeps
    its last sample)."""

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid
        self.backends: dict[int, tuple[float, float]] = {}
        self.first: dict[int, tuple[float, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_loop, daemon=True)

    def _sample(self) -> None:
        for pid in backend_pids():
            now = (cpu_seconds(pid), runqueue_seconds(pid))
            if now[0] or now[1]:
                self.backends[pid] = now

    def _sample_loop(self) -> None:
        while not self._stop.wait(1.0):
            with contextlib.suppress(psycopg.Error):
                self._sample()

    def _server(self) -> tuple[float, float]:
        if not self.server_pid:
            return 0.0, 0.0
        return cpu_seconds(self.server_pid), runqueue_seconds(self.server_pid)

    def __enter__(self) -> CpuMeter:
        self._sample()
        self.first = dict(self.backends)
        self.server_start = self._server()
        self.own_start = _own_cpu()
        self.wall_start = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()

    def read(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join(5)
        self._sample()
        wall = time.perf_counter() - self.wall_start
        server = self._server()
        zero = (0.0, 0.0)
        pg_cpu = sum(v[0] - self.first.get(pid, zero)[0] for pid, v in self.backends.items())
        pg_wait = sum(v[1] - self.first.get(pid, zero)[1] for pid, v in self.backends.items())
        return {
            "wall_s": wall,
            "server_cpu_s": server[0] - self.server_start[0],
            "server_runqueue_s": server[1] - self.server_start[1],
            "bench_cpu_s": _own_cpu() - self.own_start,
            "postgres_cpu_s": pg_cpu,
            "postgres_runqueue_s": pg_wait,
        }


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    with connect("postgres", autocommit=True) as conn:
        version = conn.execute("SELECT version()").fetchone()[0]  # type: ignore[index]
        names = ("shared_buffers", "synchronous_commit", "work_mem", "max_wal_size", "jit")
        settings = conn.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s) "
            "ORDER BY name",
            (list(names),),
        ).fetchall()
    return {
        "nproc": nproc or str(os.cpu_count()),
        "cpu": cpu,
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "postgresql": version.split(" on ")[0],
        "postgresql_settings": ", ".join(f"{n}={v}" for n, v in settings),
        "python": sys.version.split()[0],
        "load_average_start": load_average(),
    }


def database_exists() -> bool:
    with connect("postgres", autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB,)).fetchone())


def drop_database() -> None:
    with connect("postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')


def create_database() -> None:
    drop_database()
    with connect("postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{DB}"')
    upgrade(MIGRATIONS, URL)
    with connect() as conn:
        conn.execute(
            "CREATE TABLE bench_meta (requested bigint, loaded bigint, people int, "
            "first_day date, last_day date, seconds float8, loaded_at timestamptz)"
        )


def previous_load(requested: int) -> dict[str, Any] | None:
    try:
        with connect() as conn:
            row = conn.execute(
                "SELECT loaded, people, first_day, last_day, seconds FROM bench_meta "
                "WHERE requested = %s ORDER BY loaded_at DESC LIMIT 1",
                (requested,),
            ).fetchone()
    except psycopg.errors.UndefinedTable:
        return None  # a database left by a run that failed before its first step
    if row is None:
        return None
    return {"loaded": row[0], "people": row[1], "first": row[2], "last": row[3], "seconds": row[4]}


ROLLUP_TABLES = (
    "hits",
    "hit_keys",
    "hit_conflicts",
    "rollup_marks",
    "visitor_day_facts",
    "day_totals",
    "visitor_presence",
)


def forget_site(site: str) -> None:
    """Removes a project's rows (runs with `reuse` start the ingestion projects afresh)."""
    with connect() as conn:
        for table in ROLLUP_TABLES:
            conn.execute(f"DELETE FROM {table} WHERE site = %s", (site,))  # noqa: S608


def count_hits(site: str | None = None) -> int:
    with connect() as conn:
        if site is None:
            return int(conn.execute("SELECT count(*) FROM hits").fetchone()[0])  # type: ignore[index]
        row = conn.execute("SELECT count(*) FROM hits WHERE site = %s", (site,)).fetchone()
        return int(row[0])  # type: ignore[index]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the server ------------------------------------------------------------------------------


class Server:
    """measure under uvicorn in a child process, given the token key through a 0600 file."""

    def __init__(
        self,
        workdir: Path,
        tokens: TokenFactory,
        calendar: Calendar,
        *,
        profile: Path | None = None,
    ) -> None:
        self.workdir = workdir
        self.port = free_port()
        name = "profiled" if profile else "server"
        self.log = workdir / f"{name}.log"
        key = workdir / "key.pem"
        key.write_bytes(
            tokens.private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key.chmod(0o600)
        self.config = workdir / f"{name}.json"
        self.config.write_text(
            json.dumps(
                {
                    "database_url": URL,
                    "port": self.port,
                    "collect_per_minute": 1_000_000_000,
                    "retention_months": calendar.retention_months,
                    "log_level": "INFO",
                    "key_pem": str(key),
                    "projects": [p.as_json() for p in ALL_PROJECTS],
                    "profile": str(profile) if profile else None,
                    # The rollup runs beside the API, in a process of its own (as deployed).
                    "rollup_in_process": False,
                }
            )
        )
        self.config.chmod(0o600)
        self.process: subprocess.Popen[bytes] | None = None
        self.rollup: subprocess.Popen[bytes] | None = None
        self.rollup_log = workdir / f"{name}-rollup.log"

    @property
    def rollup_pid(self) -> int | None:
        return self.rollup.pid if self.rollup else None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self, timeout: float = 60.0) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
        with open(self.rollup_log, "wb") as log:
            self.rollup = subprocess.Popen(
                [sys.executable, "-m", "measure", "rollup", "--follow"],
                cwd=ROOT,
                env={**env, "GIP_MEASURE_DATABASE_URL": URL, "GIP_MEASURE_LOG_LEVEL": "WARNING"},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(BENCH / "serve_measure.py"), str(self.config)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped at start:\n{self.tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer within {timeout} s:\n{self.tail()}")

    def stop(self) -> None:
        for process in (self.process, self.rollup):
            if process is None or process.poll() is not None:
                continue
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# --- statistics ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, int(-(-q * len(ordered) // 100)))
    return ordered[min(rank, len(ordered)) - 1]


def latency_summary(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": statistics.median(ms) if ms else float("nan"),
        "p95_ms": percentile(ms, 95),
        "max_ms": max(ms) if ms else float("nan"),
    }


# --- phase 1 and 2: ingestion through HTTP ---------------------------------------------------


def ingest_stream(project: BenchProject, people: int, first: date, last: date) -> Iterator[Any]:
    return demo_hits(DemoProject(project.site_id, project.uais, people), first, last, seed=7)


async def batched_http(
    server: Server,
    headers: dict[str, str],
    bodies: list[bytes],
    *,
    warmup: list[bytes],
    max_seconds: float,
    connections: int = 1,
) -> dict[str, Any]:
    """Posts 1,000-hit JSON bodies, each connection one after the other (with several
    connections, as an ENT sending from several threads: the server then prepares one batch
    while PostgreSQL writes another)."""
    limits_ = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    out: dict[str, Any] = {"connections": connections}
    send_headers = {**headers, "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=server.url, limits=limits_, timeout=120) as client:
        for body in warmup:
            response = await client.post("/api/v1/hits", content=body, headers=send_headers)
            if response.status_code != 200:
                raise RuntimeError(f"warm-up batch: {response.status_code} {response.text[:300]}")
        accepted, latencies, sent = 0, [], 0
        queue = iter(bodies)
        rollup_cpu_start = cpu_seconds(server.rollup_pid) if server.rollup_pid else 0.0
        deadline = time.perf_counter() + max_seconds

        async def sender() -> None:
            nonlocal accepted, sent
            for body in queue:
                if time.perf_counter() > deadline:
                    out["stopped_by_deadline"] = True
                    return
                t = time.perf_counter()
                response = await client.post("/api/v1/hits", content=body, headers=send_headers)
                latencies.append(time.perf_counter() - t)
                if response.status_code != 200:
                    raise RuntimeError(f"batch: {response.status_code} {response.text[:300]}")
                answer = response.json()
                if answer["accepted"] != BATCH:
                    raise RuntimeError(f"batch not wholly accepted: {answer}")
                accepted += answer["accepted"]
                sent += 1

        with CpuMeter(server.pid) as meter:
            start = time.perf_counter()
            await asyncio.gather(*(sender() for _ in range(connections)))
            seconds = time.perf_counter() - start
            cpu = meter.read()
        # The rollup follows ingestion in the server's background: how long until every
        # accepted hit is in the figures.
        with CpuMeter(server.pid) as meter:
            rollup = wait_rollup(max_seconds * 4)
            rollup["cpu"] = meter.read()
        rollup["rollup_process_cpu_s"] = (
            cpu_seconds(server.rollup_pid) - rollup_cpu_start if server.rollup_pid else 0.0
        )
    out.update(
        {
            "batches": sent,
            "hits": accepted,
            "seconds": seconds,
            "hits_per_s": accepted / seconds,
            "batch_latency": latency_summary(latencies),
            "cpu": cpu,
            "rollup": rollup,
            "hits_per_s_with_rollup": accepted / (seconds + rollup["seconds"]),
        }
    )
    return out


def wait_rollup(max_seconds: float) -> dict[str, Any]:
    """Waits until no rollup mark is left (the server's worker has caught up)."""
    start = time.perf_counter()
    with connect(autocommit=True) as conn:
        while True:
            left = conn.execute("SELECT count(*) FROM rollup_marks").fetchone()[0]  # type: ignore[index]
            if not left or time.perf_counter() - start > max_seconds:
                break
            time.sleep(0.02)
    return {"seconds": time.perf_counter() - start, "left": left}


async def profiled_http(
    workdir: Path,
    tokens: TokenFactory,
    calendar: Calendar,
    headers: dict[str, str],
    items: list[dict[str, Any]],
    *,
    single: bool,
    max_seconds: float,
) -> dict[str, Any]:
    """A second server under cProfile (after a few warm-up requests), fed `items` as 1,000-hit
    batches on one connection, or as single-hit requests 32 at a time: where the server's time
    goes (not a throughput figure)."""
    path = workdir / ("singles.prof" if single else "batches.prof")
    server = Server(workdir, tokens, calendar, profile=path)
    try:
        server.start()
        assert server.process is not None
        if single:
            plain = {**headers, "Content-Type": "application/json"}
            requests = [
                loadgen.post("/api/v1/hits", json.dumps([h]).encode(), server.port, plain)
                for h in items
            ]
            await loadgen.run(server.port, requests[:50], concurrency=4, max_seconds=max_seconds)
            server.process.send_signal(signal.SIGUSR1)  # profiling starts after the warm-up
            result = await loadgen.run(
                server.port, requests[50:], concurrency=CONCURRENCY, max_seconds=max_seconds
            )
            sent = result.ok(200)
        else:
            bodies = _bodies(items, BATCH)
            await batched_http(server, headers, bodies[:2], warmup=[], max_seconds=max_seconds)
            server.process.send_signal(signal.SIGUSR1)
            answer = await batched_http(
                server, headers, bodies[2:], warmup=[], max_seconds=max_seconds
            )
            sent = answer["hits"]
    finally:
        server.stop()
    if not path.exists():
        raise RuntimeError(f"the profiled server wrote no profile:\n{server.tail()}")
    return {"hits": sent, "single": single, "profile": profile_summary(str(path), top=20)}


async def prepared_hits(items: list[dict[str, Any]], calendar: Calendar) -> list[PreparedHit]:
    """`items` as measure's prepare() makes them (all of them accepted)."""
    directory = StaticDirectory(projects=[p.project() for p in ALL_PROJECTS])
    prepared = await prepare(
        items,
        directory=directory,
        principal=PRINCIPAL,
        limits=limits(settings_for(calendar), utcnow()),
    )
    if prepared.errors:
        raise RuntimeError(f"prepare refused bench hits: {prepared.errors[:3]}")
    return prepared.hits


def stored_rows(hits: list[PreparedHit]) -> list[tuple[Any, ...]]:
    """The stored columns of `hits`."""
    now = utcnow()
    return [tuple(h.row(now)[c] for c in HIT_COLUMNS) for h in hits]


def write_reference(
    hits: list[PreparedHit], *, rollup_pid: int | None, max_seconds: float
) -> dict[str, Any]:
    """PostgreSQL's part of measure's batch write, alone: the statements the API runs for a
    batch (COPY into the staging table, then the ledger, raw table and marks statement) fed
    COPY text made beforehand, 1,000 hits per transaction, on one connection — the API's
    ceiling whatever its Python costs. The hits are written under a site of their own (so they
    are new to the ledger) and removed afterwards; the rollup follower is paused meanwhile so
    that it neither competes for the CPU nor works off their marks."""
    moved = [replace(h, site=REFERENCE_SITE) for h in hits]
    texts = [store_module._pg_copy_text(moved[i : i + BATCH]) for i in range(0, len(moved), BATCH)]
    out: dict[str, Any] = {}
    if rollup_pid:
        os.kill(rollup_pid, signal.SIGSTOP)
    try:
        with connect() as conn:
            conn.execute(store_module._PG_STAGING)
            conn.commit()
            backend = conn.info.backend_pid
            written, deadline = 0, time.perf_counter() + max_seconds
            cpu_start, start = cpu_seconds(backend), time.perf_counter()
            for text in texts:
                if time.perf_counter() > deadline:
                    out["stopped_by_deadline"] = True
                    break
                with conn.cursor() as cursor:
                    with cursor.copy(store_module._PG_COPY) as copy:
                        copy.write(text)
                    cursor.execute(store_module._PG_WRITE, {"now": utcnow()}, prepare=True)
                    written += len(cursor.fetchall())
                conn.commit()
            seconds = time.perf_counter() - start
            backend_cpu = cpu_seconds(backend) - cpu_start
            for table in ("rollup_marks", "hits", "hit_keys"):
                conn.execute(f"DELETE FROM {table} WHERE site = %s", (REFERENCE_SITE,))  # noqa: S608
            conn.commit()
    finally:
        if rollup_pid:
            os.kill(rollup_pid, signal.SIGCONT)
    out.update(
        {
            "hits": written,
            "seconds": seconds,
            "hits_per_s": written / seconds,
            "backend_cpu_us_per_hit": backend_cpu / written * 1e6,
        }
    )
    return out


def copy_reference(rows: list[tuple[Any, ...]], max_seconds: float) -> dict[str, Any]:
    """COPY of the same rows into an unindexed plain table: one transaction per 1,000 rows
    (as the API commits each batch), then all rows in one COPY for information."""
    columns = ", ".join(HIT_COLUMNS)
    statement = f"COPY bench_copy_ref ({columns}) FROM STDIN"
    out: dict[str, Any] = {}
    with connect() as conn:
        conn.execute("DROP TABLE IF EXISTS bench_copy_ref")
        conn.execute("CREATE TABLE bench_copy_ref (LIKE hits)")  # columns only: no key, no index
        conn.commit()
        copied, deadline = 0, time.perf_counter() + max_seconds
        start = time.perf_counter()
        for i in range(0, len(rows), BATCH):
            if time.perf_counter() > deadline:
                out["stopped_by_deadline"] = True
                break
            with conn.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows[i : i + BATCH]:
                    copy.write_row(row)
            conn.commit()
            copied += len(rows[i : i + BATCH])
        seconds = time.perf_counter() - start
        out.update({"rows": copied, "seconds": seconds, "rows_per_s": copied / seconds})
        conn.execute("TRUNCATE bench_copy_ref")
        conn.commit()
        start = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        one = time.perf_counter() - start
        out["one_copy_rows_per_s"] = len(rows) / one
        conn.execute("DROP TABLE bench_copy_ref")
        conn.commit()
    return out


def commit_reference(*, connections: int, total: int, max_seconds: float) -> dict[str, Any]:
    """One-row INSERT + COMMIT round trips on an unindexed table: the rate of durable
    transactions PostgreSQL gives one writer (connections=1) or several at once."""
    with connect() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_commit_ref (n int, at timestamptz)")
        conn.commit()
    done = [0] * connections
    deadline = time.perf_counter() + max_seconds
    share = total // connections

    def writer(slot: int) -> None:
        with connect() as conn:
            for n in range(share):
                if time.perf_counter() > deadline:
                    return
                conn.execute("INSERT INTO bench_commit_ref VALUES (%s, now())", (n,))
                conn.commit()
                done[slot] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max_seconds + 30)
    seconds = time.perf_counter() - start
    with connect() as conn:
        conn.execute("DROP TABLE bench_commit_ref")
    return {"connections": connections, "commits": sum(done), "commits_per_s": sum(done) / seconds}


async def rate(
    server: Server, requests: list[bytes], *, max_seconds: float, ok: tuple[int, ...]
) -> dict[str, Any]:
    with CpuMeter(server.pid) as meter:
        result = await loadgen.run(
            server.port, requests, concurrency=CONCURRENCY, max_seconds=max_seconds
        )
        cpu = meter.read()
    if result.ok(*ok) != result.requests:
        raise RuntimeError(f"unexpected answers {dict(result.statuses)}: {result.first_error}")
    return {
        "requests": result.requests,
        "seconds": result.seconds,
        "per_s": result.per_second,
        "statuses": {str(k): v for k, v in result.statuses.items()},
        "latency": latency_summary(result.latencies),
        "stopped_by_deadline": result.stopped_by_deadline,
        "cpu": cpu,
    }


# --- phase 3: the big store, loaded in-process -----------------------------------------------


@dataclass
class Timers:
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] += seconds
        self.calls[name] += 1

    @contextlib.contextmanager
    def timing(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - start)


@contextlib.contextmanager
def instrumented(timers: Timers) -> Iterator[None]:
    """Times the steps of measure's store() in this process only, by wrapping the module
    attributes it calls (restored afterwards; the server is not touched)."""

    def timed_async(name: str, fn: Any) -> Any:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                timers.add(name, time.perf_counter() - start)

        return wrapper

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                timers.add(name, time.perf_counter() - start)

        return wrapper

    patches = [
        (
            store_module,
            "_write_new",
            "store: one statement (ledger ON CONFLICT RETURNING, hits, marks)",
            timed_async,
        ),
        (store_module, "_known_fingerprints", "store: replayed fingerprints", timed_async),
        (job_module, "lock_sites", "rollup: advisory locks", timed_async),
        (job_module, "refresh", "rollup: refresh (total)", timed_async),
        (rollup_module, "_read", "rollup: read visitors' hits back", timed_async),
        (rollup_module, "facts", "rollup: method.facts (Python)", timed),
        (rollup_module, "bulk_insert", "rollup: COPY the ledger rows", timed_async),
        (totals_module, "apply", "rollup: day_totals", timed_async),
        (presence_module, "apply", "rollup: visitor_presence", timed_async),
    ]
    saved = [(module, attr, getattr(module, attr)) for module, attr, _, _ in patches]
    try:
        for module, attr, name, wrap in patches:
            setattr(module, attr, wrap(name, getattr(module, attr)))
        yield
    finally:
        for module, attr, original in saved:
            setattr(module, attr, original)


AREAS = (
    ("measure/common/method.py", "measure: method.facts"),
    ("measure/rollup/", "measure: rollup (widen, rows)"),
    ("measure/hits/prepare.py", "measure: prepare (checks, pseudonyms)"),
    ("measure/hits/schemas.py", "pydantic: HitIn validation"),
    ("pydantic", "pydantic: HitIn validation"),
    ("measure/hits/body.py", "reading the body, json.loads"),
    ("json/", "reading the body, json.loads"),
    ("json.", "reading the body, json.loads"),
    ("_json", "reading the body, json.loads"),
    ("measure/hits/", "measure: store, ledger, fingerprints"),
    ("measure/common/", "measure: pseudonym, user-agent, clock"),
    ("hmac", "measure: pseudonym, user-agent, clock"),
    ("gipkit/", "gipkit: auth, middleware, metrics"),
    ("jwt/", "gipkit: auth, middleware, metrics"),
    ("cryptography", "gipkit: auth, middleware, metrics"),
    ("sqlalchemy/", "SQLAlchemy (statements, executemany, rows)"),
    ("psycopg/", "psycopg (executemany rows, COPY rows, adaptation)"),
    ("select.epoll", "event loop idle (waiting for PostgreSQL or the client)"),
    ("opentelemetry", "OpenTelemetry"),
    ("starlette/", "Starlette, FastAPI, uvicorn, h11"),
    ("fastapi/", "Starlette, FastAPI, uvicorn, h11"),
    ("uvicorn/", "Starlette, FastAPI, uvicorn, h11"),
    ("h11/", "Starlette, FastAPI, uvicorn, h11"),
    ("anyio/", "Starlette, FastAPI, uvicorn, h11"),
    ("asyncio/", "asyncio"),
    ("_thread.lock", "thread locks (connection pool, OpenTelemetry)"),
    ("socket", "sockets (send, recv)"),
    ("zoneinfo", "time zones"),
    ("datetime", "time zones"),
)


def profile_summary(profile: cProfile.Profile | str, top: int = 15) -> dict[str, Any]:
    stats = pstats.Stats(profile, stream=io.StringIO())
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    areas: dict[str, float] = defaultdict(float)
    rows = []
    for (filename, line, name), (_cc, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{filename}:{name}"
        area = next((label for key, label in AREAS if key in where), "other")
        areas[area] += tottime
        short = filename.split("site-packages/")[-1].split("/src/")[-1]
        rows.append((tottime, cumtime, calls, f"{short}:{line}({name})"))
    rows.sort(reverse=True)
    return {
        "total_s": total,
        "areas": sorted(((a, s) for a, s in areas.items()), key=lambda x: -x[1]),
        "top": rows[:top],
    }


MEASURE_STEPS = (
    "prepare (validate, pseudonymise, classify)",
    "store (total)",
    "commit",
    "rollup job (catch-up, its own transactions)",
)


async def load_part(
    slugs: list[str],
    people: int,
    calendar: Calendar,
    cap: int,
    deadline: float,
    profiled: frozenset[int],
    label: str,
) -> dict[str, Any]:
    """One loader: the projects `slugs`, round robin, LOAD_BATCH hits per prepare() + store()
    + commit, until their hits are exhausted, `cap` hits or the wall-clock `deadline`."""
    streams = [
        (p, demo_hits(DemoProject(p.site_id, p.uais, people), calendar.first, calendar.last))
        for p in LOADED
        if p.slug in slugs
    ]
    directory = StaticDirectory(projects=[p.project() for p in ALL_PROJECTS])
    settings = settings_for(calendar)
    database = Database.from_url(URL)
    store_module.stage_on_connect(database)  # as the service's own connections
    partitions = Partitions()
    timers, profile = Timers(), cProfile.Profile()
    loaded, batches, stopped = 0, 0, False
    start = last_report = time.perf_counter()
    try:
        with instrumented(timers):
            active = list(streams)
            while active and loaded < cap and not stopped:
                for entry in list(active):
                    if time.time() > deadline:
                        stopped = True
                        break
                    with timers.timing("generate (bench input, not measure)"):
                        items = list(islice(entry[1], LOAD_BATCH))
                    if not items:
                        active.remove(entry)
                        continue
                    now = utcnow()
                    with timers.timing(MEASURE_STEPS[0]):
                        prepared = await prepare(
                            items,
                            directory=directory,
                            principal=PRINCIPAL,
                            limits=limits(settings, now),
                        )
                    if prepared.errors:
                        raise RuntimeError(f"load refused hits: {prepared.errors[:3]}")
                    batches += 1
                    await partitions.ensure(database, {h.ts for h in prepared.hits})
                    async with database.sessionmaker() as session:
                        with timers.timing(MEASURE_STEPS[1]):
                            if batches in profiled:
                                profile.enable()
                            try:
                                statuses = await store(session, prepared.hits, now=now)
                            finally:
                                if batches in profiled:
                                    profile.disable()
                        with timers.timing(MEASURE_STEPS[2]):
                            await session.commit()
                    with timers.timing(MEASURE_STEPS[3]):
                        await catch_up(database, batch=settings.rollup_batch_marks)
                    loaded += statuses.count(ACCEPTED)
                    if time.perf_counter() - last_report > 60:
                        last_report = time.perf_counter()
                        elapsed = last_report - start
                        print(
                            f"  load {label}: {loaded:,} hits in {elapsed:.0f} s "
                            f"({loaded / elapsed:,.0f} hits/s), load average {load_average()}",
                            flush=True,
                        )
    finally:
        await database.dispose()
    return {
        "loaded": loaded,
        "batches": batches,
        "stopped_by_deadline": stopped,
        "timers": {k: (timers.seconds[k], timers.calls[k]) for k in timers.seconds},
        "profile": profile_summary(profile) if profiled else None,
    }


def _load_process(args: tuple[Any, ...]) -> dict[str, Any]:
    """Entry point of a loader process."""
    return asyncio.run(load_part(*args))


async def load(options: Options, calendar: Calendar, server_pid: int | None) -> dict[str, Any]:
    """Loads about `options.hits` hits of LOAD_PROJECTS projects over two school years through
    measure's prepare() and store(), LOAD_BATCH hits per transaction, in `options.jobs`
    processes (projects shared out between them; one writer per project, as measure's advisory
    locks require anyway)."""
    say = options.say
    sample = sum(1 for _ in ingest_stream(LOADED[0], 100, calendar.first, calendar.last))
    per_person = sample / 100
    people = max(5, round(options.hits / (LOAD_PROJECTS * per_person)))
    say(f"   {people:,} persons per project ({per_person:.0f} hits each over two years)")
    jobs = max(1, min(options.jobs, LOAD_PROJECTS))
    cap = int(options.hits * 1.25 / jobs) + LOAD_BATCH
    deadline = time.time() + options.load_seconds
    # store() calls 4 to 6 of the first loader are profiled (after a few warm ones).
    parts = [
        (
            [p.slug for p in LOADED[j::jobs]],
            people,
            calendar,
            cap,
            deadline,
            frozenset({4, 5, 6}) if j == 0 else frozenset(),
            f"{j + 1}/{jobs}",
        )
        for j in range(jobs)
    ]
    with CpuMeter(server_pid) as meter:
        if jobs == 1:
            done = [await load_part(*parts[0])]
        else:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
                futures = [pool.submit(_load_process, part) for part in parts]
                done = [await asyncio.wrap_future(f) for f in futures]
        cpu = meter.read()
    seconds = cpu["wall_s"]
    timers: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for part in done:
        for name, (sec, calls) in part["timers"].items():
            timers[name][0] += sec
            timers[name][1] += calls
    loaded = sum(p["loaded"] for p in done)
    measure_seconds = sum(timers[k][0] for k in MEASURE_STEPS)
    return {
        "people": people,
        "jobs": jobs,
        "loaded": loaded,
        "batches": sum(p["batches"] for p in done),
        "seconds": seconds,
        "stopped_by_deadline": any(p["stopped_by_deadline"] for p in done),
        "hits_per_s_wall": loaded / seconds,
        "hits_per_s_measure_per_process": loaded / measure_seconds,
        "timers": {k: (v[0], int(v[1])) for k, v in timers.items()},
        "profile": done[0]["profile"],
        "profiled_hits": LOAD_BATCH * 3,
        "cpu": cpu,
    }


def vacuum_analyze() -> dict[str, Any]:
    start = time.perf_counter()
    with connect(autocommit=True) as conn:
        conn.execute(
            "VACUUM (ANALYZE) hits, hit_keys, visitor_day_facts, day_totals, visitor_presence"
        )
        sizes = conn.execute(
            "SELECT "
            "(SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('hits')),"
            "pg_total_relation_size('hit_keys'), pg_total_relation_size('visitor_day_facts'),"
            "(SELECT reltuples FROM pg_class WHERE relname = 'visitor_day_facts'),"
            "pg_total_relation_size('day_totals'), pg_total_relation_size('visitor_presence'),"
            "(SELECT reltuples FROM pg_class WHERE relname = 'visitor_presence')"
        ).fetchone()
    assert sizes is not None
    mib = 1024 * 1024
    return {
        "seconds": time.perf_counter() - start,
        "hits_mib": float(sizes[0]) / mib,
        "hit_keys_mib": float(sizes[1]) / mib,
        "facts_mib": float(sizes[2]) / mib,
        "facts_rows": int(sizes[3]),
        "day_totals_mib": float(sizes[4]) / mib,
        "presence_mib": float(sizes[5]) / mib,
        "presence_rows": int(sizes[6]),
    }


# --- indicators: measure over HTTP, the same SQL in-process, DuckDB on Parquet ---------------


async def indicators_http(
    server: Server, headers: dict[str, str], scope: str, period: str, samples: int, max_s: float
) -> dict[str, Any]:
    params = {"scope": scope, "period": period}
    latencies: list[float] = []
    totals: dict[str, int] | None = None
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        deadline = time.perf_counter() + max_s
        for i in range(samples + 3):
            if time.perf_counter() > deadline:
                break
            t = time.perf_counter()
            response = await client.get("/api/v1/indicators", params=params, headers=headers)
            elapsed = time.perf_counter() - t
            if response.status_code != 200:
                raise RuntimeError(f"indicators: {response.status_code} {response.text[:300]}")
            answer = response.json()["totals"]
            if totals is not None and answer != totals:
                raise RuntimeError(f"indicators changed between requests: {totals} {answer}")
            totals = answer
            if i >= 3:  # three warm-up requests
                latencies.append(elapsed)
    return {"latency": latency_summary(latencies), "totals": totals}


async def indicators_sql(
    sites: tuple[str, ...], start: date, end: date, samples: int
) -> dict[str, Any]:
    """measure's own aggregate (the statement the endpoint runs for totals), in-process."""
    database = Database.from_url(URL)
    latencies: list[float] = []
    try:
        for i in range(samples + 1):
            async with database.sessionmaker() as session:
                t = time.perf_counter()
                await repository.aggregate(
                    session, sites=sites, uai=ALL_UAI, dim=ALL, start=start, end=end, by="total"
                )
                if i:
                    latencies.append(time.perf_counter() - t)
    finally:
        await database.dispose()
    return latency_summary(latencies)


def export_parquet(workdir: Path) -> dict[str, Any]:
    """COPY hits out of PostgreSQL as CSV, then pyarrow: CSV → Parquet (ts as UTC timestamps)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    csv_path, parquet_path = workdir / "hits.csv", workdir / "hits.parquet"
    names = ["site", "event_id", "ts_us", "uai", "visitor", "profile", "service", "page"]
    names += ["device", "os", "browser", "inside"]
    start = time.perf_counter()
    with connect() as conn, open(csv_path, "wb") as out:
        query = (
            "COPY (SELECT site, event_id, (extract(epoch FROM ts) * 1000000)::bigint, uai, "
            "visitor, profile, service, page, device, os, browser, inside FROM hits) "
            "TO STDOUT WITH (FORMAT csv)"
        )
        with conn.cursor() as cursor, cursor.copy(query) as copy:
            for block in copy:
                out.write(block)
    copied = time.perf_counter() - start
    types = {n: pa.string() for n in names}
    types["ts_us"] = pa.int64()
    reader = pacsv.open_csv(
        csv_path,
        read_options=pacsv.ReadOptions(column_names=names, block_size=64 << 20),
        convert_options=pacsv.ConvertOptions(column_types=types),
    )
    rows, writer = 0, None
    try:
        for batch in reader:
            ts = batch.column("ts_us").cast(pa.timestamp("us", tz="UTC"))
            columns = [ts if n == "ts_us" else batch.column(n) for n in names]
            table = pa.Table.from_arrays(
                columns, names=[("ts" if n == "ts_us" else n) for n in names]
            )
            if writer is None:
                writer = pq.ParquetWriter(parquet_path, table.schema, compression="zstd")
            writer.write_table(table)
            rows += table.num_rows
    finally:
        if writer is not None:
            writer.close()
    seconds = time.perf_counter() - start
    size = parquet_path.stat().st_size
    csv_path.unlink()
    return {
        "rows": rows,
        "copy_out_s": copied,
        "seconds": seconds,
        "parquet_mib": size / 1024 / 1024,
        "path": str(parquet_path),
    }


DUCKDB_SQL = """
WITH h AS (
    SELECT site, visitor, epoch_us(ts) AS t
    FROM hits
    WHERE site IN ({sites}) AND ts >= $lo AND ts < $hi
), w AS (
    SELECT site, visitor, t,
        t - lag(t) OVER (PARTITION BY site, visitor ORDER BY t) AS gap
    FROM h
)
SELECT
    count(*) FILTER (WHERE t >= $start AND (gap IS NULL OR gap > 1800000000)) AS visits,
    count(DISTINCT site || ':' || visitor) FILTER (WHERE t >= $start) AS unique_visitors,
    count(*) FILTER (WHERE t >= $start) AS page_views
FROM w
"""


def duckdb_figures(
    parquet: str, sites: tuple[str, ...], first: date, last: date, samples: int
) -> dict[str, Any]:
    """Method v1 straight from the hits: a page view is a hit of the period (Paris days); a
    visit starts at a hit with no hit of the same visitor (in the same project) in the 30
    minutes before it (a gap of exactly 30 minutes continues); unique visitors are distinct
    pseudonyms with a hit, per project (summed over projects, as measure does above one).
    Only the hit just before matters, so reading from 30 minutes before the period is
    enough."""
    import duckdb

    if not all(site.isdigit() for site in sites):
        raise ValueError("site ids are digits")
    start_utc, end_utc = day_start(first), day_start(last + timedelta(days=1))
    params = {
        "lo": start_utc - timedelta(minutes=30),
        "hi": end_utc,
        "start": int(start_utc.timestamp() * 1_000_000),
    }
    statement = DUCKDB_SQL.format(sites=", ".join(f"'{site}'" for site in sites))
    conn = duckdb.connect()
    try:
        path = parquet.replace("'", "''")
        conn.execute(f"CREATE VIEW hits AS SELECT * FROM read_parquet('{path}')")  # noqa: S608
        latencies: list[float] = []
        figures: tuple[Any, ...] | None = None
        for i in range(samples + 2):
            t = time.perf_counter()
            figures = conn.execute(statement, params).fetchone()
            if i >= 2:
                latencies.append(time.perf_counter() - t)
        threads = conn.execute("SELECT current_setting('threads')").fetchone()
    finally:
        conn.close()
    assert figures is not None
    return {
        "latency": latency_summary(latencies),
        "totals": {
            "visits": int(figures[0]),
            "unique_visitors": int(figures[1]),
            "page_views": int(figures[2]),
        },
        "threads": threads[0] if threads else None,
    }


# --- the run ---------------------------------------------------------------------------------


def _bodies(items: list[dict[str, Any]], size: int) -> list[bytes]:
    return [json.dumps(items[i : i + size]).encode() for i in range(0, len(items), size)]


async def run(options: Options) -> dict[str, Any]:
    say = options.say
    calendar = Calendar.now()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "calendar": {
            "first": calendar.first.isoformat(),
            "last": calendar.last.isoformat(),
            "quarter": calendar.quarter,
            "school_year": calendar.school_year,
            "retention_months": calendar.retention_months,
        },
        "options": {k: v for k, v in vars(options).items() if k != "say"},
    }
    reused = None
    if options.reuse and database_exists():
        reused = previous_load(options.hits)
        if reused is None:
            say(f"--reuse: {DB} holds no complete load of {options.hits:,} hits; loading anew")
    if reused is None:
        say(f"creating {DB} and applying measure's migrations")
        create_database()
    else:
        say(f"--reuse: keeping {DB} ({reused['loaded']:,} hits loaded before)")
        for site in (INGEST_SITE, INGEST_BIG_SITE, REFERENCE_SITE):
            forget_site(site)
    results["reused"] = reused is not None
    workdir = Path(tempfile.mkdtemp(prefix="gip-bench-measure-"))
    tokens = TokenFactory()
    ingest_headers = tokens.headers(roles=["ent-ingest"], organization=ORG, expires_in=6 * 3600)
    admin_headers = tokens.headers(roles=["gip-admin"], expires_in=6 * 3600)
    server = Server(workdir, tokens, calendar)
    try:
        say(f"starting measure on {server.url} (uvicorn, 1 worker)")
        server.start()
        results["stored_before_ingestion"] = count_hits()

        say("reference: PostgreSQL commits (one-row INSERT + COMMIT)")
        results["commit_ref_1"] = commit_reference(connections=1, total=2000, max_seconds=15)
        results["commit_ref_16"] = commit_reference(connections=16, total=4000, max_seconds=15)

        # Hits of the ingestion project, in time order as an ENT sends them.
        warm_n, measured_n = 3 * BATCH, options.batches * BATCH
        stream = ingest_stream(INGEST, 3000, date(calendar.last.year - 1, 10, 1), calendar.last)
        wanted = warm_n + 2 * measured_n + options.singles + 50
        items = list(islice(stream, wanted))
        if len(items) < wanted:
            raise RuntimeError("the ingestion stream is too short")
        warm, measured = items[:warm_n], items[warm_n : warm_n + measured_n]
        pipelined = items[warm_n + measured_n : warm_n + 2 * measured_n]
        singles = items[warm_n + 2 * measured_n :]

        say(f"1. batched ingestion over HTTP: {options.batches} × {BATCH} hits, 1 connection")
        results["batched"] = await batched_http(
            server,
            ingest_headers,
            _bodies(measured, BATCH),
            warmup=_bodies(warm, BATCH),
            max_seconds=options.phase_seconds,
        )
        sent_batched = results["batched"]["hits"]
        say("   reference: COPY of the same rows (as stored) into an unindexed table")
        hits = await prepared_hits(measured[:sent_batched], calendar)
        results["copy"] = copy_reference(stored_rows(hits), options.phase_seconds)
        results["batched"]["ratio_to_copy"] = (
            results["batched"]["hits_per_s"] / results["copy"]["rows_per_s"]
        )
        say("   reference: measure's write statements alone (PostgreSQL's part), same hits")
        results["write_ref"] = write_reference(
            hits, rollup_pid=server.rollup_pid, max_seconds=options.phase_seconds
        )
        results["write_ref"]["ratio_to_copy"] = (
            results["write_ref"]["hits_per_s"] / results["copy"]["rows_per_s"]
        )
        say(f"   the same on {PIPELINED} connections: {options.batches} × {BATCH} more hits")
        results["batched_pipelined"] = await batched_http(
            server,
            ingest_headers,
            _bodies(pipelined, BATCH),
            warmup=[],
            max_seconds=options.phase_seconds,
            connections=PIPELINED,
        )
        results["batched_pipelined"]["ratio_to_copy"] = (
            results["batched_pipelined"]["hits_per_s"] / results["copy"]["rows_per_s"]
        )

        say(f"2. single-hit requests: {options.singles}, {CONCURRENCY} in flight")
        plain = {
            "Authorization": ingest_headers["Authorization"],
            "Content-Type": "application/json",
        }
        health = [loadgen.get("/healthz", {}, server.port, {}) for _ in range(options.singles)]
        results["healthz"] = await rate(
            server, health, max_seconds=options.phase_seconds, ok=(200,)
        )
        single_requests = [
            loadgen.post("/api/v1/hits", json.dumps([h]).encode(), server.port, plain)
            for h in singles
        ]
        await loadgen.run(server.port, single_requests[:50], concurrency=4, max_seconds=30)
        results["single"] = await rate(
            server, single_requests[50:], max_seconds=options.phase_seconds, ok=(200,)
        )
        # The framework's ceiling for such a request: same app, middleware and authentication,
        # the body read, a fixed answer, no work.
        noop_requests = [
            loadgen.post("/bench/noop", json.dumps([h]).encode(), server.port, plain)
            for h in singles[50:]
        ]
        results["single_noop"] = await rate(
            server, noop_requests, max_seconds=options.phase_seconds, ok=(200,)
        )
        browser = {"Origin": ORIGIN, "User-Agent": UA}
        collects = [
            loadgen.get(
                "/collect",
                {
                    "s": INGEST.site_id,
                    "s2": INGEST.uais[i % len(INGEST.uais)],
                    "x2": "1",
                    "idclient": f"tag-{i % 500}",
                    "p": "/accueil",
                    "x1": "3",
                },
                server.port,
                browser,
            )
            for i in range(options.singles)
        ]
        results["collect"] = await rate(
            server, collects, max_seconds=options.phase_seconds, ok=(200, 204)
        )
        expected = (
            warm_n
            + sent_batched
            + results["batched_pipelined"]["hits"]
            + 50
            + results["single"]["requests"]
            + results["collect"]["requests"]
        )
        results["ingest_durable"] = {"expected": expected, "stored": count_hits(INGEST.site_id)}

        say("   profiles: a server under cProfile fed 10 batches, another 500 single hits")
        extra = list(islice(stream, 12 * BATCH + 550))
        results["http_profile"] = await profiled_http(
            workdir,
            tokens,
            calendar,
            ingest_headers,
            extra[: 12 * BATCH],
            single=False,
            max_seconds=options.phase_seconds,
        )
        results["single_profile"] = await profiled_http(
            workdir,
            tokens,
            calendar,
            ingest_headers,
            extra[12 * BATCH :],
            single=True,
            max_seconds=options.phase_seconds,
        )

        if reused is None:
            say(
                f"3. loading ~{options.hits:,} hits in-process "
                f"(prepare + store, {LOAD_BATCH:,} per call)"
            )
            results["load"] = await load(options, calendar, server.pid)
            with connect() as conn:
                conn.execute(
                    "INSERT INTO bench_meta VALUES (%s, %s, %s, %s, %s, %s, now())",
                    (
                        options.hits,
                        results["load"]["loaded"],
                        results["load"]["people"],
                        calendar.first,
                        calendar.last,
                        results["load"]["seconds"],
                    ),
                )
            say("   VACUUM (ANALYZE), as autovacuum would after the load")
            results["vacuum"] = vacuum_analyze()
        else:
            results["load"] = {"reused": reused}
            results["vacuum"] = vacuum_analyze()
        results["stored_total"] = count_hits()

        say(f"   batched ingestion again, {results['stored_total']:,} hits stored")
        big_stream = ingest_stream(
            INGEST_BIG, 3000, date(calendar.last.year - 1, 10, 1), calendar.last
        )
        big_items = list(islice(big_stream, (3 + options.big_batches) * BATCH))
        results["batched_big"] = await batched_http(
            server,
            ingest_headers,
            _bodies(big_items[3 * BATCH :], BATCH),
            warmup=_bodies(big_items[: 3 * BATCH], BATCH),
            max_seconds=options.phase_seconds,
        )

        project = LOADED[0]
        results["indicators"] = {}
        say("   exporting hits to Parquet (COPY out → CSV → pyarrow → Parquet)")
        results["export"] = export_parquet(workdir)
        every = tuple(p.site_id for p in ALL_PROJECTS)
        cases = (
            ("quarter", f"project:{project.slug}", (project.site_id,), calendar.quarter),
            ("school_year", f"project:{project.slug}", (project.site_id,), calendar.school_year),
            # Every project of the member: about as many rows as one project of a store
            # LOAD_PROJECTS times bigger.
            ("member_school_year", f"member:{ORG}", every, calendar.school_year),
        )
        for label, scope, sites, period in cases:
            first, last = parse_period(period)
            say(f"   indicators {scope} {period}: HTTP, in-process SQL, DuckDB")
            http = await indicators_http(
                server, admin_headers, scope, period, options.samples, options.phase_seconds
            )
            sql = await indicators_sql(sites, first, last, min(10, options.samples))
            duck = duckdb_figures(results["export"]["path"], sites, first, last, options.samples)
            results["indicators"][label] = {
                "scope": scope,
                "period": period,
                "http": http,
                "sql": sql,
                "duckdb": duck,
                "ratio_p50": http["latency"]["p50_ms"] / duck["latency"]["p50_ms"],
                "ratio_p95": http["latency"]["p95_ms"] / duck["latency"]["p95_ms"],
                "equal": http["totals"] == duck["totals"],
            }
    finally:
        server.stop()
        results["server_log_tail"] = server.tail(10)
        shutil.rmtree(workdir, ignore_errors=True)
        if not options.reuse:
            say(f"dropping {DB}")
            drop_database()
        results["machine"]["load_average_end"] = load_average()
    return results
