"""The words of a command line being completed, as each shell hands them over.

zsh and fish quote what completion inserts themselves; they only need each
word without its quotes (zsh dequotes them itself, fish's tokens are read by
:func:`fish_word`). bash inserts replies as they are, replacing only the part
of the word readline is completing (after an open quote, or after the last
unquoted ``COMP_WORDBREAKS`` character such as ``=`` or ``:``), so for bash
the line is split here as bash reads it (:func:`split_bash`) and each reply
is that part re-quoted for its quoting state (:func:`bash_reply`). Never
``shlex`` (it imports ``re``): completion is on the startup path.
"""

from __future__ import annotations

_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./+@%,^")
_OPERATORS = frozenset(";&|<>()")


class BashLine:
    """A bash command line up to the cursor, split as bash reads it."""

    __slots__ = ("words", "current", "region", "state")

    def __init__(self, words: list[str], current: str, region: str, state: str) -> None:
        self.words = words
        """The complete words after the program's name, without their quotes."""
        self.current = current
        """The word being completed, without its quotes."""
        self.region = region
        """The part of ``current`` readline replaces with a reply, without its quotes."""
        self.state = state
        """The quoting that part starts in: ``""`` (none), ``"'"``, ``'"'`` or ``"$'"``."""


def split_bash(line: str, breaks: str) -> BashLine:
    """Split ``line`` (``COMP_LINE`` up to ``COMP_POINT``); ``breaks`` is ``COMP_WORDBREAKS``."""
    word_breaks = set(breaks) - set(" \t\n'\"") - _OPERATORS
    words: list[str] = []
    cur = region = before_quote = ""
    state = region_state = ""
    in_word = escaped = False
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        i += 1
        if escaped:
            escaped = False
            if ch == "\n":
                continue  # a line continuation
            if state == '"' and ch not in '$`"\\':
                cur += "\\"
                region += "\\"
            cur += ch
            region += ch
            continue
        if ch == "\\" and state != "'":  # a backslash escapes outside single quotes only
            escaped = in_word = True
            continue
        if state:  # inside quotes: everything is the word's, up to the closing quote
            if ch == state:
                state, region, region_state = "", before_quote + region, ""
            else:
                cur += ch
                region += ch
            continue
        if ch in " \t\n" or ch in _OPERATORS:
            if in_word:
                words.append(cur)
            if ch in ";&|()":
                words = []  # another command starts
            cur = region = ""
            in_word = False
            continue
        in_word = True
        if ch == "$" and line[i : i + 1] == "'":  # $'…': bash's escapes, read as bash reads them
            text, i, closed = _ansi_c(line, i + 1)
            if closed:
                cur, region = cur + text, region + text
                continue
            return BashLine(words[1:], cur + text, text, "$'")  # the cursor is inside it
        if ch in "'\"":
            state, before_quote, region, region_state = ch, region, "", ch
            continue
        cur += ch
        region = "" if ch in word_breaks else region + ch
    return BashLine(words[1:], cur, region, region_state)


_ESCAPES = {"a": 7, "b": 8, "e": 27, "E": 27, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11,
            "\\": 92, "'": 39, '"': 34, "?": 63}
_DIGITS = {"x": (16, 2), "u": (16, 4), "U": (16, 8), "o": (8, 3)}


def _ansi_c(line: str, i: int) -> tuple[str, int, bool]:
    """The text of a ``$'…'`` whose body starts at ``line[i]``: ``(text, index after it,
    closed)``. ``\\xHH`` and octal escapes are bytes (so UTF-8 is read across them); an
    escape bash does not know stands for itself, backslash and all."""
    out = bytearray()
    n = len(line)
    while i < n:
        ch = line[i]
        i += 1
        if ch == "'":
            return out.decode("utf-8", "surrogateescape"), i, True
        if ch != "\\" or i >= n:
            out += ch.encode("utf-8", "surrogateescape")
            continue
        kind = line[i]
        i += 1
        if kind in _ESCAPES:
            out.append(_ESCAPES[kind])
            continue
        octal = kind in "01234567"
        if kind not in _DIGITS and not octal:
            out += ("\\" + kind).encode("utf-8", "surrogateescape")
            continue
        base, most = _DIGITS["o" if octal else kind]
        start = i - 1 if octal else i
        end = start
        allowed = "01234567" if octal else "0123456789abcdefABCDEF"
        while end < n and end - start < most and line[end] in allowed:
            end += 1
        if end == start:
            out += ("\\" + kind).encode("utf-8", "surrogateescape")
            continue
        value = int(line[start:end], base)
        i = end
        if octal or kind == "x":
            out.append(value & 0xFF)
        elif value < 0x110000:
            out += chr(value).encode("utf-8", "surrogatepass")
    return out.decode("utf-8", "surrogateescape"), i, False


def bash_reply(line: BashLine, candidate: str) -> str | None:
    """What replaces readline's part of the word so that the word reads ``candidate``
    (None: it cannot be written there safely)."""
    from snaptui.base.shellwords import ansi_c

    text = line.region + candidate[len(line.current):]
    if line.state == "$'":
        return ansi_c(text)
    if line.state == '"' and "!" in text:
        return None  # history expansion inside double quotes cannot be escaped
    out: list[str] = []
    for c in text:
        if c != " " and not c.isprintable():  # a control character: in $'…' (the quote closed and reopened)
            out.append(f"{line.state}$'{ansi_c(c)}'{line.state}")
        elif line.state == "'":
            out.append("'\\''" if c == "'" else c)
        elif line.state == '"':
            out.append("\\" + c if c in '$`"\\' else c)
        else:
            out.append(c if c in _SAFE or c > "\x7f" else "\\" + c)
    return "".join(out)


def fish_word(token: str) -> str:
    """A fish token (as ``commandline -o`` gives it, maybe with an open quote) without its quotes."""
    out = []
    state = ""
    escaped = False
    for ch in token:
        if escaped:
            escaped = False
            if state == "'" and ch not in "'\\":
                out.append("\\")
            elif state == '"' and ch not in '"$\\':
                out.append("\\")
            out.append(ch)
        elif ch == "\\":
            escaped = True
        elif state:
            if ch == state:
                state = ""
            else:
                out.append(ch)
        elif ch in "'\"":
            state = ch
        else:
            out.append(ch)
    return "".join(out)
