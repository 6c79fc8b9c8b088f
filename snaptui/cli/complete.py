"""``snaptui __complete SHELL -- ...``: tab completion, made from the command line's spec.

The shell functions of ``snaptui init`` call this hidden command at every
Tab press; it reads :mod:`snaptui.cli.spec` the way :mod:`snaptui.cli.parse`
does, so completion cannot drift from the parser: commands, options (not
the hidden ones), option values (``Opt.values``; directories for ``--dir``),
an argument's ``choices``, and for ``Arg.ids`` arguments the interrupted
sessions' ids, newest first, each as the shortest prefix that names it
(8 characters at least, as ``snaptui list`` shows them), whole once that
much is typed.

Ids come from the catalog's indexes alone (:mod:`snaptui.catalog.ids`, and
:mod:`snaptui.catalog.store_ids` for opendev's store, whose sessions are
offered by their whole id, less the dismissed ones): never a scan; no index,
no ids. An id is offered only where it reads as that id: up to its first
control character at most (a newline cannot be typed back), and only when
that much still names it among both sources; one starting with ``-`` only
after ``--``. zsh and fish quote what they insert; bash gets replies already
quoted (:mod:`snaptui.cli.complete_words`).

Output: a first line saying what to complete (``words``, ``dirs``: the
shell's own directory completion, or ``none``), then one candidate per line,
for zsh and fish ``value<TAB>description``. Like the check, this runs on the
startup path: no typing, re, json, argparse, pydantic or Textual.
"""

from __future__ import annotations

import os
import sys

from snaptui.cli.parse import Parsed
from snaptui.cli.spec import BY_NAME, Command, Opt, options_of

TYPE_CHECKING = False  # not typing's: completion runs at every Tab press
if TYPE_CHECKING:
    from snaptui.catalog.ids import Interrupted
    from snaptui.settings.paths import Dirs

MAX_IDS = 50
"""The newest this many matching sessions are offered (under bash's 100, past which it asks first)."""
SHOWN = 8
"""An id is offered with at least this many characters (the list's ID column)."""
MIN_PREFIX = 4
""":data:`snaptui.cli.select.MIN_PREFIX`: a shorter prefix names nothing."""
HEAD_PREFIX = 1
"""Words up to this long are looked for among the newest sessions first (``ids.HEAD`` of
them: a hex character matches one id in 16); a longer one matches too few there."""


class Found:
    """What to complete the current word with."""

    __slots__ = ("kind", "items")

    def __init__(self, kind: str = "none", items: list[tuple[str, str]] | None = None) -> None:
        self.kind = kind
        """``words``, ``dirs`` or ``none``."""
        self.items: list[tuple[str, str]] = items or []
        """``(value, description)``: each value starts with the current word."""


def _find(name: str, options: tuple[Opt, ...]) -> Opt | None:
    return next((o for o in options if name in o.flags), None)


def complete(words: list[str], current: str, *, default_dir: str | None = None, describe: bool = True) -> Found:
    """Candidates for ``current`` after ``words`` (the words after the program's name, unquoted);
    ``describe``: say what each session is (bash shows no descriptions)."""
    command: Command | None = None
    positionals: list[str] = []
    used: set[str] = set()
    given: dict[str, str] = {"dir": default_dir} if default_dir is not None else {}
    """The values of --dir, --store and --source on the line: where the ids come from."""
    expect: Opt | None = None
    done = False
    for word in words:
        if expect is not None:
            given[expect.dest] = word
            expect = None
            continue
        if done or not word.startswith("-") or word == "-":
            if command is None and not positionals:
                command = BY_NAME.get(word)
                if command is None or command.hidden:
                    return Found()
            else:
                positionals.append(word)
            continue
        if word == "--":
            done = True
            continue
        name, eq, value = word.partition("=")
        opt = _find(name, options_of(command))
        if opt is None:
            continue
        used.update(opt.flags)
        if opt.metavar is not None and not eq:
            expect = opt
        elif eq:
            given[opt.dest] = value
    if expect is not None:
        return _values(expect, current, "")
    if not done and current.startswith("-"):
        name, eq, value = current.partition("=")
        opt = _find(name, options_of(command)) if eq else None
        if opt is not None and opt.metavar is not None:
            return _values(opt, value, name + "=")
        flags = [(f, o.help) for o in options_of(command) if not o.hidden and not used.intersection(o.flags)
                 for f in o.flags]
        flags.append(("--help", "show the help and exit"))
        return Found("words", [(f, h) for f, h in flags if f.startswith(current)])
    if command is None:
        if positionals:
            return Found()
        return Found("words", [(c.name, c.summary) for c in BY_NAME.values()
                               if not c.hidden and c.name.startswith(current)])
    arg = next((a for i, a in enumerate(command.args) if a.many in "*+" or i == len(positionals)), None)
    if arg is None:
        return Found()
    if arg.choices:
        return Found("words", [(c, "") for c in arg.choices if c.startswith(current)])
    if arg.ids:
        return Found("words", _ids(current, given, positionals, done, describe))
    return Found()


