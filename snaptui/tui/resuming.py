"""Resuming from the list: ``enter`` hands the terminal to the agent, in the project.

The checks are I/O, so they run in a worker: whether the resume command can run here
at all (else the TUI stays and says why: a missing ``opendev`` used to close it with an
error on the way out), whether the project directory is still there (else the
person is asked where: :class:`snaptui.tui.relocate.ResumeElsewhereScreen`), and whether
opendev can load the session at all (else the person is asked first). The keys
typed meanwhile wait (:mod:`snaptui.tui.keyorder`): they belong to a dialog, if one
opens, not to the list.
"""

from __future__ import annotations

import os
from typing import Any

from textual import work

from snaptui.present import humanfmt
from snaptui.present.viewmodel import Row
from snaptui.sources.records import Session
from snaptui.tui.relocate import Choice, ResumeElsewhereScreen


class ResumeKeys:
    """The app's resume (mixed into :class:`snaptui.tui.app.SnaptuiApp`)."""

    def action_resume(self: Any, row: Row | None = None) -> None:
        """Resume the highlighted session (asks first if it may still be running)."""
        row = row or self.session_list.current
        if row is None or not isinstance(row.item, Session):
            if row is not None:
                self.notify("Only a session can be resumed.", severity="warning", markup=False)
            self.call_next(self.release_held)
            return
        session = row.item
        if session.completed:
            self.notify("This session completed cleanly; opendev can still resume it.", markup=False)
        live = self.live.get(session.key)
        running = humanfmt.live_reason(live.agent, live.written_ms, self.clock()) if live is not None else None
        # The keys typed meanwhile wait: they belong to the question or dialog, if one opens, not
        # to the list ("enter d" resumed a session and discarded it too).
        self.hold_keys()
        self._look_where(self.resumed(session), running)

    @work(thread=True, group="resume", description="resume", exit_on_error=False)
    def _look_where(self: Any, session: Session, running: str | None = None) -> None:
        """Resume in the project directory, or, when it is gone, ask where (the checks are I/O);
        nothing when the resume command cannot be run here (the TUI stays, and says why). Each
        reason to ask first (it may be ``running``; opendev cannot load it) in one question."""
        from snaptui.actions.handoff import can_run
        from snaptui.actions.resume import not_loadable, plan, usable_project_dir

        exists = usable_project_dir(session.project_dir)
        resume = plan(self.settings["resume_command"], session)
        if resume.refused is not None:
            self.call_from_thread(self._cannot_resume, resume.refused)
            return
        program = resume.argv[0]
        # (a relative path to the program is looked for in the project directory: when that is
        # gone, in the one the person chooses next, by the agent's own start)
        if (exists or os.sep not in program) and not can_run(resume):
            self.call_from_thread(self._cannot_run, program)
            return
        reasons = [f"It may still be running: {running}."] if running else []
        if exists:
            why = not_loadable(self.settings["resume_command"], session)
            reasons += [] if why is None else [f"{why}."]
        if reasons:
            self.call_from_thread(self._ask_first, session, exists, reasons, running is not None)
            return
        self.call_from_thread(self._resume_or_ask, session, exists)

    def _ask_first(self: Any, session: Session, exists: bool, reasons: list[str], running: bool = False) -> None:
        title = "Resume a session that may be running?" if running else "Resume a session opendev does not have?"
        self._confirm_then(title, " ".join([*reasons, "Resume anyway?"]), "Resume",
                           lambda: self._resume_or_ask(session, exists))
        self.call_next(self.release_held)  # into the question

    def _cannot_run(self: Any, program: str) -> None:
        from snaptui.present.safetext import one_line

        self._cannot_resume(f"{one_line(program)} is not installed here (not found on PATH): set resume_command "
                            "in the config file to the command that resumes a session")

    def _cannot_resume(self: Any, why: str) -> None:
        from snaptui.present.safetext import one_line

        self.notify(f"{one_line(why)}.", title="Cannot resume", severity="error", timeout=10, markup=False)
        self.call_next(self.release_held)

    def _resume_or_ask(self: Any, session: Session, exists: bool) -> None:
        if exists:
            self.exit(session)  # the keys held are the agent's to ignore now
            return

        def chosen(choice: Choice | None) -> None:
            if choice is not None:
                self._relocate(session, choice)

        self.push_screen(ResumeElsewhereScreen(session), chosen)
        self.call_next(self.release_held)  # into the dialog, once it is there

    @work(thread=True, group="resume", description="resume", exit_on_error=False)
    def _relocate(self: Any, session: Session, choice: Choice) -> None:
        """Create the old directory, or copy a store session's files for the new one; then resume."""
        from snaptui.actions import relocate

        try:
            if choice.create:
                os.makedirs(choice.directory, exist_ok=True)
                moved = session
            elif not os.path.isdir(choice.directory):
                raise relocate.MoveError(f"{choice.directory} is not an existing directory")
            else:
                copied = relocate.copy_session(session, choice.directory,
                                               root=relocate.reading_root(session, choice.directory))
                moved = relocate.moved_on(session, relocate.move_to(session, choice.directory, copied), self.state_dir)
        except (relocate.MoveError, OSError) as exc:
            self.call_from_thread(self.notify, f"Not resumed: {exc}", title="Resume somewhere else",
                                  severity="error", markup=False)
            return
        from snaptui.actions.resume import not_loadable

        why = not_loadable(self.settings["resume_command"], moved)  # (in the chosen directory's folder)
        if why is not None:
            self.call_from_thread(self._ask_first, moved, True, [f"{why}."])
            return
        self.call_from_thread(self.exit, moved)
