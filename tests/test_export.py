"""``snaptui export``: a Markdown crash report a person can paste into an issue.

Every output lands in a code block of its own, unchanged but for controls
made visible (checked with a CommonMark parser: markdown-it-py, which comes
with Textual); markup in titles, names and ids stays text; no control
character reaches the report.
"""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from snaptui.present import markdown, report
from snaptui.present.safetext import multi_line, one_line, strip_ansi
from snaptui.sources.records import LastTool, LostTurn, Session

NOW = 1_800_000_000_000

HOSTILE_OUTPUTS = [
    "plain output\nwith two lines\n",
    "```\nnot the end of the block\n```",
    "````\n`````` six\n```` four, and ``` inside ```` a line",
    "~~~\ntilde fence\n~~~~~~~~~~\n",
    "   ```\n  ~~~\n    ````````````````",
    "ends with backticks ```",
    "```python\nprint('hi')\n```\n```",
    "\x1b[31mred\x1b[0m \x1b]8;;http://evil.example\x07link\x1b]8;;\x07 \x1b]0;title\x07",
    "cr\rlf\r\nnul\x00bel\x07 c1\x9b31m nel\x85 ls\u2028 ps\u2029 rlo\u202eevil\u202c\ttab",
    "<script>alert(1)</script> [x](javascript:alert(1)) *em* _em_ **b** # h &amp; $x$ | a | b | ~~s~~ [b]rich[/]",
    "",
    "\n\n\n",
    "trailing spaces   \n    indented code\n- a list\n> quote\n",
    "\u200b\ufeff\u2066isolate\u2069",
]

EVIL_TEXT = "\x1b]0;pwned\x07*em* [l](javascript:x) <b>html</b> `tick` ``two`` ~~s~~ $m$ &amp; #\u202e\x00\r\n|x|"


def parser(preset: str = "commonmark") -> MarkdownIt:
    return MarkdownIt(preset)


def snapshot_session(sid: str = "3f2b9c1e-7a4d", **kw: object) -> Session:
    fields: dict[str, object] = dict(
        key=f"snapshot:/r/{sid}", source="snapshot", path=f"/r/{sid}_session_snapshot.json",
        name=f"{sid}_session_snapshot.json", identity=(0, 0, 100, 0), is_link=False, session_id=sid,
        project_dir="/srv/app", timestamp_ms=NOW - 3 * 3_600_000, completed=False, message_count=1204,
        cost_usd=1204.5, last_tool=LastTool("bash", False), failures=1, tool_names="bash")
    fields.update(kw)
    return Session(**fields)  # type: ignore[arg-type]


def store_session(**kw: object) -> Session:
    lost = LostTurn(prompt="Please handle ```fences``` and\n~~~ tildes\x1b[2J", stopped_by="error",
                    error="HTTP 529: overloaded\n```\nbody", pending_tools=(("Edit", "src/x.rs"), ("Bash", "")),
                    input_tokens=12345, output_tokens=678)
    return snapshot_session("cccccccccccc", key="opendev:/s/c.json", source="opendev", path="/s/c.json",
                            name="cccccccccccc.json", cost_usd=None, title="Fix the loader", lost_turn=lost,
                            last_tool=LastTool("Bash", None), **kw)


def results(outputs: list[str]) -> list[dict[str, object]]:
    return [{"tool_name": f"tool_{i}", "call_id": f"call_{i}", "output_preview": out, "success": i % 2 == 0}
            for i, out in enumerate(outputs)]


def facts(outs: list[str] | None = None, **kw: object) -> report.Facts:
    fields: dict[str, object] = dict(results=None if outs is None else results(outs), problem=None,
                                     resume_command="opendev -d /srv/app -r 3f2b9c1e-7a4d", project_exists=True)
    fields.update(kw)
    return report.Facts(**fields)  # type: ignore[arg-type]


def expected_block(text: str) -> str:
    """What a fence's content is once parsed: the text with controls made visible, ending with a newline."""
    shown = multi_line(text)
    return shown if not shown or shown.endswith("\n") else shown + "\n"


def fences(md: str, preset: str = "commonmark") -> list[str]:
    return [t.content for t in parser(preset).parse(md) if t.type == "fence"]


# -- the three ways in ----------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["commonmark", "gfm-like"])
@pytest.mark.parametrize("text", HOSTILE_OUTPUTS)
def test_a_fence_holds_any_text_unchanged(text, preset):
    md = markdown.fence(text) + "after\n"
    assert fences(md, preset) == [expected_block(text)]
    tokens = parser(preset).parse(md)
    assert tokens[-2].type == "inline" and tokens[-2].content == "after"  # the block ended where it should


