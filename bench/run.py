"""`make bench`: measure's benchmark on PostgreSQL (issue 5), printed as a table and written to
bench/RESULTS.md with the date and the machine.

    python bench/run.py [--hits N] [--reuse] [--note TEXT]

`--hits` (or `BENCH_HITS`) sets the size of the store the indicators are read from (default
10,000,000); `--reuse` keeps the database `gip_bench_measure` (and reuses a previous load of the
same size). PostgreSQL: 127.0.0.1:5432, user postgres, trust authentication.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure_bench

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"

TARGETS = {
    "batched": 50_000,
    "ratio": 0.35,
    "single": 3_000,
    "p95_ms": 300,
}


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def _processes(n: int) -> str:
    return "1 process" if n == 1 else f"{n} processes"


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def figures(r: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(what, measured, reference / detail, target, met)"""
    rows: list[tuple[str, str, str, str, str]] = []
    b, c = r["batched"], r["copy"]
    rows.append(
        (
            f"Batched ingestion, HTTP API, 1 worker, {measure_bench.BATCH:,}-hit batches, "
            f"1 connection ({r['stored_before_ingestion']:,} hits stored)",
            f"{_n(b['hits_per_s'])} hits/s",
            f"batch p50 {_n(b['batch_latency']['p50_ms'], 1)} ms, "
            f"p95 {_n(b['batch_latency']['p95_ms'], 1)} ms; {b['hits']:,} hits",
            f"≥ {_n(TARGETS['batched'])} hits/s",
            _met(b["hits_per_s"] >= TARGETS["batched"]),
        )
    )
    rows.append(
        (
            "… and until the background rollup had them all in the figures",
            f"{_n(b['hits_per_s_with_rollup'])} hits/s",
            f"the rollup process (`python -m measure rollup --follow`, beside the API) caught up "
            f"{_n(b['rollup']['seconds'], 1)} s after the last answer; its CPU over the phase "
            f"and the catch-up: {_n(b['rollup'].get('rollup_process_cpu_s', 0), 1)} s"
            + (f"; **{b['rollup']['left']:,} marks left**" if b["rollup"]["left"] else ""),
            "",
            "",
        )
    )
    rows.append(
        (
            "Reference: raw COPY of the same rows into an unindexed table (1,000 rows per "
            "transaction)",
            f"{_n(c['rows_per_s'])} rows/s",
            f"one COPY of all rows: {_n(c['one_copy_rows_per_s'])} rows/s",
            "",
            "",
        )
    )
    w = r.get("write_ref")
    if w:
        rows.append(
            (
                "Reference: measure's write statements alone — PostgreSQL's part of a batch "
                "(COPY into the staging table; ledger, raw table and marks in one statement), fed "
                "ready COPY text, 1,000 hits per transaction, no API: the API's ceiling",
                f"{_n(w['hits_per_s'])} hits/s",
                f"ratio to COPY {w['ratio_to_copy']:.3f}; the database's CPU: "
                f"{_n(w['backend_cpu_us_per_hit'], 1)} µs a hit",
                "",
                "",
            )
        )
    rows.append(
        (
            "Ratio API / COPY",
            f"{b['ratio_to_copy']:.3f}",
            "",
            f"≥ {TARGETS['ratio']}",
            _met(b["ratio_to_copy"] >= TARGETS["ratio"]),
        )
    )
    bp = r.get("batched_pipelined")
    if bp:
        rows.append(
            (
                f"Batched ingestion, HTTP API, 1 worker, {measure_bench.BATCH:,}-hit batches, "
                f"{bp['connections']} connections (the worker prepares a batch while PostgreSQL "
                "writes another)",
                f"{_n(bp['hits_per_s'])} hits/s",
                f"batch p50 {_n(bp['batch_latency']['p50_ms'], 1)} ms, "
                f"p95 {_n(bp['batch_latency']['p95_ms'], 1)} ms; {bp['hits']:,} hits; "
                f"ratio to COPY {bp['ratio_to_copy']:.3f}",
                f"≥ {_n(TARGETS['batched'])} hits/s",
                _met(bp["hits_per_s"] >= TARGETS["batched"]),
            )
        )
    s, h, col = r["single"], r["healthz"], r["collect"]
    rows.append(
        (
            f"Single-hit POST /api/v1/hits, 1 worker, {measure_bench.CONCURRENCY} in flight",
            f"{_n(s['per_s'])} req/s",
            f"p50 {_n(s['latency']['p50_ms'], 1)} ms, p95 {_n(s['latency']['p95_ms'], 1)} ms; "
            f"{s['requests']:,} requests",
            f"≥ {_n(TARGETS['single'])} req/s",
            _met(s["per_s"] >= TARGETS["single"]),
        )
    )
    rows.append(
        (
            f"GET /collect (browser tag), {measure_bench.CONCURRENCY} in flight",
            f"{_n(col['per_s'])} req/s",
            f"p50 {_n(col['latency']['p50_ms'], 1)} ms, p95 {_n(col['latency']['p95_ms'], 1)} ms; "
            f"{col['requests']:,} requests",
            "",
            "",
        )
    )
    noop = r.get("single_noop")
    if noop:
        rows.append(
            (
                "Reference: the same requests to `POST /bench/noop` on the same server "
                "(authenticated like /api/v1/hits, body read, fixed answer, no work: the "
                "framework's ceiling for a single-hit request)",
                f"{_n(noop['per_s'])} req/s",
                f"p50 {_n(noop['latency']['p50_ms'], 1)} ms; server CPU "
                f"{noop['cpu']['server_cpu_s'] / max(1, noop['requests']) * 1000:.2f} ms per "
                f"request, against {s['cpu']['server_cpu_s'] / max(1, s['requests']) * 1000:.2f}"
                " ms for a real single hit",
                "",
                "",
            )
        )
    rows.append(
        (
            "Reference: GET /healthz on the same server (framework + client ceiling)",
            f"{_n(h['per_s'])} req/s",
            f"p50 {_n(h['latency']['p50_ms'], 1)} ms",
            "",
            "",
        )
    )
    c1, c16 = r["commit_ref_1"], r["commit_ref_16"]
    rows.append(
        (
            "Reference: PostgreSQL one-row INSERT + COMMIT",
            f"{_n(c1['commits_per_s'])} commits/s (1 connection)",
            f"{_n(c16['commits_per_s'])} commits/s with 16 connections",
            "",
            "",
        )
    )
    load = r["load"]
    if "loaded" in load:
        rows.append(
            (
                "Load of the big store in-process (measure's prepare + store, "
                f"{measure_bench.LOAD_BATCH:,} hits per transaction, {_processes(load['jobs'])})",
                f"{_n(load['hits_per_s_wall'])} hits/s",
                f"{load['loaded']:,} hits in {_n(load['seconds'])} s (generating them included); "
                f"{_n(load['hits_per_s_measure_per_process'])} hits/s per process in measure's "
                "code alone",
                "",
                "",
            )
        )
    bb = r["batched_big"]
    rows.append(
        (
            f"Batched ingestion again, {r['stored_total']:,} hits stored",
            f"{_n(bb['hits_per_s'])} hits/s",
            f"batch p50 {_n(bb['batch_latency']['p50_ms'], 1)} ms; {bb['hits']:,} hits; "
            f"ratio to the COPY above {bb['hits_per_s'] / c['rows_per_s']:.3f}",
            "",
            "",
        )
    )
    for label, name in (
        ("quarter", "one project, a quarter"),
        ("school_year", "one project, a school year"),
        ("member_school_year", "every project of the member, a school year"),
    ):
        i = r["indicators"][label]
        http, duck, sql = i["http"]["latency"], i["duckdb"]["latency"], i["sql"]
        targeted = label != "member_school_year"
        rows.append(
            (
                f"GET /api/v1/indicators `{i['scope']}`, {name} ({i['period']}), "
                f"{r['stored_total']:,} hits stored",
                f"p50 {_n(http['p50_ms'], 1)} ms, p95 {_n(http['p95_ms'], 1)} ms",
                f"its SQL alone (in-process): p50 {_n(sql['p50_ms'], 1)} ms; n={http['n']}"
                + (
                    ""
                    if targeted
                    else "; about the rows of one project in a store "
                    f"{measure_bench.LOAD_PROJECTS}× bigger"
                ),
                f"p95 < {TARGETS['p95_ms']} ms" if targeted else "",
                _met(http["p95_ms"] < TARGETS["p95_ms"]) if targeted else "",
            )
        )
        rows.append(
            (
                f"Reference: DuckDB on the Parquet export, same scope and period ({name})",
                f"p50 {_n(duck['p50_ms'], 1)} ms, p95 {_n(duck['p95_ms'], 1)} ms",
                f"measure / DuckDB: {i['ratio_p50']:.2f} (p50), {i['ratio_p95']:.2f} (p95)",
                "",
                "",
            )
        )
        rows.append(
            (
                f"Same figures ({name})? measure vs DuckDB",
                "equal" if i["equal"] else "**DIFFERENT**",
                f"measure {i['http']['totals']} · DuckDB {i['duckdb']['totals']}",
                "equal",
                _met(i["equal"]),
            )
        )
    return rows


