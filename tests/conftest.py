"""Shared fixtures: an isolated home for every test, real files, the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
FIXTURES = DATA / "seed-written"
FIXTURE_NOW_MS = 1795500000000  # "now" when the reference wrote the fixtures

IN_CI = os.environ.get("SNAPTUI_CI") == "1"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own HOME and XDG dirs: nothing touches the real ones."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_STATE_HOME", ".local/state"),
                     ("XDG_CACHE_HOME", ".cache"), ("XDG_DATA_HOME", ".local/share")):
        monkeypatch.setenv(var, str(home / sub))
    for var in ("SNAPTUI_RECOVERY_DIR", "SNAPTUI_CONFIG", "SNAPTUI_DISABLE", "OPENDEV_DIR"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def fixture_dir(tmp_path) -> Path:
    """A writable copy of the reference-written fixtures."""
    target = tmp_path / "recovery"
    shutil.copytree(FIXTURES, target)
    return target


@pytest.fixture
def recovery(tmp_path) -> Path:
    target = tmp_path / "recovery"
    target.mkdir()
    return target


def snaptui_command() -> list[str]:
    """The installed console script, as a person runs it (else ``python -m snaptui``)."""
    script = Path(sys.executable).with_name("snaptui")
    return [str(script)] if script.exists() else [sys.executable, "-m", "snaptui"]


class Run:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.code = proc.returncode
        self.out = proc.stdout.decode("utf-8", "replace")
        self.err = proc.stderr.decode("utf-8", "replace")
        self.stdout_bytes = proc.stdout

    def __repr__(self) -> str:
        return f"Run(code={self.code}, out={self.out[:300]!r}, err={self.err[:300]!r})"


@pytest.fixture(scope="session")
def agent_bin(tmp_path_factory) -> str:
    """A folder with an ``opendev`` that does nothing (resuming checks that it can run)."""
    from tui_support import write_fake_opendev

    folder = tmp_path_factory.mktemp("agent-bin")
    write_fake_opendev(folder)
    return str(folder)


@pytest.fixture
def cli(agent_bin):
    """Run ``snaptui ARGS`` in a subprocess with the test's environment, an ``opendev`` on PATH
    (last: one a test puts first wins; a PATH of its own, in ``env``, has none)."""

    def run(*args: str, input: bytes | None = None, env: dict | None = None, timeout: float = 60,
            cwd: str | None = None) -> Run:
        full_env = dict(os.environ)
        full_env["PATH"] = f"{full_env.get('PATH', '')}{os.pathsep}{agent_bin}"
        full_env.update(env or {})
        proc = subprocess.run(
            [*snaptui_command(), *args],
            input=input if input is not None else b"",
            capture_output=True,
            env=full_env,
            timeout=timeout,
            cwd=cwd,
        )
        return Run(proc)

    return run


def seedsnap() -> str | None:
    """The reference binary, when this machine has it (``$SEEDSNAP``)."""
    path = os.environ.get("SEEDSNAP") or shutil.which("seedsnap")
    return path if path and os.access(path, os.X_OK) else None


def require_tool(name: str) -> str:
    """A program the test needs: skipped locally without it, a failure in CI."""
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} is not installed (CI installs it in .ci/run)")
        pytest.skip(f"{name} is not installed")
    return path


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fake home for the TUI tests, UTC, and an ``opendev`` on PATH (resuming checks that
    the command can run before it leaves the TUI)."""
    from tui_support import fake_opendev, use_utc

    monkeypatch.setenv("HOME", str(tmp_path))
    use_utc(monkeypatch)
    fake_opendev(tmp_path / ".fake-bin", monkeypatch)
    return tmp_path


@pytest.fixture
def tz(monkeypatch):
    """Set the local time zone (a POSIX TZ string) for this test."""

    def set_tz(value: str) -> None:
        monkeypatch.setenv("TZ", value)
        time.tzset()

    yield set_tz
    monkeypatch.undo()
    time.tzset()
