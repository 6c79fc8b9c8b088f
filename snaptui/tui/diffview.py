"""The diff view (``D``): what the lost turn did to each file, full screen, one file after another.

At the top the files with their change and +/- counts (the one on screen
highlighted); below, every file's unified diff in a line-API ``ScrollView``
(:class:`DiffBody`) that draws only the visible lines. Lines are numbered
(before / now), added and removed lines tinted, and the code highlighted
with Textual's own highlighter (theme colours: every theme reads right).

Everything in a diff is hostile: each line went through
:func:`snaptui.present.safetext.multi_line` (controls made visible) before
it became a ``Content``, and text is never parsed as markup. The lines are
built (and highlighted) in a worker; nothing here reads a file.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from rich.segment import Segment
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.screen import ModalScreen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from snaptui.present import humanfmt
from snaptui.present.cells import fit, width
from snaptui.present.changes import TurnChanges, diff_lines
from snaptui.present.diffs import FileDiff
from snaptui.present.safetext import one_line
from snaptui.sources.records import Session
from snaptui.tui.footer import SnapFooter

HIGHLIGHT_LINES = 10_000
"""Beyond this many diff lines in all, the rest is shown without syntax colours (highlighting takes about a
second per 7,000 lines here; the view says "Reading the files…" meanwhile)."""
CHANGE_STYLE = {"modified": "$text-warning", "created": "$text-success", "deleted": "$text-error",
                "unknown": "$text-muted"}
SIGN = {"add": "+", "del": "-", "ctx": " "}


class Row(NamedTuple):
    """One line of the view."""

    kind: str
    """``"file"`` (a file's header), ``"note"`` (why it has no diff), ``"gap"``, or a
    :class:`snaptui.present.changes.DiffLine` kind (``hunk``, ``add``, ``del``, ``ctx``, ``eol``)."""
    file: int
    old: int | None
    new: int | None
    content: Content


class Built(Message):
    """The rows of the view, built in a worker."""

    def __init__(self, changes: TurnChanges | None, rows: list[Row], starts: list[int], digits: int) -> None:
        self.changes = changes
        self.rows = rows
        self.starts = starts
        self.digits = digits
        super().__init__()


def _language(path: str) -> str | None:
    """Pygments' name for the language of ``path`` by its file name (None: not known)."""
    from pygments.lexers import get_lexer_for_filename  # type: ignore[import-untyped]
    from pygments.util import ClassNotFound  # type: ignore[import-untyped]

    try:
        lexer = get_lexer_for_filename(path)
    except (ClassNotFound, ValueError, TypeError):
        return None
    return lexer.aliases[0] if lexer.aliases else None


@functools.cache
def _theme() -> type:
    """Textual's highlight theme (theme variables only), without its underlines (in a diff they read as
    links) and without marking what the lexer cannot parse (code cut into hunks often is)."""
    from pygments.token import Token  # type: ignore[import-untyped]
    from textual.highlight import HighlightTheme

    def kept(style: str) -> str:
        """Without underlines, and at full strength: a colour faded to 60% (comments) is no longer
        the readable one the theme was given (:mod:`snaptui.tui.theming`)."""
        words = style.split()
        faded = any(w.endswith("%") for w in words)  # "$text 60%": the muted text colour, made readable
        return " ".join("$text-muted" if faded and w == "$text" else w
                        for w in words if w != "underline" and not w.endswith("%"))

    class DiffTheme(HighlightTheme):
        STYLES = {token: "" if token in (Token.Error, Token.Generic.Error)  # a lexer's guess, not an error
                  else kept(style)
                  for token, style in HighlightTheme.STYLES.items()}

    return DiffTheme


def _coloured(texts: list[str], language: str | None) -> list[Content]:
    """Each line of one side of a file, highlighted as one piece of code (multi-line strings and
    comments come out right); plain when the language is unknown or the lines do not come back one for one."""
    if language is None or not texts:
        return [Content(t) for t in texts]
    from textual.highlight import highlight

    lines = highlight("\n".join(texts), language=language, theme=_theme()).split("\n", allow_blank=True)
    if len(lines) > len(texts) or any(a.plain != b for a, b in zip(lines, texts, strict=False)):
        return [Content(t) for t in texts]
    return lines + [Content(t) for t in texts[len(lines):]]


def build_rows(diffs: tuple[FileDiff, ...]) -> tuple[list[Row], list[int], int]:
    """Every file's rows, where each file starts, and the digits of the largest line number
    (no I/O, but pygments takes its time: run it in a worker)."""
    rows: list[Row] = []
    starts: list[int] = []
    budget = HIGHLIGHT_LINES
    largest = 0
    for i, d in enumerate(diffs):
        if i:
            rows.append(Row("gap", i, None, None, Content("")))
        starts.append(len(rows))
        rows.append(Row("file", i, None, None, _file_header(d)))
        rows += [Row("note", i, None, None, Content(f"note: {one_line(note, 300)}")) for note in d.notes]
        if d.note is not None:
            rows.append(Row("note", i, None, None, Content(f"no diff: {one_line(d.note, 300)}")))
            continue
        lines = diff_lines(d)
        language = _language(d.relative) if budget >= len(lines) else None
        budget -= len(lines)
        old = _coloured([ln.text for ln in lines if ln.kind in ("ctx", "del")], language)
        new = _coloured([ln.text for ln in lines if ln.kind in ("ctx", "add")], language)
        o = n = 0
        for ln in lines:
            if ln.kind == "del":
                content, o = old[o], o + 1
            elif ln.kind == "add":
                content, n = new[n], n + 1
            elif ln.kind == "ctx":
                content, o, n = new[n], o + 1, n + 1
            else:
                content = Content(ln.text)
            rows.append(Row(ln.kind, i, ln.old, ln.new, content))
            largest = max(largest, ln.old or 0, ln.new or 0)
    return rows, starts, max(len(str(largest)), 3)


def _file_header(d: FileDiff) -> Content:
    counts = [(f"  +{d.added}", "$text-success"), (f" -{d.removed}", "$text-error")] if d.added is not None else []
    return Content.assemble((f"{d.change} ", CHANGE_STYLE.get(d.change, "")), (one_line(d.relative), "bold"),
                            *counts)


def file_option(d: FileDiff, name_cells: int) -> Content:
    """A file in the list at the top: its change, name and counts (or why it has no diff)."""
    tail: list[tuple[str, str]]
    if d.added is not None:
        tail = [(f"+{d.added}", "$text-success"), (" ", ""), (f"-{d.removed}", "$text-error")]
    else:
        tail = [(one_line(d.note or "", 80), "$text-muted italic")]
    return Content.assemble((f"{d.change:<9}", CHANGE_STYLE.get(d.change, "")), " ",
                            (fit(one_line(d.relative, 300), name_cells), "$text-accent"), "  ", *tail)


class DiffBody(ScrollView, can_focus=True):
    """Every file's diff, one after another; draws only the visible lines."""

    BINDINGS = [Binding("j", "scroll_down", show=False), Binding("k", "scroll_up", show=False),
                Binding("space", "page_down", show=False), Binding("g", "scroll_home", show=False),
                Binding("G", "scroll_end", show=False)]
    COMPONENT_CLASSES = {"diff--file", "diff--hunk", "diff--add", "diff--del", "diff--add-sign", "diff--del-sign",
                         "diff--gutter", "diff--note", "diff--current"}
    DEFAULT_CSS = """
    DiffBody { background: $background; overflow-x: auto; overflow-y: scroll; scrollbar-size-vertical: 1; }
    DiffBody > .diff--file { background: $panel; color: $text; text-style: bold; }
    DiffBody > .diff--current { background: $panel; color: $text-accent; text-style: bold; }
    DiffBody > .diff--hunk { color: $text-accent; background: $boost; }
    DiffBody > .diff--add { background: $success 14%; }
    DiffBody > .diff--del { background: $error 14%; }
    DiffBody > .diff--add-sign { color: $text-success; text-style: bold; }
    DiffBody > .diff--del-sign { color: $text-error; text-style: bold; }
    DiffBody > .diff--gutter { color: $text-muted; }
    DiffBody > .diff--note { color: $text-muted; text-style: italic; }
    """

    class Moved(Message):
        """The file at the top of the view changed."""

        def __init__(self, index: int) -> None:
            self.index = index
            super().__init__()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: list[Row] = []
        self.starts: list[int] = []
        self.current = 0
        """The file shown (the one at the top, or the one last jumped to)."""
        self._digits = 3
        self._strips: dict[int, Strip] = {}

    @property
    def text(self) -> str:
        """Every row as plain text (for tests)."""
        return "\n".join(self._plain(r) for r in self.rows)

    def _plain(self, r: Row) -> str:
        return f"{SIGN.get(r.kind, '')}{r.content.plain}"

    def set_rows(self, rows: list[Row], starts: list[int], digits: int) -> None:
        self.rows, self.starts, self._digits = rows, starts, digits
        self._strips.clear()
        widest = max((r.content.cell_length for r in rows), default=0)
        self.virtual_size = Size(self._gutter() + 1 + widest, len(rows))
        self.current = 0
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    def _gutter(self) -> int:
        return 2 * self._digits + 2

    def go(self, index: int) -> None:
        """Show file ``index`` from its header."""
        if not self.starts:
            return
        index = max(0, min(index, len(self.starts) - 1))
        self.current = index
        self.scroll_to(y=self.starts[index], animate=False, immediate=True)
        self._strips.clear()  # the current file's header is drawn apart
        self.refresh()
        self.post_message(self.Moved(index))

    def step(self, delta: int) -> None:
        """Next (``1``) or previous (``-1``) file; back to the current file's header first."""
        if delta < 0 and self.starts and round(self.scroll_y) > self.starts[self.current]:
            self.go(self.current)
        else:
            self.go(self.current + delta)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if not self.starts:
            return
        top = round(new)
        shown = self.starts[self.current]
        if top <= shown < top + self.scrollable_content_region.height:
            return  # the file last jumped to is on screen: it stays the current one
        at = max((i for i, s in enumerate(self.starts) if s <= top), default=0)
        if at != self.current:
            self.current = at
            self._strips.clear()
            self.refresh()
            self.post_message(self.Moved(at))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def _line(self, index: int) -> Strip:
        """Row ``index`` in full (not cropped), cached until the theme or the current file changes."""
        strip = self._strips.get(index)
        if strip is not None:
            return strip
        r = self.rows[index]
        base = self.rich_style
        digits = self._digits
        if r.kind in ("file", "gap", "note", "hunk", "eol"):
            cls = {"file": "diff--current" if r.file == self.current else "diff--file", "hunk": "diff--hunk",
                   "note": "diff--note", "eol": "diff--note"}.get(r.kind)
            style = base + self.get_component_rich_style(cls) if cls else base
            lead = " " * (self._gutter() + (r.kind != "hunk")) if r.kind in ("eol", "note", "hunk") else ""
            if r.kind == "file":
                lead = " ▶ " if r.file == self.current else "   "
            visual = self.get_visual_style(cls) if cls else self.visual_style
            rendered = r.content.render(visual, end="", parse_style=self._get_style)
            segments = [Segment(lead, style)] + [Segment(t, s.rich_style) for t, s in rendered]
            strip = Strip(segments)
            if r.kind in ("file", "hunk"):
                strip = strip.extend_cell_length(max(self.virtual_size.width, self.size.width), style)
        else:
            # Added and removed lines are tinted; not in the ansi-* themes (the terminal's own 16 colours),
            # where a tint is a solid colour that hides code of the same colour: the coloured sign stays.
            tinted = not self.app.native_ansi_color
            line_cls = {"add": "diff--add", "del": "diff--del"}.get(r.kind) if tinted else None
            visual = self.get_visual_style(line_cls) if line_cls else self.visual_style
            line_style = visual.rich_style
            gutter = self.get_component_rich_style("diff--gutter")
            numbers = (f"{r.old if r.old is not None else '':>{digits}} "
                       f"{r.new if r.new is not None else '':>{digits}} ")
            sign_cls = {"add": "diff--add-sign", "del": "diff--del-sign"}.get(r.kind)
            sign_style = line_style + self.get_component_rich_style(sign_cls) if sign_cls else line_style
            number_style = sign_style if sign_cls and not tinted else base + gutter  # ansi-*: coloured numbers
            segments = [Segment(numbers, number_style), Segment(SIGN[r.kind], sign_style)]
            segments += [Segment(t, s.rich_style)
                         for t, s in r.content.render(visual, end="", parse_style=self._get_style)]
            strip = Strip(segments).extend_cell_length(max(self.virtual_size.width, self.size.width), line_style)
        self._strips[index] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        index = y + round(self.scroll_y)
        region_width = self.scrollable_content_region.width
        if index >= len(self.rows):
            return Strip.blank(region_width, self.rich_style)
        strip = self._line(index)
        x = round(self.scroll_x)
        if x and self.rows[index].kind not in ("file", "gap"):
            keep = self._gutter() + 1  # the line numbers and the sign stay; the code scrolls
            strip = Strip.join([strip.crop(0, keep), strip.crop(keep + x, keep + x + region_width - keep)])
        return strip.crop(0, region_width).adjust_cell_length(region_width, self.rich_style)


class DiffScreen(ModalScreen[str | None]):
    """The lost turn's files and diffs; dismissed with ``"rollback"`` when ``B`` is pressed."""

    BINDINGS = [
        Binding("n,right_square_bracket", "step(1)", "Next file", key_display="n"),
        Binding("N,left_square_bracket", "step(-1)", "Previous file", key_display="N"),
        Binding("B", "rollback", "Roll back"),
        Binding("escape,q,D", "close", "Back", priority=True),
    ]
    """``n``/``]`` next file, ``N``/``[`` previous, ``B`` roll back (asks first), escape back."""
    DEFAULT_CSS = """
    DiffScreen { background: $background; align: left top; }
    DiffScreen #diff-title { height: 1; padding: 0 1; background: $panel; color: $text; }
    DiffScreen #diff-files { height: auto; max-height: 8; border: none; padding: 0; margin: 0 0 1 0;
                             background: $surface; }
    DiffScreen DiffBody { height: 1fr; }
    DiffScreen #diff-files > .option-list--option-highlighted { background: $panel; text-style: bold; }
    """

    def __init__(self, session: Session, changes: TurnChanges | None = None) -> None:
        super().__init__()
        self._session = session
        self._changes = changes
        self._title = Static(id="diff-title")
        self._files = FileList(id="diff-files", compact=True)
        self.body = DiffBody(id="diff-body")

    def compose(self) -> ComposeResult:
        yield self._title
        yield self._files
        yield self.body
        yield SnapFooter()

    def on_mount(self) -> None:
        self.body.focus()
        self._title.update(Content.assemble(("Reading the files…", "$text-muted")))
        self._build(self._changes)

    @work(thread=True, exclusive=True, group="diff-build", description="diff-build", exit_on_error=False)
    def _build(self, changes: TurnChanges | None) -> None:
        if changes is None:
            from snaptui.present.changes import look
            from snaptui.present.diffs import Cancelled

            worker = get_current_worker()
            try:
                changes = look(self._session, lambda: worker.is_cancelled)
            except Cancelled:
                return  # the view was closed
        rows, starts, digits = build_rows(changes.diffs) if changes is not None else ([], [], 3)
        self.post_message(Built(changes, rows, starts, digits))

    def on_built(self, message: Built) -> None:
        self._changes = changes = message.changes
        s = self._session
        where = f"{one_line(s.session_id, 40)} in {humanfmt.home_short(s.project_dir)}"
        if changes is None or not changes.diffs:
            why = ("no source knows its lost turn" if changes is None else
                   one_line(changes.problem, 200) if changes.problem else "the lost turn left no file changed")
            self._title.update(Content.assemble(("Files of ", "bold"), (where, "$text-accent"), f": {why}"))
            self._files.display = False
            return
        # The figures first: a long project path is what the line's end cuts, not "+12 -3".
        self._title.update(Content.assemble((changes.summary, "bold"), ("  ·  ", "$text-muted"),
                                            ("the lost turn of ", "bold"), (where, "$text-accent")))
        cells = min(max(width(one_line(d.relative, 300)) for d in changes.diffs), 60)
        self._files.set_options([Option(file_option(d, cells)) for d in changes.diffs])
        self._files.highlighted = 0
        self.body.set_rows(message.rows, message.starts, message.digits)

    @on(DiffBody.Moved)
    def _moved(self, message: DiffBody.Moved) -> None:
        if self._files.option_count:
            self._files.highlighted = message.index

    @on(OptionList.OptionSelected, "#diff-files")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.body.go(event.option_index)
        self.body.focus()

    def action_step(self, delta: int) -> None:
        """Go to the next or previous file."""
        self.body.step(delta)

    def action_rollback(self) -> None:
        """Roll the files back (the app asks first)."""
        self.dismiss("rollback")

    def action_close(self) -> None:
        """Back to the list."""
        self.dismiss(None)


class FileList(OptionList, can_focus=False):
    """The files at the top; the one on screen highlighted; a click goes to it."""
