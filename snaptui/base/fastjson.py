"""orjson, imported without the two modules only its encoder of UUIDs and dataclasses needs.

When orjson's module starts, it imports ``uuid`` (which imports ``platform``)
and ``dataclasses`` (``inspect``, ``ast``, ``dis``, ``tokenize``...) for one
object each, ``uuid.UUID`` and ``dataclasses._FIELD``, that its *encoder*
compares types with. snaptui never hands it a UUID or a dataclass, and those
imports are about 20 ms of a cold ``list --json`` that takes about 240 ms
(``-X importtime``). So, when neither module is loaded yet and no other
thread runs (its import meanwhile would get the stand-in), stand-ins are put
in ``sys.modules`` for that one import and taken out at once: any later
import gets the real modules. orjson then refuses to encode a ``uuid.UUID``
(a TypeError), which snaptui never asks of it; everything it decodes or
encodes is unchanged. Call sites go on with a plain ``import orjson``:
after :func:`preload` it is already loaded.
"""

from __future__ import annotations

import sys

from snaptui.base.twoproc import alone

_STAND_INS = (("uuid", "UUID"), ("dataclasses", "_FIELD"))
"""The module and the one name orjson looks up in it (orjson's ``typeref.rs``)."""


def preload() -> None:
    """Import orjson the light way if it is not imported yet (else nothing)."""
    if "orjson" in sys.modules or not alone():
        return
    made = {}
    try:
        for name, member in _STAND_INS:
            if name not in sys.modules:
                stand_in = type(sys)(name, "a stand-in while orjson is imported (snaptui.base.fastjson)")
                setattr(stand_in, member, type(member, (), {}))
                sys.modules[name] = made[name] = stand_in
        import orjson  # noqa: F401
    except ImportError:  # pragma: no cover - orjson is a declared dependency; its user says so
        pass
    finally:
        for name, stand_in in made.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
