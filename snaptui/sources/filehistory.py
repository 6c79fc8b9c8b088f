"""What the interrupted turn did to the project's files, from opendev's per-turn checkpoints.

Before each Edit, Write or multi_edit, opendev copies the file to
``{data}/file-history/{session_id}/{path_hash}@v{N}``; a file that does not
exist yet gets no copy. Only when a turn ENDS does it list the turn's copies
in ``manifest.json`` (OPENDEV_STORE.md §5.1). So a copy the manifest does not
list, of a path the interrupted turn was editing, is that file as it was
before the turn; comparing it with the file now says what the turn did.

Which copy is "before". opendev copies a path at most once per turn (its
capture dedups by hash), so the interrupted turn left at most one copy per
path. Other unlisted copies can exist: an earlier turn that failed with an
error is never listed, and a crashed process's copies stay behind when the
resumed process (which reloads ``next_version`` from the manifest) does not
reuse their numbers. The version number alone cannot tell them apart (a
resumed process overwrites the OLDEST orphan number; an error turn in the
same process leaves a LOWER one). Two facts can: a copy numbered below the
manifest's ``next_version`` for its path was made before the last finished
turn was saved; and a copy is written when it is taken (``std::fs::copy``
does not carry the mtime over), so one older than the turn's start belongs
to an earlier turn. Of the copies left, the earliest written is the state
before the turn; when the turn's start is unknown, the most recently written
one is taken, with a note.

"created" is claimed only on firm evidence: the session's checkpoint folder
exists (opendev creates it before looking at the file, so capture ran), no
copy from this turn exists for the path, and the file is a regular file
whose mtime AND ctime are both at or after the turn's start (a file that
merely has a future mtime, or was only touched, does not pass), and whose
mtime is no later than a minute after the session last wrote its log (a file
a person made after the crash is not the turn's). Anything weaker is
"unknown", which rollback never touches.

Everything read is hostile until checked (see :mod:`snaptui.sources.checkpoints`).
A problem with the session's checkpoints makes every path "unknown" with the
reason; a problem with one file makes that file "unknown". Only regular
files are opened, never through a symlink in the checkpoint folder.
"""

from __future__ import annotations

import os
import stat as _stat
from collections.abc import Sequence
from typing import NamedTuple

from snaptui.base import filedigest
from snaptui.base.files import reason_not_regular, reason_os_error, reason_too_large
from snaptui.sources import checkpoints
from snaptui.sources.checkpoints import Folder, Refused, absolute, path_hash
from snaptui.sources.records import Identity

DIFF_LIMIT = 1 << 20
"""Files up to this size are kept in memory for a diff; larger ones get none (rollback still copies them)."""
COMPARE_LIMIT = 2 << 30
"""Files over this size are not hashed (minutes of reading): such a path is "unknown"."""
MAX_PATHS = 1_000
"""At most this many distinct paths of one turn are looked at."""


class Seen(NamedTuple):
    """A file's content as it was looked at: what a rollback checks again before touching anything."""

    identity: Identity
    """``(device, inode, size, mtime_ns)`` of what was read (``fstat`` of the open file)."""
    sha256: str
    mode: int
    """``st_mode`` (rollback keeps a file's permission bits)."""
    data: bytes | None
    """The whole content when it is at most the diff limit, else None."""
    binary: bool
    """A NUL byte in it (in its first 64 KiB when it is too large to keep)."""


class FileChange(NamedTuple):
    """One file the interrupted turn changed, or may have."""

    path: str
    """Absolute, as opendev made it: the ``file_path`` argument joined onto the project folder, not normalised."""
    relative: str
    """``path`` relative to the project folder when under it (by its text), else ``path`` itself."""
    change: str
    """``"modified"``, ``"created"``, ``"deleted"`` or ``"unknown"``."""
    reason: str
    """One line: why this verdict (for "unknown": what is missing or wrong)."""
    backup: str | None
    """The backup holding the file as it was before the turn."""
    size: int | None
    """Size of the file now (None: gone, or not a regular file)."""
    backup_size: int | None
    binary: bool
    current: Seen | None
    """The file now, as read (None: gone, or not read)."""
    before: Seen | None
    """The backup, as read."""
    notes: tuple[str, ...] = ()
    path_hash: str = ""


class TurnFiles(NamedTuple):
    """Everything found about the files of one interrupted turn."""

    session_id: str
    project_dir: str
    checkpoint_dir: str
    changes: tuple[FileChange, ...]
    """In the order the turn named the paths; files back to their backup are not here."""
    untouched: tuple[tuple[str, str], ...]
    """``(path, why)`` of each path the turn named that shows no change."""
    problem: str | None
    """Why the checkpoints as a whole could not be used (then every change is "unknown")."""
    notes: tuple[str, ...]


