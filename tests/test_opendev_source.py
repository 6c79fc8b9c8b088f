"""opendev's own session store as a source (snaptui/sources/opendev.py and its readers).

Stores are written by tests/opendev_fixtures.py the way opendev 0.1.8 writes them; every
scan checks that nothing on disk changed. The rules that read lines run in three modes
(``mode``): lines parsed whole, every line read in pieces (tiny read blocks), and every
line also too long for its start to be looked for: all must agree.
"""

from __future__ import annotations

import os
import threading
import tracemalloc
from pathlib import Path

import pytest

import opendev_fixtures as fx
from snaptui.sources import (
    debugbig,
    debuglog,
    opendev,
    opendev_jsonl,
    opendev_roots,
    tailread,
)
from snaptui.sources.opendev_common import CUT_MARK, TEXT_CAP, ts_ns
from snaptui.sources.records import DamagedFile, LastTool, Session


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "od"


@pytest.fixture(params=["whole", "pieces", "too-long"])
def mode(request, monkeypatch) -> str:
    """``pieces``: every line is read in pieces from its end (its start still found), each
    piece a read of the file (no file is read whole first);
    ``too-long``: every line is also too long for its start to be looked for."""
    if request.param != "whole":
        for module, name, value in ((debuglog, "PARSE_MAX", 100), (opendev_jsonl, "LINE_MAX", 150),
                                    (tailread, "BLOCK", 64), (tailread, "FIRST_STEP", 16),
                                    (opendev_jsonl, "BLOCK", 64), (debugbig, "TAIL", 300)):
            monkeypatch.setattr(module, name, value)
    if request.param == "pieces":  # every piece a read of its own (files are otherwise read whole)
        monkeypatch.setattr(tailread, "SMALL", 0)
    if request.param == "too-long":
        monkeypatch.setattr(debuglog, "LINE_MAX", 200)
    return request.param


# -- roots ---------------------------------------------------------------------------------


def test_roots_opendev_dir_alone_else_both_existing_deduplicated(tmp_path, monkeypatch, isolated_home):
    legacy, xdg = isolated_home / ".opendev", isolated_home / ".local/share/opendev"
    assert opendev_roots.default_roots() == ()
    legacy.mkdir()
    assert opendev_roots.default_roots() == (str(legacy),)
    xdg.mkdir(parents=True)
    assert opendev_roots.default_roots() == (str(legacy), str(xdg))
    xdg.rmdir()
    xdg.symlink_to(legacy)  # one directory under two names counts once
    assert opendev_roots.default_roots() == (str(legacy),)
    monkeypatch.setenv("XDG_DATA_HOME", "relative/share")  # not absolute: ignored
    assert opendev_roots.candidate_roots()[1] == str(xdg)
    monkeypatch.setenv("OPENDEV_DIR", "")  # empty counts as unset
    assert opendev_roots.default_roots() == (str(legacy),)
    monkeypatch.setenv("OPENDEV_DIR", str(tmp_path / "od"))  # alone, and only once it exists
    assert opendev_roots.default_roots() == ()
    (tmp_path / "od").mkdir()
    assert opendev_roots.default_roots() == (str(tmp_path / "od"),)


def test_store_setting(tmp_path, isolated_home):
    (isolated_home / ".opendev").mkdir()
    assert opendev_roots.store_roots("auto") == (str(isolated_home / ".opendev"),)
    assert opendev_roots.store_roots("off") == ()
    elsewhere = opendev_roots.store_roots("~/elsewhere")
    assert elsewhere == (str(isolated_home / "elsewhere"),)
    assert opendev.discover(elsewhere).problems == ((elsewhere[0], "does not exist"),)


# -- the rules -----------------------------------------------------------------------------


