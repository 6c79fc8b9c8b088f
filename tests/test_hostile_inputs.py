"""Every hostile directory entry from tests/hostile_files.py, one verdict each.

One recovery directory holds them all (about a hundred entries: broken files,
non-files, symlinks, files too large to read, valid snapshots full of markup,
escapes, control and bidi characters, absurd sizes and numbers, leftovers and a
trash). It goes through ``snaptui list``, ``list --all``, ``list --all --json``
(cold and from the cache), ``check`` and the TUI. For each entry:

- nothing crashes or hangs (every subprocess has a timeout, the huge file is
  refused by its size, the FIFOs are never waited on);
- nothing is silently dropped: each entry is a session, or damaged with its
  reason, or a leftover, exactly as the catalogue says (and as the reference
  reader decides);
- text is shown literally: the human output is valid UTF-8 with no escape,
  control or bidi character; the TUI shows markup as text and escapes as
  control pictures (``␛``);
- nothing on disk changes (every entry, recursively, trash included: kind,
  mode, size, mtime, link target, content hash).

Then the cases a shared directory cannot hold: files vanishing or replaced in
the middle of a scan, unreadable files and directories, a recovery path that
is a file, hostile ids given to discard/restore/purge, a symlinked trash,
undecodable file names.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

import hostile_files as H
from conftest import seedsnap, snaptui_command
from helpers import write
from snaptui.catalog import jsonlist as listjson
from snaptui.catalog import survey as survey_module
from snaptui.catalog.scan import scan
from snaptui.format import reader
from snaptui.present.safetext import one_line
from snaptui.present.viewmodel import DAMAGED, LEFTOVER, SESSION
from snaptui.settings.config import DEFAULTS
from snaptui.sources import recovery as recovery_source
from snaptui.tui.app import DETAIL_DELAY_S, SnaptuiApp
from tui_support import screen_text, settle

# Characters the human output and the screen must never carry raw: C0 controls
# but newline, DEL, C1 controls, bidi and invisible formatting characters.
FORBIDDEN = {chr(c) for c in range(0x20) if c != 0x0A} | {"\x7f"} | {chr(c) for c in range(0x80, 0xA0)}
FORBIDDEN |= {chr(c) for c in (*range(0x200B, 0x2010), *range(0x2028, 0x202F), *range(0x2060, 0x2070),
                               0x061C, 0xFEFF, 0xFFF9, 0xFFFA, 0xFFFB)}


def forbidden_in(text: str) -> list[str]:
    return sorted({f"U+{ord(c):04X}" for c in text if c in FORBIDDEN})


def isolated_env(root: Path) -> dict:
    """The environment of a person whose home is ``root/home`` (as conftest does per test)."""
    home = root / "home"
    env = {k: v for k, v in os.environ.items()
           if k not in ("SNAPTUI_RECOVERY_DIR", "SNAPTUI_CONFIG", "SNAPTUI_DISABLE", "OPENDEV_DIR")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_STATE_HOME=str(home / ".local/state"),
               XDG_CACHE_HOME=str(home / ".cache"), XDG_DATA_HOME=str(home / ".local/share"), COLUMNS="120")
    return env


class Run:
    def __init__(self, proc: subprocess.CompletedProcess, seconds: float):
        self.code = proc.returncode
        self.raw = proc.stdout
        self.out = proc.stdout.decode("utf-8", "replace")
        self.err = proc.stderr.decode("utf-8", "replace")
        self.seconds = seconds

    def __repr__(self) -> str:
        return f"Run(code={self.code}, out={self.out[:300]!r}, err={self.err[:500]!r})"


def run_cli(env: dict, *args: str, timeout: float = 120) -> Run:
    start = time.monotonic()
    proc = subprocess.run([*snaptui_command(), *args], input=b"", capture_output=True, env=env, timeout=timeout)
    return Run(proc, time.monotonic() - start)


# --------------------------------------------------------------------------
# The shared hostile directory, run once through the command line
# --------------------------------------------------------------------------


class Hostile:
    """The directory, what each entry must be, and what the command line made of it."""

    def __init__(self, root: Path):
        self.root = root
        self.dir = root / "recovery"
        self.outside = root / "outside"
        self.expected = H.build(self.dir, self.outside)
        self.sock = H.bind_socket(self.dir)
        self.env = isolated_env(root)
        self.before = (H.fingerprint(self.dir), H.fingerprint(self.outside))
        d = str(self.dir)
        self.json_cold = run_cli(self.env, "list", "--all", "--json", "--dir", d)
        self.json_warm = run_cli(self.env, "list", "--all", "--json", "--dir", d)
        self.json_plain = run_cli(self.env, "list", "--json", "--dir", d)
        self.human_all = run_cli(self.env, "list", "--all", "--dir", d)
        self.human = run_cli(self.env, "list", "--dir", d)
        self.check = run_cli(self.env, "check", "--dir", d)
        self.after = (H.fingerprint(self.dir), H.fingerprint(self.outside))

    def by_name(self, run: Run) -> dict[str, dict]:
        assert run.code == 0, run
        return {os.path.basename(o["path"]): o for o in json.loads(run.out)}

    def names(self, *statuses: str) -> set[str]:
        return {n for n, (s, _) in self.expected.items() if s in statuses}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    h = Hostile(tmp_path_factory.mktemp("hostile"))
    yield h
    h.sock.close()


def test_command_line_finishes_fast_and_changes_nothing(hostile):
    for run in (hostile.json_cold, hostile.json_warm, hostile.json_plain, hostile.human_all, hostile.human):
        assert run.code == 0, run
        assert run.err == "", run
        assert run.seconds < 30, run  # two 2 GiB files and FIFOs among them: refused, never read or waited on
    assert hostile.check.code in (0, 1), hostile.check
    assert hostile.after == hostile.before


def test_json_accounts_for_every_entry_and_nothing_else(hostile):
    got = hostile.by_name(hostile.json_cold)
    assert set(got) == set(hostile.expected)
    assert hostile.by_name(hostile.json_warm) == got  # the cached answer is the same answer
    plain = hostile.by_name(hostile.json_plain)
    assert set(plain) == hostile.names("incomplete")
    assert all(plain[n] == got[n] for n in plain)


@pytest.mark.parametrize("name", H.ALL_ENTRIES,
                         ids=lambda n: one_line(n, 40).encode("ascii", "backslashreplace").decode())
def test_each_entry_gets_its_verdict(hostile, name):
    status, fragment = hostile.expected[name]
    for run in (hostile.json_cold, hostile.json_warm):
        entry = hostile.by_name(run)[name]
        assert entry["status"] == status, one_line(str(entry), 300)
        if status in ("damaged", "leftover"):
            reason = entry["error"] if status == "damaged" else entry["detail"]
            assert reason and "\n" not in reason
            if fragment:
                assert fragment in reason, reason
            continue
        fields = {k: v for k, v in entry.items() if k not in ("path", "status", "source")}
        assert list(fields) == list(reader.FIELDS)
        assert fields == H.expected_fields(name), name  # every value exactly as the file has it


def test_the_parallel_cold_fill_gives_the_same_verdicts(tmp_path):
    """With 2,000+ files to read, list --json reads half of them in a forked helper: the
    hostile entries get the same verdicts there (whichever half they fall in)."""
    from snaptui.catalog.survey import PARALLEL_READ_FROM as PARALLEL_FROM

    d = tmp_path / "recovery"
    expected = H.build(d, tmp_path / "outside")
    sock = H.bind_socket(d)
    try:
        filler = H.doc(session_id="filler")
        for i in range(PARALLEL_FROM + 100):
            (d / f"filler{i:05d}.json").write_bytes(filler)
        run = run_cli(isolated_env(tmp_path), "list", "--all", "--json", "--dir", str(d))
    finally:
        sock.close()
    assert run.code == 0 and run.err == "", run
    got = {os.path.basename(o["path"]): o for o in json.loads(run.out)}
    assert len(got) == len(expected) + PARALLEL_FROM + 100
    for name, (status, fragment) in expected.items():
        assert got[name]["status"] == status, name
        if status == "damaged":
            assert fragment is None or fragment in got[name]["error"], name
        elif status != "leftover":
            fields = {k: v for k, v in got[name].items() if k not in ("path", "status", "source")}
            assert fields == H.expected_fields(name)


def test_a_first_scan_statting_in_two_processes_gives_the_same_answer(tmp_path, monkeypatch):
    """A first scan of a huge directory stats its files in two processes (the first
    rows wait for that): every hostile entry gets the same verdict either way."""
    from snaptui.base import twoproc

    d = tmp_path / "recovery"
    H.build(d, tmp_path / "outside")
    sock = H.bind_socket(d)
    (d / "vanished.json").symlink_to(tmp_path / "nowhere")
    splits = []
    real_split = twoproc.split

    def counting(items, *args):
        splits.append(len(items))
        return real_split(items, *args)

    def summary(result):
        return ([(s.name, s.session_id, s.identity) for s in result.sessions],
                [(x.name, x.reason) for x in result.damaged], [(x.name, x.state) for x in result.leftovers])

    try:
        monkeypatch.setattr(twoproc, "split", counting)
        monkeypatch.setattr(survey_module, "PARALLEL_STAT_FROM", 2)
        both = summary(scan(str(d), early=lambda partial: None))
        assert splits and splits[0] > 50  # it did fork
        monkeypatch.setattr(survey_module, "PARALLEL_STAT_FROM", 10**9)
        one = summary(scan(str(d), early=lambda partial: None))
        assert len(splits) == 1
    finally:
        sock.close()
    assert both == one
    assert ("vanished.json", "dangling symlink (its target does not exist)") in both[1]


def test_sessions_are_listed_literally_in_json(hostile):
    got = hostile.by_name(hostile.json_cold)
    assert got["markup.json"]["session_id"] == "[@click=app.quit]x[/]"
    assert got["escapes.json"]["last_tool_results"][0]["output_preview"] == H.ESC_PREVIEW
    assert got["traversal_id.json"]["session_id"] == "../../etc/x"
    assert got["empty_id.json"]["session_id"] == ""
    assert len(got["many_tools.json"]["last_tool_results"]) == 10_000
    assert len(got["big_preview.json"]["last_tool_results"][0]["output_preview"]) == 1_000_000
    assert got["ts_u64_max.json"]["snapshot_timestamp_ms"] == 2**64 - 1
    assert got["ts_9999.json"]["snapshot_timestamp_ms"] == 253402300799999
    assert got["ts_zero.json"]["snapshot_timestamp_ms"] == 0
    assert got["symlink_out.json"]["session_id"] == "far-away"
    assert got[H.ODD_NAME]["path"].endswith(H.ODD_NAME)  # JSON escapes the name; it is not altered


def test_human_listing_is_clean_complete_and_literal(hostile):
    run = hostile.human_all
    assert run.code == 0, run
    run.raw.decode("utf-8")  # strict: no raw undecodable bytes reach the terminal
    assert forbidden_in(run.out) == []
    n_incomplete = len(hostile.names("incomplete"))
    assert run.out.startswith(f"{n_incomplete} interrupted sessions in ")
    assert "Completed (1):" in run.out
    damaged, leftovers = hostile.names("damaged"), hostile.names("leftover")
    assert f"Damaged files ({len(damaged)}), never read as sessions:" in run.out
    assert f"Leftovers of interrupted writes ({len(leftovers)}):" in run.out
    for name in damaged | leftovers:
        fragment = hostile.expected[name][1] or ""
        assert f"  {one_line(name, 80)}: " in run.out, name
        line = next(ln for ln in run.out.splitlines() if ln.startswith(f"  {one_line(name, 80)}: "))
        assert one_line(fragment) in line, (name, line)
    # Markup and escapes are text: shown, never interpreted.
    for literal in ("[@click=", "␛]0;pwne", "␛]52;c;Z", "⟨U+202E⟩", "../../et", "(empty id)", "/p/␛[2J␛[H"):
        assert literal in run.out, literal
    # One table row per session: count the interrupted rows by their ids.
    table = run.out.split("\n\n")[1].splitlines()[1:]
    assert len(table) == n_incomplete


def test_plain_listing_says_what_it_does_not_show(hostile):
    run = hostile.human
    assert run.code == 0, run
    run.raw.decode("utf-8")
    assert forbidden_in(run.out) == []
    damaged, leftovers = hostile.names("damaged"), hostile.names("leftover")
    assert f"Not shown: 1 completed, {len(damaged)} damaged, {len(leftovers)} leftover (snaptui list --all)." in run.out


@pytest.mark.skipif(seedsnap() is None, reason="the reference binary is not available")
def test_verdicts_agree_with_the_reference_binary(tmp_path):
    """Every regular-file case is a session exactly when the reference reader loads it."""
    cases = {n: data for n, (data, _, _) in H.REGULAR.items()}
    cases["deep_unknown_in_tool.json"] = H.DEEP_UNKNOWN_IN_TOOL
    disagree = []
    for i, (name, data) in enumerate(sorted(cases.items())):
        (tmp_path / f"c{i}_session_snapshot.json").write_bytes(data)
        theirs = subprocess.run([seedsnap(), "load", str(tmp_path), f"c{i}"], capture_output=True, timeout=60)
        ours = H.REGULAR[name][1] != "damaged" if name in H.REGULAR else True
        if (theirs.returncode == 0) != ours:
            disagree.append(name)
    assert disagree == []


# --------------------------------------------------------------------------
# The TUI on the same directory
# --------------------------------------------------------------------------


def make_tui(directory: Path, home: Path) -> SnaptuiApp:
    return SnaptuiApp(
        str(directory),
        settings=dict(DEFAULTS),
        cache_dir=str(home / "cache"),
        state_dir=str(home / "state"),
        watch_interval=None,
    )


async def wait_for_detail(pilot, wanted: str) -> str:
    """The detail pane's text once it shows ``wanted`` (it follows the cursor after a short delay)."""
    app = pilot.app
    for _ in range(100):
        text = app.query_one("#detail").text
        if wanted in text:
            return text
        await pilot.pause(DETAIL_DELAY_S / 2)
    raise AssertionError(f"the detail pane never showed {wanted!r}: {text[:300]!r}")


