"""A realistic demo recovery directory, written through snaptui's own writer.

A dozen sessions of varied age, cost and state (one may still be running,
several crashed, some completed, one old enough to purge), tool results with
failures and coloured output, one damaged file and one leftover of an
interrupted write. Half the project directories exist, so resume checks
have something to say.
"""

from __future__ import annotations

import os
import random
import shutil
import time

from snaptui.actions.relocate import DEMO_MARKER
from snaptui.base import clock as _clock
from snaptui.base.atomic import write_atomic
from snaptui.format.model import Snapshot, ToolResult

MARKER = DEMO_MARKER
MIN = 60_000
HOUR = 60 * MIN
DAY = 24 * HOUR

LEFTOVER_OF = "scheduler"
"""The session whose last write was cut off: a leftover ``.json.tmp`` beside its file."""

# (project, age, messages, cost, completed, project exists, tool script)
_SESSIONS = [
    ("webapp", 3 * MIN, 41, 0.62, False, True, "tests"),
    ("api-server", 26 * MIN, 188, 4.37, False, True, "compile"),
    ("ml-pipeline", 2 * HOUR + 7 * MIN, 96, 1.18, False, True, "search"),
    ("dotfiles", 5 * HOUR, 12, 0.0042, False, False, "edit"),
    ("payments", 26 * HOUR, 340, 12.95, False, True, "tests"),
    ("blog", 27 * HOUR, 58, 0.47, True, True, "edit"),
    ("infra", 3 * DAY, 213, 7.81, False, False, "deploy"),
    ("game-engine", 4 * DAY + 3 * HOUR, 402, 1204.50, False, True, "compile"),
    ("docs-site", 9 * DAY, 31, 0.19, True, True, "search"),
    ("scheduler", 12 * DAY, 77, 2.64, False, True, "tests"),
    ("chat-bot", 41 * DAY, 150, 3.02, False, False, "deploy"),
    ("notebook", 63 * DAY, 22, 0.08, True, False, "edit"),
]

_SCRIPTS = {
    "tests": [
        ("read_file", True, "   1\timport pytest\n   2\tfrom app import create_app\n   3\t\n   4\t@pytest.fixture\n   5\tdef client():"),
        ("edit_file", True, "Applied 1 edit(s) to tests/test_api.py\n@@ -40,3 +40,4 @@\n-    assert r.status == 200\n+    assert r.status_code == 200"),
        ("bash", False, "\x1b[1m============ test session starts ============\x1b[0m\ncollected 48 items\n\ntests/test_api.py ......\x1b[31mF\x1b[0m.\n\n\x1b[31mFAILED tests/test_api.py::test_login - AssertionError: 401 != 200\x1b[0m\n\x1b[31m======= 1 failed, 47 passed in 3.21s =======\x1b[0m"),
        ("bash", True, "tests/test_api.py ........ [100%]\n\n48 passed in 3.02s"),
        ("bash", False, "Command timed out after 120s"),
    ],
    "compile": [
        ("grep", True, "src/main.rs:14: fn find_incomplete_sessions(&self) -> Vec<AppStateSnapshot> {\nsrc/lib.rs:88: snapshot_timestamp_ms: u64,"),
        ("edit_file", True, "Applied 2 edit(s) to src/state.rs"),
        ("bash", False, "error[E0308]: mismatched types\n  --> src/state.rs:212:31\n   |\n   = note: expected `usize`, found `i64`\nerror: could not compile `{project}` due to 1 previous error"),
        ("read_file", True, " 210\t    let count = snapshot.message_count;\n 211\t    // TODO(alice): handle the \u201cedge\u201d case\n 212\t    total += count as i64;"),
        ("edit_file", False, "old_string not found in src/state.rs \u2014 make sure it matches exactly (including whitespace)"),
    ],
    "search": [
        ("web_fetch", True, "# pandas.DataFrame.merge\n\nFetched https://pandas.pydata.org/docs (48213 bytes)"),
        ("search", True, "Found 12 matches\npipeline/train.py:41: model.fit(X, y)\npipeline/features.py:9: import numpy as np"),
        ("bash", True, "Epoch 3/10 - loss: 0.4121 - val_loss: 0.4410\nEpoch 4/10 - loss: 0.3987 - val_loss: 0.4392"),
        ("web_fetch", False, "HTTP 404 Not Found: https://docs.example.com/xgboost/params"),
    ],
    "edit": [
        ("read_file", True, "   1\t# ~/.zshrc\n   2\texport EDITOR=nvim\n   3\t[[ -f ~/.aliases ]] && source ~/.aliases"),
        ("edit_file", True, "Applied 1 edit(s) to .zshrc\n+eval \"$(zoxide init zsh)\""),
        ("bash", True, "[main 3f2b9c1] Add zoxide\n 1 file changed, 1 insertion(+)"),
    ],
    "deploy": [
        ("bash", True, "Terraform will perform the following actions:\n  # aws_s3_bucket.logs will be created\nPlan: 1 to add, 0 to change, 0 to destroy."),
        ("bash", False, "Error: Error acquiring the state lock\n\nLock Info:\n  ID:        4e1c7f2a\n  Operation: OperationTypeApply\n  Who:       ci@runner-7"),
        ("todo_write", True, "Todos updated:\n[x] Plan the change\n[~] Apply with the lock released\n[ ] Update the runbook"),
        ("bash", False, "Permission denied (os error 13)"),
    ],
}


