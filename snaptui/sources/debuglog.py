"""What the end of an opendev ``{id}.debug`` log says about the turn that was running.

The log is JSONL, appended live, one entry per line with sorted keys
``component, data, elapsed_ms, event, ts`` (OPENDEV_STORE.md §4, "{id}.debug").
Of its events three matter: ``llm_request`` (``data.payload`` is the whole
OpenAI-style request, so the last one holds the turn's prompt), ``llm_response``
(``data.body`` holds the calls the model asked for, ``data.input_tokens`` /
``output_tokens`` the usage) and ``llm_error``. A turn is saved to the
transcript only when it ends (§0), so entries newer than the transcript are a
turn that was lost.

The log is read backwards from its end (:mod:`tailread`), within
:data:`BUDGET` bytes, so the cost does not grow with the log:

- A last line without its newline is being written: it is skipped. So are
  lines that are not JSON objects (or not UTF-8). Only when nothing usable is
  left is the log called damaged.
- Lines up to :data:`PARSE_MAX` bytes are parsed whole. Longer ones (every
  real request: it carries the conversation) are read in pieces
  (:mod:`debugbig`): their ``event`` and ``ts`` are their last keys, so the
  line's tail gives them; a request's prompt is found by searching back from
  the line's end, so its cost depends on how far the prompt is from the end,
  not on the line's length.
- Entries of ``component == "subagent"`` (subagents log into the parent's
  file, §4) count as activity but are not the person's turn: the prompt, the
  requested tools and the error come from the main agent's entries. The
  component is a line's first key: for a long line its start is looked for
  within :data:`LINE_MAX` bytes; a longer line is taken to be the main
  agent's. Stepping past a line to older ones needs its start whatever its
  length: that is what a turn with several model calls costs.

When the lost turn began is the ``ts`` of its first request: the earliest
request, after the transcript's save, whose last prompt is the lost one.
Finding it means stepping back past the turn's later requests, each as long
as the conversation, so it gets :data:`TURN_START_BUDGET` bytes; past that
(or when the prompt is unknown) the earliest request reached stands, the
last one at worst.

Edited paths are those of the lost turn's Edit/Write/multi_edit calls, in
order, each once.

Tokens: those of the last ``llm_response`` of the lost turn. Each response's
``input_tokens`` is already the whole context, so a sum would count the
conversation once per model call.
"""

from __future__ import annotations

import os

from snaptui.base.files import open_regular
from snaptui.base.named import NamedTuple  # typing's, without importing typing
from snaptui.sources import debugbig
from snaptui.sources.opendev_common import (
    capped,
    content_text,
    edited_path,
    is_injected,
    key_argument,
    parse_arguments,
    token_count,
    ts_ns,
)
from snaptui.sources.tailread import Changed, OutOfBudget, Reader

PARSE_MAX = 64 * 1024
"""Lines up to this many bytes are parsed whole; longer ones are read in pieces from their end."""

FIRST_PROBE = 4 * 1024
"""The first read at a line's end (responses, errors and other events usually fit)."""

LINE_MAX = 4 * 1024 * 1024
"""How far back the start of a long line is looked for when its component matters (it is the
line's first key); a longer line is taken to be the main agent's."""

BUDGET = 64 * 1024 * 1024
"""Bytes read from one log at most; past it the reader keeps what it found."""

TURN_START_BUDGET = 8 * 1024 * 1024
"""Bytes read, once the last request is found, to find the earlier requests of its turn
(stepping past a request means reading it: it holds the conversation)."""

LLM_EVENTS = frozenset({"llm_request", "llm_response", "llm_error"})


class DebugFacts(NamedTuple):
    """What the log says; plain values only (the catalog caches them)."""

    lost: bool
    """An llm entry is newer than the transcript (or there is no transcript and any exists)."""
    last_ns: int | None
    """``ts`` of the last llm entry; of the last entry of any kind when there is none."""
    stopped_by: str
    error: str | None
    prompt: str | None
    pending: tuple[tuple[str, str], ...]
    edited: tuple[str, ...]
    input_tokens: int | None
    output_tokens: int | None
    turn_started_ns: int | None


