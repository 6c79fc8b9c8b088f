"""Atomic file writes: a unique temp file beside the target, fsync, rename over.

Every file snaptui writes (snapshots, state, index, trash moves) goes through
here, so a crash at any moment leaves either the old file or the new one, and
at worst a ``*.tmp.*`` leftover that nothing reads.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing's: the startup check writes through here and cannot afford it
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    Buffer = bytes | memoryview
    """What snaptui writes: bytes, or a slice of a mapped file (no copy)."""

_counter = 0


def temp_name(path: str) -> str:
    """A temp path beside ``path`` that no other process or thread will pick."""
    global _counter
    _counter += 1
    return f"{path}.tmp.{os.getpid()}.{_counter}.{os.urandom(3).hex()}"


def write_atomic(path: str, data: Buffer | list[Buffer], *, durable: bool = True, mode: int = 0o600,
                 finish: Callable[[int], None] | None = None, sweep: bool = False) -> None:
    """Replace ``path`` with ``data`` (bytes, or a list of buffers written in order) atomically.

    ``durable`` adds the fsyncs (file, then directory) that make the new
    content survive a power cut; caches skip them. ``finish(fd)``, if given,
    may read and patch the written file (opened read-write) before it takes
    the place of ``path``. ``sweep``: first remove the temp files of ``path``
    that writers killed before their rename left (:func:`sweep_dead_temps`).
    """
    if sweep:
        sweep_dead_temps(path)
    tmp = temp_name(path)
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        try:
            write_all(fd, data if isinstance(data, list) else [data])
            if finish is not None:
                finish(fd)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if durable:
        fsync_dir(os.path.dirname(path) or ".")


def sweep_dead_temps(path: str) -> None:
    """Remove the temp files of ``path`` (:func:`temp_name`) whose process is gone: a write
    killed before its rename (an index of 50 MB, written by a ``list --json`` killed at once,
    stayed for good). Another process's, still running, is left alone."""
    folder, base = os.path.split(path)
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return
    for name in names:
        if orphaned(name, base):
            try:
                os.unlink(os.path.join(folder, name))
            except OSError:
                pass


def orphaned(name: str, base: str) -> bool:
    """Whether ``name`` is a temp file of ``base`` (:func:`temp_name`) whose process is gone."""
    prefix = base + ".tmp."
    if not name.startswith(prefix):
        return False
    pid = name[len(prefix):].split(".", 1)[0]
    return pid.isdigit() and int(pid) != os.getpid() and not alive(int(pid))


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (another user's counts: it cannot be signalled, but it is there)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def write_new(path: str, data: Buffer, *, mode: int = 0o600) -> None:
    """Create ``path`` holding ``data``, atomically, never replacing anything:
    raises FileExistsError when ``path`` exists (a symlink, even a dangling one, included).

    The complete file is linked into place (``link`` fails on an existing name
    and never follows one); where the file system has no hard links, it is
    renamed into place after a check that nothing is there.
    """
    tmp = temp_name(path)
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        try:
            write_all(fd, [data])
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path, follow_symlinks=False)
        except FileExistsError:
            raise
        except OSError:  # no hard links here (FAT, some network file systems)
            if os.path.lexists(path):
                import errno

                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), path) from None
            os.replace(tmp, path)
    finally:
        try:
            os.unlink(tmp)
        except OSError:
            pass
    fsync_dir(os.path.dirname(path) or ".")


def write_all(fd: int, parts: Sequence[Buffer]) -> None:
    """Write every buffer in ``parts`` to ``fd``, in order, with as few system
    calls as ``writev`` allows (thousands of small pieces, no joined copy)."""
    i = 0
    while i < len(parts):
        chunk = parts[i : i + _IOV_MAX]
        written = os.writev(fd, chunk)
        for part in chunk:  # skip the parts that went out whole; finish the one cut short
            i += 1
            if written >= len(part):
                written -= len(part)
                continue
            view = memoryview(part)[written:]
            while view:
                view = view[os.write(fd, view) :]
            break


_IOV_MAX = 1024  # Linux and macOS


def fsync_dir(directory: str) -> None:
    """Make a rename or unlink in ``directory`` durable (best effort)."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def copy_range(src: int, offset: int, size: int, dst: int) -> None:
    """Append the ``size`` bytes at ``offset`` in file ``src`` to ``dst``, in the kernel where it
    can (``sendfile``), else through a bounded buffer. Raises OSError."""
    end = offset + size
    try:
        while offset < end:
            sent = os.sendfile(dst, src, offset, end - offset)
            if not sent:
                break
            offset += sent
    except OSError as exc:
        import errno

        if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise
    while offset < end:
        chunk = os.pread(src, min(1 << 20, end - offset), offset)
        if not chunk:
            import errno

            raise OSError(errno.EIO, "a file is shorter than the range to copy from it")
        write_all(dst, [chunk])
        offset += len(chunk)