def test_a_finished_session_is_completed(root, mode):
    s = fx.finished(root, "/srv/app")
    got = fx.scan(root)["3f9a0c1b7e42"]
    assert isinstance(got, Session) and got.completed and got.lost_turn is None
    assert (got.source, got.key, got.path) == ("opendev", f"opendev:{s.json_path}", str(s.json_path))
    assert (got.name, got.session_id, got.project_dir) == ("3f9a0c1b7e42.json", "3f9a0c1b7e42", "/srv/app")
    assert got.title == "Fix the config loader so it accepts empty files"
    assert got.message_count == len(s.jsonl_path.read_text().splitlines()) == 8
    assert got.timestamp_ms == fx.ms(s.saves[-1]) and got.cost_usd is None
    assert got.last_tool == LastTool("Bash", True) and got.failures == 1
    assert got.tool_names == "Read\nEdit\nBash" and not got.is_link
    st = os.stat(s.json_path)
    assert got.identity == (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def test_a_session_that_died_mid_turn(root, mode):
    s = fx.died_mid_turn(root, "/srv/app")
    got = fx.scan(root)["3f9a0c1b7e42"]
    assert isinstance(got, Session) and not got.completed
    lost = got.lost_turn
    assert lost is not None and lost.stopped_by == "exit" and lost.error is None
    assert lost.prompt == "Please also handle whitespace-only files"
    assert lost.pending_tools == (("Edit", "src/config.rs"), ("Write", "src/new.rs"), ("Bash", "cargo test"))
    assert lost.edited_paths == ("src/config.rs", "src/new.rs")
    assert lost.turn_started_ms == fx.ms(s.lost_requests()[0]) and len(s.lost_requests()) == 2
    assert got.timestamp_ms == fx.ms(s.events[-1][2])
    assert (lost.input_tokens, lost.output_tokens) == (4000, 44)  # the last response's
    assert (lost.last_turn_prompt, lost.last_turn_reply) == ("Fix the config loader so it accepts empty files",
                                                             "Found it.")
    assert got.last_tool == LastTool("Bash", None) and got.message_count == 3
    assert got.tool_names == "Read\nEdit\nWrite\nBash"


@pytest.mark.parametrize("bad", ["-5", "1e3", "100000000000000000000000000000", "\"44\""])
def test_a_token_count_no_model_reported_is_unknown(root, mode, bad):
    """A negative, fractional, quoted or beyond-64-bit usage figure is not shown as a count."""
    s = fx.died_mid_turn(root, "/srv/app")
    log = s.debug_path.read_text()
    assert log.count('"output_tokens": 44') == 1 or log.count('"output_tokens":44') == 1
    s.debug_path.write_text(log.replace('"output_tokens": 44', f'"output_tokens": {bad}')
                            .replace('"output_tokens":44', f'"output_tokens":{bad}'))
    lost = fx.scan(root)["3f9a0c1b7e42"].lost_turn
    assert (lost.input_tokens, lost.output_tokens) == (4000, None)


def test_edits_of_earlier_steps_of_the_lost_turn_count(root, mode):
    s = fx.new_session(root, "/srv/app")
    s.turn("first", [[fx.READ]])
    s.turn("second", [[fx.EDIT], [fx.Call("multi_edit", {"file_path": "b.rs", "edits": []})], [fx.BASH]], end="crash")
    lost = fx.scan(root)["3f9a0c1b7e42"].lost_turn
    assert lost.edited_paths == ("src/config.rs", "b.rs") and lost.pending_tools == (("Bash", "cargo test"),)
    assert lost.turn_started_ms == fx.ms(s.lost_requests()[0])


def test_a_turn_that_stopped_with_an_llm_error(root, mode):
    s = fx.stopped_with_error(root, "/srv/app")
    got = fx.scan(root)["3f9a0c1b7e42"]
    lost = got.lost_turn
    assert not got.completed and lost.stopped_by == "error" and lost.error == "HTTP 529: overloaded"
    assert lost.prompt == "Add a regression test" and lost.pending_tools == ()
    assert lost.edited_paths == ("src/config.rs",) and lost.turn_started_ms == fx.ms(s.lost_requests()[0])
    assert got.timestamp_ms == fx.ms(s.events[-1][2]) and (lost.input_tokens, lost.output_tokens) == (3000, 43)


def test_died_waiting_for_the_model(root, mode):
    s = fx.new_session(root, "/srv/app")
    s.turn("first", [[fx.READ]])
    s.turn("second", [[fx.EDIT], [fx.BASH]], end="crash_waiting")
    lost = fx.scan(root)["3f9a0c1b7e42"].lost_turn
    assert lost.prompt == "second" and lost.pending_tools == () and lost.stopped_by == "exit"
    assert lost.edited_paths == ("src/config.rs",) and lost.turn_started_ms == fx.ms(s.lost_requests()[0])


def test_a_first_turn_that_never_ended(root, mode):
    s = fx.first_turn_never_ended(root, "/srv/app")
    got = fx.scan(root)["a1b2c3d4e5f6"]
    assert isinstance(got, Session) and not got.completed and got.path == str(s.debug_path)
    assert (got.name, got.title, got.message_count) == ("a1b2c3d4e5f6.debug", None, 0)
    assert got.lost_turn.prompt == "Write a README for this project"
    assert got.lost_turn.pending_tools == (("Write", "README.md"),) and got.lost_turn.last_turn_prompt is None


def test_a_subagent_child_and_the_parent_it_ran_in(root, mode):
    parent = fx.new_session(root, "/srv/app")
    child = fx.subagent_child(root, "/srv/app")
    parent.turn("first", [[fx.READ]])
    parent.turn("Explore the callers", [[fx.Call("Agent", {"description": "explore", "prompt": "find"})], [fx.EDIT]],
                end="crash", subagent_run=child)
    got = fx.scan(root)
    assert got[child.sid].completed and got[child.sid].title == "Find every caller of load_config (@explore)"
    assert not child.debug_path.exists()
    lost = got[parent.sid].lost_turn
    # The subagent's entries in the parent's log are activity, not the person's prompt.
    assert lost.prompt == "Explore the callers" and lost.pending_tools == (("Edit", "src/config.rs"),)


def test_subagent_entries_last_do_not_take_over(root, mode):
    if mode == "too-long":
        pytest.skip("a line too long for its start to be looked for is taken to be the main agent's")
    parent = fx.new_session(root, "/srv/app")
    child = fx.subagent_child(root, "/srv/app")
    parent.turn("Explore", [[fx.Call("Agent", {"prompt": "x"})]], end="crash")
    child.request(component="subagent", into=parent)
    lost = fx.scan(root)[parent.sid].lost_turn
    assert lost.prompt == "Explore" and lost.pending_tools == (("Agent", ""),)
    assert fx.scan(root)[parent.sid].timestamp_ms == fx.ms(parent.events[-1][2])


def test_injected_messages_are_not_the_prompt(root, mode):
    s = fx.new_session(root, "/srv/app")
    s.turn("real one", [[fx.FAILED_EDIT], [fx.READ]], end="crash_waiting", directive_after_step=0)
    s.conversation.append({"content": "[SYSTEM] legacy nudge", "role": "user"})
    s.request()
    assert fx.scan(root)["3f9a0c1b7e42"].lost_turn.prompt == "real one"


def test_a_prompt_in_text_parts(root, mode):
    s = fx.new_session(root, "/srv/app")
    s.turn([{"text": "look at", "type": "text"}, {"text": "this", "type": "text"}], [[fx.READ]], end="crash")
    assert fx.scan(root)["3f9a0c1b7e42"].lost_turn.prompt == "look at\nthis"


@pytest.mark.parametrize("char", ["é", "語", "\x01", "😀"])
def test_a_long_prompt_is_cut_and_marked(root, mode, char):
    fx.new_session(root, "/srv/app").turn(char * (TEXT_CAP + 10), [[fx.READ]], end="crash")
    prompt = fx.scan(root)["3f9a0c1b7e42"].lost_turn.prompt
    assert prompt == char * TEXT_CAP + CUT_MARK


def test_the_last_finished_turn_skips_hidden_lines_and_falls_back_to_the_summary(root, mode):
    s = fx.new_session(root, "/srv/app")
    s.turn("the real prompt", [[fx.READ]], reply="")
    hidden = {"role": "user", "content": "thinking", "timestamp": fx.ts(s.now_ns), "metadata": {"_thinking": True},
              "tool_calls": []}
    done = {"role": "assistant", "content": "", "timestamp": fx.ts(s.now_ns), "metadata": {},
            "tool_calls": [{"id": "c9", "name": "task_complete", "parameters": {"result": "All done."},
                            "timestamp": fx.ts(s.now_ns), "approved": True, "nested_tool_calls": []}]}
    s.saved[-1:] = [hidden, {**hidden, "metadata": {"display_hidden": True}}, done]
    s.save()
    s.turn("next", [[fx.BASH]], end="crash")
    lost = fx.scan(root)["3f9a0c1b7e42"].lost_turn
    assert (lost.last_turn_prompt, lost.last_turn_reply) == ("the real prompt", "All done.")


def test_without_a_transcript_opendev_loads_no_turn_so_the_logged_one_is_lost(tmp_path, mode):
    """A crash between the two renames of a first save leaves the new .json and no .jsonl (§1:
    the .json is renamed first), its temp file beside it. opendev then loads the .json's
    messages, [] (§3): the turn is only in the log. The .json's updated_at, written at the
    turn's end, is no sign it was saved; it stays the time shown when nothing was lost."""
    died = fx.finished(tmp_path / "a", "/srv/app")
    os.rename(died.jsonl_path, died.jsonl_path.parent / ".3f9a0c1b7e42.jsonl.tmp")
    got = fx.scan(tmp_path / "a")["3f9a0c1b7e42"]
    assert not got.completed and got.message_count == 0 and got.lost_turn.prompt == "Now run the tests"
    done = fx.finished(tmp_path / "b", "/srv/app")
    done.jsonl_path.write_bytes(b"")
    got = fx.scan(tmp_path / "b")["3f9a0c1b7e42"]
    assert not got.completed and got.message_count == 0 and got.lost_turn.prompt == "Now run the tests"
    quiet = fx.finished(tmp_path / "c", "/srv/app")
    quiet.jsonl_path.unlink()
    quiet.debug_path.write_bytes(b"")  # nothing in its log either: nothing to lose
    got = fx.scan(tmp_path / "c")["3f9a0c1b7e42"]
    assert got.completed and got.timestamp_ms == fx.ms(quiet.saves[-1])


def test_a_legacy_all_in_one_json(root, mode):
    import json

    s = fx.finished(root, "/srv/app")
    doc = json.loads(s.json_path.read_text())
    doc["messages"] = s.saved
    s.json_path.write_text(fx.pretty(doc))
    s.jsonl_path.unlink()
    got = fx.scan(root)["3f9a0c1b7e42"]
    assert got.completed and got.message_count == 8 and got.last_tool == LastTool("Bash", True)
    assert got.timestamp_ms == fx.ms(s.saves[-1]) and got.failures == 1


def test_the_saved_time_is_the_newest_valid_stamp_in_any_form(root, mode):
    s = fx.finished(root, "/srv/app")
    last = s.saved[-1]
    saved_ms = fx.ms(s.saves[-1])
    later = fx.ts(s.saves[-1] + 5_000_000)  # opendev's own form, 5 ms after the save
    zulu = later.replace("+00:00", "Z")
    for stamps, want in (
        (["2026-13-24T09:15:02.904117552+00:00", later], saved_ms + 5),  # greatest text, no date: skipped
        (["9999-04-24T09:15:02.90411755x+00:00"], saved_ms),
        ([zulu.replace(later[20:23], "999")], saved_ms + 5 + (999 - int(later[20:23]))),  # another form, newer
        ([later.replace("T", "t")], saved_ms + 5),
    ):
        s.saved[-1] = {**last, "tool_calls": [{"id": f"c{i}", "name": "Read", "parameters": {}, "timestamp": t,
                                               "approved": True, "nested_tool_calls": []}
                                              for i, t in enumerate(stamps)]}
        s.save()
        os.utime(s.jsonl_path, ns=(fx.T0_NS, fx.T0_NS))
        got = fx.scan(root)["3f9a0c1b7e42"]
        assert got.timestamp_ms == want, stamps


def test_timestamps():
    assert ts_ns("2026-04-24T09:15:02.904117552+00:00") == 1777022102904117552
    assert ts_ns("2026-04-24T09:15:02+00:00") == ts_ns("2026-04-24T09:15:02") == ts_ns("2026-04-24T09:15:02Z")
    assert ts_ns("2026-04-24t09:15:02.904117552z") == ts_ns("2026-04-24T09:15:02.904117552Z") == 1777022102904117552
    assert ts_ns("2026-04-24T11:15:02.5+02:00") == 1777022102500000000
    assert ts_ns("2026-04-24T09:15:02.9041175529+00:00") == 1777022102904117552
    for bad in ("", "2026-04-24", "nonsense-and-more-chars", None, 5, "2026-04-24T09:15:02.+00:00",
                "2026-04-24T09:15:02.90411755x+00:00", "2026-04-24T09:15:02x", "2026-04-24T09:15:02+0000",
                "2026-04-24T09:15:02+00:0a", "2026-W17-5T09:15:02+00:00", "2026-04-24T09:1502.5+00:00",
                "２０２６-04-24T09:15:02+00:00"):
        assert ts_ns(bad) is None


# -- what discovery lists ---------------------------------------------------------------------


def test_what_is_a_session_and_what_is_not(root):
    s = fx.finished(root, "/srv/app")
    for name in ("sessions-index.json", "file-history.json", ".3f9a0c1b7e42.json.tmp", ".sessions-index-tmp.json",
                 "sessions-index.json.lock", "3f9a0c1b7e42.events.jsonl", "file-history.tmp", ".x.debug"):
        (s.folder / name).write_text('{"version": 1, "entries": []}')
    (s.folder / "memory").mkdir()
    (s.folder / "memory" / "notes.json").write_text("{}")
    fx.first_turn_never_ended(root, "/srv/app")
    (root / "projects" / "stray-file").write_text("not a folder")
    found = opendev.discover([str(root)])
    assert found.problems == ()
    assert [(x.session_id, bool(x.json), bool(x.jsonl), bool(x.debug)) for x in found.sessions] == [
        ("3f9a0c1b7e42", True, True, True), ("a1b2c3d4e5f6", False, False, True)]
    assert {type(r) for r in fx.scan(root).values()} == {Session}


def test_discovery_reads_nothing_but_markers(root, monkeypatch):
    fx.finished(root, "/srv/a")
    fx.died_mid_turn(root, "/srv/b")
    opened: list[str] = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda path, *a, **k: (opened.append(path), real_open(path, *a, **k))[1])
    assert len(opendev.discover([str(root)]).sessions) == 2
    assert sorted(os.path.basename(p) for p in opened) == ["OPENDEV_PROJECT_PATH"] * 2