def cpu_rows(r: dict[str, Any]) -> list[tuple[str, ...]]:
    out = []
    for key, label in (
        ("batched", "batched ingestion"),
        ("batched_pipelined", "batched ingestion, 2 connections"),
        ("single", "single-hit"),
        ("single_noop", "single-hit, no work (/bench/noop)"),
        ("collect", "/collect"),
        ("healthz", "/healthz"),
        ("load", "in-process load (bench CPU: the loaders)"),
        ("batched_big", "batched ingestion, big store"),
    ):
        if key not in r or "cpu" not in r[key]:
            continue
        cpu = r[key]["cpu"]
        wall = cpu["wall_s"]
        out.append(
            (
                label,
                _n(wall, 1),
                f"{_n(cpu['server_cpu_s'], 1)} ({cpu['server_cpu_s'] / wall:.0%})",
                f"{_n(cpu['server_runqueue_s'], 1)} ({cpu['server_runqueue_s'] / wall:.0%})",
                f"{_n(cpu['postgres_cpu_s'], 1)} ({cpu['postgres_cpu_s'] / wall:.0%})",
                f"{_n(cpu['postgres_runqueue_s'], 1)}",
                f"{_n(cpu['bench_cpu_s'], 1)} ({cpu['bench_cpu_s'] / wall:.0%})",
            )
        )
    return out


