"""What the interrupted turn did to the project's files, as snaptui finds it.

The checkpoint folders are written by tests/filehistory_fixtures.py, which
follows opendev's own code (OPENDEV_STORE.md §5.1); the assertions are on
what a person would see: the records and the diff text.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import time

import pytest

import filehistory_fixtures as fx
from filehistory_fixtures import SID, Opendev, World
from snaptui.present import diffs as diffs_module
from snaptui.present.diffs import file_diff, summary, turn_diffs, unified
from snaptui.present.safetext import multi_line
from snaptui.sources import checkpoints
from snaptui.sources.filehistory import find_changes, path_hash


def test_opendevs_path_hash_of_the_documented_path():
    # OPENDEV_STORE.md §5.1, checked there against rustc 1.95 (SipHash itself: tests/test_siphash.py).
    assert path_hash("/home/alice/src/my-app/src/config.rs") == "6aba75f0c55ba2fa"


# --------------------------------------------------------------------------
# Finding the interrupted turn's changes
# --------------------------------------------------------------------------

@pytest.fixture
def world(tmp_path) -> World:
    return World(tmp_path)


def test_the_interrupted_turns_changes_are_found(world):
    fx.crash_mid_turn(world)
    found = world.find("src/config.rs", str(world.project / "src/main.rs"), "src/new.rs", "src/old.rs")
    assert found.problem is None
    changes = fx.by_rel(found)
    assert [c.relative for c in found.changes] == ["src/config.rs", "src/main.rs", "src/new.rs", "src/old.rs"]
    assert {r: c.change for r, c in changes.items()} == {
        "src/config.rs": "modified", "src/main.rs": "modified", "src/new.rs": "created", "src/old.rs": "deleted"}
    cfg = changes["src/config.rs"]
    # v1 is turn 1's (listed); the state before the interrupted turn is v2.
    h = path_hash(str(world.project / "src/config.rs"))
    assert cfg.backup == str(world.checkpoints / f"{h}@v2")
    assert cfg.before and cfg.before.data == b"fn load(s: &str) {}\n"
    assert cfg.current and cfg.current.data == b"fn load(s: &str) { parse(s) }\n"
    assert cfg.path == str(world.project / "src/config.rs") and cfg.path_hash == h
    assert cfg.size == len(cfg.current.data) and cfg.backup_size == len(cfg.before.data)
    st = os.stat(cfg.path)
    assert cfg.current.identity == (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    assert cfg.current.sha256 == hashlib.sha256(cfg.current.data).hexdigest()
    assert "before the turn" in cfg.reason
    new = changes["src/new.rs"]
    assert new.backup is None and new.before is None and new.current and new.current.data == b"pub fn new() {}\n"
    old = changes["src/old.rs"]
    assert old.current is None and old.size is None and old.before and old.before.data == b"// old module\n"
    assert "gone" in old.reason


def test_a_file_only_a_finished_turn_changed_is_not_part_of_it(world):
    world.file("src/a.rs", b"a\n")
    world.file("src/b.rs", b"b\n")
    od = world.opendev()
    od.begin_turn()
    od.edit("src/a.rs", b"a", b"A")
    od.end_turn()
    world.started_ms = od.begin_turn()
    od.edit("src/b.rs", b"b", b"B")
    found = world.find("src/b.rs")
    assert [c.relative for c in found.changes] == ["src/b.rs"]
    # Named by the turn (a call that never ran): turn 1's listed backup is never used.
    found = world.find("src/a.rs", "src/b.rs")
    a = fx.by_rel(found)["src/a.rs"]
    assert a.change == "unknown" and a.backup is None
    assert fx.by_rel(found)["src/b.rs"].change == "modified"


def test_a_file_back_to_its_backup_is_unchanged_and_not_listed(world):
    world.file("src/a.rs", b"same\n")
    od = world.opendev()
    world.started_ms = od.begin_turn()
    od.edit("src/a.rs", b"same", b"different")
    od.edit("src/a.rs", b"different", b"same")
    found = world.find("src/a.rs")
    assert found.changes == ()
    [(path, why)] = found.untouched
    assert path == str(world.project / "src/a.rs") and "the same as backup" in why


def test_paths_are_made_absolute_like_opendev_and_named_once(world):
    world.file("src/a.rs", b"x\n")
    od = world.opendev()
    world.started_ms = od.begin_turn()
    od.edit(str(world.project / "src/a.rs"), b"x", b"y")
    found = world.find("src/a.rs", str(world.project / "src/a.rs"), "src/a.rs")
    assert [(c.relative, c.change) for c in found.changes] == [("src/a.rs", "modified")]


def test_one_file_under_two_spellings_uses_the_earliest_backup(world):
    world.file("src/a.rs", b"one\n")
    od = world.opendev()
    world.started_ms = od.begin_turn()
    od.edit("src/a.rs", b"one", b"two")
    time.sleep(0.02)
    od.edit("./src/a.rs", b"two", b"three")  # another hash, another backup (holding "two")
    found = world.find("src/a.rs", "./src/a.rs")
    assert [(c.relative, c.change) for c in found.changes] == [("src/a.rs", "modified")]
    assert found.changes[0].before and found.changes[0].before.data == b"one\n"
    assert [p for p, _ in found.untouched] == [os.path.join(str(world.project), "./src/a.rs")]


# --- created: only on firm evidence -----------------------------------------


def test_created_needs_the_turns_start(world):
    od = world.opendev()
    world.started_ms = od.begin_turn()
    od.write("src/new.rs", b"new\n")
    assert fx.by_rel(world.find("src/new.rs"))["src/new.rs"].change == "created"
    unknown = fx.by_rel(world.find("src/new.rs", started=None))["src/new.rs"]
    assert unknown.change == "unknown" and "start is unknown" in unknown.reason


def test_a_file_made_after_the_session_stopped_is_not_the_turns(world):
    """The turn asked to Write NOTES.md and crashed before it ran; the person made NOTES.md
    later: no backup, written after the turn began, but long after the session's last log
    write: not "created" by the turn (rollback would have moved it out)."""
    od = world.opendev()
    world.started_ms = od.begin_turn()
    od.capture("src/other.rs")  # capture ran for the turn: the checkpoint folder exists
    ended_ms = world.started_ms + 2_000  # the session's last log write: the crash
    notes = world.file("NOTES.md", b"mine\n")
    made = (world.started_ms + 10 * 60_000) / 1000  # ten minutes after the crash
    os.utime(notes, (made, made))
    later = fx.by_rel(world.find("NOTES.md", session_ended_ms=ended_ms))["NOTES.md"]
    assert later.change == "unknown" and "after the session had stopped" in later.reason
    made = (world.started_ms + 30_000) / 1000  # a tool's write just after the last log entry
    os.utime(notes, (made, made))
    assert fx.by_rel(world.find("NOTES.md", session_ended_ms=ended_ms))["NOTES.md"].change == "created"


def test_created_needs_the_checkpoint_folder(world):
    world.started_ms = time.time_ns() // 1_000_000 - 1000
    world.file("src/new.rs", b"new\n")  # written in the turn, but opendev never captured anything
    found = world.find("src/new.rs")
    c = fx.by_rel(found)["src/new.rs"]
    assert c.change == "unknown" and "no checkpoints" in c.reason
    assert any("kept no checkpoints" in n for n in found.notes)


def test_a_file_older_than_the_turn_is_not_created(world):
    world.file("src/old.rs", b"old\n")
    world.file("src/touched.rs", b"t\n")
    od = world.opendev()
    world.started_ms = od.begin_turn()
    od.capture("src/other.rs")  # the turn did capture something: the folder exists
    past = time.time() - 3600
    os.utime(world.project / "src/touched.rs", (past, past))  # mtime before the turn, ctime in it
    found = fx.by_rel(world.find("src/old.rs", "src/touched.rs"))
    assert found["src/old.rs"].change == "unknown" and "never ran" in found["src/old.rs"].reason
    assert found["src/touched.rs"].change == "unknown" and "disagree" in found["src/touched.rs"].reason


def test_no_backup_and_no_file_is_nothing_to_show(world):
    od = world.opendev()
    world.started_ms = od.begin_turn()
    od.capture("src/ghost.rs")
    found = world.find("src/ghost.rs")
    assert found.changes == () and found.untouched[0][0] == str(world.project / "src/ghost.rs")


# --- which unlisted backup is "before" ---------------------------------------


def test_an_error_turns_orphan_in_the_same_process_is_ignored(world):
    world.file("src/a.rs", b"v0\n")
    world.file("src/b.rs", b"b\n")
    od = world.opendev()
    od.begin_turn()
    od.edit("src/a.rs", b"v0", b"v1")  # this turn fails: never listed (a@v1 stays behind)
    od.begin_turn()
    od.edit("src/b.rs", b"b", b"B")
    od.end_turn()  # next_version now says a: 2
    world.started_ms = od.begin_turn()
    od.edit("src/a.rs", b"v1", b"v2")  # a@v2
    a = fx.by_rel(world.find("src/a.rs"))["src/a.rs"]
    assert a.change == "modified" and a.backup and a.backup.endswith("@v2")
    assert a.before and a.before.data == b"v1\n"
    assert any("earlier failed turn" in n for n in a.notes)


def test_a_crashed_processs_leftover_is_told_apart_by_time(world):
    world.file("src/a.rs", b"v0\n")
    first = world.opendev()
    first.begin_turn()
    first.edit("src/a.rs", b"v0", b"v1")
    first.end_turn()  # a@v1 listed, next_version a: 2
    first.begin_turn()
    first.edit("src/a.rs", b"v1", b"v2")  # a@v2, then an error turn ...
    first.begin_turn()
    first.edit("src/a.rs", b"v2", b"v3")  # ... a@v3, then the process dies
    resumed = world.opendev()  # reloads next_version a: 2
    world.started_ms = resumed.begin_turn()
    resumed.edit("src/a.rs", b"v3", b"v4")  # overwrites a@v2; a@v3 is left from before
    a = fx.by_rel(world.find("src/a.rs"))["src/a.rs"]
    assert a.backup and a.backup.endswith("@v2") and a.before and a.before.data == b"v3\n"
    assert any("@v3 was written before this turn began" in n for n in a.notes)


def test_without_the_turns_start_the_newest_unlisted_backup_is_taken(world):
    world.file("src/a.rs", b"v0\n")
    first = world.opendev()
    first.begin_turn()
    first.edit("src/a.rs", b"v0", b"v1")  # a@v1, the process dies
    resumed = Opendev(world.data, SID, str(world.project))
    resumed.next_version = {path_hash(str(world.project / "src/a.rs")): 5}  # a later number, written later
    resumed.begin_turn()
    resumed.edit("src/a.rs", b"v1", b"v2")
    a = fx.by_rel(world.find("src/a.rs", started=None))["src/a.rs"]
    assert a.change == "modified" and a.backup and a.backup.endswith("@v5")
    assert any("start is unknown" in n for n in a.notes)


def test_backups_of_files_the_turn_does_not_name_are_counted(world):
    world.file("src/a.rs", b"a\n")
    world.file("src/b.rs", b"b\n")
    od = world.opendev()
    world.started_ms = od.begin_turn()
    od.edit("src/a.rs", b"a", b"A")
    od.edit("src/b.rs", b"b", b"B")
    found = world.find("src/a.rs")
    assert any(n.startswith("1 backup from this turn belongs to files") for n in found.notes)


# --------------------------------------------------------------------------
# Hostile input: a reason per session or per file, never a crash or a hang
# --------------------------------------------------------------------------


@pytest.fixture
def no_hang():
    """Fail instead of hanging (a FIFO opened the wrong way blocks forever)."""
    def alarm(*_):
        raise TimeoutError("blocked")
    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("content, words", [
    (b"{not json", "not valid JSON"),
    (b"\xff\xfe{}", "not valid JSON"),
    (b"[" * 200_000 + b"]" * 200_000, "not valid JSON"),
    (b"[]", "not a JSON object"),
    (b'{"turns": "x"}', "no list of turns"),
    (b'{"turns": [{"files": {}}]}', "turn #1 has no list of files"),
    (b'{"turns": [{"files": [{"backup_file": 5}]}]}', "has no backup_file"),
    (b'{"turns": [], "next_version": {"a": 1.5}}', "next_version"),
    (b'{"turns": [], "next_version": {"a": true}}', "next_version"),
])
def test_a_damaged_manifest_is_a_reason_for_the_session(world, content, words):
    world.one_edit()
    (world.checkpoints / "manifest.json").write_bytes(content)
    found = world.find("src/a.rs")
    assert found.problem and found.problem.startswith("manifest.json is damaged")
    assert fx.all_unknown_because(found, words)


def test_a_huge_manifest_is_not_read(world):
    world.one_edit()
    with open(world.checkpoints / "manifest.json", "wb") as f:
        f.truncate(9 << 20)  # sparse: 9 MiB of nothing
    assert fx.all_unknown_because(world.find("src/a.rs"), "manifest.json is too large (9.0 MiB)")


def test_a_symlinked_manifest_is_not_followed(world, tmp_path):
    world.one_edit()
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text('{"turns": []}')
    os.symlink(elsewhere, world.checkpoints / "manifest.json")
    assert fx.all_unknown_because(world.find("src/a.rs"), "manifest.json is a symlink; not followed")


def test_a_fifo_manifest_is_not_opened(world, no_hang):
    world.one_edit()
    os.mkfifo(world.checkpoints / "manifest.json")
    assert fx.all_unknown_because(world.find("src/a.rs"), "manifest.json is not a regular file (a FIFO)")


@pytest.mark.parametrize("which", ["session", "root"])
def test_a_symlinked_checkpoint_folder_is_not_followed(world, tmp_path, which):
    world.one_edit()
    folder = world.checkpoints if which == "session" else world.data / "file-history"
    folder.rename(tmp_path / "real")
    os.symlink(tmp_path / "real", folder)
    words = f"{SID if which == 'session' else 'file-history'} is a symlink; snaptui does not follow it"
    assert fx.all_unknown_because(world.find("src/a.rs"), words)


def test_a_session_folder_that_is_a_file(world):
    world.one_edit()
    shutil.rmtree(world.checkpoints)
    world.checkpoints.write_text("x")
    assert fx.all_unknown_because(world.find("src/a.rs"), "is not a folder")


@pytest.mark.parametrize("sid", ["../x", "", ".", "..", "a/b", "a\0b"])
def test_a_session_id_that_cannot_name_a_folder(world, sid):
    found = find_changes(str(world.data), sid, str(world.project), ["src/a.rs"], None)
    assert found.problem and "cannot name a checkpoint folder" in found.problem
    assert [c.change for c in found.changes] == ["unknown"]


def test_a_relative_project_folder_is_refused(world):
    found = find_changes(str(world.data), SID, "my-app", ["src/a.rs"], None)
    assert found.problem and "not an absolute path" in found.problem


def test_too_many_entries_in_the_checkpoint_folder(world, monkeypatch):
    world.one_edit()
    for n in range(5):
        (world.checkpoints / f"junk{n}").write_text("")
    monkeypatch.setattr(checkpoints, "MAX_ENTRIES", 4)
    assert fx.all_unknown_because(world.find("src/a.rs"), "more than 4 entries")


def test_entries_not_named_like_backups_are_ignored_with_a_note(world):
    world.one_edit()
    h = path_hash(str(world.project / "src/a.rs"))
    for name in ("ZZ@v1", f"{h}@v0", f"{h.upper()}@v1", f"{h}@v01", f"{h}@v1\n", f"{h}@v99999999999", "notes.txt"):
        (world.checkpoints / name).write_text("decoy")
    found = world.find("src/a.rs")
    assert fx.by_rel(found)["src/a.rs"].change == "modified"
    assert fx.by_rel(found)["src/a.rs"].before.data == b"a\n"  # type: ignore[union-attr]
    assert any(n.startswith("7 entries in the checkpoint folder not named like a backup") for n in found.notes)


@pytest.mark.parametrize("kind, words", [("fifo", "not a regular file (a FIFO); not opened"),
                                         ("dir", "not a regular file (a directory); not opened"),
                                         ("symlink", "is a symlink; not followed")])
def test_a_backup_that_is_not_a_regular_file(world, tmp_path, kind, words, no_hang):
    world.one_edit()
    backup = next(world.checkpoints.glob("*@v1"))
    backup.unlink()
    if kind == "fifo":
        os.mkfifo(backup)
    elif kind == "dir":
        backup.mkdir()
    else:
        (tmp_path / "secret").write_text("secret")
        os.symlink(tmp_path / "secret", backup)
    c = fx.by_rel(world.find("src/a.rs"))["src/a.rs"]
    assert c.change == "unknown" and words in c.reason and c.before is None


@pytest.mark.parametrize("kind", ["fifo", "dir"])
def test_a_path_that_is_now_a_fifo_or_a_folder(world, kind, no_hang):
    world.one_edit()
    target = world.project / "src/a.rs"
    target.unlink()
    os.mkfifo(target) if kind == "fifo" else target.mkdir()
    c = fx.by_rel(world.find("src/a.rs"))["src/a.rs"]
    what = "a FIFO" if kind == "fifo" else "a directory"
    assert c.change == "unknown" and c.reason == f"the path is now not a regular file ({what})"


def test_a_path_through_dot_dot_is_found_and_flagged(world, tmp_path):
    (tmp_path / "outside.txt").write_text("out\n")
    od = world.opendev()
    world.started_ms = od.begin_turn()
    od.write("../outside.txt", b"changed\n")
    c = world.find("../outside.txt").changes[0]
    assert c.path == os.path.join(str(world.project), "../outside.txt")  # as opendev joined it
    assert c.path_hash == path_hash(os.path.join(str(world.project), "../outside.txt"))
    assert c.change == "modified" and "outside the project folder" in c.notes
    # ...and the person is told, wherever the file is shown, not only when a rollback is refused
    from snaptui.present.changes import TurnChanges, detail_spans
    from snaptui.tui.diffview import build_rows

    d = file_diff(c)
    assert d.notes == c.notes and d.added == 1
    spans = detail_spans(TurnChanges((d,), 0, None, ()), lambda label, *parts: [*parts, ("\n", "")])
    assert "note: outside the project folder" in "".join(t for t, _ in spans)
    rows, _, _ = build_rows((d,))
    assert [str(r.content) for r in rows if r.kind == "note"] == ["note: outside the project folder"]


def test_a_path_with_a_nul_byte(world):
    c = world.find("src/a\0.rs", started=None).changes[0]
    assert c.change == "unknown" and "NUL" in c.reason


def test_a_path_with_newlines_and_escape_sequences_is_kept_as_is(world):
    name = "src/we\nird\x1b[31m\x07.rs"
    world.one_edit(name)
    c = world.find(name).changes[0]
    assert c.change == "modified" and c.relative == name  # the UI makes it visible, not this layer
    text = file_diff(c).text
    # the diff's header lines hold it on one line (a newline there would start a line of its own)
    assert text.startswith("--- a/src/we⏎ird␛[31m␇.rs\n+++ b/src/we⏎ird␛[31m␇.rs\n@@ -1 +1 @@\n")


def test_a_symlink_in_the_project_is_followed_for_reading_and_flagged(world, tmp_path):
    (tmp_path / "shared.rs").write_bytes(b"s\n")
    os.symlink(tmp_path / "shared.rs", world.project / "src/link.rs")
    od = world.opendev()
    world.started_ms = od.begin_turn()
    od.write("src/link.rs", b"S\n")  # opendev writes through the link
    c = world.find("src/link.rs").changes[0]
    assert c.change == "modified" and any("symlink" in n for n in c.notes)


def test_binary_files_are_compared_but_not_diffed(world):
    world.one_edit("img.png", b"\x89PNG\0\0\x01", b"\x89PNG\0\0\x02\x03")
    c = world.find("img.png").changes[0]
    assert c.change == "modified" and c.binary
    d = file_diff(c)
    assert d.text == "" and d.note == "binary, 8 bytes" and d.added is None


def test_a_file_over_the_diff_limit_is_compared_but_not_diffed(world):
    world.one_edit("big.txt", b"x" * 1000 + b"\n", b"y" * 1000 + b"\n")
    c = world.find("big.txt", diff_limit=100).changes[0]
    assert c.change == "modified" and c.current and c.current.data is None and c.before and c.before.data is None
    assert c.current.sha256 == hashlib.sha256(b"y" * 1000 + b"\n").hexdigest()
    d = file_diff(c)
    assert d.text == "" and d.note == "too large to show (1,001 bytes)"


def test_a_file_over_the_compare_limit_is_unknown(world):
    world.one_edit("huge.bin", b"a" * 100, b"b" * 200)
    c = world.find("huge.bin", compare_limit=150).changes[0]
    assert c.change == "unknown" and c.reason.startswith("the file is too large")


# --------------------------------------------------------------------------
# Diffs: what a person reads
# --------------------------------------------------------------------------


def test_the_turns_diffs_read_like_git(world):
    fx.crash_mid_turn(world)
    found = world.find("src/config.rs", "src/main.rs", "src/new.rs", "src/old.rs")
    diffs = {d.relative: d for d in turn_diffs(found.changes)}
    assert diffs["src/config.rs"].text == (
        "--- a/src/config.rs\n"
        "+++ b/src/config.rs\n"
        "@@ -1 +1 @@\n"
        "-fn load(s: &str) {}\n"
        "+fn load(s: &str) { parse(s) }\n"
    )
    assert diffs["src/main.rs"].text == (
        "--- a/src/main.rs\n"
        "+++ b/src/main.rs\n"
        "@@ -1,3 +1,3 @@\n"
        " fn main() {\n"
        "-    run();\n"
        "+    run()?;\n"
        " }\n"
    )
    assert diffs["src/new.rs"].text == "--- a/src/new.rs\n+++ b/src/new.rs\n@@ -0,0 +1 @@\n+pub fn new() {}\n"
    assert diffs["src/old.rs"].text == "--- a/src/old.rs\n+++ b/src/old.rs\n@@ -1 +0,0 @@\n-// old module\n"
    assert [(d.added, d.removed) for d in diffs.values()] == [(1, 1), (1, 1), (1, 0), (0, 1)]
    assert summary(list(diffs.values())) == "4 files: 2 modified, 1 created, 1 deleted; +3 -3"
    binary = diffs_module.FileDiff("/p/x.png", "x.png", "modified", None, None, "", "binary, 16 bytes")
    assert summary([*diffs.values(), binary]).endswith("; +3 -3 (and 1 without a diff)")
    assert summary([binary]) == "1 file: 1 modified; no diff"  # not "+0 -0"


def test_a_look_told_to_stop_stops_and_what_it_diffed_is_not_diffed_again(world, monkeypatch):
    """The detail pane starts a look at each cursor move: one cut short stops before its next
    file, and the next look at the same files takes their diffs as made."""
    from snaptui.present import diffs

    fx.crash_mid_turn(world)
    changes = world.find("src/config.rs", "src/main.rs", "src/new.rs", "src/old.rs").changes
    made = []
    real = diffs._file_diff
    monkeypatch.setattr(diffs, "_file_diff", lambda c, context: made.append(c.relative) or real(c, context))
    asked = iter([False, True])
    with pytest.raises(diffs.Cancelled):
        turn_diffs(changes, cancelled=lambda: next(asked))
    assert made == ["src/config.rs"]
    first = turn_diffs(changes)
    assert made == ["src/config.rs", "src/main.rs", "src/new.rs", "src/old.rs"]
    assert turn_diffs(changes) == first and len(made) == 4  # the same contents: no diff made again
    world.one_edit("src/main.rs", b"x\n", b"y\n")  # changed contents are diffed anew
    again = world.find("src/main.rs").changes
    assert turn_diffs(again)[0].text.endswith("-x\n+y\n") and made[-1] == "src/main.rs"


@pytest.mark.parametrize("which", ["file", "backup"])
def test_a_file_that_cannot_be_read_says_why_not_that_it_changed(world, monkeypatch, which):
    """Permission denied read as "the file changed while being read" (a file of mode 000)."""
    from snaptui.base import filedigest

    world.one_edit("src/a.rs")
    real = filedigest.digest

    def digest(name, *args, **kw):
        is_file = str(name).endswith("src/a.rs")
        if is_file == (which == "file"):
            raise PermissionError(13, "Permission denied")
        return real(name, *args, **kw)

    monkeypatch.setattr(filedigest, "digest", digest)
    (change,) = world.find("src/a.rs").changes
    assert change.change == "unknown"
    if which == "file":
        assert change.reason == "the file cannot be read: permission denied"
    else:
        assert change.reason.startswith("its backup ") and change.reason.endswith(" cannot be read: permission denied")


def test_a_file_name_cannot_add_lines_to_its_diff():
    """A name holding newlines made the header lines end early: the rest read as a hunk of its own."""
    name = "src/cfg.txt\n@@ -1 +1 @@\n-password = hunter2\n+password = "
    text, added, removed = unified("a\n", "b\n", name)
    lines = text.splitlines()
    assert len(lines) == 5 and lines[0].startswith("--- a/src/cfg.txt⏎@@") and lines[1].startswith("+++ b/src/cfg.txt⏎")
    assert lines[2:] == ["@@ -1 +1 @@", "-a", "+b"] and (added, removed) == (1, 1)


def test_a_missing_last_newline_is_marked():
    text, added, removed = unified("a\nb", "a\nc", "f")
    assert text == "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n" \
                   "\\ No newline at end of file\n"
    assert (added, removed) == (1, 1)


def test_only_newlines_split_lines():
    # A carriage return or form feed stays inside its line (the UI shows it).
    text, added, removed = unified("a\rb\x0cc\n", "a\rB\x0cc\n", "f")
    assert (added, removed) == (1, 1) and "-a\rb\x0cc\n" in text


def test_undecodable_bytes_survive_and_show_as_the_bytes_they_are(world):
    world.one_edit("latin1.txt", b"caf\xe9\n", b"caf\xe8\n")
    d = file_diff(world.find("latin1.txt").changes[0])
    assert d.added == 1 and d.removed == 1
    assert "-caf\udce9\n" in d.text  # surrogateescape: lossless
    assert "-caf\\xe9" in multi_line(d.text)  # what the UI shows


def test_escape_sequences_in_contents_are_returned_as_is(world):
    world.one_edit("log.txt", b"ok\n", b"\x1b]0;pwned\x07\x1b[2J\n")
    d = file_diff(world.find("log.txt").changes[0])
    assert "+\x1b]0;pwned\x07\x1b[2J\n" in d.text
    assert "\x1b" not in multi_line(d.text)


def test_unknown_and_empty_files_say_why_there_is_no_diff(world):
    (world.project / "old.txt").write_text("old\n")
    od = world.opendev()
    world.started_ms = od.begin_turn()
    od.write("empty.txt", b"")
    d = turn_diffs(world.find("empty.txt", "old.txt").changes)
    assert [(x.relative, x.change, x.note) for x in d] == [
        ("empty.txt", "created", "an empty file"),
        ("old.txt", "unknown",
         "no backup from this turn and last changed before it began: the call probably never ran"),
    ]


def test_too_many_lines_get_no_diff(world, monkeypatch):
    monkeypatch.setattr(diffs_module, "MAX_LINES", 3)
    world.one_edit("long.txt", b"1\n2\n3\n4\n", b"1\n2\n3\n5\n")
    d = file_diff(world.find("long.txt").changes[0])
    assert d.text == "" and d.note == "too many lines to show (4)"
