"""What the lost turn did to the files, in the app: ``D`` shows the diff, ``B`` rolls it back, ``u`` undoes that.

A rollback is planned in a worker from a fresh look at the files (not from
what the detail pane showed a while ago), listed in a confirmation, and
applied in a worker only after yes; :func:`snaptui.actions.rollback.apply`
then refuses, changing nothing, if any file changed since that look. It is
refused at once while the session may still be running (``live?``), and
again in the worker if it started meanwhile.

``u`` right after a rollback undoes it. After a restart, ``u`` undoes the
newest of the last discard (at once, as always) and the last rollback
(only after asking: the confirmation says it is a rollback, of which
session, in which project, how many files).
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Label, Static

from snaptui.actions import rollback
from snaptui.present import changes as changes_text
from snaptui.present import humanfmt
from snaptui.present.safetext import one_line
from snaptui.sources.records import Session
from snaptui.tui import work as actions
from snaptui.tui.detail import content
from snaptui.tui.dialogs import ConfirmScreen
from snaptui.tui.diffview import DiffScreen
from snaptui.tui.footer import SnapFooter
from snaptui.tui.messages import RollbackPlanned, RollbackToUndo, Undo
from snaptui.tui.viewing import ViewingApp

NO_TURN = ("No lost turn is known for this session: only opendev's session store keeps the turn a crash "
           "lost, and its checkpoints say what it did to the files.")


class RollbackScreen(ConfirmScreen):
    """The confirmation of a rollback: every file and what will happen to it (scrolls when long)."""

    DEFAULT_CSS = """
    #rollback-dialog { width: 100; }
    #rollback-files { height: auto; max-height: 24; margin-bottom: 1; }
    #rollback-files .dialog-body { margin-bottom: 0; }
    """

    def __init__(self, title: str, body: Content, yes: str) -> None:
        super().__init__(title, "", yes=yes)
        self._body = body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="rollback-dialog"):
            yield Label(Content(self._title), classes="dialog-title")
            with VerticalScroll(id="rollback-files"):
                yield Static(self._body, classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("No", id="no", variant="default")
                yield Button(f"{self._yes} (y)", id="yes", variant="warning")
        yield SnapFooter()


class ChangesApp(ViewingApp):
    """The diff view, the rollback and its undo."""

    undo_stack: list[Undo]
    """Made by the app: what ``u`` can put back, newest last."""
    _asked: int
    _in_flight: int
    """Made by the app: how many actions were asked for (their order), and how many are running."""

    def _turn_session(self) -> Session | None:
        """The highlighted session when a source knows its lost turn; else says why and None."""
        row = self.session_list.current
        session = row.item if row is not None else None
        if not isinstance(session, Session):
            if row is not None:
                self.notify("Only a session has files a lost turn changed.", severity="warning", markup=False)
            return None
        if session.lost_turn is None or session.lost_turn.data_root is None:
            self.notify(NO_TURN, severity="warning", markup=False)
            return None
        return session

    def action_diff(self) -> None:
        """Show what the lost turn did to each file, as diffs."""
        session = self._turn_session()
        if session is None:
            return
        def closed(result: str | None) -> None:
            if result == "rollback" and not self._refuse_if_live(session):
                self._plan_rollback(session)

        # The view looks at the files again: the detail's look may be older than an edit or a rollback
        # made elsewhere (diffs of the same contents are not made again).
        self.push_screen(DiffScreen(session, None), closed)

    def _refuse_if_live(self, session: Session) -> bool:
        live = self.live.get(session.key)
        if live is None:
            return False
        why = humanfmt.live_reason(live.agent, live.written_ms, self.clock())
        self.notify(f"Not rolled back: the session may still be running ({why}), and opendev could change these "
                    "files again. Stop it first.", title="Rollback refused", severity="error", markup=False)
        return True

    def action_rollback(self) -> None:
        """Put the files the lost turn changed back as they were before it (asks first; u undoes)."""
        session = self._turn_session()
        if session is None or self._refuse_if_live(session):
            return
        self._plan_rollback(session)

    @work(thread=True, exclusive=True, group="rollback-plan", description="rollback-plan", exit_on_error=False)
    def _plan_rollback(self, session: Session) -> None:
        from snaptui.sources import details

        found = details.turn_changes(session)
        plan = rollback.plan(found.changes, session.project_dir, session_id=session.session_id) if found else None
        self.post_message(RollbackPlanned(session, plan))

    def on_rollback_planned(self, message: RollbackPlanned) -> None:
        session, plan = message.session, message.plan
        if plan is None:
            self.notify(NO_TURN, severity="warning", markup=False)
            return
        refused = changes_text.refusal(plan)
        if refused:
            self.notify(f"Nothing changed: {refused}", title="Rollback refused", severity="error", markup=False)
            return
        if not plan.steps:
            self.notify("Nothing to roll back: the lost turn left no file it changed that snaptui can put back.",
                        markup=False)
            return
        if self._refuse_if_live(session):
            return

        def answered(yes: bool | None) -> None:
            if yes and not self._refuse_if_live(session):
                self._in_flight += 1
                self._asked += 1  # among the discards: u undoes whichever was asked for last
                self._rollback(session, plan, self._asked)

        body = content(changes_text.rollback_spans(plan, session.session_id))
        self.push_screen(RollbackScreen("Roll back the lost turn's files?", body, "Roll back"), answered)

    @work(thread=True, group="action", description="action", exit_on_error=False)
    def _rollback(self, session: Session, plan: Any, order: int) -> None:
        from snaptui.catalog.liveness import Liveness

        running = Liveness.from_settings(self.settings, self.clock()).reason(session) is not None
        done = actions.rolled_back(plan, self.state_dir, running)
        done.order = order
        self.post_message(done)

    def on_rollback_to_undo(self, message: RollbackToUndo) -> None:
        b = message.batch
        question = (f"The newest thing to undo is a rollback, {humanfmt.ago(b.created_ms, self.clock())}: "
                    f"{humanfmt.plural(len(b.entries), 'file')} of session {one_line(b.session_id, 40)} in "
                    f"{humanfmt.home_short(b.project_dir)}. Put them back as the rollback found them?")

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_undo(Undo(None, (), b.path))

        self.push_screen(ConfirmScreen("Undo a rollback?", question, yes="Undo it"), answered)

    def action_undo(self) -> None:
        """Undo the last discard or rollback (after a restart: the newest of them, asking first for a rollback)."""
        self.run_undo(self.undo_stack.pop() if self.undo_stack else None)

    @work(thread=True, group="action", description="action", exit_on_error=False)
    def run_undo(self, what: Undo | None) -> None:
        self.post_message(actions.undo(self.directory, self.state_dir, what, self.clock))
