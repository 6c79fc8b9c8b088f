"""Tab completion, made from the command line's spec: what it offers, and that it is safe.

In-process here; tests/test_complete_shells.py drives real bash, zsh and fish.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from conftest import require_tool, snaptui_command
from helpers import DAY, NOW, write
from snaptui.catalog import cache, ids, pieces
from snaptui.catalog.scan import scan
from snaptui.cli import complete_words, select
from snaptui.cli.complete import MAX_IDS, MIN_PREFIX, complete
from snaptui.cli.parse import UsageError, parse
from snaptui.cli.spec import BY_NAME, GLOBAL, TOP_ONLY
from snaptui.settings import paths
from snaptui.sources.recovery import Row

VISIBLE = [c for c in BY_NAME.values() if not c.hidden]


def words(found) -> list[str]:
    return [v for v, _ in found.items]


def index(directory) -> None:
    """What any earlier snaptui command leaves behind: the catalog's index."""
    scan(str(directory), cache_dir=paths.user_dirs_fast().cache)


# -- the spec, all of it ---------------------------------------------------------


def test_commands_are_the_spec_s_and_hidden_ones_are_not_offered():
    assert words(complete([], "")) == [c.name for c in VISIBLE]
    assert words(complete([], "dis")) == ["discard"]
    assert words(complete([], "__")) == []
    assert complete(["__complete"], "").kind == "none"
    assert complete(["nope"], "").kind == "none"


@pytest.mark.parametrize("command", [None, *VISIBLE], ids=lambda c: c.name if c else "top")
def test_every_option_is_offered_and_parses(command):
    before = [command.name] if command else []
    own = command.options if command else TOP_ONLY
    shared = GLOBAL if command is None or command.shared is None else command.shared  # demo: its own --dir
    expected = [f for o in shared + own if not o.hidden for f in o.flags] + ["--help"]
    assert words(complete(before, "-")) == expected
    for o in shared + own:
        if o.hidden:
            assert not set(o.flags) & set(words(complete(before, "-")))
            continue
        for flag in o.flags:
            argv = [*before, flag] + (["1d"] if o.metavar else [])
            try:
                parse(argv)
            except UsageError as exc:  # a missing argument is fine; an unknown option is not
                assert "unrecognized" not in str(exc), exc


def test_an_option_given_once_is_not_offered_again():
    assert "--dry-run" not in words(complete(["purge", "--dry-run"], "--"))
    assert "-n" not in words(complete(["purge", "-n"], "-"))


def test_option_values_come_from_the_spec():
    (older,) = [o for o in BY_NAME["purge"].options if o.flags[0] == "--older-than"]
    assert words(complete(["purge", "--older-than"], "")) == list(older.values)
    assert words(complete(["purge", "--older-than"], "1")) == [v for v in older.values if v.startswith("1")]
    assert words(complete(["purge"], "--older-than=7")) == ["--older-than=7d"]
    assert complete(["--dir"], "").kind == "dirs"
    assert complete(["list", "--dir"], "/t").kind == "dirs"
    assert complete(["list"], "--dir=/t").kind == "dirs"


def test_argument_choices_come_from_the_spec():
    assert words(complete(["init"], "")) == ["bash", "zsh", "fish"]
    assert words(complete(["init"], "z")) == ["zsh"]
    assert complete(["init", "zsh"], "").kind == "none"


def test_the_index_layout_is_the_cache_s():
    """catalog/ids.py reads the cache's table without importing it: the same magic, the same fields."""
    assert ids.TABLE_MAGIC == cache.TABLE_MAGIC
    assert [Row._fields[i] for i in (ids.ID, ids.TIMESTAMP, ids.COMPLETED, ids.PROJECT)] == [
        "session_id", "timestamp_ms", "completed", "project_dir"]
    assert MIN_PREFIX == select.MIN_PREFIX
    for directory in ("/tmp/recovery", "/tmp/-rec $(x) 'q\" \nx", "/tmp/é"):
        assert ids.base_path("/c", directory) == pieces.base_path("/c", directory)


