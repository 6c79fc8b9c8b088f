"""Resume somewhere else: when a session's project directory is gone (moved, renamed, re-cloned).

``opendev -r ID`` looks a session up only under the store folder of the
directory it runs in, and at every start opendev deletes the folders whose
project directory no longer exists (OPENDEV_STORE.md §0, §4). So before
resuming a session of opendev's store in NEW, its files (``{id}.json``,
``{id}.jsonl``, and ``{id}.debug`` / ``{id}.events.jsonl`` when present) are
copied byte for byte into NEW's store folder (named as opendev names it,
with its ``OPENDEV_PROJECT_PATH`` marker), never over an existing file and
never touching the originals. A snapshot's session has nothing to copy: it
is resumed in NEW directly.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from snaptui.actions.resume import opendev_has_it, usable_project_dir
from snaptui.base.atomic import fsync_dir
from snaptui.sources.opendev_layout import MARKER
from snaptui.sources.records import Session

SUFFIXES = (".json", ".jsonl", ".debug", ".events.jsonl")
DEMO_MARKER = ".snaptui-demo"
"""The file ``snaptui demo`` leaves in what it writes (its recovery directory, its store)."""
_CHUNK = 1 << 20


class MoveError(Exception):
    """The session could not be made resumable in the new directory; ``str()`` is one line."""


class Moved(NamedTuple):
    """What was copied where."""

    folder: str
    """NEW's store folder."""
    copied: tuple[str, ...]
    """The files copied into it (names)."""


def encode(project_dir: str) -> str:
    """opendev's ``encode_project_path``: the canonical path with every ``/`` as ``-``."""
    try:
        canonical = os.path.realpath(project_dir)
    except (OSError, ValueError):
        canonical = project_dir
    return canonical.replace("/", "-")


def move_to(session: Session, new_dir: str, moved: Moved | None = None) -> Session:
    """The session as it will be resumed in ``new_dir`` (its record, pointed there, and at
    the copy of its file when ``moved`` made one)."""
    if moved is not None and moved.folder:
        path = os.path.join(moved.folder, os.path.basename(session.path))
        return session._replace(project_dir=new_dir, path=path, key=f"{session.source}:{path}")
    return session._replace(project_dir=new_dir)


def moved_on(original: Session, copy: Session, state_dir: str | None) -> Session:
    """After ``original`` was copied to ``copy`` for opendev to go on from: the original,
    left behind where opendev no longer looks, is dismissed (its files stay; restore or u
    brings it back), so that it is not listed beside its copy as a second crash. ``copy``."""
    if state_dir and copy.path != original.path:
        from snaptui.base import clock
        from snaptui.catalog import dismissed

        try:
            dismissed.dismiss(state_dir, [original], clock.now_ms())
        except OSError:
            pass  # listed twice until dismissed by hand: nothing lost
    return copy


def data_root(session: Session) -> str:
    """The data root a store session lies in (``{root}/projects/{folder}/{id}.json``)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(session.path)))


def reading_root(session: Session, new_dir: str) -> str:
    """Where the copy for ``new_dir`` goes: the data root opendev reads when started there
    (:func:`snaptui.sources.opendev_roots.effective_root`), else the session's own."""
    from snaptui.sources.opendev_roots import effective_root

    return effective_root(new_dir) or data_root(session)


def read_elsewhere(session: Session) -> str | None:
    """The data root opendev would read started in the session's project directory, when
    that is not the one the store session lies in (None: it is, or not a store session)."""
    from snaptui.sources.opendev_roots import effective_root

    if session.source != "opendev" or in_demo(session):  # never copied (see into_reach)
        return None
    root = effective_root(session.project_dir if os.path.isabs(session.project_dir) else None)
    if root is None:
        return None
    try:
        return None if os.path.samefile(root, data_root(session)) else root
    except OSError:  # opendev's root does not exist yet (it makes it), or the session's is gone
        return root if not os.path.exists(root) else None


def purged_at_start(session: Session) -> bool:
    """Whether opendev deletes this store session's folder the next time it starts anywhere:
    its project directory is gone, and it lies under the data root opendev reads (opendev
    purges stale folders of that root only, §0; never the demo's store)."""
    path = session.project_dir
    if session.source != "opendev" or not os.path.isabs(path) or "\0" in path or os.path.isdir(path):
        return False
    return not in_demo(session) and read_elsewhere(session) is None


def into_reach(session: Session) -> Moved:
    """Make a store session loadable by ``opendev -r`` as started now: when it lies under a
    data root other than the one opendev reads (OPENDEV_STORE.md §1, "the base can flip": a
    crash log creates ``~/.opendev`` and the XDG sessions drop out of sight; or a root given
    with ``--store``), or when its project directory now resolves to another folder's name
    (a symlink left where the project was), copy it into that folder, as
    :func:`copy_session` does. A byte-identical copy already there (an earlier resume) is
    used as it is (``folder`` and nothing ``copied``); nothing to do otherwise (an empty
    :class:`Moved`). Raises :class:`MoveError` (a copy there that differs from this one
    is never resumed in its place, nor replaced)."""
    if session.source != "opendev" or not usable_project_dir(session.project_dir) or in_demo(session):
        return Moved("", ())
    root = read_elsewhere(session)
    if root is None and os.path.basename(os.path.dirname(session.path)) == encode(session.project_dir):
        return Moved("", ())  # where opendev looks (the usual case)
    # Another root, or another folder in this one: the project directory now resolves elsewhere
    # (moved, with a symlink left at the old path: opendev canonicalises -d, §1, and looks only there, §4).
    return copy_session(session, session.project_dir, root=root)


