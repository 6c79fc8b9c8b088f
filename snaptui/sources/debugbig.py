"""Facts from one ``.debug`` line too long to read whole (over ``debuglog.LINE_MAX``).

Such a line is read in pieces, never whole (OPENDEV_STORE.md §4: each
``llm_request`` carries the whole conversation, so lines reach tens of MB).
What makes this safe is the layout opendev writes: serde_json sorts keys, so
a line ends ``…,"elapsed_ms":N,"event":"…","ts":"…"}``, a request's messages
come before its ``model`` and ``tools``, a message's ``content`` comes before
its ``role``, a response's ``input_tokens``/``output_tokens`` come after its
``body``, and a call's ``arguments`` come before its ``name``. Inside a JSON
string a quote is always escaped, so byte patterns holding a quote only match
real keys and values, and a newline byte only ends a line: every backward
search also stops at a newline, the start of the line.
"""

from __future__ import annotations

from snaptui.sources.opendev_common import (
    TEXT_BYTES,
    capped,
    content_text,
    is_injected,
    parse_arguments,
    token_count,
    ts_ns,
)
from snaptui.sources.tailread import Reader, json_string

NL = b"\n"
USER = b'"role":"user"'
ASSISTANT = b'"role":"assistant"'
CONTENT = b'"content":'
ARGUMENTS = b'"arguments":'
MESSAGES_END = b'],"model":'
NAME_AFTER = b',"name":"'

TAIL = 64 * 1024
"""How much of a line's end holds its last keys (and a response's token counts)."""

ARGS_CAP = 64 * 1024
"""Bytes of a call's arguments kept: enough for its key argument, which models write first."""

PARTS_MAX = 4 * 1024 * 1024
"""A list-of-parts content up to this size is parsed whole; a longer one gives its first text part."""

Call = tuple[str, dict[str, object] | None, str | None]
"""A requested call: name, parsed arguments (None when too long), the start of the arguments' text."""


def tail_entry(tail: bytes) -> tuple[str, int] | None:
    """``(event, ts)`` from the last bytes of a line (without its newline)."""
    import orjson

    at = tail.rfind(b'"event":')
    if at < 0:
        return None
    try:
        last = orjson.loads(b"{" + tail[at:])
    except orjson.JSONDecodeError:
        return None
    event = last.get("event") if isinstance(last, dict) else None
    ts = ts_ns(last.get("ts")) if isinstance(last, dict) else None
    return (event, ts) if isinstance(event, str) and ts is not None else None


def tail_tokens(r: Reader, end: int) -> tuple[int | None, int | None]:
    """A long ``llm_response`` line's ``input_tokens`` and ``output_tokens``, from its tail."""
    import orjson

    tail = r.read(end - TAIL, end)
    at = tail.rfind(b',"input_tokens":')
    stop = tail.rfind(b'},"elapsed_ms":')
    if at < 0 or stop < at:
        return None, None
    try:
        data = orjson.loads(b"{" + tail[at + 1 : stop] + b"}")
    except orjson.JSONDecodeError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    counts = data.get("input_tokens"), data.get("output_tokens")
    return token_count(counts[0]), token_count(counts[1])


def calls_before(r: Reader, lo: int, hi: int) -> list[Call]:
    """The calls (``"arguments":"…"`` then ``"name":"…"``) in ``[lo, hi)`` of one line, in order."""
    calls: list[Call] = []
    pos = hi
    while True:
        at, which = r.rfind((ARGUMENTS, NL), lo, pos)
        if at < 0 or which == 1:
            break
        pos = at
        quote = at + len(ARGUMENTS)
        if r.read(quote, quote + 1) != b'"':
            continue  # arguments that are not a JSON string (not opendev's format)
        text, cut, end = json_string(r, quote, ARGS_CAP, need_end=True)
        name = _name_after(r, end) if end > 0 else None
        if name is None or text is None:
            continue
        args = None if cut else parse_arguments(text)
        calls.append((name, args, text if args is None else None))
    calls.reverse()
    return calls


def _name_after(r: Reader, end: int) -> str | None:
    import orjson

    after = r.read(end, end + 512)
    if not after.startswith(NAME_AFTER):
        return None
    close = after.find(b'"', len(NAME_AFTER))
    if close < 0:
        return None
    try:
        name = orjson.loads(after[len(NAME_AFTER) - 1 : close + 1])
    except orjson.JSONDecodeError:
        return None
    return name if isinstance(name, str) else None


def request_facts(r: Reader, end: int, *, full: bool) -> tuple[str | None, int, list[Call]]:
    """From a long ``llm_request`` line ending at ``end``: the last real user
    prompt, how many assistant messages follow it (earlier model calls of its
    turn), and (``full``) the calls those messages made."""
    pos = end
    while True:
        role, which = r.rfind((USER, NL), 0, pos)
        if role < 0 or which == 1:
            return None, 0, []
        key, which = r.rfind((CONTENT, NL), 0, role)
        if key < 0 or which == 1:
            return None, 0, []
        text, cut = _content_at(r, key + len(CONTENT), role)
        if text is not None and not is_injected(text):
            break
        pos = key
    prompt = capped(text, cut)
    # The turn's later messages run from the prompt to the end of the messages array.
    stop, which = r.find((MESSAGES_END, NL), role, end)
    if stop < 0 or which == 1:
        return prompt, 0, []
    after = r.count(ASSISTANT, role, stop)
    return prompt, after, calls_before(r, role, stop) if full and after else []


def _only_name_between(between: bytes) -> bool:
    """Whether the bytes between a message's content and its role are just the separators
    (or an OpenAI ``name``, which sorts between them)."""
    return between == b"," or (between.startswith(b',"name":"') and between.endswith(b'",')
                                and between.count(b'"') == 4)


def _content_at(r: Reader, value: int, role: int) -> tuple[str | None, bool]:
    """The text of the ``content`` value starting at ``value`` (the message's role is at ``role``)."""
    import orjson

    first = r.read(value, value + 1)
    if first == b'"':
        text, cut, end = json_string(r, value, TEXT_BYTES, need_end=False)
        if end >= 0 and not _only_name_between(r.read(end, role)):
            return None, False  # this "content" is not the one of the message at ``role``
        return text, cut
    if first != b"[":
        return None, False
    if role - value <= PARTS_MAX:
        region = r.read(value, role)
        close = region.rfind(b"]")
        try:
            return content_text(orjson.loads(region[: close + 1])), False
        except orjson.JSONDecodeError:
            return None, False
    at, which = r.find((b'"text":"', NL), value, role)
    if at < 0 or which == 1:
        return None, False
    text, cut, _ = json_string(r, at + len(b'"text":'), TEXT_BYTES, need_end=False)
    return text, True  # the other parts were not read