# -- session ids -------------------------------------------------------------------


@pytest.fixture
def sessions(recovery):
    write(recovery, "aaaa1111-old", ts=NOW - 3 * DAY, project="/srv/old")
    write(recovery, "aaaa1112-new", ts=NOW - DAY, project="/srv/new project")
    write(recovery, "bbbb0000-done", ts=NOW, completed=True)
    write(recovery, "cccc2222-x", ts=NOW - 2 * DAY)
    return recovery


def test_no_index_no_ids_and_completion_does_not_make_one(sessions):
    assert complete(["resume"], "", default_dir=str(sessions)).items == []
    assert not len(ids.interrupted(paths.user_dirs_fast().cache, str(sessions)))  # still no index
    assert not (paths.user_dirs_fast().cache and os.path.exists(paths.user_dirs_fast().cache))


def test_ids_newest_first_as_unique_prefixes(sessions):
    index(sessions)
    found = complete(["resume"], "", default_dir=str(sessions))
    assert found.kind == "words"
    assert words(found) == ["aaaa1112", "cccc2222", "aaaa1111"]  # newest first; completed ones not offered
    assert found.items[0][1].endswith(", new project")
    assert words(complete(["discard"], "aaaa", default_dir=str(sessions))) == ["aaaa1112", "aaaa1111"]
    assert words(complete(["discard"], "aaaa1112", default_dir=str(sessions))) == ["aaaa1112-new"]  # then whole
    assert words(complete(["--dir", str(sessions), "discard"], "c")) == ["cccc2222"]  # --dir on the line wins
    assert words(complete(["discard", "aaaa1112"], "", default_dir=str(sessions))) == ["cccc2222", "aaaa1111"]
    assert complete(["restore"], "", default_dir=str(sessions)).items == []  # trash ids are not indexed


def test_each_offered_prefix_names_its_session(sessions):
    write(sessions, "aaaa11129", ts=NOW - 5 * DAY)  # shares 8 characters with aaaa1112-new
    index(sessions)
    catalog = scan(str(sessions))
    offered = words(complete(["resume"], "", default_dir=str(sessions)))
    assert "aaaa11129" in offered and "aaaa1112-" in offered
    for value in offered:
        assert select.one_session(catalog, value).session_id.startswith(value)


def test_a_discarded_file_is_not_offered(sessions):
    index(sessions)
    (sessions / "cccc2222-x_session_snapshot.json").unlink()  # the index does not know yet
    assert "cccc2222" not in words(complete(["resume"], "", default_dir=str(sessions)))


