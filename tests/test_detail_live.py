"""The detail pane's "may still be running" line is worked out when it is drawn.

The facts a lookup gathers (tool results, transcript, resume command) are
kept for a while; whether a session may still be running changes with time
(a file's age passes the threshold, an agent exits), so it is never kept with
them: the pane shows the reason it is given now, or none.
"""

from __future__ import annotations

from helpers import NOW, write
from snaptui.catalog.scan import scan
from snaptui.present import detail
from snaptui.present.safetext import one_line
from snaptui.settings.config import DEFAULTS


def _text(spans):
    return one_line("".join(t for t, _ in spans), 10_000)


def test_the_running_line_follows_the_reason_given_not_the_kept_facts(tmp_path):
    d = tmp_path / "recovery"
    d.mkdir()
    write(d, "s1", ts=NOW)
    (s,) = scan(str(d)).incomplete
    facts = detail.gather(s, template=DEFAULTS["resume_command"])  # looked up while it was live
    live = _text(detail.session_spans(s, facts, now_ms=NOW, live_reason="its file was written moments ago"))
    assert "may still be running: its file was written moments ago" in live
    later = _text(detail.session_spans(s, facts, now_ms=NOW + 3_600_000, live_reason=None))
    assert "may still be running" not in later  # the same facts, an hour on: no longer live


def test_with_no_data_root_the_transcript_is_not_looked_for_rather_than_missing(tmp_path):
    """No root of opendev's to look in: "the store has no session of this id" would be untrue."""
    d = tmp_path / "recovery"
    d.mkdir()
    write(d, "s1", ts=NOW, project=str(tmp_path))
    (s,) = scan(str(d)).incomplete
    off = _text(detail.session_spans(s, detail.gather(s, template=DEFAULTS["resume_command"], roots=()), now_ms=NOW))
    assert "Transcript not looked for: opendev has no data directory here" in off and "not found" not in off
    root = tmp_path / "opendev"
    (root / "projects").mkdir(parents=True)
    looked = _text(detail.session_spans(s, detail.gather(s, template=DEFAULTS["resume_command"], roots=(str(root),)),
                                        now_ms=NOW))
    assert "not found: opendev's store has no session of this id" in looked


def test_a_damaged_store_session_is_not_said_to_go_to_the_trash(tmp_path):
    """The snapshot wording ("opendev's reader skips this file", "d moves it to the trash") was
    shown for opendev's files too, which d only dismisses; a folder without its marker is a
    session opendev may still resume, from the directory only the marker names."""
    from snaptui.sources.records import DamagedFile

    no_marker = DamagedFile("opendev:/s/p/a.json", "opendev", "/s/p/a.json", "a.json",
                            "no OPENDEV_PROJECT_PATH marker in the project folder")
    text = _text(detail.damaged_spans(no_marker))
    assert "reader skips" not in text and "trash" not in text and "d only dismisses" in text
    assert "may still resume it" in text
    snapshot = DamagedFile("/r/x.json", "snapshot", "/r/x.json", "x.json", "not valid JSON")
    assert "move it to the trash" in _text(detail.damaged_spans(snapshot))


def test_a_store_session_opendev_no_longer_reads_says_where_resuming_takes_it(tmp_path, isolated_home):
    import opendev_fixtures as fx

    project = tmp_path / "proj"
    project.mkdir()
    xdg_root = isolated_home / ".local" / "share" / "opendev"
    fx.died_mid_turn(xdg_root, str(project), sid="bbbbbbbbbbbb")
    (s,) = scan(str(tmp_path / "none"), store_roots=(str(xdg_root),)).incomplete
    template = DEFAULTS["resume_command"]
    assert "no longer reads" not in _text(detail.session_spans(s, detail.gather(s, template=template), now_ms=NOW))
    (isolated_home / ".opendev").mkdir()  # a crash log made it: opendev reads there now (§1)
    text = _text(detail.session_spans(s, detail.gather(s, template=template), now_ms=NOW))
    assert "opendev no longer reads this store (it reads ~/.opendev now): resuming copies the session there" in text


def test_a_demo_store_session_promises_no_copy(tmp_path, isolated_home):
    """Resuming never copies the demo's sessions into a store opendev reads (into_reach): the
    detail said "resuming copies the session there first, and dismisses this one"."""
    from snaptui.actions.demo import write_demo
    from snaptui.actions.demo_store import write_store

    write_demo(str(tmp_path / "demo" / "recovery"))
    write_store(str(tmp_path / "demo" / "opendev"), str(tmp_path / "demo" / "projects"), NOW)
    (isolated_home / ".opendev").mkdir()  # opendev reads there now: a real session would be copied
    catalog = scan(str(tmp_path / "demo" / "recovery"), store_roots=(str(tmp_path / "demo" / "opendev"),))
    stored = [s for s in catalog.incomplete if s.source == "opendev"]
    assert stored
    for s in stored:
        text = _text(detail.session_spans(s, detail.gather(s, template=DEFAULTS["resume_command"]), now_ms=NOW))
        assert "no longer reads" not in text and "copies the session" not in text
