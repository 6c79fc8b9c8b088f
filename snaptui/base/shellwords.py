"""Words for a shell: any text as one literal word for bash, zsh or fish, in printable
characters only (the hand-off command, completion's replies, the integration snippet).

Imports nothing: completion, on the startup path, quotes its replies with it.
"""

from __future__ import annotations


def quote(text: str, shell: str) -> str:
    """``text`` as one literal word for ``shell`` (no expansion of any kind), in printable
    characters only: a control character (an escape sequence in a session id) written as
    its bytes' escapes, so that neither the history nor a terminal showing it acts on it."""
    if "\0" in text:
        raise ValueError("a NUL character cannot be passed to a shell")
    if not text.replace(" ", "").isprintable():
        return _escaped(text, shell)
    if shell == "fish":
        # In fish single quotes only \\ and \' are escapes.
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    # bash and zsh: single quotes are fully literal; a quote is closed, escaped, reopened.
    return "'" + text.replace("'", "'\\''") + "'"


def _escaped(text: str, shell: str) -> str:
    """``text`` with every character that is not printable as escapes of its UTF-8 bytes
    (an undecodable file name's bytes as they were): ``$'…'`` for bash and zsh (``\\xHH``,
    locale-free, unlike ``\\u``), and for fish ``\\XHH`` between single-quoted runs."""
    if shell != "fish":
        return "$'" + ansi_c(text) + "'"
    return "'" + "".join(_PLAIN.get(ch, ch) if ch == " " or ch.isprintable()
                         else "".join(f"'\\X{b:02x}'" for b in _bytes(ch)) for ch in text) + "'"


def ansi_c(text: str) -> str:
    """``text`` as the body of bash's (and zsh's) ``$'…'``, in printable characters."""
    return "".join(_PLAIN.get(ch, ch) if ch == " " or ch.isprintable()
                   else "".join(f"\\x{b:02x}" for b in _bytes(ch)) for ch in text)


def _bytes(ch: str) -> bytes:
    try:
        return ch.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that stood for no byte: its own three
        return ch.encode("utf-8", "surrogatepass")


_PLAIN = {"\\": "\\\\", "'": "\\'"}
"""Escaped the same way in bash's and zsh's ``$'…'`` and in fish's single quotes."""


def shown(text: str, shell: str) -> str:
    """``text`` as one word for ``shell`` to be read (and pasted): :func:`quote`, except that a
    NUL is written as its escape too rather than refused (a command holding one is refused
    when it is run)."""
    return _escaped(text, shell) if "\0" in text else quote(text, shell)


def user_shell() -> str:
    """The shell the person types into: the integration's (``SNAPTUI_SHELL``), else ``$SHELL``'s
    name when it is bash, zsh or fish, else bash."""
    import os

    for name in (os.environ.get("SNAPTUI_SHELL", ""), os.path.basename(os.environ.get("SHELL", ""))):
        if name in ("bash", "zsh", "fish"):
            return name
    return "bash"