def test_the_kept_ids_follow_the_index_and_survive_damage(sessions):
    index(sessions)
    assert words(complete(["resume"], "", default_dir=str(sessions))) == ["aaaa1112", "cccc2222", "aaaa1111"]
    write(sessions, "dddd3333-newer", ts=NOW - DAY // 2)
    assert "dddd3333" not in words(complete(["resume"], "", default_dir=str(sessions)))  # not indexed yet
    index(sessions)
    assert words(complete(["resume"], "", default_dir=str(sessions)))[0] == "dddd3333"
    kept = ids.base_path(paths.user_dirs_fast().cache, str(sessions))
    for suffix in (".ids", ".ids-head"):
        with open(kept + suffix, "r+b") as f:
            f.seek(30)
            f.write(b"garbage")
    assert words(complete(["resume"], "d", default_dir=str(sessions))) == ["dddd3333"]
    assert words(complete(["resume"], "", default_dir=str(sessions)))[0] == "dddd3333"


def test_past_the_newest_when_they_cannot_be_offered(recovery):
    """An empty word reads the newest few only; when those are not enough, all of them."""
    for i in range(ids.HEAD + 2):  # the newest HEAD start with "-": only two can be offered before "--"
        sid = f"-{i:04}-dash" if i < ids.HEAD else f"x{i:04}-plain"
        write(recovery, sid, name=f"s{i}.json", ts=NOW - i * 60_000)
    index(recovery)
    first_plain = [f"x{ids.HEAD:04}-pl", f"x{ids.HEAD + 1:04}-pl"]
    assert words(complete(["resume"], "", default_dir=str(recovery))) == first_plain
    assert len(words(complete(["resume", "--"], "", default_dir=str(recovery)))) == MAX_IDS


def test_a_one_character_word_past_the_newest_when_they_match_too_few(recovery):
    """A one-character word is looked for among the newest first: the same answer either way."""
    older = MAX_IDS + 5
    for i in range(ids.HEAD + older):  # the newest HEAD start with "a", the older ones with "b"
        write(recovery, f"{'a' if i < ids.HEAD else 'b'}{i:06}", name=f"s{i}.json", ts=NOW - i * 60_000)
    index(recovery)
    newest_a = [f"a{i:06}" for i in range(MAX_IDS)]
    assert words(complete(["resume"], "a", default_dir=str(recovery))) == [w[:8] for w in newest_a]
    newest_b = [f"b{i:06}" for i in range(ids.HEAD, ids.HEAD + MAX_IDS)]
    assert words(complete(["resume"], "b", default_dir=str(recovery))) == [w[:8] for w in newest_b]
    assert words(complete(["resume"], "b0", default_dir=str(recovery))) == [w[:8] for w in newest_b]


HOSTILE = {
    "spaces in it": "spaces i",
    "it's \"quoted\"": "it's \"qu",
    "$(touch PWNED)`x`;|&": "$(touch ",
    "new\nline-and-more": "new",  # cut before the newline: 3 characters name nothing
    "newline-later\nx": "newline-",
    "tab\there": None,
    "-rf": None,  # would read as an option
    "--help": None,
    "\x1b[31mred": None,
}


def test_hostile_ids_are_offered_only_as_they_can_be_typed(recovery):
    for i, sid in enumerate(HOSTILE):
        write(recovery, sid, name=f"h{i}.json", ts=NOW - i * DAY)
    index(recovery)
    offered = words(complete(["resume"], "", default_dir=str(recovery)))
    assert offered == [v for v in HOSTILE.values() if v is not None and len(v) >= MIN_PREFIX]
    assert all(v.isprintable() and not v.startswith("-") for v in offered)
    after = words(complete(["discard", "--"], "-", default_dir=str(recovery)))
    assert after == ["-rf", "--help"]  # after "--" an id may start with "-"
    assert words(complete(["resume"], "newline-l", default_dir=str(recovery))) == ["newline-later"]


# -- bash: the line as bash reads it, replies as bash needs them -----------------

BREAKS = " \t\n\"'><=;|&(:"


@pytest.mark.parametrize("line,words_,current,region,state", [
    ("snaptui ", [], "", "", ""),
    ("snaptui dis", [], "dis", "dis", ""),
    ("snaptui --dir '/a b' resume i", ["--dir", "/a b", "resume"], "i", "i", ""),
    ("snaptui purge --older-than=1", ["purge"], "--older-than=1", "1", ""),
    ("snaptui resume 'it\\'", ["resume"], "it\\", "it\\", ""),  # a backslash is literal in '...'
    ("snaptui resume 'it", ["resume"], "it", "it", "'"),
    ('snaptui resume "a\\$b', ["resume"], "a$b", "a$b", '"'),
    ("snaptui resume a\\ b\\", ["resume"], "a b", "a b", ""),
    ("snaptui resume ab:c", ["resume"], "ab:c", "c", ""),
    ("snaptui resume ab'cd'e", ["resume"], "abcde", "abcde", ""),
    ("echo hi; snaptui x", ["x"][:0], "x", "x", ""),
    ("snaptui --dir $'/a\\nb\\x1b\\'c\\xc3\\xa9\\u00e9\\101\\q' resume i",
     ["--dir", "/a\nb\x1b'c\u00e9\u00e9A\\q", "resume"], "i", "i", ""),
    ("snaptui resume x$'\\ty", ["resume"], "x\ty", "\ty", "$'"),  # the cursor inside $'…'
    ("snaptui resume \\$'a'", ["resume"], "$a", "$a", ""),  # an escaped $ is a $, then 'a'
    ("snaptui resume $'\\x4'1", ["resume"], "\x041", "\x041", ""),  # one hex digit, then text
])
def test_bash_lines_split_as_bash_reads_them(line, words_, current, region, state):
    got = complete_words.split_bash(line, BREAKS)
    assert (got.words, got.current, got.region, got.state) == (words_, current, region, state)


HOSTILE_WORDS = ["plain", "a b", "it's", 'say "hi"', "$(touch PWNED)", "`x`", "a;b|c&d", "~user", "*?[x]",
                 "back\\slash", "new!hist", "a:b=c", "é ü", "{a,b}", "#x", "nl\nx", "esc\x1b]0;t\x07", "c1\x9b1m"]


@pytest.mark.parametrize("state", ["", "'", '"', "$'"])
def test_bash_replies_read_back_as_the_candidate(state, tmp_path):
    """Each reply, where readline puts it (after an open quote, which it then closes), is the candidate."""
    bash = require_tool("bash")
    script, expected = [], []
    for candidate in HOSTILE_WORDS:
        line = complete_words.split_bash("snaptui resume " + state, BREAKS)
        reply = complete_words.bash_reply(line, candidate)
        if reply is None:
            assert state == '"' and "!" in candidate
            continue
        assert reply.replace(" ", "").isprintable(), reply  # nothing raw inserted on the line
        script.append(f"printf '%s\\0' {state}{reply}{state[-1:]}")
        expected.append(candidate)
    out = subprocess.run([bash, "-c", "\n".join(script)], cwd=tmp_path, capture_output=True, timeout=30)
    assert out.stdout.decode().split("\0")[:-1] == expected
    assert list(tmp_path.iterdir()) == []  # nothing ran


def test_fish_tokens_lose_their_quotes():
    assert complete_words.fish_word("'it\\'s'") == "it's"
    assert complete_words.fish_word('"a\\$b"') == "a$b"
    assert complete_words.fish_word("a\\ b") == "a b"
    assert complete_words.fish_word("'open") == "open"


def test_the_hidden_command_prints_kind_then_candidates(cli, sessions):
    index(sessions)
    run = cli("--dir", str(sessions), "__complete", "fish", "--", "resume", "c")
    assert run.code == 0 and run.out.splitlines()[0] == "words"
    assert run.out.splitlines()[1].startswith("cccc2222\t")
    run = cli("__complete", "bash", "--", BREAKS, "snaptui purge --older-than=1")
    assert run.out.splitlines() == ["words", "1h", "12h", "1d", "14d"]
    run = cli("__complete", "zsh", "--", "--dir", "")
    assert run.out == "dirs\n"
    assert "__complete" not in cli("--help").out
    assert snaptui_command()


def test_ids_of_the_default_recovery_directory_are_offered(cli, isolated_home):
    """No --dir, no $SNAPTUI_RECOVERY_DIR, no recovery_dir in the config: the person's usual
    machine. The unset setting was looked up as a directory named "None"."""
    d = isolated_home / ".opendev" / "data" / "recovery"
    d.mkdir(parents=True)
    write(d, "dddd3333-default")
    assert cli("list").code == 0  # makes the index completion reads
    for shell, line in (("bash", [BREAKS, "snaptui resume "]), ("zsh", ["resume", ""]), ("fish", ["resume", ""])):
        run = cli("__complete", shell, "--", *line)
        assert run.code == 0 and "dddd3333" in run.out, (shell, run)


# -- opendev's store ---------------------------------------------------------------


def store_with_crashes(tmp_path, monkeypatch):
    """Two interrupted store sessions and a finished one ($OPENDEV_DIR), indexed as any
    earlier snaptui command leaves them."""
    import opendev_fixtures as fx
    from snaptui.catalog.store_survey import survey_store

    root = tmp_path / "opendev"
    project = tmp_path / "api-server"
    project.mkdir()
    minute = 60_000_000_000
    fx.died_mid_turn(root, str(project), sid="aaaa00001111", now_ns=fx.T0_NS)
    fx.stopped_with_error(root, str(project), sid="bbbb00002222", now_ns=fx.T0_NS + 30 * minute)
    fx.finished(root, str(project), sid="cccc00003333", now_ns=fx.T0_NS + 60 * minute)
    for p in root.rglob("*"):
        os.utime(p, (1_700_000_000, 1_700_000_000))
    monkeypatch.setenv("OPENDEV_DIR", str(root))
    survey_store((str(root),), paths.user_dirs_fast().cache)
    return root


def test_store_sessions_are_offered_whole_beside_snapshots_newest_first(tmp_path, monkeypatch):
    root = store_with_crashes(tmp_path, monkeypatch)
    recovery = tmp_path / "recovery"
    recovery.mkdir()
    write(recovery, "dddd0000-snapshot-newer", ts=NOW)
    index(recovery)
    found = complete(["resume", "--dir", str(recovery)], "")
    assert words(found) == ["dddd0000", "bbbb00002222", "aaaa00001111"]  # no finished one
    assert found.items[1][1].endswith("api-server")
    assert words(complete(["resume", "--dir", str(recovery)], "aa")) == ["aaaa00001111"]
    assert words(complete(["resume", "--dir", str(recovery), "--source", "snapshot"], "")) == ["dddd0000"]
    assert words(complete(["resume", "--dir", str(recovery), "--store", "off"], "")) == ["dddd0000"]
    assert words(complete(["resume", "--dir", str(recovery), "--source=opendev"], "")) == \
        ["bbbb00002222", "aaaa00001111"]
    assert words(complete(["discard", "--dir", str(recovery), "bbbb00002222"], "")) == ["dddd0000", "aaaa00001111"]
    for sid in ("aaaa00001111", "bbbb00002222"):  # each names its session
        (chosen,) = select.select(scan(str(recovery), store_roots=(str(root),)), [sid])
        assert chosen.session_id == sid


def test_a_dismissed_store_session_is_not_offered(cli, tmp_path, monkeypatch):
    store_with_crashes(tmp_path, monkeypatch)
    args = ("--dir", str(tmp_path / "none"))
    assert cli(*args, "discard", "--yes", "bbbb00002222").code == 0
    assert words(complete(["resume", *args], "")) == ["aaaa00001111"]


def test_a_snapshot_id_is_offered_long_enough_to_tell_it_from_a_store_id(tmp_path, monkeypatch):
    """A snapshot "aaaa00001111-x" and the store's "aaaa00001111": 8 characters name both."""
    store_with_crashes(tmp_path, monkeypatch)
    recovery = tmp_path / "recovery"
    recovery.mkdir()
    write(recovery, "aaaa00001111-snapshot", ts=NOW)
    index(recovery)
    offered = words(complete(["resume", "--dir", str(recovery)], "aaaa"))
    assert offered == ["aaaa00001111-", "aaaa00001111"]


def test_store_ids_restate_the_reader_s_table(tmp_path, monkeypatch):
    """store_ids reads the store's table without its readers: the path, magic and layout it
    restates are the reader's."""
    from snaptui.catalog import store_ids, store_survey
    from snaptui.sources import opendev

    assert store_ids.TABLE_MAGIC == store_survey.MAGIC
    assert store_ids.table_path("/c", ("/a", "/b")) == store_survey.cache_path("/c", ("/a", "/b"))
    assert opendev.Facts._fields[store_ids.LOST] == "lost" and opendev.Facts._fields.index("lost") == store_ids.LOST
    assert opendev.StoreFile._fields[1] == "stat" and opendev.__dict__["Stat"]._fields[store_ids.MTIME] == "mtime_ns"
    root = store_with_crashes(tmp_path, monkeypatch)
    found, every = store_ids.interrupted(paths.user_dirs_fast().cache, (str(root),))
    records = [s for s in scan(str(tmp_path / "none"), store_roots=(str(root),)).incomplete]
    assert [(w, sid) for w, sid, _, _ in found] == [(s.timestamp_ms, s.session_id) for s in records]
    assert every == ["aaaa00001111", "bbbb00002222", "cccc00003333"]