async def test_tui_shows_every_entry_literally_and_changes_nothing(hostile, tmp_path):
    before = (H.fingerprint(hostile.dir), H.fingerprint(hostile.outside))
    app = make_tui(hostile.dir, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.result is not None and not app.result.partial and app.result.error is None
        await pilot.press("a")  # completed sessions too
        await settle(pilot)
        rows = [r for r in app.session_list.rows if r.selectable]
        kinds = {r.item.name: r.kind for r in rows}
        want = {SESSION: hostile.names("incomplete", "completed"), DAMAGED: hostile.names("damaged"),
                LEFTOVER: hostile.names("leftover")}
        for kind, names in want.items():
            assert {n for n, k in kinds.items() if k == kind} == names, kind
        assert len(rows) == len(hostile.expected)
        status = str(app.query_one("#status").render())
        assert f"{len(want[DAMAGED])} damaged" in status and f"{len(want[LEFTOVER])} leftover" in status

        # Walk every row with the keyboard; each one's detail must render, cleanly.
        await pilot.press("home")
        shown = []
        for _ in rows:
            row = app.session_list.current
            detail = await wait_for_detail(pilot, one_line(row.item.name))
            assert forbidden_in(detail) == [], (row, forbidden_in(detail))
            lines = screen_text(app)
            assert forbidden_in(lines) == [], (row, forbidden_in(lines))
            shown.append(row.item.name)
            if row.item.name == "markup.json":
                assert "[@click=app.quit]x[/]" in detail
                assert "/p/snap[/]2024 [bold red]hi[/]" in detail
                assert "[@click=app.quit]quit[/] [link=https://e.x]l[/link] snap[/]2024 [bold red]red" in detail
                assert "[@click=app.quit]x[/]" in app.export_screenshot()  # what a person sees
                for x in (11, 14, 20):  # on the id, where markup would have put its click action
                    await pilot.click("#detail", offset=(x, 0))
                await pilot.pause()
                assert app.is_running and app.return_value is None
                app.session_list.focus()  # the click focused the detail pane: back to the list
                await pilot.pause()
            if row.item.name == "escapes.json":
                assert "␛]0;pwned␇esc" in detail and "/p/␛[2J␛[H" in detail
                # Output: control sequences dropped (ids and paths keep them visible, above).
                assert " clear  home ␛]0;pwned␇ title ␛]52;c;ZXZpbA==␇ clipboard" in detail
                assert "␛]8;;https://evil.example␛\\link␛]8;;␛\\ " in detail
                assert "\\x9b31m csi \\x90dcs\\x9c ␀ nul ␡ del ␍␈ cr-bs" in detail
                assert "bash␛[31m" in detail and "c␍␈" in detail
            if row.item.name == "bidi.json":
                assert "⟨U+202E⟩gnp.exe⟨U+202C⟩" in detail
            if row.item.name == "many_tools.json":
                assert "Last tool results — 10000, newest last" in detail and "9,800 older results not shown" in detail
            if row.item.name == "big_preview.json":
                assert "… (999,600 more characters)" in detail  # its one line, collapsed to 400
            if row.item.name == "huge.json":
                assert "too large (2.0 GiB)" in detail
            await pilot.press("down")
        assert sorted(shown) == sorted(hostile.expected)
        svg = app.export_screenshot()
        assert forbidden_in(svg.replace("\t", "")) == []
        assert app.is_running
    assert (H.fingerprint(hostile.dir), H.fingerprint(hostile.outside)) == before


def test_every_detail_renders_for_every_entry(hostile):
    """The detail pane's content for each scanned entry, built directly (no timing involved)."""
    from snaptui.present import detail
    from snaptui.tui.detail import content

    result = scan(str(hostile.dir))
    for s in result.sessions:
        facts = detail.gather(s, template=DEFAULTS["resume_command"])
        text = str(content(detail.session_spans(s, facts, now_ms=1_800_000_000_000)))
        assert forbidden_in(text) == [] and one_line(s.name) in text
    for d in result.damaged:
        assert forbidden_in(str(content(detail.damaged_spans(d)))) == []
    for lo in result.leftovers:
        assert forbidden_in(str(content(detail.leftover_spans(lo)))) == []
    assert len(result.sessions) + len(result.damaged) + len(result.leftovers) == len(hostile.expected)


def test_an_absurd_cost_does_not_squeeze_every_other_row(cli, recovery):
    from snaptui.present.cells import width

    (recovery / "a.json").write_bytes(H.doc(session_id="absurd", cost_usd=1e308))
    (recovery / "b.json").write_bytes(H.doc(session_id="normal", project_dir="/p/snap[/]2024 [bold red]hi[/]"))
    run = cli("list", "--dir", str(recovery), env={"COLUMNS": "120"})
    assert run.code == 0, run
    table = run.out.split("\n\n")[1].splitlines()
    assert any("/p/snap[/]2024 [bold red]hi[/]" in line for line in table)  # shown in full, literally
    assert max(width(line) for line in table) <= 120


# --------------------------------------------------------------------------
# Too large, FIFOs: refused without reading or waiting
# --------------------------------------------------------------------------


def test_a_2_gib_sparse_file_is_refused_by_its_size_never_read(recovery, cli, monkeypatch):
    with open(recovery / "huge.json", "wb") as f:
        f.truncate(H.HUGE_BYTES)
    write(recovery, "fine", ts=H.OLD_MS)
    bytes_read = []
    real_read = os.read

    def counting_read(fd, n):
        data = real_read(fd, n)
        bytes_read.append(len(data))
        return data

    monkeypatch.setattr(os, "read", counting_read)
    start = time.monotonic()
    result = scan(str(recovery))
    listed = listjson.json_output(str(recovery), None, everything=True)
    assert time.monotonic() - start < 2
    monkeypatch.setattr(os, "read", real_read)  # (not undo(): that would undo the test's own HOME too)
    assert sum(bytes_read) < 1024 * 1024
    assert [(d.name, d.reason) for d in result.damaged] == [("huge.json", "too large (2.0 GiB)")]
    assert [s.session_id for s in result.sessions] == ["fine"]
    assert {o["status"] for o in json.loads(listed)} == {"incomplete", "damaged"}
    run = cli("list", "--all", "--json", "--dir", str(recovery), timeout=60)
    assert run.code == 0 and '"too large (2.0 GiB)"' in run.out


def run_with_timeout(fn, seconds: float, unblock=None):
    """``fn()`` in a thread; fails (and calls ``unblock``) if it does not return in time."""
    out: dict = {}

    def target():
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - reported below
            out["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        if unblock is not None:
            unblock()
        thread.join(5)
        pytest.fail(f"blocked for more than {seconds} s")
    if "error" in out:
        raise out["error"]
    return out["value"]


def test_fifos_never_block_a_scan(recovery):
    os.mkfifo(recovery / "fifo.json")
    os.mkfifo(recovery / "fifo.json.tmp")
    fifo_out = recovery.parent / "far-fifo"
    os.mkfifo(fifo_out)
    os.symlink(fifo_out, recovery / "link-to-fifo.json")

    def unblock():  # a reader stuck in open() on a FIFO is released by a writer
        for path in (recovery / "fifo.json", recovery / "fifo.json.tmp", fifo_out):
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass

    result = run_with_timeout(lambda: scan(str(recovery)), 10, unblock)
    assert {d.name: d.reason for d in result.damaged} == {
        "fifo.json": "not a regular file (a FIFO)", "link-to-fifo.json": "not a regular file (a FIFO)"}
    assert [(lo.name, lo.state, lo.detail) for lo in result.leftovers] == [
        ("fifo.json.tmp", "damaged", "not a regular file (a FIFO)")]
    listed = run_with_timeout(lambda: listjson.json_output(str(recovery), None, everything=True), 10, unblock)
    assert {o["status"] for o in json.loads(listed)} == {"damaged", "leftover"}


# --------------------------------------------------------------------------
# Deeply nested unknown fields inside a tool result
# --------------------------------------------------------------------------


def test_deep_unknown_field_inside_a_tool_result_is_a_session(recovery, cli):
    (recovery / "deep-tool.json").write_bytes(H.DEEP_UNKNOWN_IN_TOOL)
    assert reader.parse(H.DEEP_UNKNOWN_IN_TOOL)["last_tool_results"] == [H.TOOL]
    assert [s.session_id for s in scan(str(recovery)).sessions] == ["deep-in-a-tool"]
    run = cli("list", "--json", "--dir", str(recovery))
    assert [o["session_id"] for o in json.loads(run.out)] == ["deep-in-a-tool"]


def test_moderately_nested_unknown_field_inside_a_tool_result_is_a_session(recovery):
    data = H.tool_with_unknown(b"[" * 500 + b"]" * 500)  # within Python's recursion limit: fine today
    (recovery / "tool-500.json").write_bytes(data)
    assert [s.session_id for s in scan(str(recovery)).sessions] == ["deep-in-a-tool"]


# --------------------------------------------------------------------------
# A file vanishing or replaced in the middle of a scan
# --------------------------------------------------------------------------


def _vanishes_before_its_stat(gone: Path, monkeypatch) -> None:
    """``gone`` is removed the moment anything stats it (after the listing)."""
    real = survey_module.file_stat

    def vanishing(path):
        if path == str(gone) and os.path.exists(gone):
            os.unlink(gone)
        return real(path)

    monkeypatch.setattr(survey_module, "file_stat", vanishing)


def test_a_file_vanishing_between_listing_and_stat_is_simply_gone(recovery, tmp_path, monkeypatch):
    """With a cache to compare with, the scan stats each file: one removed just
    before is gone, not "damaged: no such file"."""
    cache = str(tmp_path / "cache")
    gone = write(recovery, "gone", ts=H.OLD_MS)
    write(recovery, "stays", ts=H.OLD_MS)
    scan(str(recovery), cache_dir=cache)
    _vanishes_before_its_stat(gone, monkeypatch)
    result = scan(str(recovery), cache_dir=cache)
    assert [s.session_id for s in result.sessions] == ["stays"]
    assert result.damaged == [] and result.leftovers == []


def test_list_json_forgets_a_file_vanishing_between_listing_and_stat(recovery, tmp_path, monkeypatch):
    """With a cache to compare with, list --json stats each file: one removed
    just before is gone, not "damaged: no such file"."""
    cache = str(tmp_path / "cache")
    write(recovery, "stays", ts=H.OLD_MS)
    listjson.json_output(str(recovery), cache, everything=True)  # fills the cache
    _vanishes_before_its_stat(write(recovery, "gone", ts=H.OLD_MS), monkeypatch)
    got = json.loads(listjson.json_output(str(recovery), cache, everything=True))
    assert [(o["session_id"], o["status"]) for o in got] == [("stays", "incomplete")]


@pytest.mark.parametrize("via", ["scan", "json"])
def test_a_file_vanishing_between_stat_and_read_is_simply_gone(recovery, monkeypatch, via):
    gone = write(recovery, "gone", ts=H.OLD_MS)
    write(recovery, "stays", ts=H.OLD_MS)
    real = recovery_source.read_entry

    def vanishing(path, is_link, st=None):
        if path == str(gone) and os.path.exists(gone):
            os.unlink(gone)
        return real(path, is_link, st)

    monkeypatch.setattr(recovery_source, "read_entry", vanishing)
    if via == "scan":
        result = scan(str(recovery))
        assert [s.session_id for s in result.sessions] == ["stays"] and result.damaged == []
    else:
        got = json.loads(listjson.json_output(str(recovery), None, everything=True))
        assert [(o["session_id"], o["status"]) for o in got] == [("stays", "incomplete")]


def _replacer(recovery: Path, victim: Path, make):
    """A ``read_entry`` that first replaces ``victim`` by what ``make(tmp_path)`` creates (once)."""
    real = recovery_source.read_entry
    done = []

    def racing(path, is_link, st=None):
        if path == str(victim) and not done:
            done.append(True)
            tmp = recovery.parent / "replacement"
            make(tmp)
            if tmp.is_dir():
                os.unlink(victim)  # rename() cannot put a directory over a file
            os.rename(tmp, victim)
        return real(path, is_link, st)

    return racing


@pytest.mark.parametrize("kind,reason", [
    ("fifo", "not a regular file (a FIFO)"),
    ("huge", "too large (2.0 GiB)"),
    ("directory", "not a regular file (a directory)"),
    ("garbage", "not JSON"),
])
@pytest.mark.parametrize("via", ["scan", "json"])
def test_a_file_replaced_mid_scan_by_something_hostile(recovery, monkeypatch, kind, reason, via):
    victim = write(recovery, "victim", ts=H.OLD_MS)

    def make(tmp: Path):
        if kind == "fifo":
            os.mkfifo(tmp)
        elif kind == "huge":
            with open(tmp, "wb") as f:
                f.truncate(H.HUGE_BYTES)
        elif kind == "directory":
            tmp.mkdir()
        else:
            tmp.write_bytes(b"\x00garbage")

    monkeypatch.setattr(recovery_source, "read_entry", _replacer(recovery, victim, make))
    if via == "scan":
        result = run_with_timeout(lambda: scan(str(recovery)), 10)
        assert [(d.name, reason in d.reason) for d in result.damaged] == [(victim.name, True)]
        assert result.sessions == []
    else:
        got = json.loads(run_with_timeout(lambda: listjson.json_output(str(recovery), None, everything=True), 10))
        assert [o["status"] for o in got] == ["damaged"] and reason in got[0]["error"]


def _swap_then_put_back(recovery: Path, monkeypatch, run):
    """File A is listed; before it is read, A is moved away and B takes its name
    (as a restore does); later A comes back with its identity (inode, size, mtime)."""
    a = write(recovery, "swapped", cost=1.0, ts=H.OLD_MS)  # an hour old: old enough to be cached
    elsewhere = recovery.parent / "elsewhere"
    elsewhere.mkdir()
    b = write(elsewhere, "swapped", cost=2.0, ts=H.OLD_MS)
    aside = recovery.parent / "aside.json"
    real = recovery_source.read_entry

    def racing(path, is_link, st=None):
        if path == str(a) and b.exists():
            os.rename(a, aside)
            os.rename(b, a)
        return real(path, is_link, st)

    monkeypatch.setattr(recovery_source, "read_entry", racing)
    first = run()
    monkeypatch.setattr(recovery_source, "read_entry", real)
    os.rename(a, elsewhere / "b-again.json")
    os.rename(aside, a)  # A is back, byte for byte, with the identity it had when listed
    return first, run()


def test_scan_index_never_serves_what_a_replaced_file_held(recovery, tmp_path, monkeypatch):
    cache = str(tmp_path / "cache")

    def run():
        return [(s.session_id, s.cost_usd) for s in scan(str(recovery), cache_dir=cache).sessions]

    first, second = _swap_then_put_back(recovery, monkeypatch, run)
    assert first == [("swapped", 2.0)]  # what was read, consistently
    assert second == [("swapped", 1.0)]  # what is there now, not the replacement's cached row


def test_list_json_cache_never_serves_what_a_replaced_file_held(recovery, tmp_path, monkeypatch):
    cache = str(tmp_path / "cache")

    def run():
        return [(o["session_id"], o["cost_usd"]) for o in json.loads(listjson.json_output(str(recovery), cache,
                                                                                           everything=True))]

    first, second = _swap_then_put_back(recovery, monkeypatch, run)
    assert first == [("swapped", 2.0)]
    assert second == [("swapped", 1.0)]


def test_atomic_replacement_racing_scans_never_drops_or_damages(recovery, tmp_path):
    """A thread replaces snapshots the reference way (tmp, then rename over) as fast as it
    can while scans and list --json run: every file is always there, always valid."""
    ids = [f"race{i}" for i in range(4)]
    for sid in ids:
        write(recovery, sid, ts=H.OLD_MS)
    stop = threading.Event()
    writes = [0]

    def writer():
        n = 0
        while not stop.is_set():
            sid = ids[n % len(ids)]
            path = recovery / f"{sid}_session_snapshot.json"
            tmp = recovery / f"{sid}_session_snapshot.json.tmp"
            tmp.write_bytes(H.doc(session_id=sid, message_count=n, last_tool_results=[H.TOOL] * (n % 5)))
            os.rename(tmp, path)
            n += 1
        writes[0] = n

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    cache = str(tmp_path / "cache")
    try:
        deadline = time.monotonic() + 1.5
        rounds = 0
        while time.monotonic() < deadline:
            rounds += 1
            result = scan(str(recovery), cache_dir=cache)
            assert sorted(s.session_id for s in result.sessions) == ids
            assert result.damaged == []
            got = json.loads(listjson.json_output(str(recovery), cache, everything=True))
            assert sorted(o["session_id"] for o in got if o["status"] == "incomplete") == ids
            assert not [o for o in got if o["status"] == "damaged"]
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive() and writes[0] > 100 and rounds > 3


# --------------------------------------------------------------------------
# Unreadable files and directories
# --------------------------------------------------------------------------


def test_unreadable_file_simulated(recovery, monkeypatch):
    """Runs as root too: ``open`` refuses one file as a permission problem would."""
    secret = write(recovery, "secret", ts=H.OLD_MS)
    write(recovery, "fine", ts=H.OLD_MS)
    (recovery / (secret.name + ".tmp")).write_bytes(b"{}")
    real_open = os.open

    def refusing(path, flags, *args, **kw):
        if str(path).startswith(str(secret)):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(os, "open", refusing)
    result = scan(str(recovery))
    got = json.loads(listjson.json_output(str(recovery), None, everything=True))
    monkeypatch.setattr(os, "open", real_open)  # (not undo(): that would undo the test's own HOME too)
    assert [(d.name, d.reason) for d in result.damaged] == [(secret.name, "cannot be read: permission denied")]
    assert [lo.detail for lo in result.leftovers] == ["cannot be read: permission denied"]
    assert [s.session_id for s in result.sessions] == ["fine"]
    by_status = {o["status"]: o for o in got}
    assert by_status["damaged"]["error"] == "cannot be read: permission denied"


def _nobody():
    try:
        import pwd

        return pwd.getpwnam("nobody")
    except (ImportError, KeyError):
        return None


@pytest.fixture
def unprivileged(tmp_path):
    """Run the command line as someone permissions apply to: this user, or ``nobody`` when root.

    Yields ``(directory to work in, run(*args))``."""
    if os.geteuid() != 0:
        base = tmp_path
        env = isolated_env(tmp_path)

        def run(*args):
            return run_cli(env, *args, timeout=60)

        yield base, run
        return
    user = _nobody()
    if user is None:
        pytest.skip("running as root without a 'nobody' user: root reads everything")
    base = Path(tempfile.mkdtemp(prefix="snaptui-perm-"))
    try:
        base.chmod(0o755)
        home = base / "home"
        home.mkdir()
        os.chown(home, user.pw_uid, user.pw_gid)
        env = isolated_env(base)

        def drop():
            os.setgroups([])
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)

        def run(*args):
            start = time.monotonic()
            proc = subprocess.run([*snaptui_command(), *args], input=b"", capture_output=True, env=env,
                                  timeout=60, preexec_fn=drop, cwd=str(base))
            return Run(proc, time.monotonic() - start)

        try:
            probe = run("--version")
        except (OSError, subprocess.SubprocessError) as exc:
            pytest.skip(f"running as root, and snaptui cannot run as nobody here: {exc}")
        if probe.code != 0:
            pytest.skip(f"running as root, and snaptui cannot run as nobody here: {probe.err[:200]}")
        yield base, run
    finally:
        for dirpath, dirnames, _ in os.walk(base):
            for name in dirnames:
                os.chmod(os.path.join(dirpath, name), 0o700)
        shutil.rmtree(base, ignore_errors=True)


def test_unreadable_file_and_directory_for_real(unprivileged):
    base, run = unprivileged
    d = base / "recovery"
    d.mkdir()
    d.chmod(0o755)
    secret = write(d, "secret", ts=H.OLD_MS)
    secret.chmod(0)
    fine = write(d, "fine", ts=H.OLD_MS)
    fine.chmod(0o644)
    before = H.fingerprint(d)
    got = run("list", "--all", "--json", "--dir", str(d))
    assert got.code == 0, got
    by_name = {os.path.basename(o["path"]): o for o in json.loads(got.out)}
    assert by_name[secret.name] == {"path": str(secret), "status": "damaged",
                                    "error": "cannot be read: permission denied"}
    assert by_name[fine.name]["session_id"] == "fine"
    human = run("list", "--all", "--dir", str(d))
    assert human.code == 0 and f"{secret.name}: cannot be read: permission denied" in human.out
    assert H.fingerprint(d) == before

    closed = base / "closed"
    closed.mkdir()
    closed.chmod(0)
    for args in (("list",), ("list", "--json"), ("list", "--all", "--json")):
        r = run(*args, "--dir", str(closed))
        assert r.code == 1 and r.out == "", r
        assert r.err.count("\n") == 1 and "permission denied" in r.err, r


# --------------------------------------------------------------------------
# A recovery path that is a file
# --------------------------------------------------------------------------


async def test_recovery_path_that_is_a_file(cli, tmp_path):
    path = tmp_path / "not-a-dir"
    path.write_bytes(H.doc())
    for args in (("list",), ("list", "--all"), ("list", "--json"), ("list", "--all", "--json")):
        run = cli(*args, "--dir", str(path))
        assert run.code == 2 and run.out == "", (args, run)
        assert run.err.count("\n") == 1 and run.err.endswith("is not a directory\n"), (args, run)
    app = make_tui(path, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "is not a directory" in str(app.empty.render())
        assert app.is_running
    assert path.read_bytes() == H.doc()


# --------------------------------------------------------------------------
# Actions never follow a hostile session id
# --------------------------------------------------------------------------


HOSTILE_IDS = ["../../etc/x", "/etc/x", "..", "x/../../../etc/x", "--dir=/ -rf", ""]


@pytest.fixture
def deep(tmp_path):
    """A recovery directory three levels down, with sentinels wherever a path built
    from a hostile id could land (relative to the directory and to its trash)."""
    d = tmp_path / "a" / "b" / "recovery"
    d.mkdir(parents=True)
    sentinels = {}
    for where in (tmp_path / "a" / "etc", tmp_path / "a" / "b" / "etc", d / "etc", tmp_path / "etc"):
        where.mkdir(exist_ok=True)
        for name in ("x", "x_session_snapshot.json"):
            (where / name).write_text(f"sentinel {where.name}/{name}")
            sentinels[where / name] = (where / name).read_text()
    return d, sentinels


def _sentinels_intact(sentinels: dict) -> None:
    for path, text in sentinels.items():
        assert path.read_text() == text, path


def test_discard_restore_purge_never_follow_a_hostile_id(cli, deep):
    d, sentinels = deep
    for i, sid in enumerate(HOSTILE_IDS):
        path = d / f"hostile{i}.json"
        path.write_bytes(H.doc(session_id=sid))
        os.utime(path, (H.OLD_MS / 1000, H.OLD_MS / 1000))  # as a crash long ago left it
    outside_before = {p: p.read_bytes() for p in sentinels}
    for i, sid in enumerate(HOSTILE_IDS):
        name = f"hostile{i}.json"
        wanted = sid if len(sid) >= 1 and not sid.startswith("-") else name
        run = cli("discard", "--dir", str(d), "--", wanted) if wanted.startswith("-") else \
            cli("discard", "--dir", str(d), wanted)
        assert run.code == 0, (sid, run)
        assert not (d / name).exists(), sid
        assert forbidden_in(run.out) == [] and forbidden_in(run.err) == []
        _sentinels_intact(sentinels)
        run = cli("restore", "--dir", str(d), name)
        assert run.code == 0 and (d / name).read_bytes() == H.doc(session_id=sid), (sid, run)
        _sentinels_intact(sentinels)
    listing = cli("restore", "--dir", str(d))
    assert listing.code == 0 and forbidden_in(listing.out) == []
    run = cli("purge", "--older-than", "1d", "--yes", "--dir", str(d))
    assert run.code == 0, run
    assert not list(d.glob("*.json"))
    assert {p: p.read_bytes() for p in sentinels} == outside_before


async def test_tui_discard_and_undo_of_a_hostile_id(deep, tmp_path):
    d, sentinels = deep
    path = d / "evil.json"
    data = H.doc(session_id="../../etc/x")
    path.write_bytes(data)
    os.utime(path, (H.OLD_MS / 1000, H.OLD_MS / 1000))
    app = make_tui(d, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert app.session_list.current.item.session_id == "../../etc/x"
        await pilot.press("d")
        await settle(pilot)
        assert not path.exists()
        _sentinels_intact(sentinels)
        await pilot.press("u")
        await settle(pilot)
        assert path.read_bytes() == data
        _sentinels_intact(sentinels)


def test_a_symlinked_trash_is_never_followed(cli, tmp_path):
    d = tmp_path / "recovery"
    d.mkdir()
    outside = tmp_path / "precious"
    (outside / "1000-abcd").mkdir(parents=True)  # looks like an expired trash batch
    (outside / "1000-abcd" / "keep.json").write_text("do not delete")
    os.symlink(outside, d / ".snaptui-trash")
    write(d, "victim", ts=H.OLD_MS)
    before = H.fingerprint(outside)
    cli("discard", "victim", "--yes", "--dir", str(d))
    cli("purge", "--older-than", "1d", "--yes", "--dir", str(d))
    assert H.fingerprint(outside) == before  # nothing outside moved in or deleted


# --------------------------------------------------------------------------
# File names that are not UTF-8
# --------------------------------------------------------------------------


UNDECODABLE = b"x\x9b2J\xff\xfe.json"
"""0x9B is CSI on a terminal that reads 8-bit controls; 0xFF 0xFE are not UTF-8 at all."""


def _undecodable_dir(recovery: Path) -> Path:
    base = os.fsencode(recovery) + b"/"
    for name, data in ((UNDECODABLE, b"not json"), (b"ok\xff_session_snapshot.json",
                       H.doc(session_id="under-an-undecodable-name")), (b"left\x9b.json.tmp", b"{")):
        with open(base + name, "wb") as f:
            f.write(data)
    return recovery


async def test_undecodable_file_names_in_json_and_tui(cli, recovery, tmp_path):
    d = _undecodable_dir(recovery)
    run = cli("list", "--all", "--json", "--dir", str(d))
    assert run.code == 0, run
    got = json.loads(run.stdout_bytes.decode("utf-8"))  # strict: valid UTF-8
    assert sorted(o["status"] for o in got) == ["damaged", "incomplete", "leftover"]
    assert all("\ufffd" in o["path"] for o in got)  # undecodable bytes shown as U+FFFD
    app = make_tui(d, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert len([r for r in app.session_list.rows if r.selectable]) == 3
        await pilot.press("home")
        for _ in range(3):
            await pilot.pause(DETAIL_DELAY_S * 3)
            assert forbidden_in(screen_text(app)) == []
            await pilot.press("down")
        assert app.is_running


def test_undecodable_file_names_in_the_human_listing(cli, recovery):
    d = _undecodable_dir(recovery)
    run = cli("list", "--all", "--dir", str(d))
    assert run.code == 0, run
    text = run.stdout_bytes.decode("utf-8")  # strict: valid UTF-8, so no byte is a raw C1 control
    assert forbidden_in(text) == []
    assert "not JSON" in text  # the damaged file is listed, its name made visible


# --------------------------------------------------------------------------
# What is covered
# --------------------------------------------------------------------------


def test_coverage_summary():
    """The catalogue's size, by verdict (the report quotes these numbers)."""
    with tempfile.TemporaryDirectory() as tmp:
        expected = H.build(Path(tmp) / "r", Path(tmp) / "o")
    counts: dict[str, int] = {}
    for status, _ in expected.values():
        counts[status] = counts.get(status, 0) + 1
    assert counts == {"damaged": 64, "incomplete": 29, "completed": 1, "leftover": 7}


# What the catalogue covers (tests/hostile_files.py; test_coverage_summary holds the numbers):
# 101 entries in one directory, plus the cases that need a directory of their own.
# - 64 damaged, each with its reason: 51 broken regular files (empty, whitespace, truncated x2, not JSON,
#   single quotes, trailing garbage, two documents, top-level array/empty array/string/number/null,
#   wrong types x6, missing fields x3, null fields x3, negative x3 (-5, -1, -0), overflowing x5
#   (2**64, 10**40, 5000 digits, 1e400 and a 400-digit cost), NaN, -Infinity, BOM, UTF-16, duplicate
#   keys (top and tool), invalid UTF-8 x2, lone surrogate in a known string, raw control character,
#   binary, random garbage, NUL bytes, nesting 300,000 deep at the top (array and object) and in a
#   known field, a deep unknown field left unclosed or followed by junk) and 13 entries that are not
#   readable regular files (2 GiB and 32 MiB + 1 sparse files: too large; a directory, a FIFO, a
#   socket, a device link, a symlink to a directory and to a FIFO: not regular; a dangling symlink;
#   three symlink loops; a file named with escapes that holds garbage).
# - 30 sessions shown literally (29 interrupted, 1 completed): markup, ANSI/OSC escapes (clear, title,
#   clipboard, hyperlink, 8-bit CSI), every C0/C1 control, bidi and invisible characters, newlines,
#   a 1 MB preview, 10,000 tool results, a 20,000-character id, wide characters, timestamps 0,
#   year 9999 and u64 max, costs 1e308, 1e-400 and negative, empty id, ids ../../etc/x, /etc/passwd,
#   --dir=/ -rf, NUL escape, surrogate-pair escape, unknown fields nested 300,000 (array) and 100,000
#   (object) deep, duplicate unknown keys, a lone surrogate in an unknown field, the positional array
#   form, a symlink to a snapshot outside the directory, a file name full of escapes and markup.
# - 7 leftovers: truncated, newer than the file beside it, orphan, a FIFO, 2 GiB sparse, dangling
#   symlink, a snaptui-style temp name holding a BOM.
# Separately: vanishing and replacement mid-scan (by a snapshot, a FIFO, a 2 GiB file, a directory,
# garbage; and a live thread renaming over files), unreadable files and directories, a recovery path
# that is a file, hostile ids in discard/restore/purge (CLI and TUI), a symlinked trash, undecodable
# file names, an unknown field nested 300,000 deep inside a tool result, an absurd cost's column width.


def test_every_invisible_format_character_is_shown_as_its_code():
    """Unicode's format characters (category Cf: bidi controls, zero-width ones, the
    invisible "tag" letters that can spell hidden text) never reach the terminal as they are."""
    import unicodedata

    from snaptui.present.safetext import multi_line, one_line

    formats = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
    assert len(formats) > 150
    for ch in formats:
        for shown in (one_line(f"a{ch}b"), multi_line(f"a{ch}b")):
            assert shown == f"a⟨U+{ord(ch):04X}⟩b"
