"""Settings: declared once, read from the environment, documented in the README."""

from __future__ import annotations

from pathlib import Path

from portal import config, create_app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_in_the_readme():
    missing = [s.env for s in config.SETTINGS if f"`{s.env}`" not in README]
    assert missing == []


def test_environment_overrides_defaults(tmp_path):
    values = config.from_environment({"PORTAL_INSTANCE_DIR": str(tmp_path), "PORTAL_SITE_NAME": "Acme Help"})
    assert values["INSTANCE_DIR"] == tmp_path
    assert values["INDEX_DIR"] == tmp_path / "index"  # defaults follow the instance dir
    assert values["DATABASE_URL"] == f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    assert values["SITE_NAME"] == "Acme Help"


def test_defaults_point_at_the_repository_and_instance():
    values = config.from_environment({})
    assert values["CONTENT_DIR"] == config.REPO_ROOT
    assert values["INDEX_DIR"] == config.REPO_ROOT / "instance" / "index"


def test_secret_key_is_generated_once_and_persisted(tmp_path):
    first = create_app({"INSTANCE_DIR": tmp_path, "SECRET_KEY": None}).config["SECRET_KEY"]
    second = create_app({"INSTANCE_DIR": tmp_path, "SECRET_KEY": None}).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    other = create_app({"INSTANCE_DIR": tmp_path / "other", "SECRET_KEY": None}).config["SECRET_KEY"]
    assert other != first


def test_configured_secret_key_wins(tmp_path):
    app = create_app({"INSTANCE_DIR": tmp_path, "SECRET_KEY": "from-env"})
    assert app.config["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()