@pytest.mark.parametrize("text", HOSTILE_OUTPUTS)
def test_a_fence_is_longer_than_any_run_inside(text):
    block = markdown.fence(text)
    mark = block.split("\n", 1)[0].removesuffix("text")
    runs = re.findall(r"`+|~+", multi_line(text))
    assert set(mark) == {"`"} and len(mark) >= 3 and all(len(run) < len(mark) for run in runs)
    assert block.endswith("\n" + mark + "\n")


@pytest.mark.parametrize("text", [EVIL_TEXT, "`", "``", " `x` ", "a`b", "x ", " x", "-", "#", "[b]rich[/]"])
def test_a_code_span_holds_any_line_unchanged(text):
    (inline,) = [t for t in parser().parse("- " + markdown.code(text)) if t.type == "inline"]
    (span,) = inline.children or []
    assert span.type == "code_inline" and span.content == one_line(text)


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_code_span_says_so(text):
    assert markdown.code(text) in ("_(empty)_", "_(blank)_")


@pytest.mark.parametrize("preset", ["commonmark", "gfm-like"])
def test_text_is_literal_text(preset):
    html = parser(preset).render("## " + markdown.text(EVIL_TEXT))
    tokens = parser(preset).parse("## " + markdown.text(EVIL_TEXT))
    (inline,) = [t for t in tokens if t.type == "inline"]
    assert {c.type for c in inline.children or []} == {"text"}
    rendered = "".join(c.content for c in inline.children or [])
    assert rendered == one_line(EVIL_TEXT)
    assert "<b>" not in html and "<em>" not in html and "<a " not in html and "<s>" not in html


# -- the report -----------------------------------------------------------------------------


def test_every_output_lands_in_its_own_block_unchanged():
    md = report.build([(snapshot_session(), facts(HOSTILE_OUTPUTS))], now_ms=NOW, version="9.9")
    shown = [expected_block(strip_ansi(o)) for o in HOSTILE_OUTPUTS]  # a program's colours left out, as in the UI
    assert fences(md) == shown and fences(md, "gfm-like") == shown
    assert "red ␛]8;;http://evil.example␇link" in md and "␛[31m" not in md  # other escapes shown, never raw
    headings = [t for t in parser().parse(md) if t.type == "inline" and t.content.startswith(("✓", "✗"))]
    assert len(headings) == len(HOSTILE_OUTPUTS)
    assert headings[0].content == "✓ `tool_0` · call `call_0`"
    assert headings[1].content == "✗ failed: `tool_1` · call `call_1`"