@pytest.mark.parametrize(("marker", "reason"), [
    (None, "no OPENDEV_PROJECT_PATH marker in the project folder"),
    (b"/srv/\0app", "OPENDEV_PROJECT_PATH holds a NUL byte"),
    (b"", "OPENDEV_PROJECT_PATH is empty"),
    ("fifo", "OPENDEV_PROJECT_PATH: not a regular file (a FIFO)"),
    ("dir", "OPENDEV_PROJECT_PATH: not a regular file (a directory)"),
])
def test_a_folder_without_a_usable_marker(root, marker, reason):
    s = fx.died_mid_turn(root, "/srv/app")
    path = s.folder / "OPENDEV_PROJECT_PATH"
    path.unlink()
    if marker == "fifo":
        os.mkfifo(path)  # never opened: opening a FIFO without a writer would block
    elif marker == "dir":
        path.mkdir()
    elif marker is not None:
        path.write_bytes(marker)
    got = fx.scan(root)["3f9a0c1b7e42"]
    assert isinstance(got, DamagedFile) and got.reason == reason and got.path == str(s.json_path)
    assert got.source == "opendev" and got.key == f"opendev:{s.json_path}"


@pytest.mark.parametrize("raw", [b"/srv/app\n", b"/srv/caf\xe9 au lait", b"/srv/\x1b[31mred"])
def test_the_marker_is_taken_exactly_as_written(root, raw):
    s = fx.finished(root, "/srv/app")
    (s.folder / "OPENDEV_PROJECT_PATH").write_bytes(raw)
    got = fx.scan(root)["3f9a0c1b7e42"]
    assert os.fsencode(got.project_dir) == raw


