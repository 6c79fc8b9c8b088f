"""opendev's own session store: where a crash really leaves the lost turn.

opendev 0.1.8 never writes crash-recovery snapshots (OPENDEV_STORE.md §0). It
keeps each session in ``{root}/projects/<encoded project>/`` (§1; the roots
are :mod:`opendev_roots`): ``{id}.json`` (metadata, §2) and ``{id}.jsonl``
(the transcript, §3) are written only when a turn ends, while ``{id}.debug``
(§4) is appended live. So:

- A session is **interrupted** when its ``.debug`` has an ``llm_request``,
  ``llm_response`` or ``llm_error`` entry newer than the newest timestamp of
  the ``.jsonl`` (any entry, when opendev would load no message: no ``.jsonl``
  or an empty one, and no messages in the ``.json``, as a crash between the
  two renames of a first save leaves it), or when there is a ``.debug`` and
  no ``.json`` (a first turn that never ended). It **stopped with an error** when the last such entry of the main
  agent is an ``llm_error``, else it died (``"exit"``). When it stopped is
  that entry's ``ts``; what it lost is read from the log (:mod:`debuglog`).
- Sessions are ``*.json`` minus ``sessions-index.json``, ``file-history.json``
  and dot-files (§1, "Files in a project folder"), plus ``*.debug`` files
  without a ``.json``; a ``.json`` whose ``id`` is not its file name is
  damaged (§1, "To list sessions"). The project directory is the folder's
  ``OPENDEV_PROJECT_PATH`` marker, exactly as written (§0: the folder name is
  a lossy encoding, never decoded); a session in a folder without a usable
  marker cannot be resumed, so it is listed as damaged with the reason.
- opendev records no cost (§3), so ``cost_usd`` is None.

The work is split for the catalog's cache: :func:`discover` only lists and
stats (reading nothing but the small marker), :func:`read_session` reads the
files and returns plain values (a tuple, or a reason string), a pure function
of the files' contents that the catalog keeps keyed by
:attr:`StoreSession.cache_key`, and :func:`to_records` makes the records.
Nothing here writes, and only regular files are opened, without blocking;
symlinks are followed (and marked), like the recovery directory's. No path is
built from anything read inside a file.
"""

from __future__ import annotations

import errno
import os

from snaptui.base.files import (
    Stat,
    StatFailed,
    Unreadable,
    directory_problem,
    file_stat,
    read_bounded,
    reason_not_regular,
    reason_os_error,
)
from snaptui.base.named import NamedTuple  # typing's, without importing typing
from snaptui.sources.debuglog import DebugFacts, read_debug
from snaptui.sources.opendev_common import ms, ts_ns
from snaptui.sources.opendev_jsonl import (
    TranscriptFacts,
    facts_from_messages,
    read_transcript,
)
from snaptui.sources.opendev_layout import MARKER, ids_in, project_folders
from snaptui.sources.records import DamagedFile, Identity, LastTool, LostTurn, Session

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import TypeVar

    T = TypeVar("T")

SOURCE = "opendev"
MARKER_MAX = 64 * 1024
JSON_MAX = 64 * 1024 * 1024
"""A ``.json`` is a few KiB (its messages live in the ``.jsonl``); a legacy all-in-one file can be larger."""

VALUE_VERSION = 7
"""First element of every :func:`read_session` tuple: a value cached by an older layout, or read
by older rules (5: a timestamp in a form chrono refuses was taken; 6: a half-written transcript
line was counted as a message), is not used."""


class StoreFile(NamedTuple):
    """One file of a session as listed: its path, :func:`file_stat` (symlinks followed), whether it is a link."""

    path: str
    stat: Stat | StatFailed
    is_link: bool

    @property
    def identity(self) -> Identity | None:
        st = self.stat
        return st.identity if isinstance(st, Stat) and st.regular else None

    @property
    def problem(self) -> str | None:
        """Why this file is not to be opened (None: a regular file)."""
        st = self.stat
        if isinstance(st, StatFailed):
            return reason_os_error(OSError(st.errno, os.strerror(st.errno)), self.is_link)
        return None if st.regular else reason_not_regular(st.mode)