class _Entry(NamedTuple):
    event: str
    ts: int
    main: bool | None
    """Whether the main agent wrote it; None while a long line's start is not looked for."""
    data: dict[str, object] | None
    """The parsed ``data`` of a whole-read line; None for a long line."""
    end: int
    """Offset of the line's newline."""
    floor: int
    """An offset known to be inside the line (its start, when known)."""
    start: int | None


class _Request(NamedTuple):
    prompt: str | None
    after: int
    """Assistant messages after the prompt: earlier model calls of the same turn."""
    edited: tuple[str, ...]


class _Response(NamedTuple):
    calls: tuple[tuple[str, str, str | None], ...]
    """``(name, key argument, edited path)`` of each requested call."""
    input_tokens: int | None
    output_tokens: int | None


def read_debug(path: str, cutoff_ns: int | None) -> DebugFacts | str:
    """Read the log at ``path`` (a regular file, never opened otherwise).

    ``cutoff_ns`` is when the transcript was last saved (None: there is no
    saved turn). Returns the facts, or a one-line reason when nothing usable
    is in the log. Raises OSError or :class:`snaptui.base.files.Unreadable`.
    """
    fd, st = open_regular(path)
    try:
        return _Walk(Reader(fd, st.st_size, BUDGET), cutoff_ns).run()
    finally:
        os.close(fd)


