"""A real gunicorn serving the portal, for tests of what crosses HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(
    settings: Mapping[str, str], *, workers: int = 2, threads: int = 1, args: Sequence[str] = ()
) -> Iterator[str]:
    """Start gunicorn with ``PORTAL_*`` ``settings`` on a free loopback port,
    wait until it answers, yield its base URL, and stop it (even on error)."""
    port = free_port()
    env = {**os.environ, **{f"PORTAL_{k}": v for k, v in settings.items()}}
    command = [
        str(GUNICORN),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        *args,
        "--bind",
        f"127.0.0.1:{port}",
        "portal:create_app()",
    ]
    with server_process(command, env, port, name="gunicorn") as base:
        yield base


@contextmanager
def server_process(
    command: Sequence[str],
    env: Mapping[str, str],
    port: int,
    *,
    name: str,
    stop: signal.Signals = signal.SIGTERM,
    seconds: float = 30,
) -> Iterator[str]:
    """Run ``command`` (a server that listens on ``port`` of 127.0.0.1), wait
    until its home page answers, yield its base URL, and end it with ``stop``
    (even on error; killed if it has not ended 10 s later). A server that exits
    before answering raises with its stderr; ``name`` is for the messages."""
    proc = subprocess.Popen(list(command), env=dict(env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + "/", proc, name, seconds)
        yield base
    finally:
        proc.send_signal(stop)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def _wait_until_up(url: str, proc: subprocess.Popen, name: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else f"{name} exited")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{name} did not answer {url} within {seconds} s")