DIRECTORIES = ("dir", "store", "cd")
"""Options whose value is a directory: the shell completes those itself."""


def _values(opt: Opt, current: str, prefix: str) -> Found:
    if opt.dest in DIRECTORIES:
        return Found("dirs")
    return Found("words", [(prefix + v, "") for v in opt.values if v.startswith(current)])


def _ids(current: str, given: dict[str, str], typed: list[str], options_done: bool,
         describe: bool) -> list[tuple[str, str]]:
    """The interrupted sessions' ids that ``current`` may start, newest first, from the
    indexes alone: the recovery directory's and opendev's store's (``given``: the line's
    --dir, --store and --source)."""
    from snaptui.catalog import ids as index
    from snaptui.settings import paths

    source = given.get("source")
    try:
        dirs = paths.user_dirs_fast()
        settings: dict[str, object] = {}

        def setting(name: str) -> str | None:
            if not settings:
                from snaptui.settings import config

                settings.update(config.load_fast(paths.config_file(dirs), dirs.cache))
            value = settings[name]
            return None if value is None else str(value)  # (an unset recovery_dir is None, not "None")

        cli_dir = given.get("dir")
        configured = setting("recovery_dir") if cli_dir is None and not os.environ.get(paths.RECOVERY_ENV) else None
        directory, _ = paths.recovery_dir(cli_dir, configured)
        roots: tuple[str, ...] = ()
        if source != "snapshot":
            from snaptui.catalog import store_ids as store_index

            if store_index.any_table(dirs.cache):
                from snaptui.sources.opendev_roots import store_roots

                roots = store_roots(given.get("store") or setting("opendev_store") or "auto")
        stored, store_ids = _store(dirs, roots)
        known = index.interrupted(dirs.cache, directory, newest=len(current) <= HEAD_PREFIX) \
            if source != "opendev" else None
    except Exception:  # a config mistake, an unreadable index: completion offers nothing, quietly
        return []
    import time

    now = time.time_ns() // 1_000_000 if describe else None
    out: list[tuple[int, str, str]] = []
    try:
        if known is not None:
            _offer(known, current, directory, typed, options_done, now, store_ids, out)
            if known.partial and len(out) < MAX_IDS:  # the newest were not enough: all of them
                out.clear()
                _offer(index.interrupted(dirs.cache, directory), current, directory, typed, options_done, now,
                       store_ids, out)
    except (ValueError, IndexError):  # columns that do not match: offer what was found
        pass
    _offer_stored(stored, current, typed, options_done, now, out)
    out.sort(key=lambda c: -c[0])  # both sources by time, each already newest first (a stable sort)
    return [(value, description) for _, value, description in out[:MAX_IDS]]


def _store(dirs: Dirs, roots: tuple[str, ...]) -> tuple[list[tuple[int, str, str, str]], list[str]]:
    """The store's interrupted sessions its index knows, less those dismissed, and every id it holds."""
    if not roots:
        return [], []
    from snaptui.catalog import dismissed, store_ids

    stored, every = store_ids.interrupted(dirs.cache, roots)
    if stored:
        gone = dismissed.load(dirs.state)
        stored = [s for s in stored if gone.get("opendev:" + s[2]) != s[0]]
    return stored, every


