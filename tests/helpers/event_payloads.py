"""Hypothesis strategies for wire payloads, derived from the event model's own field types.

For each event class this draws a JSON object the class must accept: required fields always
present, optional fields absent, ``null`` or a value, and sometimes a few unknown keys (at the
top level and in nested objects). Used by the round-trip and malformed-input properties.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Union

import attrs
from hypothesis import strategies as st

from realtime_state import events as ev

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(max_size=5), children, max_size=3),
    ),
    max_leaves=8,
)

UNKNOWN_KEYS = st.sampled_from(["x_new_field", "zeta", "server_hint", "debug"])


def _split(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = typing.get_args(tp)
        rest = tuple(a for a in args if a is not type(None))
        if len(rest) != len(args):
            return (rest[0] if len(rest) == 1 else Union[rest]), True
    return tp, False


def value_for(tp: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """A strategy of wire values that the decoder must accept for a field of type ``tp``."""
    tp, nullable = _split(tp)
    if nullable:
        return st.one_of(st.none(), value_for(tp, depth))
    if tp is str:
        return st.text(max_size=12)
    if tp is int:
        return st.integers(min_value=-(2**40), max_value=2**40)
    if tp is float:
        return st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-1000, 1000))
    if tp is bool:
        return st.booleans()
    if tp is ev.Json:
        return json_values
    if typing.get_origin(tp) is Union and set(typing.get_args(tp)) == {int, str}:
        return st.one_of(st.integers(0, 10_000), st.just("inf"))
    if typing.get_origin(tp) is tuple:
        (elem, _) = typing.get_args(tp)
        return st.lists(value_for(elem, depth + 1), max_size=2 if depth else 3)
    if tp == ev.Session:
        return st.one_of(
            object_for(ev.RealtimeSession, depth + 1),
            object_for(ev.TranscriptionSession, depth + 1),
            object_for(ev.BetaSession, depth + 1),
        )
    if tp == ev.Item:
        return st.one_of(
            *(
                object_for(c, depth + 1)
                for c in typing.get_args(ev.Item)
                if c is not ev.UnknownObject
            ),
            st.fixed_dictionaries({"type": st.just("brand_new_item"), "id": st.text(max_size=4)}),
        )
    if tp == ev.TranscriptionUsage:
        return st.one_of(
            object_for(ev.TranscriptionUsageTokens, depth + 1),
            object_for(ev.TranscriptionUsageDuration, depth + 1),
        )
    if isinstance(tp, type) and attrs.has(tp):
        return object_for(tp, depth + 1)
    raise TypeError(f"no strategy for {tp!r}")


def model_fields(cls: type) -> list[tuple[str, Any, bool]]:
    """(wire name, type, required) for each wire field of a model class."""
    hints = typing.get_type_hints(cls)
    return [
        (f.name, hints[f.name], f.default is attrs.NOTHING)
        for f in attrs.fields(cls)
        if f.name not in ("extra", "explicit_nulls")
    ]


@st.composite
def _object(draw: st.DrawFn, cls: type, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    tag = getattr(cls, "type", None)
    if isinstance(tag, str):
        out["type"] = tag
    for name, tp, required in model_fields(cls):
        if required:
            out[name] = draw(value_for(tp, depth))
            continue
        choice = draw(st.sampled_from(["absent", "null", "value"]))
        if choice == "null":
            out[name] = None
        elif choice == "value":
            out[name] = draw(value_for(_split(tp)[0], depth))
    if draw(st.integers(0, 4)) == 0:
        out[draw(UNKNOWN_KEYS)] = draw(json_values)
    return out


def object_for(cls: type, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Wire objects for one model class (events included)."""
    if depth > 4:
        # Keep nesting bounded: only the required fields below this depth.
        return st.fixed_dictionaries(
            {
                **(
                    {"type": st.just(cls.type)}
                    if isinstance(getattr(cls, "type", None), str)
                    else {}
                ),
                **{n: value_for(t, depth) for n, t, req in model_fields(cls) if req},
            }
        )
    return _object(cls, depth)


EVENT_CLASSES = sorted(ev.SERVER_EVENT_CLASSES.values(), key=lambda c: c.type)

any_event_payload = st.one_of(*(object_for(c) for c in EVENT_CLASSES))
"""A wire payload of any known event type."""
