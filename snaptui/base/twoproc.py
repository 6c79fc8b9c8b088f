"""Share a long per-file loop with one forked child process (these machines have 2 cores).

The parent does the first half of the items while the child does the second
and hands its results back through a memfd (no pipe to block on). Whatever
goes wrong on the child's side (it dies, its answer does not decode), the
parent does that half itself: the result is the same, only slower.

The child must not import anything or take any lock another thread could
hold at the moment of the fork: its ``work`` runs system calls and builds
plain values, nothing more.
"""

from __future__ import annotations

import os
import sys

from snaptui.base.atomic import write_all

TYPE_CHECKING = False  # annotations only: typing is not imported at runtime
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    from snaptui.base.atomic import Buffer

    Item = TypeVar("Item")
    Result = TypeVar("Result")


CHILD_SHARE = 0.45
"""The child's part of the items: a little under half, as it also encodes its results
and the parent decodes them (measured: the two then finish together)."""


def available() -> bool:
    return hasattr(os, "fork") and hasattr(os, "memfd_create") and (os.cpu_count() or 1) >= 2


def alone() -> bool:
    """Whether no other thread runs (if threading was never imported, there is none): a
    fork copies the locks other threads hold, held, and the child could wait on them forever."""
    threads = sys.modules.get("threading")
    return threads is None or threads.active_count() == 1


def may_fork() -> bool:
    """Whether a helper may be forked here: it is possible, and no other thread runs."""
    return alone() and available()


def split(
    items: list[Item],
    work: Callable[[list[Item]], list[Result]],
    encode: Callable[[list[Result]], list[Buffer]],
    decode: Callable[[int], list[Result]],
    share: float = CHILD_SHARE,
) -> list[Result]:
    """``work(items)``, the second half of it (``share`` of the items) done in a forked child.

    ``encode(results)`` turns the child's results into a list of buffers;
    ``decode(fd)`` reads them back from the memfd they were written to.
    """
    half = len(items) - int(len(items) * share)
    mine, theirs = items[:half], items[half:]
    shared = os.memfd_create("snaptui-half", os.MFD_CLOEXEC)
    try:
        pid = os.fork()
        if pid == 0:  # the child: its half into the shared file, then vanish without cleanup
            status = 1
            try:
                write_all(shared, encode(work(theirs)))
                status = 0
            finally:
                os._exit(status)
        done = work(mine)
        _, status = os.waitpid(pid, 0)
        try:
            if status != 0:
                raise ValueError("the helper process failed")
            return done + decode(shared)
        except (ValueError, EOFError, TypeError, OSError):
            return done + work(theirs)  # do its half here instead
    finally:
        os.close(shared)


def mapped(fd: int) -> memoryview:
    """The whole memfd, mapped (read-only, no copy)."""
    import mmap

    size = os.fstat(fd).st_size
    if not size:
        raise ValueError("the helper's answer is empty")
    return memoryview(mmap.mmap(fd, size, prot=mmap.PROT_READ))


def aside(work: Callable[[], list[Buffer]]) -> Callable[[], bytes | None] | None:
    """Run ``work()`` in a forked child (only from a single-threaded caller) while the
    caller goes on; None if no child could be started. The returned function waits for
    the child and gives what ``work()`` returned, joined, or None if it failed (then do
    its work here: the result must not depend on who did it)."""
    if not may_fork():
        return None
    shared = os.memfd_create("snaptui-aside", os.MFD_CLOEXEC)
    try:
        pid = os.fork()
    except OSError:
        os.close(shared)
        return None
    if pid == 0:  # the child: its answer into the shared file, then vanish without cleanup
        status = 1
        try:
            write_all(shared, work())
            status = 0
        finally:
            os._exit(status)

    def result() -> bytes | None:
        try:
            _, status = os.waitpid(pid, 0)
            if status != 0:
                return None
            size = os.fstat(shared).st_size
            return os.pread(shared, size, 0) if size else b""
        except OSError:
            return None
        finally:
            os.close(shared)

    return result
