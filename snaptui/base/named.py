"""``typing.NamedTuple`` without importing ``typing``.

``typing`` brings ``re``, ``collections``, ``functools``, ``contextlib`` and
``enum`` with it: about 4 ms of a real start (11 ms of ``-X importtime``)
before a cold ``list --json`` can start reading, on the one path where the
reference reader is the yardstick. Records are declared as usual, with
``from snaptui.base.named import NamedTuple``: the type checker is given
``typing``'s class, and the program this one, a tuple subclass with
``__slots__ = ()``, a read-only field per annotation (``collections``' C
descriptor), defaults, ``_fields``, ``_field_defaults``, ``_make``,
``_replace``, ``_asdict``, ``__match_args__``, a ``repr`` and pickling, as
``typing.NamedTuple`` gives them.
"""

from __future__ import annotations

_new = tuple.__new__


try:  # the C descriptor collections.namedtuple's fields are (its module is built in: no import cost)
    from _collections import _tuplegetter as _field_getter  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - another Python
    _field_getter = None


def _field(index: int) -> object:
    doc = f"Alias for field number {index}"
    if _field_getter is not None:
        return _field_getter(index, doc)
    return property(lambda self: self[index], doc=doc)


class _NamedTupleMeta(type):
    def __new__(mcls, name: str, bases: tuple[type, ...], ns: dict[str, object]) -> type:
        if not any(b.__dict__.get("_ROOT") for b in bases):  # NamedTuple itself, or a subclass of a record
            return super().__new__(mcls, name, bases, ns)
        if len(bases) > 1:
            raise TypeError(f"{name}: a NamedTuple has no other base")
        annotations: dict[str, object] = ns.get("__annotations__", {})  # type: ignore[assignment]
        fields = tuple(annotations)
        defaults = {f: ns.pop(f) for f in fields if f in ns}
        if list(defaults) != list(fields[len(fields) - len(defaults):]):
            raise TypeError(f"{name}: a field without a default after one with a default")
        body = dict(ns, __slots__=(), _fields=fields, _field_defaults=defaults, __match_args__=fields)
        for i, f in enumerate(fields):
            if f.startswith("_"):
                raise ValueError(f"{name}: field names cannot start with an underscore: {f!r}")
            body[f] = _field(i)
        return type.__new__(mcls, name, (_Base,), body)


class _Base(tuple):  # type: ignore[type-arg]
    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _field_defaults: dict[str, object] = {}

    def __new__(cls, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        fields = cls._fields
        if len(args) == len(fields) and not kwargs:
            return _new(cls, args)
        if len(args) > len(fields):
            raise TypeError(f"{cls.__name__} takes {len(fields)} arguments, {len(args)} given")
        values = list(args)
        for f in fields[len(args):]:
            if f in kwargs:
                values.append(kwargs.pop(f))
            elif f in cls._field_defaults:
                values.append(cls._field_defaults[f])
            else:
                raise TypeError(f"{cls.__name__} is missing the argument {f!r}")
        if kwargs:
            raise TypeError(f"{cls.__name__} got unexpected or repeated arguments: {', '.join(kwargs)}")
        return _new(cls, values)

    @classmethod
    def _make(cls, iterable):  # type: ignore[no-untyped-def]
        made = _new(cls, iterable)
        if len(made) != len(cls._fields):
            raise TypeError(f"{cls.__name__} takes {len(cls._fields)} values, {len(made)} given")
        return made

    def _replace(self, **changes: object):  # type: ignore[no-untyped-def]
        made = _new(type(self), [changes.pop(f, v) for f, v in zip(self._fields, self, strict=True)])
        if changes:
            raise ValueError(f"{type(self).__name__} has no fields {', '.join(changes)}")
        return made

    def _asdict(self) -> dict[str, object]:
        return dict(zip(self._fields, self, strict=True))

    def __getnewargs__(self) -> tuple[object, ...]:
        return tuple(self)

    def __repr__(self) -> str:
        inner = ", ".join(f"{f}={v!r}" for f, v in zip(self._fields, self, strict=True))
        return f"{type(self).__name__}({inner})"


TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    class NamedTuple(metaclass=_NamedTupleMeta):
        """Subclass it as ``typing.NamedTuple`` (see the module's docstring)."""

        _ROOT = True