def table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(r: dict[str, Any], note: str) -> str:
    m, cal = r["machine"], r["calendar"]
    load = r["load"]
    parts = [
        "# measure — benchmark results",
        "",
        f"Written by `make bench` (`bench/run.py`) on {r['date']}. One run; every ratio is "
        "against a reference measured in the same run, on the same machine, at the same time.",
        "",
        "## Machine",
        "",
        table(
            ("nproc", "CPU", "RAM", "PostgreSQL", "Python"),
            [(m["nproc"], m["cpu"], m["ram"], m["postgresql"], m["python"])],
        ),
        "",
        f"PostgreSQL settings: {m['postgresql_settings']} (the server's own, untouched). "
        f"Load average (1, 5, 15 min) at the start: {m['load_average_start']}; at the end: "
        f"{m['load_average_end']}. Other work shares this machine's two cores during the run: "
        "absolute figures move with it, the ratios less.",
        "",
    ]
    if note:
        parts += [note, ""]
    parts += [
        "## Figures",
        "",
        table(("what", "measured", "reference / detail", "target", "met"), figures(r)),
        "",
        "## Where the time goes",
        "",
        "CPU seconds over each measured phase (from /proc): measure's server process, the "
        "database's PostgreSQL backends (WAL writer and checkpointer not included), and the "
        "benchmark's own process (client, load generator); *waiting* is the time the process "
        "was runnable but had no CPU (schedstat): the other work on the machine, or the other "
        "processes of the run.",
        "",
        table(
            (
                "phase",
                "wall s",
                "server CPU s",
                "server waiting for a CPU s",
                "PostgreSQL CPU s",
                "PostgreSQL waiting s",
                "bench CPU s",
            ),
            cpu_rows(r),
        ),
        "",
    ]
    for key in ("http_profile", "single_profile"):
        hp = r.get(key)
        if not hp:
            continue
        prof = hp["profile"]
        fed = "single-hit requests, 32 in flight" if hp["single"] else "1,000-hit batches"
        parts += [
            f"cProfile of a separate measure server (after warm-up requests; "
            f"{_n(prof['total_s'], 2)} s profiled) fed {hp['hits']:,} hits as {fed}, by area "
            "(own time):",
            "",
            table(
                ("area", "seconds", "share"),
                [(a, _n(s, 2), f"{s / prof['total_s']:.0%}") for a, s in prof["areas"]],
            ),
            "",
            "Top functions by own time (server):",
            "",
            table(
                ("own s", "cumulative s", "calls", "function"),
                [(_n(t, 3), _n(c, 3), f"{n:,}", f) for t, c, n, f in prof["top"]],
            ),
            "",
        ]
    if "timers" in load and load["loaded"]:
        total = sum(
            load["timers"][k][0]
            for k in (
                "prepare (validate, pseudonymise, classify)",
                "store (total)",
                "commit",
                "generate (bench input, not measure)",
            )
            if k in load["timers"]
        )
        rows = [
            (name, _n(sec, 1), f"{sec / total:.0%}", f"{sec / load['loaded'] * 1e6:,.1f}")
            for name, (sec, _calls) in sorted(load["timers"].items(), key=lambda x: -x[1][0])
        ]
        parts += [
            f"In-process load of {load['loaded']:,} hits ({load['batches']} store() calls of up "
            f"to {measure_bench.LOAD_BATCH:,} hits, {_processes(load['jobs'])}; seconds summed "
            "over them), time per step (steps nest: `store (total)` "
            "contains the `store:` and `rollup:` lines, `rollup: refresh` contains the other "
            "`rollup:` lines):",
            "",
            table(("step", "seconds", "share of the loop", "µs per hit"), rows),
            "",
        ]
        prof = load["profile"]
        parts += (
            []
            if not prof
            else [
                f"cProfile of {load['profiled_hits']:,} hits through store() (3 calls), "
                f"{_n(prof['total_s'], 2)} s of profiled time, by area (own time):",
                "",
                table(
                    ("area", "seconds", "share"),
                    [(a, _n(s, 2), f"{s / prof['total_s']:.0%}") for a, s in prof["areas"]],
                ),
                "",
                "Top functions by own time:",
                "",
                table(
                    ("own s", "cumulative s", "calls", "function"),
                    [(_n(t, 3), _n(c, 3), f"{n:,}", f) for t, c, n, f in prof["top"]],
                ),
                "",
            ]
        )
    v, e = r["vacuum"], r["export"]
    parts += [
        "## The big store",
        "",
        f"{loaded_text(r)} Days {cal['first']} to {cal['last']} (two school years); the "
        f"indicators read `project:bench-p1` over {cal['quarter']} and {cal['school_year']}, "
        f"and `member:{measure_bench.ORG}` (every bench project) over {cal['school_year']}. "
        f"The bench server keeps raw hits {cal['retention_months']} months "
        "(`retention_months`) so that the first school year is inside the window.",
        "",
        f"After the load: `VACUUM (ANALYZE)` {_n(v['seconds'], 1)} s; sizes: hits "
        f"{_n(v['hits_mib'])} MiB, hit_keys {_n(v['hit_keys_mib'])} MiB, visitor_day_facts "
        f"{_n(v['facts_mib'])} MiB ({v['facts_rows']:,} rows, "
        f"{v['facts_rows'] / max(1, r['stored_total']):.1f} per stored hit; the job's ledger, "
        f"not read by the indicators), day_totals {_n(v.get('day_totals_mib', 0))} MiB, "
        f"visitor_presence {_n(v.get('presence_mib', 0))} MiB "
        f"({v.get('presence_rows', 0):,} rows). Parquet export: "
        f"{e['rows']:,} rows, {_n(e['parquet_mib'])} MiB, {_n(e['seconds'], 1)} s (COPY out "
        f"{_n(e['copy_out_s'], 1)} s). DuckDB threads: "
        f"{r['indicators']['quarter']['duckdb']['threads']}.",
        "",
        f"Durability check of the ingestion project: {r['ingest_durable']['stored']:,} hits "
        f"stored for {r['ingest_durable']['expected']:,} accepted.",
        "",
    ]
    return "\n".join(parts)


