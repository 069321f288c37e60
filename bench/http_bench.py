#!/usr/bin/env python3
"""The portal through a real server: gunicorn on 127.0.0.1, loaded with wrk.

    python bench/http_bench.py                            # sample + generated 1,000, 10 s per endpoint
    python bench/http_bench.py --duration 30 --out bench/out/http_bench.json
    python bench/http_bench.py --sites sample --load-tool python

For each help centre (the repository's own sample content, and a generated one
of 1,000 articles from :mod:`corpus`, the same seed as ``build_and_query.py``)
it builds an index with ``build_index.py`` into a temporary directory, starts
gunicorn with a fixed number of sync workers serving ``bench/http_app.py``
(``create_app()`` plus a trivial ``/__trivial`` endpoint), warms it up, then
loads, one after another and each for ``--duration`` seconds with
``--connections`` connections: ``/__trivial``, the home page ``/``, one article
page, and ``/search?q=`` rotating over a few queries (a wrk Lua script). It
reports requests/s, latency p50/p99, the workers' CPU time per request, and
each page's requests/s and p99 as a ratio to the trivial endpoint's on the same
server in the same run. It ends with a Markdown table for the README.

The machine may be shared: each run also records how much CPU other processes
used meanwhile (from /proc/stat), and the table marks runs where that was high.
Worker CPU per request is the figure such neighbours disturb least.

wrk is Debian's ``wrk`` package (``apt-get install -y wrk``); without it a
small threaded Python load generator is used, and the output says so (its
numbers are lower: it shares the GIL and the machine's two cores with nothing
to spare). Traffic goes only to 127.0.0.1. This is a measurement, never a test:
nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
# Run from a checkout: import the portal and the colleague's benchmark helpers
# from this working tree, not an installed copy.
sys.path[:0] = [str(REPO_ROOT), str(BENCH_DIR)]

import corpus  # noqa: E402
from build_and_query import SEED, percentile, query_set  # noqa: E402

HOST = "127.0.0.1"  # never anything else: this benchmark must not send traffic off the machine
TRIVIAL = "/__trivial"
GENERATED_SIZE = 1000
GENERATED_QUERIES = 8
SAMPLE_ARTICLE = "/articles/internet-is-slow"  # one of the longest English articles, with translations
# The same shapes build_and_query.py draws from (words, phrase, exclusion, OR),
# written by hand because the sample's vocabulary is small and known.
SAMPLE_QUERIES = (
    "reset password",
    "wifi slow",
    '"direct debit"',
    "hub lights",
    "refund -card",
    "esim OR sim",
    "port forwarding",
    "bill",
)
READY_TIMEOUT = 180.0  # seconds for gunicorn to answer; workers run migrations and open the index
STOP_TIMEOUT = 30.0
WRK_TIMEOUT = "10s"  # a slow response should count in p99, not vanish as a wrk timeout (default 2 s)
NOISY_PERCENT = 20.0  # other processes' CPU, % of one core, above which a run is marked in the table
LOG_PROBLEM = re.compile(r"Traceback|\[ERROR\]|\[CRITICAL\]|WORKER TIMEOUT|Exception|database is locked", re.I)

# One script for every endpoint, so the load generator's own per-request cost
# (a Lua call) is the same for the trivial endpoint and the pages. Each wrk
# thread rotates through the paths on its own. done() prints one JSON line
# because wrk's human summary rounds latencies and has no p50/p99 pair.
LUA_SCRIPT = """
local paths = {__PATHS__}
local counter = 0

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter - 1) % #paths + 1])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_JSON {\\"requests\\": %.0f, \\"duration_us\\": %.0f, \\"bytes\\": %.0f, " ..
    "\\"p50_us\\": %.0f, \\"p99_us\\": %.0f, \\"max_us\\": %.0f, " ..
    "\\"connect\\": %.0f, \\"read\\": %.0f, \\"write\\": %.0f, \\"status\\": %.0f, \\"timeout\\": %.0f}\\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass(frozen=True)
class Site:
    """A help centre to serve: its content folder and the paths to load."""

    name: str
    content: Path
    article: str
    searches: tuple[str, ...]


