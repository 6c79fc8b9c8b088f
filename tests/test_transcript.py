"""Can opendev find the session's transcript? The detail pane says, with its title."""

from __future__ import annotations

import json
import os

from helpers import write
from snaptui.sources import transcript
from tui_support import make_app, settle, use_utc


def put_transcript(data_dir, project, session_id, body) -> None:
    encoded = os.path.realpath(project).replace("/", "-")
    path = data_dir / "projects" / encoded / f"{session_id}.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(body))


def test_found_with_its_title(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENDEV_DIR", str(tmp_path / "od"))
    project = tmp_path / "proj"
    project.mkdir()
    put_transcript(tmp_path / "od", project, "abc", {"metadata": {"title": "Fix the login flow"}, "messages": []})
    found = transcript.find(str(project), "abc")
    assert (found.exists, found.title) == (True, "Fix the login flow")


def test_default_data_dir_is_home_opendev(tmp_path, monkeypatch, isolated_home):
    monkeypatch.delenv("OPENDEV_DIR", raising=False)
    put_transcript(isolated_home / ".opendev", "/srv/app", "s1", {"metadata": {}})
    found = transcript.find("/srv/app", "s1")
    assert found.exists and found.title is None


def test_xdg_install_is_found_too(tmp_path, isolated_home):
    # No $OPENDEV_DIR: both ~/.opendev and the XDG data directory are searched.
    (isolated_home / ".opendev").mkdir()
    put_transcript(isolated_home / ".local/share/opendev", "/srv/app", "s2", {"metadata": {"title": "From XDG"}})
    found = transcript.find("/srv/app", "s2")
    assert (found.exists, found.title) == (True, "From XDG")
    assert found.path == str(isolated_home / ".local/share/opendev/projects/-srv-app/s2.json")


def test_xdg_data_home_counts_only_when_absolute(tmp_path, monkeypatch, isolated_home):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    put_transcript(tmp_path / "xdg" / "opendev", "/srv/app", "s3", {"metadata": {"title": "custom XDG"}})
    assert transcript.find("/srv/app", "s3").title == "custom XDG"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", "xdg")  # relative: ignored, the default applies
    assert transcript.find("/srv/app", "s3").exists is False


def test_opendev_dir_is_the_only_root_when_set(tmp_path, monkeypatch, isolated_home):
    put_transcript(isolated_home / ".opendev", "/srv/app", "s4", {"metadata": {"title": "legacy"}})
    monkeypatch.setenv("OPENDEV_DIR", str(tmp_path / "od"))
    assert transcript.find("/srv/app", "s4").exists is False


def test_a_readable_copy_wins_over_an_unreadable_one(tmp_path, isolated_home):
    put_transcript(isolated_home / ".opendev", "/srv/app", "s5", {})
    legacy = isolated_home / ".opendev/projects/-srv-app/s5.json"
    legacy.unlink()
    os.mkfifo(legacy)  # never opened: read_bounded refuses anything but a regular file
    put_transcript(isolated_home / ".local/share/opendev", "/srv/app", "s5", {"metadata": {"title": "ok"}})
    found = transcript.find("/srv/app", "s5")
    assert (found.exists, found.title, found.problem) == (True, "ok", None)


def test_an_unreadable_copy_is_reported(tmp_path, isolated_home):
    put_transcript(isolated_home / ".opendev", "/srv/app", "s6", {})
    legacy = isolated_home / ".opendev/projects/-srv-app/s6.json"
    legacy.unlink()
    os.mkfifo(legacy)
    found = transcript.find("/srv/app", "s6")
    assert found.exists and found.problem == "not a regular file (a FIFO)"


def test_missing_and_hostile_ids(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENDEV_DIR", str(tmp_path / "od"))
    assert transcript.find("/srv/app", "nope").exists is False
    for bad in ("../../etc/passwd", "", "..", "a\0b"):
        found = transcript.find("/srv/app", bad)
        assert found.exists is False and found.path is None
        assert found.problem == "the session id cannot be a file name"


def test_a_session_with_no_project_directory_says_so_not_that_its_id_is_bad(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENDEV_DIR", str(tmp_path / "od"))
    for project, why in (("", "the session has no project directory"),
                         ("/srv/a\0b", "the project directory cannot be a path")):
        found = transcript.find(project, "emptyproj")
        assert (found.exists, found.path, found.problem) == (False, None, why)


async def test_detail_pane_shows_the_title_or_a_fresh_start(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("OPENDEV_DIR", str(tmp_path / "od"))
    use_utc(monkeypatch)
    d = tmp_path / "recovery"
    d.mkdir()
    project = tmp_path / "proj"
    project.mkdir()
    write(d, "known", project=str(project), ts=1_795_000_000_000)
    write(d, "unknown", project=str(project), ts=1_794_000_000_000)
    put_transcript(tmp_path / "od", project, "known", {"metadata": {"title": "[b]Refactor[/b] \x1b[31mauth"}})
    app = make_app(tmp_path, d)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        detail = app.detail.text
        assert "✓ found" in detail and "[b]Refactor[/b] ␛[31mauth" in detail
        await pilot.press("down")
        await settle(pilot)
        assert "✗ not found: opendev's store has no session of this id for this project" in app.detail.text
