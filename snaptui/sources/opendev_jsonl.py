"""The saved transcript ``{id}.jsonl``: its size, when it was saved, its last finished turn.

One compact ``ChatMessage`` per line, keys in struct order ``role, content,
timestamp, metadata, tool_calls, …`` (OPENDEV_STORE.md §3), rewritten whole
at every turn end. Read within bounded memory, like the debug log:

- One forward pass in blocks counts the lines that start an object (the
  message count: opendev skips a line that does not parse, §3, and a blank or
  junk line starts no object), the
  failed tool calls (a ``ToolCall`` has ``"approved":…,"error":`` exactly when
  it failed) and the tool names (``"name":"…","parameters":``), by byte
  patterns: quotes inside JSON strings are escaped, so these only match keys.
- A backward pass from the end finds the last finished turn (§3, "Recipes"):
  its last user prompt, skipping lines whose metadata has ``_msg_class``,
  ``display_hidden`` or ``_thinking`` and text starting ``<system-reminder>`` or
  ``[SYSTEM] ``; its last non-empty assistant text (else the summary a closing
  ``task_complete``/``TaskStop`` call carries); and the last element of the
  ``tool_calls`` of the last assistant line that has any (failed iff ``error``).
- The newest timestamp is the largest among the lines read from the end:
  a save stamps the whole turn with the save time, so the last lines carry it.

Lines that do not parse are skipped, as opendev does when it loads them.
"""

from __future__ import annotations

import os

from snaptui.base.files import open_regular
from snaptui.base.named import NamedTuple  # typing's, without importing typing
from snaptui.sources.opendev_common import TEXT_BYTES, capped, is_injected, ts_ns
from snaptui.sources.tailread import BLOCK, Changed, OutOfBudget, Reader, json_string

LINE_MAX = 4 * 1024 * 1024
"""Lines up to this many bytes are parsed whole; longer ones are read in pieces."""

BUDGET = 64 * 1024 * 1024
"""Bytes the backward pass reads at most (the counting pass reads the file once)."""

HEAD = 64 * 1024
NAMES_MAX = 200
"""Distinct tool names kept for the filter."""

HIDDEN_KEYS = ("_msg_class", "display_hidden", "_thinking")
SUMMARY_TOOLS = ("task_complete", "TaskStop")

FAILED = (b'"approved":true,"error":', b'"approved":false,"error":')
PARAMETERS = b'","parameters":'
NAME = b'"name":"'


class TranscriptFacts(NamedTuple):
    message_count: int
    newest_ns: int | None
    prompt: str | None
    reply: str | None
    last_tool: tuple[str, bool] | None
    """``(name, ok)`` of the last tool call kept."""
    failures: int
    tool_names: tuple[str, ...]


def read_transcript(path: str) -> TranscriptFacts | str:
    """Read the transcript at ``path`` (a regular file). A one-line reason when
    it shrank while being read. Raises OSError or ``Unreadable``."""
    fd, st = open_regular(path)
    try:
        try:
            # The counting pass reads the whole file once (plus block overlaps): no budget.
            r = Reader(fd, st.st_size, 1 << 62)
            lines, failures, names = _count(r)
            turn = _Turn()
            r.left = BUDGET  # the backward pass has a budget of its own (a small file stays in memory)
            try:
                _backwards(r, turn)
            except OutOfBudget:
                pass  # what was found within the budget stands
        except Changed:
            return "shrank while it was read"
    finally:
        os.close(fd)
    return TranscriptFacts(lines - turn.skipped, turn.newest, turn.prompt, turn.reply_or_summary(), turn.last_tool,
                           failures, names)


def facts_from_messages(messages: list[object]) -> TranscriptFacts:
    """The same facts from a legacy all-in-one ``.json``'s ``messages`` (§3: used when there is no ``.jsonl``)."""
    turn = _Turn()
    for m in reversed(messages):
        if isinstance(m, dict) and not turn.take(m):
            break
    failures = 0
    names: dict[str, None] = {}
    for m in messages:
        for call in _calls(m):
            failures += "error" in call
            name = call.get("name")
            if isinstance(name, str) and len(names) < NAMES_MAX:
                names.setdefault(name, None)
    return TranscriptFacts(len(messages), turn.newest, turn.prompt, turn.reply_or_summary(), turn.last_tool,
                           failures, tuple(names))