class StoreSession(NamedTuple):
    """A session's files in one project folder, as :func:`discover` found them."""

    session_id: str
    folder: str
    project_dir: str | None
    folder_problem: str | None
    """Why the folder's project directory is unknown (its marker is missing or unusable)."""
    json: StoreFile | None
    jsonl: StoreFile | None
    debug: StoreFile | None

    @property
    def main(self) -> StoreFile:
        """The file that stands for the session: the ``.json``, else the ``.debug``."""
        main = self.json or self.debug
        assert main is not None  # discover() makes no session without either
        return main

    @property
    def cache_key(self) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None, tuple[int, ...] | None]:
        """What :func:`read_session`'s value depends on: the three files' stats, as plain tuples."""
        return (
            None if self.json is None else tuple(self.json.stat),
            None if self.jsonl is None else tuple(self.jsonl.stat),
            None if self.debug is None else tuple(self.debug.stat),
        )


class StoreProblem(NamedTuple):
    """A root or folder that could not be listed."""

    path: str
    reason: str


class Discovery(NamedTuple):
    sessions: tuple[StoreSession, ...]
    problems: tuple[StoreProblem, ...]


class Facts(NamedTuple):
    """The layout of :func:`read_session`'s tuple (stored as a plain tuple)."""

    version: int
    title: str | None
    message_count: int
    saved_ms: int | None
    """The transcript's newest timestamp, else the ``.json``'s ``updated_at``."""
    last_tool: tuple[str, bool] | None
    failures: int
    tool_names: tuple[str, ...]
    last_prompt: str | None
    last_reply: str | None
    lost: tuple[int | None, str, str | None, str | None, tuple[tuple[str, str], ...],
                 int | None, int | None, int | None, tuple[str, ...]] | None
    """None, or ``(stopped_at_ms, stopped_by, error, prompt, pending_tools,
    input_tokens, output_tokens, turn_started_ms, edited_paths)``."""


SessionValue = tuple[object, ...] | str
"""What :func:`read_session` returns: a plain :class:`Facts` tuple, or why the session is damaged."""


# -- discovery ---------------------------------------------------------------


Listed = dict[str, list[tuple[object, ...]]]
"""Project folders' entries as already listed and stat'ed, by the folder's path: ``(name,
is_link, mode, dev, ino, size, mtime_ns, ctime_ns)``, or ``(name, is_link, errno)`` for a
stat that failed (:func:`snaptui.catalog.storeprint.fingerprint` makes them)."""


def discover(roots: Iterable[str], listed: Listed | None = None) -> Discovery:
    """Every session under ``roots``: listings and stats only (and each folder's small marker);
    a folder in ``listed`` is taken as listed there, not listed and stat'ed again."""
    sessions: list[StoreSession] = []
    problems: list[StoreProblem] = []
    for root in roots:
        projects = os.path.join(root, "projects")
        try:
            folders = project_folders(root)
        except FileNotFoundError:
            if not os.path.isdir(root):
                problems.append(StoreProblem(root, "does not exist"))
            continue
        except OSError as exc:
            problems.append(StoreProblem(projects, directory_problem(exc)))
            continue
        except ValueError:  # a NUL in the configured path
            problems.append(StoreProblem(root, "cannot be read: the path holds a NUL byte"))
            continue
        for folder in folders:
            _discover_folder(folder, sessions, problems, None if listed is None else listed.get(folder))
    return Discovery(tuple(sessions), tuple(problems))


def _discover_folder(folder: str, sessions: list[StoreSession], problems: list[StoreProblem],
                     entries: list[tuple[object, ...]] | None) -> None:
    stats: dict[str, Stat | StatFailed] | None = None
    if entries is not None:
        links: dict[str, bool] = {e[0]: e[1] for e in entries}  # type: ignore[misc]
        stats = {e[0]: Stat(*e[2:]) if len(e) == 8 else StatFailed(e[2])  # type: ignore[misc, arg-type]
                 for e in entries}
    else:
        try:
            with os.scandir(folder) as it:
                links = {e.name: e.is_symlink() for e in it}
        except OSError as exc:
            problems.append(StoreProblem(folder, directory_problem(exc)))
            return
    ids = ids_in(links)
    if not ids:
        return
    project_dir, problem = _marker(folder, links, stats)
    for sid in sorted(ids):
        files = [_store_file(folder, sid + ext, links, stats) for ext in (".json", ".jsonl", ".debug")]
        if files[0] is None and files[2] is None:
            continue  # vanished since the listing
        sessions.append(StoreSession(sid, folder, project_dir, problem, *files))