def in_demo(session: Session) -> bool:
    """Whether ``session`` lies in the store ``snaptui demo`` wrote: it is never copied into a
    store opendev reads (the person's own), whatever resuming it does."""
    return os.path.exists(os.path.join(data_root(session), DEMO_MARKER))


def copy_session(session: Session, new_dir: str, *, root: str | None = None) -> Moved:
    """Copy a store session's files into ``new_dir``'s store folder (see the module docstring)
    under data root ``root`` (the session's own by default), and, into another root, its
    file checkpoints (``file-history/{id}/``, §5.1: opendev's undo of the session's edits).

    A file already there that is byte for byte the one to copy (an earlier copy) is left
    as it is; one that differs stops everything. A session opendev never saved (its first
    turn never ended) has nothing to copy: opendev starts a fresh one. ``new_dir`` must be
    an existing absolute directory. Raises :class:`MoveError`.
    """
    if session.source != "opendev" or not opendev_has_it(session):
        return Moved("", ())
    if root is not None and in_demo(session):
        root = None  # the demo's sessions stay in the demo's store
    if not usable_project_dir(new_dir):
        raise MoveError(f"{new_dir} is not an existing directory")
    old_folder = os.path.dirname(session.path)
    projects = os.path.dirname(old_folder) if root is None else os.path.join(root, "projects")
    folder = os.path.join(projects, encode(new_dir))
    if os.path.realpath(folder) == os.path.realpath(old_folder):
        return Moved("", ())  # the same folder: opendev finds it already, where it is
    sid = session.session_id
    if not sid or "/" in sid or "\0" in sid or sid.startswith("."):
        raise MoveError("the session id cannot name a file")
    sources = [(sid + suffix, os.path.join(old_folder, sid + suffix)) for suffix in SUFFIXES]
    sources = [(name, path) for name, path in sources if os.path.lexists(path)]
    if not any(name.endswith(".json") for name, _ in sources):
        raise MoveError("the session's files are gone")
    try:
        os.makedirs(folder, mode=0o755, exist_ok=True)
    except OSError as exc:
        raise MoveError(f"cannot create {folder}: {exc.strerror or exc}") from None
    there = [(name, path) for name, path in sources if os.path.lexists(os.path.join(folder, name))]
    differ = [name for name, path in there if not _same_bytes(path, os.path.join(folder, name))]
    if differ:
        raise MoveError(f"{folder} already holds {', '.join(differ)}, which differs from this session's: "
                        "not replacing opendev's files (resume that copy by its path, or move it aside)")
    sources = [(name, path) for name, path in sources if (name, path) not in there]
    _marker(folder, new_dir)
    copied = []
    try:
        for name, path in sources:
            _copy_new(path, os.path.join(folder, name))
            copied.append(name)
    except OSError as exc:
        for name in copied:  # all or nothing: only what this call created goes
            try:
                os.unlink(os.path.join(folder, name))
            except OSError:
                pass
        raise MoveError(f"cannot copy {name} into {folder}: {exc.strerror or exc}") from None
    fsync_dir(folder)
    if root is not None and copied:
        _copy_checkpoints(data_root(session), root, sid)
    return Moved(folder, tuple(copied))


def _same_bytes(a: str, b: str) -> bool:
    """Whether two regular files hold the same bytes (False when either cannot be read)."""
    from snaptui.base.files import Unreadable, open_regular

    fds: list[int] = []
    try:
        sizes = set()
        for path in (a, b):
            fd, st = open_regular(path)
            fds.append(fd)
            sizes.add(st.st_size)
        if len(sizes) != 1:
            return False
        while True:
            one, two = os.read(fds[0], _CHUNK), os.read(fds[1], _CHUNK)
            if one != two:
                return False
            if not one:
                return True
    except (OSError, Unreadable):
        return False
    finally:
        for fd in fds:
            os.close(fd)


def _copy_checkpoints(src_root: str, dst_root: str, sid: str) -> None:
    """Copy ``file-history/{sid}/`` into the other root when it has none (times kept, links
    copied as links, never over anything): the checkpoints a resumed opendev's undo needs.
    Best effort: the session resumes without them when they cannot be copied."""
    import shutil

    src = os.path.join(src_root, "file-history", sid)
    dst = os.path.join(dst_root, "file-history", sid)
    if not os.path.isdir(src) or os.path.islink(src) or os.path.lexists(dst):
        return
    try:
        os.makedirs(os.path.dirname(dst), mode=0o755, exist_ok=True)
        shutil.copytree(src, dst, symlinks=True)
    except (OSError, shutil.Error):
        shutil.rmtree(dst, ignore_errors=True)


def _marker(folder: str, new_dir: str) -> None:
    """The folder's ``OPENDEV_PROJECT_PATH``, as opendev writes it (no newline); an
    existing one is left as it is (opendev rewrites it on every run anyway)."""
    path = os.path.join(folder, MARKER)
    if os.path.lexists(path):
        return
    _write_new(path, os.fsencode(new_dir))


def _copy_new(src: str, dest: str) -> None:
    """Copy ``src`` to a new file ``dest`` (never over an existing one), byte for byte, with
    its times, synced. Only a regular file is read, and without blocking."""
    from snaptui.base.files import open_regular

    fd_in, st = open_regular(src)
    try:
        fd_out = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, st.st_mode & 0o777)
        try:
            while chunk := os.read(fd_in, _CHUNK):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd_out, view):]
            os.utime(fd_out, ns=(st.st_atime_ns, st.st_mtime_ns))  # a copy of an old file looks old, not live
            os.fsync(fd_out)
        except BaseException:
            os.close(fd_out)
            os.unlink(dest)
            raise
        os.close(fd_out)
    finally:
        os.close(fd_in)


def _write_new(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