def relative(path: str, project_dir: str) -> str:
    """``path`` without the project folder in front, by its text; ``path`` when it is not under it."""
    prefix = project_dir if project_dir.endswith("/") else project_dir + "/"
    return path[len(prefix):] if path.startswith(prefix) and len(path) > len(prefix) else path


AFTER_THE_END_MS = 60_000
"""A tool's write may follow the session's last log entry (the crash came before the next
model call was logged): this long after it, a new file is still taken for the turn's."""


def find_changes(data_root: str, session_id: str, project_dir: str, edited_paths: Sequence[object],
                 turn_started_ms: int | None, *, session_ended_ms: int | None = None, diff_limit: int = DIFF_LIMIT,
                 compare_limit: int = COMPARE_LIMIT) -> TurnFiles:
    """What the interrupted turn of ``session_id`` did to the files it named.

    ``data_root`` is opendev's data folder (holding ``file-history/``),
    ``project_dir`` the session's working folder as opendev had it,
    ``edited_paths`` the ``file_path`` arguments of the turn's Edit, Write and
    multi_edit calls in order, ``turn_started_ms`` when the turn began,
    ``session_ended_ms`` when the session last wrote its log (a file first written
    well after that is not the turn's). Never raises for anything found on disk.
    """
    start_ns = None if turn_started_ms is None else turn_started_ms * 1_000_000
    end_ns = None if session_ended_ms is None else (session_ended_ms + AFTER_THE_END_MS) * 1_000_000
    seen: dict[str, None] = {}
    notes: list[str] = []
    for p in edited_paths:
        if isinstance(p, str):  # the paths come from a log a crash may have cut: check, never trust
            seen.setdefault(p, None)
        else:
            notes.append(f"a file_path that is not text ({type(p).__name__}) was skipped")
    given = list(seen)
    if len(given) > MAX_PATHS:
        notes.append(f"the turn names {len(given)} files; only the first {MAX_PATHS} were looked at")
        given = given[:MAX_PATHS]
    checkpoint_dir = os.path.join(data_root, "file-history", session_id)
    folder: Folder | None = None
    problem = None
    try:
        if not session_id or "/" in session_id or "\0" in session_id or session_id in (".", ".."):
            raise Refused(f"the session id {session_id!r} cannot name a checkpoint folder")
        if not project_dir.startswith("/") or "\0" in project_dir:
            raise Refused(f"the project folder {project_dir!r} is not an absolute path")
        folder = checkpoints.open_folder(data_root, session_id)
    except Refused as exc:
        problem = str(exc)
    try:
        looks = [_look(p, project_dir, checkpoint_dir, folder, problem, (start_ns, end_ns), diff_limit,
                       compare_limit) for p in given]
        if folder is not None:
            notes.extend(folder.notes)
            names = {lk.change.path_hash for lk in looks}
            stray = checkpoints.stray_backups(folder, names, start_ns)
            if stray:
                notes.append(f"{stray} backup{'' if stray == 1 else 's'} from this turn belong"
                             f"{'s' if stray == 1 else ''} to files its known calls do not name "
                             "(a backup is named by a one-way hash of its path, so which files is not known)")
        elif problem is None:
            notes.append("opendev kept no checkpoints for this session (no folder " + checkpoint_dir + ")")
    finally:
        if folder is not None:
            os.close(folder.fd)
    changes, untouched = _merge_spellings(looks)
    return TurnFiles(session_id, project_dir, checkpoint_dir, tuple(changes), tuple(untouched), problem,
                     tuple(notes))


# --------------------------------------------------------------------------
# One path
# --------------------------------------------------------------------------


class _Look(NamedTuple):
    change: FileChange
    verdict: str
    """``change.change``, or ``"same"`` (back to its backup) / ``"absent"`` (nothing to show)."""
    group: object
    """What identifies the file on disk, to find one file named under two spellings."""


def _unknown(path: str, rel: str, h: str, reason: str, current: Seen | None = None,
             notes: Sequence[str] = (), backup: str | None = None) -> FileChange:
    return FileChange(path, rel, "unknown", reason, backup, _size(current), None,
                      bool(current and current.binary), current, None, tuple(notes), h)


def _size(seen: Seen | None) -> int | None:
    return None if seen is None else seen.identity[2]


def _seen(d: filedigest.Digest) -> Seen:
    st = d.st
    return Seen((st.st_dev, st.st_ino, d.size, st.st_mtime_ns), d.sha256, st.st_mode, d.data, d.nul)


