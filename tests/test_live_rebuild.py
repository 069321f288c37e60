"""A rebuild under a running server never makes a request fail.

gunicorn serves the fixture help centre with several workers while clients
search and read articles in threads and the index is rebuilt repeatedly.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from portal.build import build

pytestmark = pytest.mark.skipif(shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None,
                                reason="gunicorn is not installed (make test installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "gunicorn exited")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(url)


@pytest.fixture
def server(content_dir: Path, built: Path, tmp_path: Path):
    port = _free_port()
    env = {
        **os.environ,
        "PORTAL_CONTENT_DIR": str(content_dir),
        "PORTAL_INDEX_DIR": str(built),
        "PORTAL_INSTANCE_DIR": str(tmp_path / "instance"),
        "PORTAL_SECRET_KEY": "test",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen(
        [str(gunicorn), "--workers", "3", "--threads", "2", "--bind", f"127.0.0.1:{port}", "portal:create_app()"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + "/", proc)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def test_requests_never_fail_while_the_index_is_rebuilt(server, content_dir, built):
    failures: list[str] = []
    empty_searches = 0
    done = threading.Event()
    urls = ["/search?q=restart+hub", "/api/search?q=password", "/articles/restart-your-harbor-hub", "/"]
    counts = {"requests": 0}

    def client(offset: int) -> None:
        nonlocal empty_searches
        i = offset
        while not done.is_set():
            url = server + urls[i % len(urls)]
            i += 1
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    body = response.read().decode()
                    counts["requests"] += 1
                    if "/api/search" in url and '"total":0' in body.replace(" ", ""):
                        empty_searches += 1
            except Exception as exc:  # any failure is what this test looks for
                failures.append(f"{url}: {exc}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    try:
        article = content_dir / "articles/hub/restart-your-harbor-hub.md"
        original = article.read_text(encoding="utf-8")
        for n in range(6):
            # Alternate a content change (incremental build) with a no-op build.
            article.write_text(original + f"\nRevision {n}.\n", encoding="utf-8")
            assert not build(content_dir, built).failed
            time.sleep(0.2)
    finally:
        done.set()
        for thread in threads:
            thread.join()
    assert failures == []
    assert empty_searches == 0
    assert counts["requests"] > 50
    with urllib.request.urlopen(server + "/api/search?q=revision", timeout=10) as response:
        assert b"Restart your Harbor Hub" in response.read()