def _calls(m: object) -> list[dict[str, object]]:
    calls = m.get("tool_calls") if isinstance(m, dict) else None
    return [c for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []


class _Turn:
    """The last finished turn, assembled from messages fed newest first."""

    def __init__(self) -> None:
        self.stamped: int | None = None
        """The newest stamp not in opendev's own form."""
        self.plain: list[str] = []
        """Stamps in opendev's own form (``…T…+00:00``, nine digits): as text, they sort as in time."""
        self.prompt: str | None = None
        self.found_prompt = False
        self.reply: str | None = None
        self.summary: str | None = None
        self.last_tool: tuple[str, bool] | None = None
        self.skipped = 0
        """Lines met that look like a message (``{…``) but are not JSON (a half-written last
        line): opendev skips them (§3), and the counting pass counted them."""

    @property
    def newest(self) -> int | None:
        """The newest timestamp met."""
        best = self.stamped
        for text in sorted(set(self.plain), reverse=True):
            ns = ts_ns(text)  # None for a malformed one (a month 13, a letter): the next one then
            if ns is not None:
                return ns if best is None or ns > best else best
        return best

    def reply_or_summary(self) -> str | None:
        return self.reply if self.reply is not None else self.summary

    def take(self, m: dict[str, object]) -> bool:
        """Account for one message; False once nothing older can change the answer."""
        calls = _calls(m)
        for stamp in [m.get("timestamp"), *(c.get("timestamp") for c in calls)]:
            if type(stamp) is str and len(stamp) == 35 and stamp[10] == "T" and stamp.endswith("+00:00"):
                self.plain.append(stamp)  # parsed at the end, the newest only: a save stamps many alike
                continue
            ns = ts_ns(stamp)
            if ns is not None and (self.stamped is None or ns > self.stamped):
                self.stamped = ns
        role = m.get("role")
        content = m.get("content")
        if role == "assistant":
            if self.last_tool is None and calls and isinstance(calls[-1].get("name"), str):
                self.last_tool = (str(calls[-1]["name"]), "error" not in calls[-1])
            if not self.found_prompt:
                if self.reply is None and isinstance(content, str) and content:
                    self.reply = capped(content, bool(m.get("_cut")))
                if self.summary is None:
                    self.summary = _summary(calls)
        elif role == "user" and not self.found_prompt and isinstance(content, str) and not _hidden(m, content):
            self.found_prompt = True
            self.prompt = capped(content, bool(m.get("_cut")))
        return not (self.found_prompt and self.last_tool is not None)


def _hidden(m: dict[str, object], content: str) -> bool:
    meta = m.get("metadata")
    return is_injected(content) or (isinstance(meta, dict) and any(k in meta for k in HIDDEN_KEYS))


def _summary(calls: list[dict[str, object]]) -> str | None:
    for call in reversed(calls):
        params = call.get("parameters")
        if call.get("name") in SUMMARY_TOOLS and isinstance(params, dict):
            for key in ("result", "summary"):
                if isinstance(params.get(key), str) and params[key]:
                    return capped(str(params[key]))
    return None


# -- the counting pass -------------------------------------------------------


def _count(r: Reader) -> tuple[int, int, tuple[str, ...]]:
    """Lines, failed calls and distinct tool names, in one pass of :data:`BLOCK` reads."""
    lines = failures = 0
    names: dict[str, None] = {}
    pos = 0
    while pos < r.size:
        carry = min(pos, 512)  # re-read the previous block's end: a pattern can straddle blocks
        buf, n = r.fill(pos - carry, pos + BLOCK)
        if pos == 0:
            lines += buf[:1] == b"{"
        lines += _objects(buf, max(carry - 1, 0), n)  # "\n{" across the blocks' seam counted once
        for pattern in FAILED:
            at = buf.find(pattern, 0, n)
            while at >= 0:
                failures += at + len(pattern) > carry  # not counted with the previous block
                at = buf.find(pattern, at + 1, n)
        at = buf.find(PARAMETERS, 0, n)
        while at >= 0:
            if at + len(PARAMETERS) > carry and len(names) < NAMES_MAX:
                _add_name(buf, at, names)
            at = buf.find(PARAMETERS, at + 1, n)
        pos += n - carry
    return lines, failures, tuple(names)


def _objects(buf: bytearray, start: int, end: int) -> int:
    """Lines starting an object (``\\n{``) in ``buf[start:end]``: found one by one while
    they are sparse (fast where lines are long), counted in bulk where they are dense."""
    found = 0
    at = buf.find(b"\n{", start, end)
    while at >= 0:
        found += 1
        if found == 64:
            return found + buf.count(b"\n{", at + 1, end)
        at = buf.find(b"\n{", at + 1, end)
    return found


def _add_name(buf: bytearray, at: int, names: dict[str, None]) -> None:
    start = buf.rfind(NAME, max(0, at - 256), at)
    if start < 0:
        return
    raw = bytes(buf[start + len(NAME) : at])
    if b'"' in raw or b"\\" in raw:
        return
    try:
        names.setdefault(raw.decode(), None)
    except UnicodeDecodeError:
        return


# -- the backward pass -------------------------------------------------------


def _backwards(r: Reader, turn: _Turn) -> None:
    import orjson

    end = r.size
    if end and r.read(end - 1, end) == b"\n":
        end -= 1
    while end > 0:
        lo = max(0, end - LINE_MAX)
        at, _ = r.rfind((b"\n",), lo, end)
        if at >= 0 or lo == 0:
            start = at + 1
            buf, offset, n = r.view(start, end)  # a small transcript is in memory: no copy
            try:
                m = orjson.loads(memoryview(buf)[offset : offset + n])
            except orjson.JSONDecodeError:
                m = None
                turn.skipped += buf[offset : offset + 1] == b"{"
        else:
            start = r.line_start(lo)  # [lo, end) is known to hold no newline
            m = _long_line(r, start, end)
        if isinstance(m, dict) and not turn.take(m):
            return
        end = start - 1


def _long_line(r: Reader, start: int, end: int) -> dict[str, object] | None:
    """The parts of a line over :data:`LINE_MAX` that :class:`_Turn` looks at,
    read in pieces: role, content (capped; ``_cut`` marks it), timestamp and
    metadata from the head, the last tool call from the tail."""
    import orjson

    head = r.read(start, start + 64)
    for role in ("user", "assistant", "system"):
        prefix = b'{"role":"' + role.encode() + b'","content":"'
        if head.startswith(prefix):
            break
    else:
        return None
    m: dict[str, object] = {"role": role}
    text, cut, after = json_string(r, start + len(prefix) - 1, TEXT_BYTES, need_end=True)
    if text is None or after < 0:
        return None
    m["content"], m["_cut"] = text, cut
    rest = r.read(after, min(end, after + HEAD))
    ts_at = rest.find(b',"timestamp":"')
    meta_at = rest.find(b',"metadata":')
    calls_at = rest.find(b',"tool_calls":')
    if ts_at == 0 and meta_at > 0:
        try:
            m["timestamp"] = orjson.loads(rest[len(b',"timestamp":') : meta_at])
            if calls_at > meta_at:
                m["metadata"] = orjson.loads(rest[meta_at + len(b',"metadata":') : calls_at])
        except orjson.JSONDecodeError:
            return None
    last = _last_call(r, after, end)
    if last is not None:
        m["tool_calls"] = [last]
    return m


def _last_call(r: Reader, lo: int, end: int) -> dict[str, object] | None:
    """``{name, timestamp, error?}`` of the last ``ToolCall`` in ``[lo, end)`` (nested calls are always empty)."""
    import orjson

    approved, _ = r.rfind((b'"approved":',), lo, end)
    if approved < 0:
        return None
    tail = r.read(approved, approved + 32)
    call: dict[str, object] = {}
    if tail.startswith((b'"approved":true,"error":', b'"approved":false,"error":')):
        call["error"] = True
    stamp = r.read(max(lo, approved - 64), approved)
    at = stamp.rfind(b'"timestamp":"')
    if at >= 0:
        try:
            call["timestamp"] = orjson.loads(stamp[at + len(b'"timestamp":') : -1])
        except orjson.JSONDecodeError:
            call["timestamp"] = None  # an odd stamp only loses this call's time
    params, _ = r.rfind((PARAMETERS,), lo, approved)
    if params < 0:
        return None
    before = r.read(max(lo, params - 256), params + 1)
    name_at = before.rfind(NAME)
    if name_at < 0:
        return None
    try:
        call["name"] = orjson.loads(before[name_at + len(NAME) - 1 :])
    except orjson.JSONDecodeError:
        return None
    if call["name"] in SUMMARY_TOOLS:  # its parameters may hold the turn's summary: small, read them
        args = r.read(params + len(PARAMETERS), min(approved, params + len(PARAMETERS) + HEAD))
        close = min((i for i in (args.find(b',"result":'), args.find(b',"timestamp":')) if i >= 0), default=-1)
        try:
            call["parameters"] = orjson.loads(args[:close]) if close >= 0 else None
        except orjson.JSONDecodeError:
            call["parameters"] = None
    return call