def default_dir(cache_dir: str) -> str:
    """The demo's own folder: its recovery directory, its store and its projects go inside."""
    return os.path.join(cache_dir, "demo")


PARTS = ("recovery", "opendev", "projects")
"""What a demo folder holds: the recovery directory, opendev's store, the sessions' projects."""


def foreign(root: str) -> str | None:
    """Why the demo may not be written into ``root`` (None: it may): everything goes inside
    it, so it must be empty or hold an earlier demo and nothing else. Checked before anything
    is written."""
    try:
        names = os.listdir(root)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{root}: {exc.strerror}"
    if not names:
        return None
    recovery, store, _ = (os.path.join(root, part) for part in PARTS)
    earlier = os.path.exists(os.path.join(recovery, MARKER)) and (
        not os.path.lexists(store) or os.path.exists(os.path.join(store, MARKER)))
    if not earlier or any(name not in PARTS for name in names):  # its projects too: only an earlier demo's
        return f"{root} is not empty and not a snaptui demo; choose another --dir"
    return None


def write_demo(directory: str, *, clock: _clock.Clock = _clock.now_ms, seed: int = 7) -> str:
    """(Re)write the demo into ``directory``; return the directory.

    Refuses a non-empty directory that is not a previous demo, so it can never
    clobber real snapshots.
    """
    directory = os.path.abspath(directory)
    root = os.path.dirname(directory)
    if os.path.isdir(directory) and os.listdir(directory):
        if not os.path.exists(os.path.join(directory, MARKER)):
            raise FileExistsError(f"{directory} is not empty and not a snaptui demo; choose another --dir")
        shutil.rmtree(directory)
    os.makedirs(directory, exist_ok=True)
    write_atomic(os.path.join(directory, MARKER), b"written by snaptui demo\n", durable=False)
    rng = random.Random(seed)
    now = clock()
    projects = os.path.join(root, PARTS[2])
    for i, (project, age, messages, cost, completed, exists, script) in enumerate(_SESSIONS):
        project_dir = os.path.join(projects, project)
        if exists:
            os.makedirs(project_dir, exist_ok=True)
        sid = (
            f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}"
            f"-{0x8000 | rng.getrandbits(14):04x}-{rng.getrandbits(48):012x}"
        )
        snap = Snapshot.new(sid, project_dir, clock=_clock.fixed(now - age))
        snap.message_count = messages
        snap.cost_usd = cost
        steps = _SCRIPTS[script]
        for j, (tool, ok, output) in enumerate(steps[: 2 + (i % len(steps))] if i % 3 else steps):
            call = f"toolu_01{rng.getrandbits(64):016x}{j}"
            output = output.replace("{project}", project)  # (what a tool printed names its own project)
            snap.record_tool_result(ToolResult(tool_name=tool, call_id=call, output_preview=output, success=ok), 10)
        if completed:
            snap.completed = True
        path = snap.save(directory)
        if project == LEFTOVER_OF:
            leftover_of = os.path.basename(path)
        # As a crash leaves it: the file was last written when the snapshot was taken.
        os.utime(path, ns=(time.time_ns(), snap.snapshot_timestamp_ms * 1_000_000))
    # A file the reference cannot read: a write cut off by a full disk.
    # (Its content does not depend on where the demo is written: same bytes, same reason.)
    broken = Snapshot.new("d41d8cd9-8f00-4b20-9e80-0998ecf8427e", "/srv/projects/webapp", clock=lambda: now - 50 * MIN)
    data = broken.to_bytes()
    write_atomic(os.path.join(directory, "d41d8cd9-8f00-4b20-9e80-0998ecf8427e_session_snapshot.json"), data[: len(data) // 2], durable=False)
    # A leftover of an interrupted write, newer than the file beside it.
    first = leftover_of
    with open(os.path.join(directory, first), "rb") as f:
        doc = f.read()
    newer = Snapshot.model_validate_json(doc)
    newer.snapshot_timestamp_ms += 90_000
    newer.message_count += 3
    write_atomic(os.path.join(directory, first + ".tmp"), newer.to_bytes(), durable=False)
    return directory
