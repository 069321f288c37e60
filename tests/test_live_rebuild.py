"""A rebuild under a running server never makes a request fail.

gunicorn serves the fixture help centre with several workers while clients
search and read articles in threads and the index is rebuilt repeatedly.
"""

from __future__ import annotations

import threading
import time
import urllib.request
from pathlib import Path

import pytest
from gunicorn_server import GUNICORN, serving

from portal.build import build

pytestmark = pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed (make test installs it)")


@pytest.fixture
def server(content_dir: Path, built: Path, tmp_path: Path):
    settings = {
        "CONTENT_DIR": str(content_dir),
        "INDEX_DIR": str(built),
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "SECRET_KEY": "test",
    }
    with serving(settings, workers=3, threads=2) as base:
        yield base


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