def _look(given: str, project_dir: str, checkpoint_dir: str, folder: Folder | None, problem: str | None,
          turn_ns: tuple[int | None, int | None], diff_limit: int, compare_limit: int) -> _Look:
    start_ns, end_ns = turn_ns
    path = absolute(given, project_dir) if "\0" not in given else given
    rel = relative(path, project_dir)
    if not given:
        return _Look(_unknown(path, rel, "", "the turn named an empty path"), "unknown", ("empty",))
    if "\0" in given:
        return _Look(_unknown(path, rel, "", "the path holds a NUL byte; no file can have it"), "unknown",
                     ("nul", given))
    try:
        h = path_hash(path)
    except UnicodeEncodeError:
        return _Look(_unknown(path, rel, "", "the path is not valid Unicode; opendev cannot have named it so"),
                     "unknown", ("text", path))
    notes = []
    inside = os.path.normpath(path) + "/"
    if not inside.startswith(os.path.normpath(project_dir).rstrip("/") + "/"):
        notes.append("outside the project folder")
    if problem is not None:
        return _Look(_unknown(path, rel, h, problem, notes=notes), "unknown", ("path", path))

    now, now_problem, lst = _current(path, diff_limit, compare_limit)
    group: object = ("ino", now.identity[:2]) if now else ("path", os.path.normpath(path))
    if lst is not None and _stat.S_ISLNK(lst.st_mode) and now is not None:
        notes.append("the path is a symlink; rollback will not go through it")

    backup: checkpoints.Backup | None = None
    if folder is not None:
        cands, aside = checkpoints.candidates(folder, h, start_ns)
        notes.extend(aside)
        bad = [c for c in cands if c.problem]
        if bad:
            return _Look(_unknown(path, rel, h, bad[0].problem or "", now, notes), "unknown", group)
        if len(cands) > 1 and start_ns is not None:
            notes.append(f"{len(cands)} backups of it were written during the turn; "
                         "the earliest is the state before it")
        if cands:
            backup = (min if start_ns is not None else max)(cands, key=_written_order)
            if start_ns is None and len(cands) + len(aside) > 1:
                notes.append(f"the turn's start is unknown: took {backup.name}, the most recently written backup")

    if backup is not None:
        assert folder is not None and backup.st is not None
        where = os.path.join(checkpoint_dir, backup.name)
        try:
            d = filedigest.digest(backup.name, dir_fd=folder.fd, keep=diff_limit, limit=compare_limit)
        except filedigest.TooLarge as exc:
            why = f"its backup {backup.name} is {reason_too_large(exc.size)} to compare"
            return _Look(_unknown(path, rel, h, why, now, notes, where), "unknown", group)
        except (filedigest.NotRegular, FileNotFoundError):
            d = None
        except OSError as exc:
            why = f"its backup {backup.name} {reason_os_error(exc, False)}"
            return _Look(_unknown(path, rel, h, why, now, notes, where), "unknown", group)
        if d is None or not filedigest.same_file(d.st, backup.st):
            why = f"backup {backup.name} changed while being read"
            return _Look(_unknown(path, rel, h, why, now, notes, where), "unknown", group)
        return _Look(*_with_backup(path, rel, h, where, _seen(d), now, now_problem, notes), group)

    # No backup from this turn.
    if now is None and now_problem is None:
        why = ("no backup and no file: the call probably never ran, or what it wrote is gone again"
               if folder is not None else "no file, and no checkpoints to compare with")
        return _Look(_unknown(path, rel, h, why, None, notes), "absent", group)
    if now is None:
        return _Look(_unknown(path, rel, h, now_problem or "", None, notes), "unknown", group)
    if folder is None:
        why = "opendev kept no checkpoints for this session: whether the file existed before the turn is not known"
        return _Look(_unknown(path, rel, h, why, now, notes), "unknown", group)
    if start_ns is None:
        why = "no backup, and the turn's start is unknown: whether the turn created it is not known"
        return _Look(_unknown(path, rel, h, why, now, notes), "unknown", group)
    assert lst is not None
    if _stat.S_ISLNK(lst.st_mode):
        why = "no backup, and the path is a symlink: not a file the turn created"
        return _Look(_unknown(path, rel, h, why, now, notes), "unknown", group)
    if end_ns is not None and lst.st_mtime_ns > end_ns:
        why = "no backup, and written after the session had stopped: not known to be the turn's"
        return _Look(_unknown(path, rel, h, why, now, notes), "unknown", group)
    if lst.st_mtime_ns >= start_ns and lst.st_ctime_ns >= start_ns:
        why = "no backup (it did not exist before the turn) and written after the turn began"
        change = FileChange(path, rel, "created", why, None, _size(now), None, now.binary, now, None, tuple(notes), h)
        return _Look(change, "created", group)
    if lst.st_mtime_ns < start_ns and lst.st_ctime_ns < start_ns:
        why = "no backup from this turn and last changed before it began: the call probably never ran"
    else:
        why = "no backup from this turn, and its times disagree (one before the turn began, one after)"
    return _Look(_unknown(path, rel, h, why, now, notes), "unknown", group)


