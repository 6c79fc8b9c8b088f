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
        """The quoting that part starts in: ``""`` (none), ``"'"`` or ``'"'``."""


def split_bash(line: str, breaks: str) -> BashLine:
    """Split ``line`` (``COMP_LINE`` up to ``COMP_POINT``); ``breaks`` is ``COMP_WORDBREAKS``."""
    word_breaks = set(breaks) - set(" \t\n'\"") - _OPERATORS
    words: list[str] = []
    cur = region = before_quote = ""
    state = region_state = ""
    in_word = escaped = False
    for ch in line:
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
        if ch in "'\"":
            state, before_quote, region, region_state = ch, region, "", ch
            continue
        cur += ch
        region = "" if ch in word_breaks else region + ch
    return BashLine(words[1:], cur, region, region_state)


def bash_reply(line: BashLine, candidate: str) -> str | None:
    """What replaces readline's part of the word so that the word reads ``candidate``
    (None: it cannot be written there safely)."""
    text = line.region + candidate[len(line.current):]
    if line.state == "'":
        return text.replace("'", "'\\''")
    if line.state == '"':
        if "!" in text:
            return None  # history expansion inside double quotes cannot be escaped
        return "".join("\\" + c if c in '$`"\\' else c for c in text)
    return "".join(c if c in _SAFE or (c > "\x7f" and c.isprintable()) else "\\" + c for c in text)


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