def _offer(known: Interrupted, current: str, directory: str, given: list[str], options_done: bool,
           now: int | None, store_ids: list[str], out: list[tuple[int, str, str]]) -> None:
    """Append to ``out`` what ``known`` offers for ``current`` (described when ``now`` is given):
    ``(time, value, description)``. An id is offered at least as long as it must be to tell it
    from the store's ids too (``store_ids``, sorted)."""
    from snaptui.catalog.ids import unique_length

    offered: set[str] = set()
    for i, sid in known.matching(current):
        if sid.startswith("-") and not options_done:
            continue  # it would read as an option
        name = known.name(i, sid)
        if _on_the_line(sid, name, given):
            continue
        need = max(known.need(i), unique_length(sid, store_ids)) if store_ids else known.need(i)
        shown = max(need, SHOWN)
        value = sid if len(current) >= shown else sid[:shown]
        if not value.isprintable():  # a newline cannot be typed back: offer what comes before it
            value = sid[:next(n for n, c in enumerate(sid) if not c.isprintable())]
            if len(value) < max(need, MIN_PREFIX) or not value.startswith(current):
                continue  # that would not name it
        if value in offered or not os.path.lexists(os.path.join(directory, name)):
            continue  # a copy of the same session, or a file discarded since it was indexed
        offered.add(value)
        when = known.timestamp_ms(i)
        out.append((when, value, _describe(when, known.project(i), now)))
        if len(out) == MAX_IDS:
            break


def _offer_stored(stored: list[tuple[int, str, str, str]], current: str, given: list[str], options_done: bool,
                  now: int | None, out: list[tuple[int, str, str]]) -> None:
    """Append the store's sessions ``current`` starts, each as its whole id (opendev's are 12
    characters: no prefix to work out against the other ids); one a snapshot already offers
    (the same session) once."""
    offered = {value for _, value, _ in out}
    for when, sid, path, project in stored:
        if not sid.startswith(current) or not sid.isprintable() or sid in offered:
            continue
        if sid.startswith("-") and not options_done:
            continue
        if _on_the_line(sid, path, given):
            continue
        if not os.path.lexists(path):
            continue  # gone since it was indexed
        offered.add(sid)
        out.append((when, sid, _describe(when, project, now)))


def _on_the_line(sid: str, name: str, given: list[str]) -> bool:
    """Whether one of the words already typed names this session (its id, a prefix of it
    long enough to name it, or its file)."""
    return any(sid == g or name == g or (len(g) >= MIN_PREFIX and sid.startswith(g)) for g in given)


def _describe(when: int, project: str, now: int | None) -> str:
    """``2 hours ago, api-server`` (nothing when the shell shows no descriptions)."""
    if now is None:
        return ""
    where, age = _one_line(project)[:40], _ago(when, now)
    return f"{age}, {where}" if where else age


def run_complete(args: Parsed) -> int:
    """``snaptui __complete SHELL -- WORDS... CURRENT`` (bash: ``-- COMP_WORDBREAKS LINE``)."""
    from snaptui.cli import complete_words as cw

    shell, given = args.shell, list(args.words)
    bash = None
    if shell == "bash":
        if len(given) != 2:
            return 2
        bash = cw.split_bash(given[1], given[0])
        words, current = bash.words, bash.current
    else:
        if not given:
            return 2
        words, current = given[:-1], given[-1]
        if shell == "fish":
            words, current = [cw.fish_word(w) for w in words], cw.fish_word(current)
    found = complete(words, current, default_dir=args.dir, describe=bash is None)
    lines = [found.kind]
    for value, description in found.items:
        if bash is not None:
            reply = cw.bash_reply(bash, value)
            if reply is not None:
                lines.append(reply)
        else:
            lines.append(f"{value}\t{_one_line(description)}" if description else value)
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _one_line(text: str) -> str:
    """Text for a description: control characters become spaces (a tab or newline would end it)."""
    if not text.isprintable():
        text = "".join(c if c.isprintable() else " " for c in text)
    return text[:80]


def _ago(ts_ms: int, now_ms: int) -> str:
    """A short age for a description (humanize would cost more than the whole completion)."""
    seconds = (now_ms - ts_ms) // 1000
    if seconds < 0:
        return "in the future"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return "just now"