def loaded_text(r: dict[str, Any]) -> str:
    load = r["load"]
    if "loaded" in load:
        stopped = " (stopped by the time bound)" if load["stopped_by_deadline"] else ""
        return (
            f"{load['loaded']:,} hits loaded{stopped} for {measure_bench.LOAD_PROJECTS} projects "
            f"of {load['people']:,} persons each, plus the ingestion projects' hits: "
            f"{r['stored_total']:,} hits stored."
        )
    reused = load["reused"]
    return (
        f"Reused from an earlier run (`--reuse`): {reused['loaded']:,} hits loaded in "
        f"{_n(reused['seconds'])} s; {r['stored_total']:,} hits stored."
    )


def console(r: dict[str, Any]) -> str:
    rows = figures(r)
    widths = [min(70, max(len(row[i]) for row in rows)) for i in range(5)]
    widths[2] = min(widths[2], 60)
    lines = []
    for row in rows:
        cells = [row[i][: widths[i]].ljust(widths[i]) for i in range(5)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--hits",
        type=lambda s: int(s.replace("_", "")),
        default=int(os.environ.get("BENCH_HITS", "10_000_000").replace("_", "")),
        help="hits in the big store (default 10,000,000 or $BENCH_HITS)",
    )
    parser.add_argument("--reuse", action="store_true", help="keep (and reuse) the database")
    parser.add_argument("--batches", type=int, default=100, help="1,000-hit batches measured")
    parser.add_argument("--samples", type=int, default=30, help="indicator requests per period")
    parser.add_argument("--load-seconds", type=float, default=3600.0, help="time bound of the load")
    parser.add_argument("--jobs", type=int, default=1, help="loader processes (big store)")
    parser.add_argument("--note", default="", help="a paragraph added to RESULTS.md")
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="where to write the Markdown results"
    )
    parser.add_argument("--json", type=Path, help="also write the raw results there")
    parser.add_argument(
        "--from-json", type=Path, help="no run: write the Markdown from earlier raw results"
    )
    args = parser.parse_args()
    if args.from_json:
        results = json.loads(args.from_json.read_text())
        print(console(results))
        args.results.write_text(markdown(results, args.note))
        print(f"\nwritten: {args.results}")
        return 0
    options = measure_bench.Options(
        hits=args.hits,
        reuse=args.reuse,
        batches=args.batches,
        samples=args.samples,
        load_seconds=args.load_seconds,
        jobs=args.jobs,
        say=lambda text: print(text, flush=True),
    )
    results = asyncio.run(measure_bench.run(options))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    print()
    print(console(results))
    args.results.write_text(markdown(results, args.note))
    print(f"\nwritten: {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