def _current(path: str, diff_limit: int, compare_limit: int) -> tuple[Seen | None, str | None, os.stat_result | None]:
    """The file at ``path`` now: ``(seen, None, lstat)``, ``(None, None, None)`` when
    there is none, or ``(None, why, lstat)`` when something else is there."""
    try:
        lst = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None, None, None
    except OSError as exc:
        return None, reason_os_error(exc, False), None
    link = _stat.S_ISLNK(lst.st_mode)
    try:
        st = os.stat(path) if link else lst
    except OSError as exc:
        return None, reason_os_error(exc, True), lst
    if not _stat.S_ISREG(st.st_mode):
        return None, f"the path is now {reason_not_regular(st.st_mode)}", lst
    try:
        d = filedigest.digest(path, follow=link, keep=diff_limit, limit=compare_limit)
    except filedigest.TooLarge as exc:
        return None, f"the file is {reason_too_large(exc.size)} to compare", lst
    except filedigest.NotRegular:
        return None, "the file changed while being read", lst
    except FileNotFoundError:
        return None, "the file vanished while being read", lst
    except OSError as exc:  # (permission denied, an I/O error: say which)
        return None, f"the file {reason_os_error(exc, link)}", lst
    if (d.st.st_dev, d.st.st_ino) != (st.st_dev, st.st_ino):
        return None, "the file changed while being read", lst
    return _seen(d), None, lst


def _with_backup(path: str, rel: str, h: str, backup: str, before: Seen, now: Seen | None,
                 now_problem: str | None, notes: list[str]) -> tuple[FileChange, str]:
    name = os.path.basename(backup)
    if now is None and now_problem is not None:
        return FileChange(path, rel, "unknown", now_problem, backup, None, _size(before), before.binary, None,
                          before, tuple(notes), h), "unknown"
    if now is None:
        why = f"the file is gone; backup {name} holds it as it was before the turn"
        return FileChange(path, rel, "deleted", why, backup, None, _size(before), before.binary, None, before,
                          tuple(notes), h), "deleted"
    binary = now.binary or before.binary
    if now.sha256 == before.sha256:
        why = f"the same as backup {name}: the turn left it as it was (or its edit never ran)"
        return FileChange(path, rel, "unknown", why, backup, _size(now), _size(before), binary, now, before,
                          tuple(notes), h), "same"
    why = f"differs from backup {name}, taken before the turn first edited it"
    return FileChange(path, rel, "modified", why, backup, _size(now), _size(before), binary, now, before,
                      tuple(notes), h), "modified"


def _merge_spellings(looks: list[_Look]) -> tuple[list[FileChange], list[tuple[str, str]]]:
    """One file named under two spellings (``src/a``, ``./src/a``) has a backup
    per spelling. The earliest written is the state before the turn; the
    others are the file part-way through it. Without a backup for every
    spelling, which state came first is not known: all of them are "unknown"."""
    groups: dict[object, list[int]] = {}
    for i, lk in enumerate(looks):
        if lk.verdict in ("modified", "deleted", "created", "same"):
            groups.setdefault(lk.group, []).append(i)
    verdicts = [lk.verdict for lk in looks]
    changes = [lk.change for lk in looks]
    for members in groups.values():
        if len(members) < 2:
            continue
        names = ", ".join(looks[i].change.relative for i in members)
        befores = [looks[i].change.before for i in members]
        if any(b is None for b in befores):
            why = f"the turn named one file under several spellings ({names}); which state came first is not known"
            for i in members:
                changes[i] = changes[i]._replace(change="unknown", reason=why)
                verdicts[i] = "unknown"
            continue
        first = min(members, key=lambda i: _written(looks[i].change.before))
        for i in members:
            if i != first:
                why = f"the same file as {looks[first].change.relative}, whose earlier backup is used"
                changes[i] = changes[i]._replace(change="unknown", reason=why)
                verdicts[i] = "same"
    kept = [c for c, v in zip(changes, verdicts, strict=True) if v not in ("same", "absent")]
    aside = [(c.path, c.reason) for c, v in zip(changes, verdicts, strict=True) if v in ("same", "absent")]
    return kept, aside



def _written_order(backup: checkpoints.Backup) -> tuple[int, int]:
    return (backup.st.st_mtime_ns if backup.st else 0, backup.version)


def _written(seen: Seen | None) -> int:
    return 0 if seen is None else seen.identity[3]