def test_no_control_character_reaches_the_report():
    evil = snapshot_session(EVIL_TEXT, project_dir="/p/" + EVIL_TEXT, title=EVIL_TEXT, name=EVIL_TEXT)
    outs = [EVIL_TEXT, *HOSTILE_OUTPUTS]
    rows = [dict(r, tool_name=EVIL_TEXT, call_id=EVIL_TEXT) for r in results(outs)]
    md = report.build([(evil, facts(results=rows, resume_command="x " + EVIL_TEXT, live_reason=EVIL_TEXT)),
                       (store_session(project_dir=EVIL_TEXT), facts(problem=EVIL_TEXT))], now_ms=NOW)
    controls = [c for c in md if (ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) < 0xA0
                or c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u2028\u2029\ufeff"]
    assert controls == []
    html = parser().render(md)
    assert "<script" not in html and "<b>html" not in html and 'href="javascript' not in html
    assert html.count("<em>") == 2  # the report's own: its first line, and why the results are missing


def test_a_snapshot_session_reads_like_the_detail_pane():
    md = report.build([(snapshot_session(), facts(["ok\n", "boom"]))], now_ms=NOW, version="9.9")
    assert md.startswith("_Crash report of 1 session of the opendev coding agent, written by snaptui 9.9 on ")
    for line in ("## `3f2b9c1e-7a4d`", "- **Session:** `3f2b9c1e-7a4d` (interrupted)",
                 "- **Project:** `/srv/app`", "- **Cost:** $1,204.50", "- **Messages:** 1,204",
                 "- **Source:** crash-recovery snapshot `3f2b9c1e-7a4d_session_snapshot.json`",
                 "- **Resume:** `opendev -d /srv/app -r 3f2b9c1e-7a4d`",
                 "### Kept tool results: 2, 1 failed (newest last)"):
        assert line + "\n" in md
    (when,) = [line for line in md.splitlines() if line.startswith("- **Snapshot:** ")]
    assert re.fullmatch(r"- \*\*Snapshot:\*\* \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d \(3 hours ago\)", when)
    assert "Lost turn" not in md


def test_a_store_session_shows_what_the_crash_lost():
    gone = report.build([(store_session(), facts(None, project_exists=False))], now_ms=NOW)
    assert "- **Project:** `/srv/app` (the directory is gone)\n" in gone  # opendev reads another root
    md = report.build([(store_session(), facts(None, project_exists=False, purged_at_start=True))], now_ms=NOW)
    assert "## Fix the loader\n" in md and "- **Session:** `cccccccccccc` (interrupted)" in md
    assert "- **Cost:** not recorded (opendev's session store keeps no cost)" in md
    assert "- **Project:** `/srv/app` (the directory is gone: opendev deletes this session's folder" in md
    assert "- **Stopped:** " in md and "opendev's session store `cccccccccccc.json`" in md
    assert "It stopped with an error before the turn was saved." in md
    assert "- `Edit` `src/x.rs`\n- `Bash`\n" in md and "Tokens: 12,345 in / 678 out" in md
    assert fences(md) == [expected_block("Please handle ```fences``` and\n~~~ tildes\x1b[2J"),
                          expected_block("HTTP 529: overloaded\n```\nbody")]
    assert "Kept tool results" not in md


def test_several_sessions_make_one_report_with_a_section_each():
    md = report.build([(snapshot_session(), facts(["a"])), (store_session(), facts(None)),
                       (snapshot_session("second", completed=True, title="Done"), facts([]))], now_ms=NOW)
    assert md.startswith("_Crash report of 3 sessions")
    heads = [t for t in parser().parse(md) if t.type == "heading_open" and t.tag == "h2"]
    assert len(heads) == 3
    assert "(completed cleanly)" in md and "None kept." in md


def test_tool_results_that_cannot_be_read_again_say_why():
    md = report.build([(snapshot_session(), facts(problem="file vanished *meanwhile*"))], now_ms=NOW)
    assert "_The tool results could not be read again: file vanished \\*meanwhile\\*_" in md


def test_a_title_with_markup_is_a_literal_heading():
    md = report.build([(snapshot_session(title="# Fix *all* the [bugs](http://x) <b>now</b> ##"), facts([]))],
                      now_ms=NOW)
    (heading,) = [t for t in parser().parse(md) if t.type == "inline" and t.map and t.map[0] == 2]
    assert "".join(c.content for c in heading.children or []) == "# Fix *all* the [bugs](http://x) <b>now</b> ##"


# -- the command ----------------------------------------------------------------------------

EVIL_ID = "e71c0de5-\x1b[31m*x*"


@pytest.fixture
def sessions(tmp_path, recovery, monkeypatch):
    """A hostile snapshot, a plain one, an opendev store with a lost turn, and a damaged file."""
    import os

    import opendev_fixtures as fx
    from helpers import write

    outs = HOSTILE_OUTPUTS
    write(recovery, EVIL_ID, name="evil_session_snapshot.json", project="/p/\x1b]0;t\x07<b>x</b>",
          tools=tuple((f"tool\x1b[2J_{i}", i % 3 != 1, out) for i, out in enumerate(outs)))
    write(recovery, "plain-session", cost=0.25, tools=(("bash", True, "ok"),))
    (recovery / "bad.json").write_bytes(b"{")
    root = tmp_path / "opendev"
    project = str(tmp_path / "proj")
    os.makedirs(project)
    fx.died_mid_turn(root, project, sid="bbbbbbbbbbbb", now_ns=fx.T0_NS)
    monkeypatch.setenv("OPENDEV_DIR", str(root))
    return recovery


def no_controls(data: bytes) -> bool:
    text = data.decode("utf-8")
    return not any((ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) < 0xA0 or 0x202A <= ord(c) <= 0x202E
                   or 0x2066 <= ord(c) <= 0x2069 for c in text)


def test_export_to_standard_output(cli, sessions):
    run = cli("export", "--dir", str(sessions), "evil", "bbbb", "plain-session")
    assert run.code == 0, run
    assert no_controls(run.stdout_bytes)
    md = run.out
    assert md.startswith("_Crash report of 3 sessions")
    assert fences(md) == [expected_block(strip_ansi(o)) for o in HOSTILE_OUTPUTS] + [
        expected_block("Please also handle whitespace-only files"), expected_block("ok")]
    heads = [t for t in parser().parse(md) if t.type == "inline" and t.content.startswith(("✓", "✗"))]
    assert heads[0].children and "".join(c.content for c in heads[0].children) == "✓ tool␛[2J_0 · call call_0"
    assert "".join(c.content for c in heads[1].children or []) == "✗ failed: tool␛[2J_1 · call call_1"
    assert f"## {markdown.code(EVIL_ID)}\n" in md and "`/p/␛]0;t␇<b>x</b>`" in md
    assert "## Fix the config loader so it accepts empty files\n" in md  # the store session's title
    assert "- `Edit` `src/config.rs`\n- `Write` `src/new.rs`\n- `Bash` `cargo test`\n" in md
    assert "- **Resume:** `opendev -d " in md and "-r bbbbbbbbbbbb`" in md


def test_export_to_a_file_says_what_it_wrote(cli, sessions, tmp_path):
    import os
    import stat

    target = tmp_path / "out" / "report.md"
    target.parent.mkdir()
    run = cli("export", "--dir", str(sessions), "--output", str(target), "evil", "plain")
    assert run.code == 0, run
    assert run.out.startswith(f"wrote {target}: a report of 2 sessions, ") and run.out.endswith(" KiB\n")
    data = target.read_bytes()
    assert no_controls(data)
    assert fences(data.decode()) == [expected_block(strip_ansi(o)) for o in HOSTILE_OUTPUTS] + [expected_block("ok")]
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert os.listdir(target.parent) == ["report.md"]  # no temp file left beside it


def test_an_existing_file_is_kept_unless_forced(cli, sessions, tmp_path):
    import os

    target = tmp_path / "report.md"
    target.write_text("mine")
    os.chmod(target, 0o644)
    run = cli("export", "--dir", str(sessions), "-o", str(target), "plain")
    assert run.code == 1 and run.out == ""
    assert run.err == f"snaptui: {target}: exists; pass --force to replace it\n"
    assert target.read_text() == "mine"
    run = cli("export", "--dir", str(sessions), "-o", str(target), "--force", "plain")
    assert run.code == 0 and run.out.startswith(f"replaced {target}: a report of 1 session, ")
    assert target.read_text().startswith("_Crash report of 1 session") and os.stat(target).st_mode & 0o777 == 0o644
    assert sorted(os.listdir(tmp_path)) == sorted(["report.md", "recovery", "opendev", "proj"])


@pytest.mark.parametrize("force", [False, True])
def test_a_symlink_is_never_followed_nor_replaced(cli, sessions, tmp_path, force):
    import os

    outside = tmp_path / "elsewhere.txt"
    outside.write_text("precious")
    link = tmp_path / "link.md"
    link.symlink_to(outside)
    dangling = tmp_path / "dangling.md"
    dangling.symlink_to(tmp_path / "not-there.md")
    for path in (link, dangling):
        run = cli("export", "--dir", str(sessions), "-o", str(path), *(["--force"] if force else []), "plain")
        assert run.code == 1, run
        assert "is a symlink: never replaced (not even with --force)" in run.err  # --force would not help
        assert os.path.islink(path)
    assert outside.read_text() == "precious" and not (tmp_path / "not-there.md").exists()


@pytest.mark.parametrize("force", [False, True])
def test_a_directory_or_device_is_not_replaced_and_force_is_not_offered(cli, sessions, tmp_path, force):
    for target in (str(tmp_path), "/dev/null"):
        run = cli("export", "--dir", str(sessions), "-o", target, *(["--force"] if force else []), "plain")
        kind = "a directory" if target == str(tmp_path) else "not a regular file"
        assert run.code == 1 and f"is {kind}: never replaced (not even with --force)" in run.err, run


def test_a_missing_directory_is_one_line(cli, sessions, tmp_path):
    run = cli("export", "--dir", str(sessions), "-o", str(tmp_path / "no" / "r.md"), "plain")
    assert run.code == 1 and run.err.count("\n") == 1 and "No such file or directory" in run.err


def test_ids_are_resolved_like_every_command(cli, sessions, tmp_path):
    target = tmp_path / "r.md"
    unknown = cli("export", "--dir", str(sessions), "-o", str(target), "plain", "nothing-like-it")
    assert unknown.code == 2 and "no session matches 'nothing-like-it'" in unknown.err
    damaged = cli("export", "--dir", str(sessions), "bad.json")
    assert damaged.code == 2 and "bad.json is damaged" in damaged.err
    short = cli("export", "--dir", str(sessions), "pl")
    assert short.code == 2 and "4+ characters" in short.err
    missing = cli("export", "--dir", str(sessions))
    assert missing.code == 2 and "ID is missing" in missing.err
    assert not target.exists()


def test_write_new_never_replaces(tmp_path):
    import os

    from snaptui.base.atomic import write_new

    target = tmp_path / "f"
    write_new(str(target), b"one")
    with pytest.raises(FileExistsError):
        write_new(str(target), b"two")
    (tmp_path / "l").symlink_to(tmp_path / "nowhere")
    with pytest.raises(FileExistsError):
        write_new(str(tmp_path / "l"), b"three")
    assert target.read_bytes() == b"one" and not (tmp_path / "nowhere").exists()
    assert sorted(os.listdir(tmp_path)) == ["f", "l"]
