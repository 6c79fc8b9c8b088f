"""orjson, imported without the modules only its encoder's rare types need.

When orjson's module starts, it looks up one name in each of five modules:
``uuid.UUID``, ``dataclasses._FIELD`` and ``enum.EnumMeta`` (types its
*encoder* recognises), ``json.JSONDecodeError`` (the base of its own error)
and ``datetime.datetime_CAPI``. Importing them costs more than the rest of a
cold ``list --json``'s imports together: ``uuid`` brings ``platform``,
``dataclasses`` brings ``inspect``, ``ast``, ``dis`` and ``tokenize``,
``json`` brings ``re``, which brings ``enum``, ``functools`` and
``collections`` (about 28 ms of ``-X importtime``; 8 ms of a real start
beyond the first two).

So, when none of them is loaded yet and no other thread runs (its import
meanwhile would get a stand-in), stand-ins are put in ``sys.modules`` for
that one import and taken out at once: any later import gets the real
modules. What changes, and why it does not matter to snaptui:

- orjson refuses to encode a ``uuid.UUID``, a dataclass or an ``Enum``
  member that is not also a ``str`` or an ``int`` (a TypeError). snaptui
  only ever encodes what it decoded: dicts, lists, strings, numbers.
- ``orjson.JSONDecodeError`` is a ``ValueError`` with json's own ``msg``,
  ``doc``, ``pos``, ``lineno``, ``colno`` and message, but not a
  ``json.JSONDecodeError``. snaptui catches orjson's errors as
  ``orjson.JSONDecodeError`` (a test holds every call site so).
- ``datetime`` is ``_datetime``, the C module whose names the real one
  re-exports: the same types and the same C API.

Call sites go on with a plain ``import orjson``: after :func:`preload` it is
already loaded.
"""

from __future__ import annotations

import sys

from snaptui.base.twoproc import alone


class JSONDecodeError(ValueError):
    """``json.JSONDecodeError``, as the stdlib writes it, for orjson to derive its error from."""

    def __init__(self, msg: str, doc: str, pos: int) -> None:
        lineno = doc.count("\n", 0, pos) + 1
        colno = pos - doc.rfind("\n", 0, pos)
        ValueError.__init__(self, f"{msg}: line {lineno} column {colno} (char {pos})")
        self.msg, self.doc, self.pos, self.lineno, self.colno = msg, doc, pos, lineno, colno

    def __reduce__(self) -> tuple[type, tuple[str, str, int]]:
        return self.__class__, (self.msg, self.doc, self.pos)


def _stand_ins() -> dict[str, object]:
    import _datetime  # type: ignore[import-not-found]

    made: dict[str, object] = {"datetime": _datetime}
    for name, member, value in (("uuid", "UUID", None), ("dataclasses", "_FIELD", None), ("enum", "EnumMeta", type),
                                ("json", "JSONDecodeError", JSONDecodeError)):
        stand_in = type(sys)(name, "a stand-in while orjson is imported (snaptui.base.fastjson)")
        setattr(stand_in, member, value if value is JSONDecodeError else type(member, (value or object,), {}))
        made[name] = stand_in
    return made


def preload() -> None:
    """Import orjson the light way if it is not imported yet (else nothing)."""
    if "orjson" in sys.modules or not alone():
        return
    made = {name: m for name, m in _stand_ins().items() if name not in sys.modules}
    sys.modules.update(made)  # type: ignore[arg-type]
    try:
        import orjson  # noqa: F401
    except ImportError:  # pragma: no cover - orjson is a declared dependency; its user says so
        pass
    finally:
        for name, stand_in in made.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