@dataclass
class Run:
    """One endpoint loaded for ``duration_s``; latencies in milliseconds."""

    site: str
    endpoint: str
    paths: list[str]
    requests: int = 0
    duration_s: float = 0.0
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    # Non-2xx/3xx answers, and socket errors and timeouts; any of these makes
    # the row suspect, so the table shows their sum.
    status_errors: int = 0
    socket_errors: int = 0
    # gunicorn workers' user + system CPU per request: what a busy neighbour on
    # a shared machine cannot inflate, unlike requests/s and latency.
    worker_cpu_ms_per_request: float = 0.0
    load_cpu_percent: float = 0.0  # the load generator's own CPU, of one core
    # CPU that processes other than gunicorn and the load generator used during
    # the run, in % of one core: a busy neighbour shrinks requests/s and
    # stretches p99, and a ratio is only fair when both runs had the same
    # neighbours, so the table marks runs where this was high.
    other_cpu_percent: float = 0.0
    load_average: tuple[float, float] = (0.0, 0.0)  # 1-minute load before and after
    rps_ratio: float = 0.0
    p99_ratio: float = 0.0

    @property
    def errors(self) -> int:
        return self.status_errors + self.socket_errors


@dataclass
class SiteResult:
    site: str
    build_s: float = 0.0
    build_summary: str = ""
    response_bytes: dict[str, int] = field(default_factory=dict)
    runs: list[Run] = field(default_factory=list)
    log_problems: list[str] = field(default_factory=list)


def say(text: str) -> None:
    print(text, flush=True)


# --- sites --------------------------------------------------------------------


def sample_site() -> Site:
    searches = tuple(f"/search?q={quote_plus(q)}" for q in SAMPLE_QUERIES)
    return Site("sample (Harbor Fibre)", REPO_ROOT, SAMPLE_ARTICLE, searches)


def generated_site(dest: Path, size: int, seed: int) -> Site:
    """A generated help centre, seeded as build_and_query.py seeds it, so both
    benchmarks measure the same articles."""
    planned = corpus.generate(dest, size, seed + size)
    # The middle article: not the first or last one written, nothing special.
    article = f"/articles/{planned[len(planned) // 2].slug}"
    queries = query_set([p.title for p in planned], GENERATED_QUERIES, seed)
    searches = tuple(f"/search?q={quote_plus(text)}" for _shape, text in queries)
    return Site(f"generated {size:,}", dest, article, searches)


def build(site: Site, env: dict[str, str]) -> tuple[float, str]:
    """Build and publish the index with the real command line; seconds taken and
    its summary line."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "build_index.py", "--content", str(site.content), "--index", env["PORTAL_INDEX_DIR"]],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"build_index.py failed for {site.name}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    lines = (done.stdout + done.stderr).strip().splitlines()
    return elapsed, lines[-1] if lines else ""


# --- the server ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str, timeout: float = 10.0) -> tuple[int, int]:
    """(status, body length) of one GET."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, len(response.read())
    finally:
        conn.close()


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def cpu_ticks(pids: list[int]) -> int:
    """User + system clock ticks of ``pids`` (fields 14 and 15 of /proc/PID/stat)."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces; fields are counted after its ")".
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def workers(self) -> list[int]:
        return children(self.process.pid)


def gunicorn_binary() -> str:
    binary = Path(sys.executable).with_name("gunicorn")
    return str(binary) if binary.exists() else "gunicorn"


def no_control_socket() -> list[str]:
    """``--no-control-socket`` where gunicorn has it (27 and later): otherwise
    every gunicorn of this user shares ~/.gunicorn/gunicorn.ctl, and a server
    another job on this machine starts at the same time would take it over."""
    done = subprocess.run([gunicorn_binary(), "--help"], capture_output=True, text=True, check=False)
    return ["--no-control-socket"] if "--no-control-socket" in done.stdout else []


@contextmanager
def gunicorn(env: dict[str, str], workers: int, log: Path) -> Iterator[Server]:
    """gunicorn serving bench/http_app.py on 127.0.0.1, stopped on leaving,
    whatever happened inside."""
    port = free_port()
    command = [
        gunicorn_binary(),
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--pythonpath",
        str(BENCH_DIR),
        "--log-level",
        "info",
        "--error-logfile",
        str(log),
        *no_control_socket(),
        "http_app:app",
    ]
    with log.open("ab") as stderr:
        # A session of its own, so a last-resort kill reaches the workers too
        # and nothing else.
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=stderr, stderr=stderr, start_new_session=True
        )
    server = Server(process, port, log)
    try:
        wait_ready(server, workers)
        yield server
    finally:
        stop(process)


def wait_ready(server: Server, workers: int) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.process.returncode}:\n{tail(server.log)}")
        try:
            status, _size = get(server.port, TRIVIAL, timeout=5.0)
        except OSError:
            status = 0
        if status == 200 and len(server.workers()) == workers:
            return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {TRIVIAL} within {READY_TIMEOUT:.0f} s:\n{tail(server.log)}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (a graceful shutdown), then SIGKILL to the server's own process group."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def log_problems(path: Path) -> list[str]:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if LOG_PROBLEM.search(line)]


# --- load -----------------------------------------------------------------------


def wrk_version() -> str | None:
    """wrk's version line, or None when wrk is not installed."""
    if shutil.which("wrk") is None:
        return None
    # wrk has no --version: -v prints the banner and usage, and exits 1.
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0] if first else "wrk (unknown version)"


