"""``snaptui export``: a Markdown crash report of sessions, to standard output or a file."""

from __future__ import annotations

import errno
import os
import stat
import sys

from snaptui import __version__
from snaptui.base import clock
from snaptui.cli.context import Context, out
from snaptui.cli.parse import Parsed, UsageError
from snaptui.cli.select import select
from snaptui.present import humanfmt, report
from snaptui.present.safetext import one_line
from snaptui.sources.records import DamagedFile, Leftover, Session

TYPE_CHECKING = False
if TYPE_CHECKING:
    from snaptui.catalog.scan import Catalog


def run(args: Parsed) -> int:
    from snaptui.catalog.liveness import Liveness

    ctx = Context(args)
    catalog = ctx.catalog()
    chosen = sessions(catalog, args.ids)
    now = clock.now_ms()
    live = Liveness.from_settings(ctx.settings, now)
    template = ctx.settings["resume_command"]
    entries = []
    for s in chosen:
        why = live.reason(s)
        reason = None if why is None else humanfmt.live_reason(why.agent, why.written_ms, now)
        entries.append((s, report.gather(s, template=template, live_reason=reason, resumed=catalog.to_resume(s))))
    data = report.build(entries, now_ms=now, version=__version__).encode("utf-8", "replace")
    if args.output in (None, "-"):
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        return 0
    try:
        replaced = save(args.output, data, force=args.force)
    except OSError as exc:
        from snaptui.cli.main import error

        error(f"{args.output}: {exc.strerror or exc}")
        return 1
    what = f"{len(chosen)} session{'s' if len(chosen) != 1 else ''}"
    out(f"{'replaced' if replaced else 'wrote'} {one_line(args.output)}: a report of {what}, "
        f"{humanfmt.size(len(data))}")
    return 0


def sessions(catalog: Catalog, ids: list[str]) -> list[Session]:
    """The sessions ``ids`` name, as every command resolves them; a damaged file
    or a leftover named by its file name is a usage error (it holds no session)."""
    chosen = []
    for item in select(catalog, ids):
        if isinstance(item, DamagedFile):
            raise UsageError(f"{one_line(item.name, 80)} is damaged ({one_line(item.reason, 120)}): "
                             "there is no session to report")
        if isinstance(item, Leftover):
            raise UsageError(f"{one_line(item.name, 80)} is a leftover of an interrupted write: "
                             "there is no session to report")
        chosen.append(item)
    return chosen


def save(path: str, data: bytes, *, force: bool) -> bool:
    """Write ``data`` to ``path`` atomically; True when it replaced a file.

    Without ``force`` nothing that exists is replaced. With it, only a regular
    file is (its permissions kept): never a symlink (nor what it points to), a
    directory or a device. A new file is readable only by its owner.
    """
    from snaptui.base.atomic import write_atomic, write_new

    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        kind = ("a symlink" if stat.S_ISLNK(st.st_mode) else "a directory" if stat.S_ISDIR(st.st_mode)
                else "not a regular file")
        raise FileExistsError(errno.EEXIST, f"is {kind}: never replaced (not even with --force)")
    if st is None or not force:
        try:
            write_new(path, data)  # (what came meanwhile is not replaced either)
        except FileExistsError:
            raise FileExistsError(errno.EEXIST, "exists; pass --force to replace it") from None
        return False
    write_atomic(path, data, mode=stat.S_IMODE(st.st_mode))
    return True
