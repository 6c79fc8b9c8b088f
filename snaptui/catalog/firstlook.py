"""A first look at a recovery directory with no index, in a process of its own.

Without an index, showing the newest sessions first means listing the
directory and stat'ing every file (to find the newest) before reading any:
at 100,000 files, half a second of system calls. Done in a thread, that
half second would be taken from Textual's start (one interpreter lock);
done in a forked process, it runs beside it on the second core. The child
lists, stats, reads the ``count`` most recently modified files and hands
back their entries; the survey's full pass then goes on as usual.

Fork only from a process with no other thread (see :func:`start`); the
child imports nothing it has not inherited and exits without cleanup.
"""

from __future__ import annotations

import heapq
import os

from snaptui.base import twoproc
from snaptui.base.atomic import write_all
from snaptui.base.files import file_stat, from_plain, plain
from snaptui.catalog import survey
from snaptui.sources.recovery import Entry, Row, is_snapshot_name


class FirstLook:
    """A child process taking the first look; :meth:`result` waits for it."""

    def __init__(self, pid: int, fd: int) -> None:
        self._pid, self._fd = pid, fd
        self._got: tuple[dict[str, Entry], frozenset[str]] | None = None
        self._waited = False

    def result(self) -> tuple[dict[str, Entry], frozenset[str]] | None:
        """The newest files' entries by name and which of them are symlinks; None
        if the child failed (the survey then finds them itself)."""
        if not self._waited:
            self._waited = True
            try:
                _, status = os.waitpid(self._pid, 0)
                if status == 0:
                    self._got = _decode(self._fd)
            except (OSError, ValueError, EOFError, TypeError):
                self._got = None
            finally:
                os.close(self._fd)
        return self._got


def start(directory: str, count: int) -> FirstLook | None:
    """Fork the first look at ``directory`` (its ``count`` newest files read); None
    where that is not possible or not safe (another thread is running)."""
    if not twoproc.may_fork():
        return None
    from snaptui.format import reader

    reader.prepare()  # imported once, here: the child then has it
    fd = os.memfd_create("snaptui-first-look", os.MFD_CLOEXEC)
    try:
        pid = os.fork()
    except OSError:
        os.close(fd)
        return None
    if pid == 0:
        status = 1
        try:
            write_all(fd, [_encode(_look(directory, count))])
            status = 0
        finally:
            os._exit(status)
    return FirstLook(pid, fd)


def _look(directory: str, count: int) -> list[tuple[str, bool, Entry]]:
    """The ``count`` most recently modified ``*.json`` files, read: (name, is_link, entry)."""
    listed = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        stat = os.stat
        keyed = []
        for name in os.listdir(listed):
            if is_snapshot_name(name):
                try:
                    keyed.append((stat(name, dir_fd=listed).st_mtime_ns, name))
                except OSError:
                    pass  # vanished, or a dangling link: the full pass says which
    finally:
        os.close(listed)
    out = []
    for _, name in heapq.nlargest(count, keyed):
        path = os.path.join(directory, name)
        is_link = os.path.islink(path)
        got = survey.read_one(name, path, is_link, file_stat(path), False)
        if got is not None:
            out.append((name, is_link, got[0]))
    return out


def _encode(newest: list[tuple[str, bool, Entry]]) -> bytes:
    import marshal

    return marshal.dumps([(name, is_link, plain(e.stat), None if e.row is None else tuple(e.row), e.reason)
                          for name, is_link, e in newest], 2)


def _decode(fd: int) -> tuple[dict[str, Entry], frozenset[str]]:
    import marshal

    newest = marshal.loads(twoproc.mapped(fd))
    entries = {name: Entry(from_plain(st), None if row is None else Row(*row), None, reason)
               for name, _, st, row, reason in newest}
    return entries, frozenset(name for name, is_link, *_ in newest if is_link)