@dataclass
class Load:
    requests: int
    duration_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    status_errors: int
    socket_errors: int


def own_cpu() -> float:
    """CPU seconds of this process (the Python load generator's threads) and of
    its finished children (wrk)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def machine_busy_ticks() -> int:
    """Clock ticks every CPU of the machine spent not idle, from /proc/stat
    (user, nice, system, irq, softirq, steal)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq + steal


def wrk_load(port: int, paths: list[str], seconds: int, connections: int, threads: int, scratch: Path) -> Load:
    # URL-quoted paths are plain ASCII, and a JSON string of ASCII is a valid Lua string.
    script = scratch / "rotate.lua"
    script.write_text(LUA_SCRIPT.replace("__PATHS__", ", ".join(json.dumps(p) for p in paths)), encoding="utf-8")
    command = [
        "wrk",
        "--threads",
        str(threads),
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",  # wrk takes whole seconds only
        "--timeout",
        WRK_TIMEOUT,
        "--script",
        str(script),
        f"http://{HOST}:{port}{paths[0]}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    found = re.search(r"^WRK_JSON (\{.*\})$", done.stdout, re.M)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    data = json.loads(found.group(1))
    return Load(
        requests=int(data["requests"]),
        duration_s=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        status_errors=int(data["status"]),
        socket_errors=int(data["connect"] + data["read"] + data["write"] + data["timeout"]),
    )


def python_load(port: int, paths: list[str], seconds: int, connections: int) -> Load:
    """The fallback when wrk is missing: one thread per connection, keep-alive
    when the server allows it (gunicorn's sync workers close after each answer)."""
    deadline = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [[0, 0] for _ in range(connections)]  # status, socket; one list per thread, so no lock

    def client(n: int) -> None:
        conn: http.client.HTTPConnection | None = None
        turn = n
        while time.monotonic() < deadline:
            if conn is None:
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
            path = paths[turn % len(paths)]
            turn += 1
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[n][1] += 1
                conn.close()
                conn = None
                continue
            latencies[n].append((time.perf_counter() - started) * 1000)
            if not 200 <= response.status < 400:
                errors[n][0] += 1
            if response.will_close:
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    every = [ms for per_thread in latencies for ms in per_thread] or [0.0]
    return Load(
        requests=sum(len(per_thread) for per_thread in latencies),
        duration_s=elapsed,
        p50_ms=percentile(every, 50),
        p99_ms=percentile(every, 99),
        max_ms=max(every),
        status_errors=sum(e[0] for e in errors),
        socket_errors=sum(e[1] for e in errors),
    )


@dataclass(frozen=True)
class LoadSettings:
    tool: str  # "wrk" or "python"
    seconds: int
    warmup: int
    connections: int
    threads: int


def load(server: Server, paths: list[str], settings: LoadSettings, seconds: int, scratch: Path) -> Load:
    if settings.tool == "wrk":
        return wrk_load(server.port, paths, seconds, settings.connections, settings.threads, scratch)
    return python_load(server.port, paths, seconds, settings.connections)


def measure(
    site_name: str, endpoint: str, paths: list[str], server: Server, settings: LoadSettings, scratch: Path
) -> Run:
    workers = server.workers()
    ours = [server.process.pid, *workers]
    clock = os.sysconf("SC_CLK_TCK")
    load_before = os.getloadavg()[0]
    busy, started = machine_busy_ticks(), time.perf_counter()
    ticks, generator = cpu_ticks(workers), own_cpu()
    server_ticks = cpu_ticks(ours)
    result = load(server, paths, settings, settings.seconds, scratch)
    ticks = cpu_ticks(workers) - ticks
    server_ticks = cpu_ticks(ours) - server_ticks
    generator = own_cpu() - generator
    busy, wall = machine_busy_ticks() - busy, time.perf_counter() - started
    if sorted(server.workers()) != sorted(workers):
        # A worker was replaced (crash or timeout): its CPU is lost, so say so
        # rather than print a per-request figure that is too low.
        say(f"   warning: gunicorn replaced a worker during {endpoint}; CPU per request is not reliable")
    run = Run(site_name, endpoint, paths)
    run.requests, run.duration_s = result.requests, result.duration_s
    run.rps = result.requests / result.duration_s if result.duration_s else 0.0
    run.p50_ms, run.p99_ms, run.max_ms = result.p50_ms, result.p99_ms, result.max_ms
    run.status_errors, run.socket_errors = result.status_errors, result.socket_errors
    if result.requests:
        run.worker_cpu_ms_per_request = ticks / clock * 1000 / result.requests
    run.load_cpu_percent = generator / result.duration_s * 100 if result.duration_s else 0.0
    # Whatever the machine did beyond gunicorn (master and workers) and the load generator.
    others = busy / clock - server_ticks / clock - generator
    run.other_cpu_percent = max(0.0, others / wall * 100)
    run.load_average = (load_before, os.getloadavg()[0])
    return run


def bench_site(site: Site, workers: int, settings: LoadSettings, workdir: Path) -> SiteResult:
    result = SiteResult(site.name)
    instance = workdir / "instance"
    env = {
        **os.environ,
        "PORTAL_INSTANCE_DIR": str(instance),
        "PORTAL_INDEX_DIR": str(instance / "index"),
        "PORTAL_CONTENT_DIR": str(site.content),
        "PORTAL_SECRET_KEY": "http-bench",
        "PORTAL_DATABASE_URL": f"sqlite:///{instance / 'portal.sqlite3'}",
    }
    # Deployed sites run from compiled bytecode; with this set every worker
    # would compile the portal again at start-up (the colleague's benchmark
    # drops it for the same reason).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    say(f"\n== {site.name}")
    result.build_s, result.build_summary = build(site, env)
    say(f"   build: {result.build_s:.1f} s; {result.build_summary}")

    endpoints = [
        ("trivial", [TRIVIAL]),
        ("home", ["/"]),
        ("article", [site.article]),
        (f"search ({len(site.searches)} queries)", list(site.searches)),
    ]
    log = workdir / "gunicorn.log"
    with gunicorn(env, workers, log) as server:
        say(f"   gunicorn pid {server.process.pid} on {HOST}:{server.port}, workers {server.workers()}")
        # Every path must answer 200 before it is timed: a fast 404 or 500
        # would make a page look cheap.
        for _name, paths in endpoints:
            for path in paths:
                status, size = get(server.port, path, timeout=30.0)
                result.response_bytes[path] = size
                if status != 200:
                    raise RuntimeError(f"{path} answered {status} before the load started:\n{tail(log)}")
        # Untimed: both workers open the catalog and index, fill their caches
        # and compile the templates before the first measured request.
        if settings.warmup > 0:
            everything = [path for _name, paths in endpoints for path in paths]
            load(server, everything, settings, settings.warmup, workdir)
        for name, paths in endpoints:
            run = measure(site.name, name, paths, server, settings, workdir)
            result.runs.append(run)
            say(
                f"   {name:<22} {run.rps:8.1f} req/s  p50 {run.p50_ms:7.1f} ms  p99 {run.p99_ms:7.1f} ms  "
                f"max {run.max_ms:7.1f} ms  worker CPU {run.worker_cpu_ms_per_request:5.2f} ms/req  "
                f"errors {run.errors}  load generator {run.load_cpu_percent:.0f}% CPU  "
                f"other processes {run.other_cpu_percent:.0f}% CPU  "
                f"load {run.load_average[0]:.1f}->{run.load_average[1]:.1f}"
            )
    trivial = result.runs[0]
    for run in result.runs:
        run.rps_ratio = run.rps / trivial.rps if trivial.rps else 0.0
        run.p99_ratio = run.p99_ms / trivial.p99_ms if trivial.p99_ms else 0.0
    result.log_problems = log_problems(log)
    if result.log_problems:
        say(f"   gunicorn log: {len(result.log_problems)} problem lines, first ones:")
        for line in result.log_problems[:10]:
            say(f"     {line}")
    return result


# --- reporting ---------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def markdown_table(results: list[SiteResult]) -> str:
    lines = [
        "| help centre | endpoint | requests/s | p50 | p99 | requests/s vs trivial | p99 vs trivial "
        "| worker CPU per request | errors |",
        "| --- | --- |" + " ---: |" * 7,
    ]
    for site in results:
        for run in site.runs:
            # † flags a run that other work on the machine disturbed (see the note under the table).
            mark = " †" if run.other_cpu_percent > NOISY_PERCENT else ""
            lines.append(
                f"| {site.site} | {run.endpoint}{mark} | {run.rps:,.0f} | {ms(run.p50_ms)} | {ms(run.p99_ms)} "
                f"| {run.rps_ratio:.2f}× | {run.p99_ratio:.1f}× | {run.worker_cpu_ms_per_request:.2f} ms "
                f"| {run.errors} |"
            )
    return "\n".join(lines)


def noise_note(results: list[SiteResult]) -> str:
    """One line on how quiet the machine was, for under the table."""
    runs = [run for site in results for run in site.runs]
    if not runs:
        return ""
    worst = max(run.other_cpu_percent for run in runs)
    text = f"Other processes used at most {worst:.0f}% of one core during any run."
    if worst > NOISY_PERCENT:
        text += (
            f" † marks runs where they used more than {NOISY_PERCENT:.0f}%: their requests/s, latencies and ratios"
            " are depressed by a busy neighbour; worker CPU per request much less so."
        )
    return text


def machine() -> dict[str, Any]:
    gunicorn_version = subprocess.run(
        [gunicorn_binary(), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "gunicorn": gunicorn_version,
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "load_average": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="whole seconds of load per endpoint (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed whole seconds of load first (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: leaves the cores to gunicorn)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--sites", nargs="+", choices=("sample", "generated"), default=["sample", "generated"])
    parser.add_argument("--size", type=int, default=GENERATED_SIZE, help="articles in the generated help centre")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--load-tool", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--out", type=Path, help="also write the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, index)")
    args = parser.parse_args(argv)

    version = wrk_version()
    tool = args.load_tool
    if tool == "auto":
        tool = "wrk" if version else "python"
    if tool == "wrk" and version is None:
        parser.error("wrk is not installed (apt-get install -y wrk), use --load-tool python")
    if tool == "python":
        say("NOTE: load generated by this script's Python threads, not wrk" + ("" if version else " (wrk not found)"))
    settings = LoadSettings(tool, args.duration, args.warmup, args.connections, min(args.threads, args.connections))
    tool_name = version if tool == "wrk" else f"Python {args.connections}-thread load generator"

    facts = machine()
    say(f"nproc {facts['nproc']}, Python {facts['python']}, {facts['platform']}")
    say(f"{facts['gunicorn']}, {args.workers} sync workers; {tool_name}")
    say(f"load average {' '.join(f'{x:.2f}' for x in facts['load_average'])}")

    root = Path(tempfile.mkdtemp(prefix="portal-http-bench-"))
    results: list[SiteResult] = []
    try:
        for name in args.sites:
            workdir = root / name
            workdir.mkdir()
            if name == "sample":
                site = sample_site()
            else:
                (workdir / "content").mkdir()
                site = generated_site(workdir / "content", args.size, args.seed)
            results.append(bench_site(site, args.workers, settings, workdir))
    finally:
        if args.keep:
            say(f"\nkept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    load_tool = "wrk" if tool == "wrk" else "a Python thread-per-connection load generator (wrk not used)"
    say(
        f"\nMeasured on {facts['nproc']} CPUs, Python {facts['python']}, {facts['gunicorn']} with "
        f"{args.workers} sync workers, {load_tool} with {args.connections} connections, "
        f"{args.duration} s per endpoint, load generator and server on the same machine.\n"
    )
    say(markdown_table(results))
    say("")
    say(noise_note(results))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "machine": facts,
            "load_tool": tool_name,
            "settings": {**asdict(settings), "workers": args.workers, "seed": args.seed, "size": args.size},
            "results": [asdict(r) for r in results],
        }
        args.out.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
