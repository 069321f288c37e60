"""The ready-made checks: the pre-commit hook of this repository, the hook other
content repositories use, and the example CI workflow. Each runs the command
the docs name, and that command fails on broken content and passes on good."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
GUIDE = (REPO_ROOT / "docs/authoring.md").read_text(encoding="utf-8")
CONTENT_FILES = [
    "articles/hub/restart-your-harbor-hub.md",
    "articles/account/reset-your-password.he.md",
    "articles/hub/images/lights.png",
    "troubleshooting_trees/hub-light.yaml",
    "categories.yaml",
    "faq.yaml",
    "glossary.yaml",
    "sla.yaml",
]
OTHER_FILES = ["README.md", "portal/build.py", "docs/authoring.md", ".pre-commit-config.yaml", "pyproject.toml"]


def hook(path: str) -> dict:
    data = yaml.safe_load((REPO_ROOT / path).read_text(encoding="utf-8"))
    hooks = data if isinstance(data, list) else [h for repo in data["repos"] for h in repo["hooks"]]
    (found,) = [h for h in hooks if h["id"] == "content-check"]
    return found


def code_lines(markdown: str) -> set[str]:
    """Every line inside a fenced code block."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", markdown, flags=re.MULTILINE | re.DOTALL)
    return {line.split("  #")[0].strip() for block in blocks for line in block.splitlines()}


def run(args: list[str], cwd: Path, content: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    if content is not None:
        env["PORTAL_CONTENT_DIR"] = str(content)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def broken(content_dir: Path) -> tuple[Path, str]:
    """Break one article's category; returns the content and the expected line."""
    path = content_dir / "articles/hub/harbor-hub-lights.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("category: hub", "category: hubb"), encoding="utf-8")
    line = text.splitlines().index("category: hub") + 1
    return content_dir, (
        f"articles/hub/harbor-hub-lights.md:{line}: unknown category 'hubb'; declare it in categories.yaml"
    )


# This repository's hook ---------------------------------------------------------------


def test_local_hook_runs_the_documented_command():
    local = hook(".pre-commit-config.yaml")
    assert local["entry"] == ".venv/bin/python build_index.py --check --strict"
    assert local["entry"] in code_lines(README)
    assert local["entry"] in code_lines(GUIDE)
    assert local["language"] == "system"
    assert local["pass_filenames"] is False


@pytest.mark.parametrize("path", [".pre-commit-config.yaml", ".pre-commit-hooks.yaml"])
def test_hooks_run_on_content_changes_only(path):
    files = re.compile(hook(path)["files"])
    assert [p for p in CONTENT_FILES if not files.search(p)] == []
    assert [p for p in OTHER_FILES if files.search(p)] == []


def test_local_hook_fails_on_broken_content_and_passes_on_good(content_dir):
    interpreter, *args = shlex.split(hook(".pre-commit-config.yaml")["entry"])
    # The interpreter `make setup` creates; this test runs in it (or its equivalent).
    assert interpreter == ".venv/bin/python"
    command = [sys.executable, *args]
    good = run(command, REPO_ROOT, content_dir)
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith("checked 4 articles")
    content, message = broken(content_dir)
    bad = run(command, REPO_ROOT, content)
    assert bad.returncode == 1
    assert message in bad.stderr
    assert bad.stderr.rstrip().endswith("check failed")


def test_local_hook_fails_on_a_warning(content_dir):
    """--strict: a translation older than its original stops the commit."""
    path = content_dir / "articles/account/reset-your-password.he.md"
    path.write_text(path.read_text(encoding="utf-8").replace("2026-10-02", "2026-09-01"), encoding="utf-8")
    _interpreter, *args = shlex.split(hook(".pre-commit-config.yaml")["entry"])
    result = run([sys.executable, *args], REPO_ROOT, content_dir)
    assert result.returncode == 1
    assert "reset-your-password.he.md:" in result.stderr
    assert "warning: translation updated 2026-09-01" in result.stderr


# The hook other repositories use -------------------------------------------------------


def test_shared_hook_uses_the_installed_command():
    shared = hook(".pre-commit-hooks.yaml")
    assert shared["language"] == "python"
    assert shared["pass_filenames"] is False
    program, *args = shlex.split(shared["entry"])
    scripts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts[program] == "build_index:main"
    assert args == ["--check", "--strict", "--content", "."]
    assert shared["entry"] in code_lines(GUIDE)


def test_shared_hook_in_a_content_repository(content_dir, tmp_path):
    """As pre-commit runs it: the installed command, in the repository's root."""
    program, *args = shlex.split(hook(".pre-commit-hooks.yaml")["entry"])
    installed = shutil.which(program, path=str(Path(sys.executable).parent))
    assert installed, f"{program} is not installed; run make setup"
    elsewhere = tmp_path / "content-repo"
    shutil.copytree(content_dir, elsewhere)
    good = run([installed, *args], elsewhere)
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith("checked 4 articles")
    _content, message = broken(elsewhere)
    bad = run([installed, *args], elsewhere)
    assert bad.returncode == 1
    assert message in bad.stderr


# The example CI workflow ------------------------------------------------------------------


def workflow() -> dict:
    return yaml.safe_load((REPO_ROOT / "docs/examples/content-check.yml").read_text(encoding="utf-8"))


def test_example_workflow_checks_pull_requests_that_touch_content():
    data = workflow()
    on = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    paths = on["pull_request"]["paths"]
    for path in CONTENT_FILES:
        assert any(_glob(path, glob) for glob in paths), path
    for path in OTHER_FILES:
        assert not any(_glob(path, glob) for glob in paths)


def _glob(path: str, pattern: str) -> bool:
    """GitHub's path filter: ``**`` any run of characters, ``*`` any but ``/``."""
    regex = re.escape(pattern).replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
    return re.fullmatch(regex, path) is not None


def test_example_workflow_installs_and_runs_the_documented_check():
    steps = workflow()["jobs"]["check"]["steps"]
    uses = [s["uses"].split("@")[0] for s in steps if "uses" in s]
    assert uses == ["actions/checkout", "actions/setup-python"]
    runs = [s["run"] for s in steps if "run" in s]
    assert runs == ["pip install .", "python build_index.py --check --strict"]
    assert "python build_index.py --check --strict" in code_lines(README)
    assert "docs/examples/content-check.yml" in README
    assert "docs/examples/content-check.yml" in GUIDE


def test_example_workflow_is_not_active():
    assert not (REPO_ROOT / ".github/workflows/content-check.yml").exists()
