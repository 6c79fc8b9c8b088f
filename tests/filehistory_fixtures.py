"""opendev's per-turn file checkpoints, written the way opendev writes them (for tests).

:class:`Opendev` follows ``FileCheckpointManager`` in opendev's
``crates/opendev-history/src/file_checkpoint.rs`` (commit dd1e1ad6) and the
middleware in ``crates/opendev-cli/src/runtime/checkpoint_middleware.rs``,
as OPENDEV_STORE.md §5.1 describes them:

- ``{data}/file-history/{session_id}/`` is created on the first capture,
  before the file is looked at (``create_dir_all`` comes first);
- a capture joins a relative ``file_path`` onto the working folder (no
  normalisation), hashes it, takes at most one copy per path per turn, and
  uses up a version number even for a file that does not exist (no copy then);
- a copy goes to ``.{uuid}.tmp`` and is renamed to ``{hash}@v{N}``; Rust's
  ``fs::copy`` copies the permission bits, not the times;
- ``manifest.json`` (pretty-printed, 2-space) is written only when a turn ends
  and has files: ``{session_id, turns[{turn_id, files[{abs_path, path_hash,
  backup_file|null, version}], timestamp}], next_turn_id, next_version}``,
  the timestamp in chrono's serde form ending in ``Z``;
- a new process (a resumed session) reloads ``turns``, ``next_turn_id`` and
  ``next_version`` from the manifest; a turn that fails is simply dropped
  (never listed) and the next ``begin_turn`` replaces it.

Times are real: :meth:`Opendev.begin_turn` leaves a gap before and after the
moment it returns (the turn's start, as the debug log would have it), so
everything written before has older times and everything after newer ones,
whatever the file system's timestamp granularity.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from snaptui.base.siphash import siphash13
from snaptui.sources.filehistory import FileChange, TurnFiles, find_changes

SID = "3f9a0c1b7e42"
GAP_S = 0.03
"""Longer than a coarse file-system clock tick (1-10 ms), far shorter than a model call."""


def path_hash(abs_path: str) -> str:
    """``DefaultHasher`` over the path: SipHash-1-3, keys 0, the UTF-8 bytes then 0xFF (base/siphash is
    checked against Rust's vectors and CPython's own SipHash-1-3 in test_filehistory)."""
    return f"{siphash13(abs_path.encode() + bytes([0xFF])):016x}"


def chrono_utc_now() -> str:
    """``DateTime<Utc>`` as chrono's serde writes it: RFC 3339, nanoseconds, ``Z``."""
    ns = time.time_ns()
    stamp = datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{ns % 1_000_000_000:09d}Z"


