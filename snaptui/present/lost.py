"""What a crash lost, in words: the prompt of the interrupted turn, the tools it had asked for."""

from __future__ import annotations

from collections.abc import Callable

from snaptui.present.safetext import one_line
from snaptui.sources.records import LostTurn

STOPPED_BY = {"exit": "died", "error": "stopped with an error"}


def tool_call(name: str, argument: str, limit: int = 60) -> str:
    """``Edit src/config.rs``: a tool and its key argument, on one line."""
    return one_line(f"{name} {argument}".rstrip(), limit)


def summary(lost: LostTurn) -> str:
    """One line: ``lost: "Fix the loader…" · asked for Edit src/config.rs · stopped with an error: …``."""
    parts = []
    if lost.prompt:
        parts.append(f"lost: \u201c{one_line(lost.prompt, 80)}\u201d")
    if lost.pending_tools:
        calls = [tool_call(name, arg, 40) for name, arg in lost.pending_tools[:3]]
        more = len(lost.pending_tools) - len(calls)
        parts.append("asked for " + ", ".join(calls) + (f" and {more} more" if more > 0 else ""))
    if lost.stopped_by == "error":
        parts.append("stopped with an error" + (f": {one_line(lost.error, 80)}" if lost.error else ""))
    return " · ".join(parts) if parts else STOPPED_BY.get(lost.stopped_by, "died")


def tokens(lost: LostTurn) -> str | None:
    """``12,345 in / 678 out`` when the log holds the counts."""
    if lost.input_tokens is None and lost.output_tokens is None:
        return None
    return f"{_count(lost.input_tokens)} in / {_count(lost.output_tokens)} out"


def _count(n: int | None) -> str:
    from snaptui.present.humanfmt import count

    return "?" if n is None else count(n)


def spans(lost: LostTurn, field: Callable[..., list[tuple[str, str]]]) -> list[tuple[str, str]]:
    """The detail pane's lines for a lost turn (``field(label, *spans)`` lays out one line)."""
    from snaptui.present.safetext import multi_line

    parts: list[tuple[str, str]] = []
    if lost.prompt is not None:
        text = multi_line(lost.prompt[:4000]) + ("…" if len(lost.prompt) > 4000 else "")
        lines = f"\u201c{text}\u201d".split("\n")  # each under the first, as wrapped lines are
        for i, line in enumerate(lines):
            parts += field("Lost turn" if i == 0 else "", (line, "strong"))
    else:
        parts += field("Lost turn", ("its prompt is not in the log", "muted"))
    for i, (name, argument) in enumerate(lost.pending_tools[:20]):
        parts += field("Asked for" if i == 0 else "", (one_line(name, 40), "strong"),
                       (f" {one_line(argument, 200)}" if argument else "", "path"))
    if len(lost.pending_tools) > 20:
        parts += field("", (f"… and {len(lost.pending_tools) - 20} more", "muted"))
    if lost.stopped_by == "error":
        parts += field("Stopped", ("with an error: ", "bad"), (one_line(lost.error or "(no text)", 300), "bad-text"))
    else:
        parts += field("Stopped", ("the process died or was killed before the turn was saved", "warn"))
    used = tokens(lost)
    if used:
        parts += field("Tokens", (used, ""))
    if lost.last_turn_prompt or lost.last_turn_reply:
        parts += field("Last saved", (f"\u201c{one_line(lost.last_turn_prompt or '', 120)}\u201d", ""))
        if lost.last_turn_reply:
            parts += field("", ("→ ", "muted"), (one_line(lost.last_turn_reply, 200), "muted"))
    return parts
