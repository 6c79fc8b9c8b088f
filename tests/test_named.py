"""snaptui.base.named.NamedTuple behaves as typing.NamedTuple does, for what snaptui uses."""

from __future__ import annotations

import copy
import pickle
import typing

import pytest

from snaptui.base import named


class Point(named.NamedTuple):
    """A point."""

    x: int
    label: str = "origin"

    @property
    def shown(self) -> str:
        return f"{self.label}@{self.x}"


class TypingPoint(typing.NamedTuple):
    """The same, as typing makes it."""

    x: int
    label: str = "origin"

    @property
    def shown(self) -> str:
        return f"{self.label}@{self.x}"


@pytest.mark.parametrize("Point", [Point, TypingPoint], ids=["named", "typing"])
def test_behaves_as_typing_named_tuple(Point):  # noqa: N803
    name = Point.__name__
    p, q = Point(1), Point(2, label="q")
    assert (p, q, Point(x=3)) == ((1, "origin"), (2, "q"), (3, "origin"))
    assert (p.x, p.label, p.shown, q.shown) == (1, "origin", "origin@1", "q@2")
    assert repr(q) == f"{name}(x=2, label='q')"
    assert Point._fields == ("x", "label") and Point._field_defaults == {"label": "origin"}
    assert p._replace(label="z") == (1, "z") and type(p._replace(x=5)) is Point
    assert p._asdict() == {"x": 1, "label": "origin"} and Point._make([4, "m"]) == (4, "m")
    for again in (pickle.loads(pickle.dumps(q)), copy.copy(q), copy.deepcopy(q)):
        assert again == q and type(again) is Point
    assert hash(p) == hash((1, "origin")) and isinstance(p, tuple) and not hasattr(p, "__dict__")
    match q:
        case Point(x, label):
            assert (x, label) == (2, "q")
    x, label = p
    assert (x, label) == (1, "origin")
    for wrong in (lambda: Point(), lambda: Point(1, "a", 2), lambda: Point(1, nope=2), lambda: Point(1, x=2)):
        with pytest.raises(TypeError):
            wrong()
    with pytest.raises(ValueError):
        p._replace(nope=1)
    with pytest.raises(AttributeError):
        p.x = 5


def test_a_subclass_of_a_record_is_a_plain_subclass():
    class Labelled(Point):
        def twice(self) -> int:
            return 2 * self.x

    assert Labelled(4).twice() == 8 and Labelled._fields == ("x", "label")


def test_mistakes_are_refused_as_typing_refuses_them():
    with pytest.raises(TypeError):
        class Bad(named.NamedTuple):
            a: int = 1
            b: int
    with pytest.raises(ValueError):
        class Under(named.NamedTuple):
            _a: int