class _Walk:
    """One backward pass over a log; state of what has been found so far."""

    def __init__(self, r: Reader, cutoff_ns: int | None) -> None:
        self.r = r
        self.cutoff = cutoff_ns
        self.usable = 0
        self.bad: str | None = None
        self.last_any_ns: int | None = None
        self.last_llm_ns: int | None = None
        self.stopped_by = "exit"
        self.error: str | None = None
        self.seen_main = False
        self.response: _Response | None = None
        self.request: _Request | None = None
        self.turn_started_ns: int | None = None
        self.earlier_response: _Response | None = None

    def run(self) -> DebugFacts | str:
        r = self.r
        if r.size == 0:
            return self._facts()
        try:
            end = r.size - 1
            if r.read(end, r.size) != b"\n":
                self.bad = "its last line is still being written"
                at, _ = r.rfind((b"\n",), 0, end)
                end = at
            while end >= 0:
                entry = self._entry(end)
                if entry is not None:
                    more, entry = self._take(entry)
                    if not more:
                        break
                start = entry.start if entry is not None else None
                if start is None:
                    start = r.line_start(end if entry is None else entry.floor)
                end = start - 1
        except OutOfBudget:
            self.bad = self.bad or f"no complete entry in its last {BUDGET // (1024 * 1024)} MiB"
        except Changed:
            return "shrank while it was read"
        if self.usable == 0:
            return f"no usable entry ({self.bad or 'no entries'})"
        return self._facts()

    def _facts(self) -> DebugFacts:
        lost = self.last_llm_ns is not None and (self.cutoff is None or self.last_llm_ns > self.cutoff)
        if not lost:
            last = self.last_llm_ns if self.last_llm_ns is not None else self.last_any_ns
            return DebugFacts(False, last, "exit", None, None, (), (), None, None, None)
        response = self.response or self.earlier_response
        req = self.request
        edited = list(req.edited if req else ())
        for _, _, p in self.response.calls if self.response else ():
            if p is not None:
                edited.append(p)
        return DebugFacts(
            True,
            self.last_llm_ns,
            self.stopped_by,
            self.error,
            req.prompt if req else None,
            tuple((n, a) for n, a, _ in self.response.calls) if self.response else (),
            tuple(dict.fromkeys(edited)),
            response.input_tokens if response else None,
            response.output_tokens if response else None,
            self.turn_started_ns,
        )

    def _take(self, e: _Entry) -> tuple[bool, _Entry]:
        """Account for one entry (newest first): whether older ones are needed, and
        the entry (with its start, when that was looked up)."""
        self.usable += 1
        if self.last_any_ns is None:
            self.last_any_ns = e.ts
        if self.cutoff is not None and e.ts <= self.cutoff:
            return False, e  # everything older was saved with the transcript
        if e.event not in LLM_EVENTS:
            return True, e
        if self.last_llm_ns is None:
            self.last_llm_ns = e.ts
        if self.request is None:
            e = self._located(e)
            if not e.main:
                return True, e
            if not self.seen_main:
                self.seen_main = True
                if e.event == "llm_error":
                    self.stopped_by = "error"
                    self.error = self._error(e)
            if e.event == "llm_response" and self.response is None:
                self.response = self._response(e)
            elif e.event == "llm_request":
                self.request = self._request(e, full=True)
                self.turn_started_ns = e.ts
                self.r.left = min(self.r.left, TURN_START_BUDGET)
                return self.request.prompt is not None and self.request.after > 0, e
            return True, e
        # Earlier calls of the lost turn: the first of them tells when it began. Subagent
        # entries between them are skipped; a long one is not told apart, and its prompt,
        # being another, ends the search early (a later start is kept, never a wrong turn).
        if e.main is False:
            return True, e
        if e.event == "llm_response" and self.earlier_response is None and self.response is None:
            self.earlier_response = self._response(e, tokens_only=True)
        elif e.event == "llm_request":
            earlier = self._request(e, full=False)
            if earlier.prompt != self.request.prompt:
                return False, e
            self.turn_started_ns = e.ts
            return earlier.after > 0, e
        return True, e

    # -- one line -------------------------------------------------------------

    def _entry(self, end: int) -> _Entry | None:
        """The entry whose line ends at ``end`` (its newline), or None when it is not one."""
        r = self.r
        for probe in (min(FIRST_PROBE, PARSE_MAX), PARSE_MAX):  # most entries but requests are short
            lo = max(0, end - probe)
            buf, at, n = r.view(lo, end)  # a small log is in memory: no copy
            found = buf.rfind(b"\n", at, at + n)
            if found >= 0 or lo == 0:
                nl = found - at if found >= 0 else -1  # where the line's newline before it is, from lo
                return self._parsed(memoryview(buf)[at + nl + 1 : at + n], end, lo + nl + 1)
        tail = debugbig.tail_entry(bytes(memoryview(buf)[at + max(0, n - debugbig.TAIL) : at + n]))
        if tail is not None:
            return _Entry(tail[0], tail[1], None, None, end, lo, None)
        # Not opendev's layout at its end: parse it whole if it is not too long.
        e = self._located(_Entry("", 0, None, None, end, lo, None))
        if e.start is not None:
            buf, n = r.fill(e.start, end)
            return self._parsed(memoryview(buf)[:n], end, e.start)
        self.bad = "a line too long to read is not an entry"
        return None

    def _located(self, e: _Entry) -> _Entry:
        """A long entry with its start and component looked up, within :data:`LINE_MAX`."""
        if e.main is not None:
            return e
        r = self.r
        floor = max(0, e.end - LINE_MAX)
        at, _ = r.rfind((b"\n",), floor, e.floor)
        if at < 0 and floor > 0:
            return e._replace(main=True, floor=floor)  # too long to look: taken to be the main agent's
        start = at + 1
        main = not r.read(start, start + 32).startswith(b'{"component":"subagent"')
        return e._replace(main=main, floor=start, start=start)

    def _parsed(self, line: memoryview, end: int, start: int) -> _Entry | None:
        import orjson

        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            self.bad = "a line is not valid JSON or not UTF-8"
            return None
        event = obj.get("event") if isinstance(obj, dict) else None
        ts = ts_ns(obj.get("ts")) if isinstance(obj, dict) else None
        if not isinstance(event, str) or ts is None:
            self.bad = "a line has no event or time"
            return None
        data = obj.get("data")
        return _Entry(event, ts, obj.get("component") != "subagent",
                      data if isinstance(data, dict) else {}, end, start, start)

    def _error(self, e: _Entry) -> str:
        data = e.data if e.data is not None else self._whole(e)
        if data is None:
            return "(the error message is too long to read)"
        text = data.get("error")
        return capped(text) if isinstance(text, str) else "(no error message)"

    def _whole(self, e: _Entry) -> dict[str, object] | None:
        """``data`` of a long line whose start is known (read whole: it is at most LINE_MAX)."""
        if e.start is None:
            return None
        import orjson

        buf, n = self.r.fill(e.start, e.end)
        try:
            obj = orjson.loads(memoryview(buf)[:n])
        except orjson.JSONDecodeError:
            return None
        data = obj.get("data") if isinstance(obj, dict) else None
        return data if isinstance(data, dict) else None

    def _response(self, e: _Entry, *, tokens_only: bool = False) -> _Response:
        if e.data is None and not tokens_only and e.start is not None:
            e = e._replace(data=self._whole(e))  # its calls need the line read whole anyway
        if e.data is None:
            calls = [] if tokens_only else debugbig.calls_before(self.r, 0, e.end)
            tokens = debugbig.tail_tokens(self.r, e.end)
            return _Response(tuple(_summed(n, a, p) for n, a, p in calls), *tokens)
        return _response_from(e.data)

    def _request(self, e: _Entry, *, full: bool) -> _Request:
        if e.data is None:
            prompt, after, calls = debugbig.request_facts(self.r, e.end, full=full)
            edited = [_summed(n, a, p)[2] for n, a, p in calls]
            return _Request(prompt, after, tuple(p for p in edited if p is not None))
        return _request_from(e.data)