def _store_file(folder: str, name: str, links: dict[str, bool], stats: dict[str, Stat | StatFailed] | None
                ) -> StoreFile | None:
    if name not in links:
        return None
    path = os.path.join(folder, name)
    st = file_stat(path) if stats is None else stats[name]
    if isinstance(st, StatFailed) and st.errno == errno.ENOENT and not links[name]:
        return None
    return StoreFile(path, st, links[name])


def _marker(folder: str, links: dict[str, bool], stats: dict[str, Stat | StatFailed] | None
            ) -> tuple[str | None, str | None]:
    """The folder's project directory, exactly as opendev wrote it, or why it is unknown."""
    if MARKER not in links:
        return None, f"no {MARKER} marker in the project folder"
    path = os.path.join(folder, MARKER)
    marker = StoreFile(path, file_stat(path) if stats is None else stats[MARKER], links[MARKER])
    if marker.problem is not None:
        return None, f"{MARKER}: {marker.problem}"
    try:
        _, data = read_bounded(path, MARKER_MAX)
    except Unreadable as exc:
        return None, f"{MARKER}: {exc}"
    except OSError as exc:
        return None, f"{MARKER}: {reason_os_error(exc, marker.is_link)}"
    if b"\0" in data:
        return None, f"{MARKER} holds a NUL byte"
    text = os.fsdecode(data)  # undecodable bytes survive the round trip to a path
    if not text:
        return None, f"{MARKER} is empty"
    return text, None  # a relative one ("opendev -d ."): listed as it is, and resumed where the person says


# -- reading -----------------------------------------------------------------


def known_reason(s: StoreSession) -> str | None:
    """Why the session is damaged, known from discovery alone (then there is nothing to read)."""
    for f in (s.json, s.jsonl, s.debug):
        if f is not None and f.problem is not None:
            return _about(s, f, f.problem)
    return None


def _about(s: StoreSession, f: StoreFile, reason: str) -> str:
    """A reason about ``f``, naming it when it is not the file the session is listed under."""
    return reason if f is s.main else f"{os.path.basename(f.path)}: {reason}"


def read_session(s: StoreSession) -> SessionValue:
    """Read the session's files: a plain :class:`Facts` tuple, or a one-line reason it is damaged."""
    known = known_reason(s)
    if known is not None:
        return known
    title: str | None = None
    updated_ns: int | None = None
    legacy: list[object] = []
    if s.json is not None:
        doc = _read_json(s, s.json)
        if isinstance(doc, str):
            return doc
        meta = doc.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("title"), str):
            title = meta["title"]
        updated_ns = ts_ns(doc.get("updated_at"))
        messages = doc.get("messages")
        legacy = messages if isinstance(messages, list) else []
    transcript: TranscriptFacts | None = None
    if s.jsonl is not None:
        got = _guarded(s, s.jsonl, read_transcript)
        if isinstance(got, str):
            return got
        transcript = got
    if legacy and (transcript is None or transcript.message_count == 0):
        transcript = facts_from_messages(legacy)  # §3: opendev falls back to the inline messages
    # What opendev would load of it ends here: its transcript's newest stamp (§3: no transcript,
    # or an empty one, and it loads the .json's messages). None: it would load no turn at all,
    # as after a crash between the two renames of a first save (§1: the .json goes first),
    # so every turn in the log is lost, whatever the .json's updated_at says.
    saved_ns = transcript.newest_ns if transcript is not None and transcript.message_count else None
    debug: DebugFacts | None = None
    if s.debug is not None:
        cutoff = saved_ns
        got_debug = _guarded(s, s.debug, lambda path: read_debug(path, cutoff))
        if isinstance(got_debug, str):
            return got_debug
        if s.json is None and got_debug.last_ns is None:
            return "no usable entry (the log is empty)"  # and no .json: nothing at all to show
        debug = got_debug
    lost = None
    if debug is not None and (debug.lost or s.json is None):
        lost = (ms(debug.last_ns), debug.stopped_by, debug.error, debug.prompt, debug.pending,
                debug.input_tokens, debug.output_tokens, ms(debug.turn_started_ns), debug.edited)
    t = transcript
    return tuple(Facts(
        VALUE_VERSION, title, t.message_count if t else 0, ms(saved_ns if saved_ns is not None else updated_ns),
        t.last_tool if t else None,
        t.failures if t else 0, t.tool_names if t else (), t.prompt if t else None, t.reply if t else None, lost,
    ))