class Opendev:
    """One opendev process working on one session's files."""

    def __init__(self, data_root: Path, session_id: str, working_dir: str) -> None:
        self.session_id = session_id
        self.working_dir = working_dir
        self.base = Path(data_root) / "file-history" / session_id
        self.turns: list[dict] = []
        self.current: dict | None = None
        self.next_turn_id = 0
        self.next_version: dict[str, int] = {}
        manifest = self.base / "manifest.json"
        if manifest.exists():  # resuming: load_manifest()
            doc = json.loads(manifest.read_text())
            self.turns, self.next_turn_id, self.next_version = doc["turns"], doc["next_turn_id"], doc["next_version"]

    # The turn -------------------------------------------------------------

    def begin_turn(self) -> int:
        """Start a turn; returns its start in ms (what ``LostTurn.turn_started_ms`` holds)."""
        time.sleep(GAP_S)
        self.current = {"turn_id": self.next_turn_id, "files": [], "timestamp": chrono_utc_now()}
        self.next_turn_id += 1
        started_ms = time.time_ns() // 1_000_000
        time.sleep(GAP_S)
        return started_ms

    def end_turn(self) -> None:
        """``end_turn_with_stats``: a turn with captured files is listed and the manifest saved."""
        turn, self.current = self.current, None
        if turn is None or not turn["files"]:
            return
        self.turns.append(turn)
        self.save_manifest()

    def save_manifest(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        doc = {"session_id": self.session_id, "turns": self.turns, "next_turn_id": self.next_turn_id,
               "next_version": self.next_version}
        tmp = self.base / f".manifest.{uuid.uuid4()}.tmp"
        tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False))  # serde_json::to_string_pretty
        tmp.rename(self.base / "manifest.json")

    def capture(self, file_path: str) -> str | None:
        """The middleware, then ``capture_file``: returns the backup's name (None: no copy)."""
        assert self.current is not None, "begin_turn() first"
        abs_path = file_path if file_path.startswith("/") else os.path.join(self.working_dir, file_path)
        h = path_hash(abs_path)
        if any(f["path_hash"] == h for f in self.current["files"]):
            return None  # already captured this turn
        self.base.mkdir(parents=True, exist_ok=True)
        version = self.next_version.setdefault(h, 1)
        self.next_version[h] = version + 1
        backup = None
        if os.path.exists(abs_path):
            backup = f"{h}@v{version}"
            tmp = self.base / f".{uuid.uuid4()}.tmp"
            shutil.copyfile(abs_path, tmp)
            shutil.copymode(abs_path, tmp)
            tmp.rename(self.base / backup)
        self.current["files"].append({"abs_path": abs_path, "path_hash": h, "backup_file": backup,
                                      "version": version})
        return backup

    # The tools (checkpoint first, then the change) --------------------------

    def _abs(self, file_path: str) -> str:
        return file_path if file_path.startswith("/") else os.path.join(self.working_dir, file_path)

    def write(self, file_path: str, content: bytes) -> None:
        self.capture(file_path)
        Path(self._abs(file_path)).write_bytes(content)

    def edit(self, file_path: str, old: bytes, new: bytes) -> None:
        self.capture(file_path)
        p = Path(self._abs(file_path))
        data = p.read_bytes()
        assert old in data, (file_path, old)
        p.write_bytes(data.replace(old, new, 1))


class World:
    """A project folder and opendev's data folder side by side, with one session (:data:`SID`)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "opendev-data"
        self.project = root / "my-app"
        (self.project / "src").mkdir(parents=True)
        self.started_ms: int | None = None

    def file(self, rel: str, content: bytes) -> Path:
        p = self.project / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content)
        return p

    def opendev(self) -> Opendev:
        return Opendev(self.data, SID, str(self.project))

    def find(self, *paths: str, started: int | None | str = "turn", **kw: Any) -> TurnFiles:
        start = self.started_ms if started == "turn" else started
        assert not isinstance(start, str)
        return find_changes(str(self.data), SID, str(self.project), list(paths), start, **kw)

    @property
    def checkpoints(self) -> Path:
        return self.data / "file-history" / SID

    def one_edit(self, rel: str = "src/a.rs", before: bytes = b"a\n", after: bytes = b"A\n") -> None:
        """The simplest interrupted turn: one file, written once."""
        self.file(rel, before)
        od = self.opendev()
        self.started_ms = od.begin_turn()
        od.write(rel, after)


def by_rel(found: TurnFiles) -> dict[str, FileChange]:
    """The changes found, by path relative to the project."""
    return {c.relative: c for c in found.changes}


def all_unknown_because(found: TurnFiles, words: str) -> bool:
    """The session could not be used (``words`` say why) and every path says so."""
    return (found.problem is not None and words in found.problem and bool(found.changes)
            and all(c.change == "unknown" and c.reason == found.problem for c in found.changes))


def crash_mid_turn(world: World) -> None:
    """Turn 1 edits config.rs and finishes; turn 2 edits config.rs and main.rs (by its absolute path),
    creates new.rs, writes old.rs and then removes it (as a Bash ``rm`` would), and dies."""
    world.file("src/config.rs", b"fn load() {}\n")
    world.file("src/main.rs", b"fn main() {\n    run();\n}\n")
    world.file("src/old.rs", b"// old module\n")
    od = world.opendev()
    od.begin_turn()
    od.edit("src/config.rs", b"load()", b"load(s: &str)")
    od.end_turn()
    world.started_ms = od.begin_turn()
    od.edit("src/config.rs", b"{}", b"{ parse(s) }")
    od.edit("/" + str(world.project / "src/main.rs").lstrip("/"), b"run();", b"run()?;")
    od.write("src/new.rs", b"pub fn new() {}\n")
    od.write("src/old.rs", b"")
    os.unlink(world.project / "src/old.rs")
    # ... and the process dies here: no end_turn, no manifest update.
