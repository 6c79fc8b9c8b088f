"""Opendev session stores for the tests, played by :mod:`snaptui.actions.opendev_sim`
(which writes them exactly as opendev 0.1.8 does), and the helpers to check them."""

from __future__ import annotations

import marshal
import os
from pathlib import Path

import pytest

from snaptui.actions.opendev_sim import (  # noqa: F401 - the tests use these through this module
    DIRECTIVE,
    STEP_NS,
    T0_NS,
    Call,
    Sim,
    compact,
    encode,
    generated_title,
    ms,
    new_session,
    pretty,
    project_folder,
    ts,
)
from snaptui.sources import opendev
from snaptui.sources.records import DamagedFile, Session

# -- the scenarios the tests use ---------------------------------------------------

EDIT = Call("Edit", {"file_path": "src/config.rs", "old_string": "a", "new_string": "b"})
READ = Call("Read", {"file_path": "src/config.rs"}, result="1\tuse std::fs;")
BASH = Call("Bash", {"command": "cargo test"}, result="test result: ok")
FAILED_EDIT = Call("Edit", {"file_path": "src/x.rs", "old_string": "q", "new_string": "r"},
                   error="old_string not found in src/x.rs.")


def finished(root: Path, project: str, sid: str = "3f9a0c1b7e42", **kw: object) -> Sim:
    """Two turns, both saved: the second edits, with a failed call and a directive."""
    s = new_session(root, project, sid, **kw)
    s.turn("Fix the config loader so it accepts empty files", [[READ], [EDIT]], reply="Empty files load now.")
    s.turn("Now run the tests", [[FAILED_EDIT, BASH]], reply="All tests pass.", directive_after_step=0)
    return s


def died_mid_turn(root: Path, project: str, sid: str = "3f9a0c1b7e42", **kw: object) -> Sim:
    """One saved turn, then a turn that died right after the model asked for Edit and Bash."""
    s = new_session(root, project, sid, **kw)
    s.turn("Fix the config loader so it accepts empty files", [[READ]], reply="Found it.")
    s.turn("Please also handle whitespace-only files",
           [[READ], [EDIT, Call("Write", {"file_path": "src/new.rs", "content": "x"}), BASH]], end="crash")
    return s


def stopped_with_error(root: Path, project: str, sid: str = "3f9a0c1b7e42", **kw: object) -> Sim:
    s = new_session(root, project, sid, **kw)
    s.turn("Fix the config loader so it accepts empty files", [[READ]], reply="Found it.")
    s.turn("Add a regression test", [[EDIT]], end="error", error="HTTP 529: overloaded")
    return s


def first_turn_never_ended(root: Path, project: str, sid: str = "a1b2c3d4e5f6", **kw: object) -> Sim:
    s = new_session(root, project, sid, **kw)
    s.turn("Write a README for this project", [[Call("Write", {"file_path": "README.md", "content": "# hi"})]],
           end="crash")
    return s


def subagent_child(root: Path, project: str, sid: str = "5d0c2f9e-8b1a-4c3e-9f7d-2a6b1e4c8d90",
                   parent_id: str = "3f9a0c1b7e42") -> Sim:
    s = new_session(root, project, sid, component="subagent", debug=False, working_directory=project,
                    parent_id=parent_id,
                    subagent_type="explore", title="Find every caller of load_config (@explore)",
                    system_prompt="You are the explore subagent.")
    s.turn("Find every caller of load_config", [[Call("Grep", {"pattern": "load_config"})]],
           reply="load_config is called from src/main.rs:12.")
    return s


# -- checking that reading changed nothing --------------------------------------------


def fingerprint(root: Path) -> dict[str, tuple[object, ...]]:
    """Every entry under ``root`` (symlinks not followed, FIFOs never opened): kind, size, mtime, content."""
    import hashlib
    import stat

    seen: dict[str, tuple[object, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            content: object = None
            if stat.S_ISLNK(st.st_mode):
                content = os.readlink(path)
            elif stat.S_ISREG(st.st_mode):
                content = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            seen[os.path.relpath(path, root)] = (st.st_mode, st.st_size, st.st_mtime_ns, content)
    return seen


# -- scanning, as the catalog will ----------------------------------------------------------------


def scan(*roots: Path) -> dict[str, Session | DamagedFile]:
    """discover + read_session + to_records, by session id; asserts that nothing on disk changed."""
    return dict(_scanned(*roots))


def scan_all(*roots: Path) -> list[Session | DamagedFile]:
    """:func:`scan`'s records as a list: every session, two folders holding one id included."""
    return [record for _, record in _scanned(*roots)]


def _scanned(*roots: Path) -> list[tuple[str, Session | DamagedFile]]:
    """Each record with its session id (a root or folder that could not be listed: its path)."""
    before = [fingerprint(r) for r in roots]
    found = opendev.discover([str(r) for r in roots])
    out: list[tuple[str, Session | DamagedFile]] = []
    for s in found.sessions:
        value = opendev.read_session(s)
        assert marshal.loads(marshal.dumps(value)) == value  # type: ignore[arg-type]  # plain values: cacheable
        assert opendev.read_session(s) == value  # a pure function of the files
        out.append((s.session_id, opendev.to_records(s, value)))
    out += [(p.path, opendev.problem_record(p)) for p in found.problems]
    assert [fingerprint(r) for r in roots] == before
    return out


def lost_of(root: Path, sid: str = "3f9a0c1b7e42") -> tuple[object, ...]:
    """What a scan says of a session's stop: completed, when, the lost turn."""
    got = scan(root)[sid]
    assert isinstance(got, Session), got
    return got.completed, got.timestamp_ms, got.lost_turn


def huge_history_session(root: Path, size: int) -> Sim:
    """A lost turn whose request carries ``size`` bytes of earlier conversation."""
    s = new_session(root, "/srv/app")
    s.turn("first", [[READ]])
    s.conversation.append({"content": "y" * size, "role": "user"})
    s.conversation.append({"content": "noted", "role": "assistant"})
    s.turn("the lost prompt", [[EDIT]], end="crash")
    return s


def counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the size of every positional read (``os.preadv``) from now on."""
    sizes: list[int] = []
    real = os.preadv

    def preadv(fd: int, buffers: list[memoryview], at: int) -> int:
        got = real(fd, buffers, at)
        sizes.append(got)
        return got

    monkeypatch.setattr(os, "preadv", preadv)
    return sizes