def _read_json(s: StoreSession, f: StoreFile) -> dict[str, object] | str:
    import orjson

    data = _guarded(s, f, lambda path: read_bounded(path, JSON_MAX)[1])
    if isinstance(data, str):
        return data
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        return "not valid JSON"
    if not isinstance(doc, dict):
        return "not a JSON object"
    sid = doc.get("id")
    if sid is None:
        return "no id"
    if not isinstance(sid, str):
        return "its id is not a string"
    if sid != s.session_id:
        return f"id {sid} does not match the file name"
    return doc


def _guarded(s: StoreSession, f: StoreFile, read: Callable[[str], T]) -> T | str:
    """``read(path)``, or why it failed (an exception, or a reason it returned) naming the file."""
    try:
        got = read(f.path)
    except Unreadable as exc:
        return _about(s, f, str(exc))
    except OSError as exc:
        if exc.errno == errno.ENOENT and not f.is_link:
            return _about(s, f, "vanished while being read")
        return _about(s, f, reason_os_error(exc, f.is_link))
    return _about(s, f, got) if isinstance(got, str) else got


# -- records -----------------------------------------------------------------


def is_current(value: object) -> bool:
    """Whether a (cached) value has the layout this version of :func:`to_records` reads."""
    return isinstance(value, str) or (
        isinstance(value, tuple) and len(value) == len(Facts._fields) and value[0] == VALUE_VERSION)


def to_records(s: StoreSession, value: SessionValue | None) -> Session | DamagedFile:
    """The record for a session. ``value`` is :func:`read_session`'s; it may be
    None when the folder's marker or :func:`known_reason` already make it damaged.
    Raises ValueError for a value that is not :func:`is_current`."""
    main = s.main
    reason = s.folder_problem or known_reason(s) or (value if isinstance(value, str) else None)
    if reason is not None:
        ident = main.identity
        return DamagedFile(f"{SOURCE}:{main.path}", SOURCE, main.path, os.path.basename(main.path), reason,
                           ident[2] if ident else 0, ident[3] if ident else 0, _any_link(s))
    if value is None or not is_current(value):
        raise ValueError("not a current read_session() value")
    f = Facts(*value)
    identity = main.identity
    assert identity is not None  # known_reason() is None: main is a regular file
    lost = None if f.lost is None else _lost_turn(f, os.path.dirname(os.path.dirname(s.folder)))
    pending = lost.pending_tools if lost else ()
    if lost is not None:
        when = f.lost[0] if f.lost and f.lost[0] is not None else identity[3] // 1_000_000
    else:
        when = f.saved_ms if f.saved_ms is not None else identity[3] // 1_000_000
    last_tool = (LastTool(pending[-1][0], None) if pending
                 else LastTool(*f.last_tool) if f.last_tool else None)
    names = dict.fromkeys([*f.tool_names, *(name for name, _ in pending)])
    return Session(
        key=f"{SOURCE}:{main.path}", source=SOURCE, path=main.path, name=os.path.basename(main.path),
        identity=identity, is_link=_any_link(s), session_id=s.session_id, project_dir=s.project_dir or "",
        timestamp_ms=when, completed=lost is None, message_count=f.message_count, cost_usd=None,
        last_tool=last_tool, failures=f.failures, tool_names="\n".join(names), title=f.title, lost_turn=lost,
        written_ms=_last_write_ms(s),
    )


def _last_write_ms(s: StoreSession) -> int | None:
    """The newest mtime of the session's files (the live ``.debug``, usually)."""
    times = [ident[3] for sf in (s.json, s.jsonl, s.debug) if sf is not None and (ident := sf.identity) is not None]
    return max(times) // 1_000_000 if times else None


def _lost_turn(f: Facts, data_root: str) -> LostTurn:
    assert f.lost is not None
    _, stopped_by, error, prompt, pending, tokens_in, tokens_out, started_ms, edited = f.lost
    return LostTurn(prompt=prompt, stopped_by=stopped_by, error=error, pending_tools=pending,
                    input_tokens=tokens_in, output_tokens=tokens_out, turn_started_ms=started_ms,
                    edited_paths=edited, last_turn_prompt=f.last_prompt, last_turn_reply=f.last_reply,
                    data_root=data_root)


def _any_link(s: StoreSession) -> bool:
    return any(f.is_link for f in (s.json, s.jsonl, s.debug) if f is not None)


def problem_record(p: StoreProblem) -> DamagedFile:
    """A root or folder that could not be listed, as a record the catalog can show."""
    return DamagedFile(f"{SOURCE}:{p.path}", SOURCE, p.path, os.path.basename(p.path.rstrip("/")) or p.path,
                       p.reason)