def _summed(name: str, args: dict[str, object] | None, partial: str | None) -> tuple[str, str, str | None]:
    return name, key_argument(args, partial), edited_path(name, args, partial)


def _response_from(data: dict[str, object]) -> _Response:
    calls = tuple(_message_calls(_first_message(data.get("body"))))
    return _Response(calls, token_count(data.get("input_tokens")), token_count(data.get("output_tokens")))


def _first_message(body: object) -> object:
    """``body.choices[0].message``."""
    choices = body.get("choices") if isinstance(body, dict) else None
    first = choices[0] if isinstance(choices, list) and choices else None
    return first.get("message") if isinstance(first, dict) else None


def _message_calls(message: object) -> list[tuple[str, str, str | None]]:
    """``(name, key argument, edited path)`` of an OpenAI message's ``tool_calls``."""
    calls = message.get("tool_calls") if isinstance(message, dict) else None
    out: list[tuple[str, str, str | None]] = []
    for call in calls if isinstance(calls, list) else ():
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            continue
        raw = function.get("arguments")
        args = parse_arguments(raw)
        partial = raw if args is None and isinstance(raw, str) else None
        out.append(_summed(function["name"], args, partial))
    return out


def _request_from(data: dict[str, object]) -> _Request:
    payload = data.get("payload")
    messages = payload.get("messages") if isinstance(payload, dict) else None
    if not isinstance(messages, list):
        return _Request(None, 0, ())
    for i in range(len(messages) - 1, -1, -1):
        m = messages[i]
        if not isinstance(m, dict) or m.get("role") != "user":
            continue
        text = content_text(m.get("content"))
        if text is None or is_injected(text):
            continue
        after = messages[i + 1 :]
        assistants = [a for a in after if isinstance(a, dict) and a.get("role") == "assistant"]
        edited = [p for a in assistants for _, _, p in _message_calls(a) if p is not None]
        return _Request(capped(text), len(assistants), tuple(edited))
    return _Request(None, 0, ())
