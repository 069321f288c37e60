"""Start-up time of the portal, run by ``build_and_query.py`` in a fresh process.

    python bench/startup_child.py '{"INDEX_DIR": "...", "INSTANCE_DIR": "...", ...}'

The clock starts before the portal is imported, so imports (Flask, Whoosh,
markdown-it, ...) count, as they do when a worker starts; it stops at the first
response of ``/`` from the test client, which opens the published catalog and
index. Prints ``{"ms": ..., "cpu_ms": ..., "status": ...}`` (CPU time too, as a
busy neighbour on a shared machine inflates only the wall clock).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def settings(text: str) -> dict[str, object]:
    """The JSON mapping, with ``*_DIR`` values as paths, as the app's own
    defaults are (the portal's config does not convert a test mapping)."""
    return {key: Path(value) if key.endswith("_DIR") else value for key, value in json.loads(text).items()}


def main() -> int:
    started, cpu = time.perf_counter(), time.process_time()
    from portal import create_app

    app = create_app(settings(sys.argv[1]))
    response = app.test_client().get("/")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"ms": round(elapsed * 1000, 1), "cpu_ms": round(cpu * 1000, 1), "status": response.status_code}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
