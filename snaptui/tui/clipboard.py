"""The copy keys: ``c`` the resume command, ``e`` the Markdown report, ``p`` the lost prompt.

Textual copies through the terminal (OSC 52: over SSH too, and in tmux with
``set -g set-clipboard on``), and keeps the text in ``App.clipboard``.
What is copied goes through :mod:`snaptui.present.copytext` (no raw control
character) and a notification says what it was. The resume command and the
report read files (the project directory, the tool results), so they are
made in a worker, like every file the UI touches; the prompt is in the record.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.message import Message

from snaptui import __version__
from snaptui.present import humanfmt
from snaptui.present.copytext import Clip, clip, note, quoted
from snaptui.present.safetext import one_line
from snaptui.sources.records import Session


class ToClipboard(Message):
    """Text for the clipboard (made in a worker), and what to say about it."""

    def __init__(self, copied: Clip, what: str, instead: str = "") -> None:
        self.copied = copied
        self.what = what
        self.instead = instead
        super().__init__()


class ClipboardKeys:
    """The app's copy keys (mixed into :class:`snaptui.tui.app.SnaptuiApp`)."""

    def _session_to_copy(self: Any, what: str) -> Session | None:
        row = self.session_list.current
        if row is not None and isinstance(row.item, Session):
            return row.item
        self.notify(f"Only a session has {what}." if row is not None else "Nothing is highlighted.",
                    severity="warning", markup=False)
        return None

    def action_copy_command(self: Any) -> None:
        """Copy the highlighted session's resume command."""
        session = self._session_to_copy("a resume command")
        if session is not None:
            self._make_command(session)

    @work(thread=True, group="copy", description="copy", exit_on_error=False)
    def _make_command(self: Any, session: Session) -> None:
        from snaptui.actions.resume import plan

        resume = plan(self.settings["resume_command"], self.resumed(session))
        if resume.refused is not None:
            self.call_from_thread(self.notify, f"Not copied: {one_line(resume.refused)}.", title="Copy command",
                                  severity="error", markup=False)
            return
        command = clip(resume.display(), lines=False)
        self.post_message(ToClipboard(command, f"The resume command of {humanfmt.short_id(session.session_id)}: "
                                        f"{one_line(command.text, 120)}"))

    def action_copy_report(self: Any) -> None:
        """Copy the highlighted session's Markdown crash report."""
        session = self._session_to_copy("a crash report")
        if session is not None:
            live = self.live.get(session.key)
            why = humanfmt.live_reason(live.agent, live.written_ms, self.clock()) if live is not None else None
            self._make_report(session, why)

    @work(thread=True, group="copy", description="copy", exit_on_error=False)
    def _make_report(self: Any, session: Session, live_reason: str | None) -> None:
        from snaptui.present import report

        facts = report.gather(session, template=self.settings["resume_command"], live_reason=live_reason,
                              resumed=self.resumed(session))
        text = clip(report.build([(session, facts)], now_ms=self.clock(), version=__version__))
        lines = text.text.count("\n")
        short = humanfmt.short_id(session.session_id)
        self.post_message(ToClipboard(text, f"The Markdown crash report of {short} "
                                     f"({humanfmt.plural(lines, 'line')}, {humanfmt.size(len(text.text.encode()))})",
                               instead=f"snaptui export {short} --output FILE writes it to a file"))

    def action_copy_prompt(self: Any) -> None:
        """Copy the prompt of the turn the crash lost (a session of opendev's store)."""
        session = self._session_to_copy("a lost prompt")
        if session is None:
            return
        short = humanfmt.short_id(session.session_id)
        lost = session.lost_turn
        if lost is None or lost.prompt is None:
            why = ("its prompt is not in opendev's log" if lost is not None else
                   "only opendev's session store keeps the prompt of a turn a crash cut short, and it holds "
                   "none for this session")
            self.notify(f"No lost prompt to copy for {short}: {why}.", severity="warning", markup=False)
            return
        from snaptui.sources.opendev_common import CUT_MARK, TEXT_CAP

        whole = lost.prompt.removesuffix(CUT_MARK)  # the marker is snaptui's, not the prompt's
        prompt = clip(whole)
        size = humanfmt.plural(len(whole), "character") if whole == lost.prompt else \
            f"its first {humanfmt.plural(TEXT_CAP, 'character')}: snaptui keeps no more of a prompt"
        self.post_message(ToClipboard(prompt, f"The lost prompt of {short} ({size}): {quoted(prompt.text)}"))

    def on_to_clipboard(self: Any, message: ToClipboard) -> None:
        self.copy_to_clipboard(message.copied.text)
        self.notify(note(message.what, message.copied, instead=message.instead), title="Copied",
                    severity="warning" if message.copied.replaced else "information", markup=False)