def test_unreadable_roots_and_folders_are_problems_not_errors(root, tmp_path, monkeypatch):
    fx.finished(root, "/srv/a")
    bad = fx.finished(root, "/srv/b").folder
    real = os.scandir

    def scandir(path="."):
        if os.fspath(path) == str(bad):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    (tmp_path / "file-root").write_text("")
    got = fx.scan(root, tmp_path / "missing", tmp_path / "file-root")
    assert isinstance(got["3f9a0c1b7e42"], Session) and got["3f9a0c1b7e42"].project_dir == "/srv/a"
    assert got[str(bad)].reason == "cannot be read: permission denied"
    assert got[str(tmp_path / "missing")].reason == "does not exist"
    assert got[str(tmp_path / "file-root" / "projects")].reason == "is not a directory"


# -- hostile and odd files -------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_blank_and_junk_transcript_lines_are_not_messages(root, mode, where):
    """opendev skips a line that does not parse (§3): a blank one, or one that is no object."""
    s = fx.finished(root, "/srv/app")
    good = s.jsonl_path.read_bytes().splitlines(keepends=True)
    junk = [b"\n", b"garbage line\n", b"   \n", b'["an", "array"]\n']
    at = {"start": 0, "middle": len(good) // 2, "end": len(good)}[where]
    s.jsonl_path.write_bytes(b"".join(good[:at] + junk + good[at:]))
    got = fx.scan(root)["3f9a0c1b7e42"]
    assert got.message_count == len(good) == 8


@pytest.mark.parametrize("tail", [b'{"role":"assistant","content":"half wri', b'{"role":"assistant","content":"x"\n'])
def test_a_half_written_last_transcript_line_is_not_a_message(root, mode, tail):
    """A line that starts like a message but is not JSON (torn by a crash mid-write, with or
    without its newline) is skipped by opendev (§3): not counted either."""
    s = fx.finished(root, "/srv/app")
    good = s.jsonl_path.read_bytes()
    s.jsonl_path.write_bytes(good + tail)
    got = fx.scan(root)["3f9a0c1b7e42"]
    assert got.message_count == good.count(b"\n") == 8


def test_a_transcript_of_many_blocks_counts_each_message_once(root, mode):
    """Lines across the reader's block seams (a line's newline at the end of one block, its
    brace at the start of the next) are counted once."""
    s = fx.finished(root, "/srv/app")
    good = s.jsonl_path.read_bytes().splitlines(keepends=True)
    line = good[0]
    filler = [line] * 40_000  # megabytes: many blocks, seams at every offset a line can end on
    s.jsonl_path.write_bytes(b"".join(filler + good))
    got = fx.scan(root)["3f9a0c1b7e42"]
    assert got.message_count == 40_000 + len(good)


@pytest.mark.parametrize("junk", [
    b'{"component":"react","data":{"iteration":9,"payload":{"messages":[{"content":"half',  # torn: no newline
    b'{"component":"react","data":{},"elapsed_ms":1,"event":"llm_request","ts":"2099-01-01T00:00:00+00:00"',
    b"not json at all\n",
    b'{"component":"react","data":{"error":"\xff\xfe"},"elapsed_ms":1,"event":"llm_error","ts":"2099-01-01T00:00:00+00:00"}\n',
    b'["an","array"]\n',
    b'{"event":"llm_error","ts":"yesterday"}\n',
    b"x" * 300_000,  # a long torn line
])
def test_a_bad_last_line_is_skipped(root, mode, junk):
    if b"\xff" in junk and mode != "whole":
        pytest.skip("a line read in pieces is judged by its tail (UTF-8 inside it is checked only where read)")
    s = fx.died_mid_turn(root, "/srv/app")
    before = fx.lost_of(root)
    with s.debug_path.open("ab") as f:
        f.write(junk)
    assert fx.lost_of(root) == before


def test_a_log_with_nothing_usable_is_damaged(tmp_path, mode):
    only = fx.first_turn_never_ended(tmp_path / "a", "/srv/app")
    only.debug_path.write_bytes(only.debug_path.read_bytes().splitlines()[0][:-10])  # one torn line
    got = fx.scan(tmp_path / "a")["a1b2c3d4e5f6"]
    assert got.reason == "no usable entry (its last line is still being written)"
    saved = fx.finished(tmp_path / "b", "/srv/app")
    saved.debug_path.write_bytes(b"garbage\n\xff\xfe\n")
    got = fx.scan(tmp_path / "b")["3f9a0c1b7e42"]
    assert got.reason == "3f9a0c1b7e42.debug: no usable entry (a line is not valid JSON or not UTF-8)"
    assert got.path == str(saved.json_path) and got.name == "3f9a0c1b7e42.json"


def test_an_empty_log(root, mode):
    s = fx.finished(root, "/srv/app")
    s.debug_path.write_bytes(b"")
    assert fx.scan(root)["3f9a0c1b7e42"].completed
    (s.folder / "abc.debug").write_bytes(b"")
    assert fx.scan(root)["abc"].reason == "no usable entry (the log is empty)"


@pytest.mark.parametrize("which", ["debug", "jsonl", "json"])
def test_fifos_are_never_opened(root, monkeypatch, which):
    s = fx.died_mid_turn(root, "/srv/app")
    path = {"debug": s.debug_path, "jsonl": s.jsonl_path, "json": s.json_path}[which]
    path.unlink()
    os.mkfifo(path)
    opened: list[str] = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda p, *a, **k: (opened.append(os.fspath(p)), real_open(p, *a, **k))[1])
    result: dict = {}
    worker = threading.Thread(target=lambda: result.update(fx.scan(root)), daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "the fx.scan blocked"
    got = result["3f9a0c1b7e42"]
    assert isinstance(got, DamagedFile) and str(path) not in opened
    prefix = "" if which == "json" else f"{path.name}: "
    assert got.reason == prefix + "not a regular file (a FIFO)"


def test_a_debug_only_session_whose_log_is_a_directory(root):
    (fx.project_folder(root, "/srv/app") / "abc.debug").mkdir()
    got = fx.scan(root)["abc"]
    assert isinstance(got, DamagedFile) and got.reason == "not a regular file (a directory)" and got.size == 0


def test_symlinks_are_followed_and_marked(root, tmp_path):
    s = fx.died_mid_turn(root, "/srv/app")
    before = fx.lost_of(root)
    elsewhere = tmp_path / "elsewhere.debug"
    s.debug_path.rename(elsewhere)
    s.debug_path.symlink_to(elsewhere)
    got = fx.scan(root)["3f9a0c1b7e42"]
    assert got.is_link and (got.completed, got.timestamp_ms, got.lost_turn) == before
    s.json_path.unlink()
    s.json_path.symlink_to(tmp_path / "nowhere.json")
    got = fx.scan(root)["3f9a0c1b7e42"]
    assert got.reason == "dangling symlink (its target does not exist)" and got.is_link
    s.json_path.unlink()
    s.json_path.symlink_to(s.json_path.name)
    assert fx.scan(root)["3f9a0c1b7e42"].reason == "symlink loop"


@pytest.mark.parametrize(("body", "reason"), [
    (b'{"id": "0123456789ab", "metadata": {}}', "id 0123456789ab does not match the file name"),
    (b'{"id": "../../../etc/passwd"}', "id ../../../etc/passwd does not match the file name"),
    (b'{"metadata": {}}', "no id"),
    (b'{"id": 7}', "its id is not a string"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"id": "3f9a0c1b7e42", ', "not valid JSON"),
    (b"\xff\xfe{}", "not valid JSON"),
])
def test_a_json_that_is_not_this_session(root, body, reason):
    s = fx.died_mid_turn(root, "/srv/app")
    s.json_path.write_bytes(body)
    got = fx.scan(root)["3f9a0c1b7e42"]
    assert isinstance(got, DamagedFile) and got.reason == reason and got.size == len(body)


def test_a_file_that_vanishes_before_it_is_read(root):
    s = fx.died_mid_turn(root, "/srv/app")
    (found,) = opendev.discover([str(root)]).sessions
    s.debug_path.unlink()
    assert opendev.read_session(found) == "3f9a0c1b7e42.debug: vanished while being read"


def test_values_the_catalog_keeps(root):
    fx.died_mid_turn(root, "/srv/app")
    (found,) = opendev.discover([str(root)]).sessions
    value = opendev.read_session(found)
    assert opendev.is_current(value) and not opendev.is_current((0, *value[1:])) and opendev.is_current("why")
    assert found.cache_key == tuple(os_stat_form(f.path) for f in (found.json, found.jsonl, found.debug))
    with pytest.raises(ValueError):
        opendev.to_records(found, None)


def os_stat_form(path: str) -> tuple:
    st = os.stat(path)
    return (st.st_mode, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


# -- cost: what a huge line or a huge log costs ----------------------------------------------


def test_a_huge_line_costs_its_tail_not_its_size(root, monkeypatch):
    s = fx.huge_history_session(root, 24 * 1024 * 1024)
    assert s.debug_path.stat().st_size > 24 * 1024 * 1024
    (found,) = opendev.discover([str(root)]).sessions
    sizes = fx.counting_reads(monkeypatch)
    tracemalloc.start()
    try:
        value = opendev.read_session(found)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    got = opendev.to_records(found, value)
    assert got.lost_turn.prompt == "the lost prompt" and got.lost_turn.pending_tools == (("Edit", "src/config.rs"),)
    assert sum(sizes) < debuglog.LINE_MAX + 2 * 1024 * 1024 and max(sizes) <= tailread.BLOCK
    assert peak < 8 * 1024 * 1024


def test_a_line_larger_than_the_read_budget(root, monkeypatch):
    s = fx.new_session(root, "/srv/app")
    s.turn("first", [[fx.READ]])
    s.turn("the lost prompt", [[fx.Call("Read", {"file_path": "big.log"}, result="r" * 3_000_000)]],
           end="crash_waiting")
    monkeypatch.setattr(debuglog, "BUDGET", 1024 * 1024)
    monkeypatch.setattr(debuglog, "LINE_MAX", 512 * 1024)
    got = fx.scan(root)["3f9a0c1b7e42"]
    # Its end was read: the turn is known lost and when it stopped; its prompt lies past the budget.
    assert not got.completed and got.lost_turn.prompt is None and got.timestamp_ms == fx.ms(s.events[-1][2])


def test_a_huge_prompt_and_huge_arguments(root, monkeypatch):
    s = fx.new_session(root, "/srv/app")
    s.turn("first", [[fx.READ]])
    s.turn("p" * 6_000_000, [[fx.Call("Write", {"file_path": "big.txt", "content": "z" * 6_000_000})]], end="crash")
    got = fx.scan(root)["3f9a0c1b7e42"].lost_turn
    assert got.prompt == "p" * TEXT_CAP + CUT_MARK
    assert got.pending_tools == (("Write", "big.txt"),) and got.edited_paths == ("big.txt",)


def test_the_turn_start_search_has_its_own_budget(root, monkeypatch):
    s = fx.huge_history_session(root, 200_000)
    s.turn("another", [[fx.READ], [fx.EDIT]], end="crash")  # two model calls in this lost turn
    first, last = s.lost_requests()[-2:]
    assert fx.lost_of(root)[2].turn_started_ms == fx.ms(first)
    monkeypatch.setattr(debuglog, "TURN_START_BUDGET", 50_000)  # less than one request to step past
    _, when, lost = fx.lost_of(root)
    assert lost.turn_started_ms == fx.ms(last) and lost.prompt == "another" and when == fx.ms(s.events[-1][2])


def test_a_relative_marker_is_a_session_in_a_directory_to_be_chosen(root):
    """opendev writes -d as given: "opendev -d ." leaves "." in the marker. The crash is real:
    the session is listed (not damaged), its project directory as written; resuming it asks
    where (see test_cli's relative project directory)."""
    s = fx.died_mid_turn(root, "/srv/app")
    (s.folder / "OPENDEV_PROJECT_PATH").write_bytes(b".")
    got = fx.scan(root)["3f9a0c1b7e42"]
    assert got.project_dir == "." and not got.completed and got.lost_turn is not None

