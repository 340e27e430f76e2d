"""Decoding and encoding of server events: the one place that knows about JSON.

Theory of operation
-------------------
A ``cattrs`` converter owns every hook. The event union and the nested unions (session,
item, transcription usage) are ``cattrs`` tagged unions on ``type``; an unknown tag falls
back to :class:`~realtime_state.events.UnknownEvent` / ``UnknownObject``, which keep the
payload whole.

For the model classes a hook *factory* registered with the converter generates, once per
class, a specialised structure function and a specialised unstructure function (Python
source compiled at first use, like cattrs' own ``make_dict_structure_fn``). We generate our
own rather than use ``make_dict_structure_fn`` because the contract needs three things it
does not do:

* **lossless round trip**: an optional key that arrived as ``null`` is remembered in
  ``explicit_nulls`` (absent stays absent, null stays null), and keys the model does not
  declare are kept in ``extra`` and put back by ``encode``;
* **strict types without coercion**: ``5`` is not accepted for a string, ``True`` is not an
  integer; checks are inlined (``v.__class__ is str``), which is also what keeps decoding
  within a small factor of bare ``orjson.loads``;
* **errors with a path**: a failure deep inside ``response.output[0].content[1]`` is reported
  as a :class:`~realtime_state.errors.DecodeError` naming the event type and that path, never
  as a bare ``KeyError``, ``TypeError`` or ``ExceptionGroup``.

Nested model hooks are fetched from the converter (``get_structure_hook``) when a class's
function is generated and are called directly afterwards.
"""

from __future__ import annotations

import itertools
import json
import linecache
import threading
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Union

import attrs
import cattrs
import orjson
from cattrs.strategies import configure_tagged_union
from immutabledict import immutabledict

from . import events as ev
from ._persistent import slot_filler
from .errors import DecodeError

__all__ = ["decode", "encode", "converter", "freeze_json", "thaw_json", "RawEvent", "Event"]


class SdkEvent(typing.Protocol):
    """An event object of the official ``openai`` package (what ``conn.recv()`` returns)."""

    def to_dict(self, *, mode: Any = ...) -> dict[str, object]:
        """The object's wire dict."""


RawEvent = Union[str, bytes, bytearray, memoryview, Mapping[str, Any], SdkEvent]
"""What :func:`decode` accepts: JSON text (str or bytes), an already-parsed mapping, or an
``openai`` event object."""

Event = Union[ev.ServerEventClass, ev.ClientEventClass, ev.UnknownEvent, ev.UnknownClientEvent]
"""What :func:`decode` returns: a known server or client event class, or
:class:`UnknownEvent`."""

_ABSENT: Any = object()


# Private control flow, never seen by users (``decode`` turns it into a DecodeError): so it
# stays here, not in errors.py, and is no RealtimeStateError.
class _FieldError(Exception):
    """Internal: a structure hook failed; ``rpath`` is the field path, innermost first."""

    __slots__ = ("reason", "rpath")

    def __init__(self, reason: str, rpath: list[str | int]) -> None:
        self.reason = reason
        self.rpath = rpath


_JSON_NAMES = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    dict: "object",
    list: "array",
    type(None): "null",
}


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    name = _JSON_NAMES.get(type(value), type(value).__name__)
    if isinstance(value, (list, tuple, Mapping)):
        return name
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{name} {text}"


class _InexactNumber(Exception):
    """A float where JSON text may have held an integer that orjson could not keep exact."""


_TWO_63 = float(2**63)
_TWO_64 = float(2**64)
_EXACT = threading.local()
"""``_EXACT.on`` is true while an event is structured from values known to be exact (JSON
text re-read with the standard library, or a mapping given by the caller)."""


def _inexact(value: float) -> bool:
    """Whether a parsed float may be an integer literal orjson turned into a float: orjson
    keeps integers in ``[-2**63, 2**64)`` exact and gives a float for any other (a float
    equal to ``-2**63`` may be a rounded ``-2**63 - 1``)."""
    return (value <= -_TWO_63 or value >= _TWO_64) and value.is_integer()


def _check_float(value: float) -> None:
    """Raise :class:`_InexactNumber` for a float that may have been an integer literal."""
    if _inexact(value) and not getattr(_EXACT, "on", False):
        raise _InexactNumber


def _wrong(name: str | int, value: Any, expected: str) -> _FieldError:
    if value.__class__ is float:
        _check_float(value)
    return _FieldError(f"expected {expected}, got {_describe(value)}", [name])


def _missing(name: str) -> _FieldError:
    return _FieldError(f"missing required field {name!r}", [name])


def _as_object(value: Any, name: str | int | None) -> dict[str, Any]:
    """Accept any mapping with string keys as a JSON object (slow path of the dict check)."""
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return dict(value)
    raise _FieldError(f"expected an object, got {_describe(value)}", [] if name is None else [name])


# ---------------------------------------------------------------------------------------------
# JSON values
# ---------------------------------------------------------------------------------------------


def freeze_json(value: Any) -> Any:
    """Deep-freeze a parsed JSON value: objects become ``immutabledict``, arrays tuples."""
    cls = value.__class__
    if cls is float:
        if not -_TWO_63 < value < _TWO_64:
            _check_float(value)
        return value
    if cls is str or cls is int or cls is bool or value is None:
        return value
    if isinstance(value, Mapping):
        return immutabledict({k: freeze_json(v) for k, v in value.items()})
    if cls is list or cls is tuple:
        return tuple([freeze_json(v) for v in value])
    raise _FieldError(f"expected a JSON value, got {type(value).__name__}", [])


def thaw_json(value: Any) -> Any:
    """Inverse of :func:`freeze_json`: plain ``dict`` and ``list`` again."""
    cls = value.__class__
    if cls is str or cls is int or cls is float or cls is bool or value is None:
        return value
    if isinstance(value, Mapping):
        return {k: thaw_json(v) for k, v in value.items()}
    return [thaw_json(v) for v in value]


def _freeze_extra(obj: dict[str, Any], known: frozenset[str]) -> Mapping[str, Any]:
    extra = {k: v for k, v in obj.items() if k not in known}
    if not extra:
        return ev.EMPTY_EXTRA
    try:
        return immutabledict({k: freeze_json(v) for k, v in extra.items()})
    except _FieldError as exc:  # pragma: no cover - parsed JSON is always freezable
        raise _FieldError(exc.reason, [next(iter(extra))]) from None


# ---------------------------------------------------------------------------------------------
# Code generation
# ---------------------------------------------------------------------------------------------

_counter = itertools.count()


def _compile(name: str, source: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    filename = f"<realtime_state generated {name} {next(_counter)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    fn: Callable[..., Any] = namespace[name]
    return fn


def _split_optional(tp: Any) -> tuple[Any, bool]:
    """Return (type without None, whether None is allowed)."""
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = typing.get_args(tp)
        rest = tuple(a for a in args if a is not type(None))
        if len(rest) != len(args):
            if len(rest) == 1:
                return rest[0], True
            return Union[rest], True
    return tp, False


_UNION_ALIASES: tuple[Any, ...] = (ev.Session, ev.Item, ev.TranscriptionUsage)


class _Gen:
    """Builds the source of one structure/unstructure function pair."""

    def __init__(self, conv: cattrs.Converter) -> None:
        self.conv = conv
        self.ns: dict[str, Any] = {}
        self._n = itertools.count()

    def bind(self, value: Any, prefix: str = "_g") -> str:
        name = f"{prefix}{next(self._n)}"
        self.ns[name] = value
        return name

    # --- structuring ---------------------------------------------------------------------

    def check(self, tp: Any, src: str, dst: str, label: str, pad: str) -> list[str]:
        """Lines that validate ``src`` as ``tp`` and bind the result to ``dst``.

        ``label`` is a Python expression (the field name or loop index) used in errors.
        ``dst`` may be ``src``: a value that passes a check as it is is not copied.
        """
        tp, nullable = _split_optional(tp)
        lines: list[str] = []
        if nullable:
            lines.append(f"{pad}if {src} is None:")
            lines.append(f"{pad}    {dst} = None")
            lines.append(f"{pad}else:")
            pad += "    "
        if tp is str or tp is int or tp is bool:
            expected = _JSON_NAMES[tp]
            article = "an" if expected[0] in "aeiou" else "a"
            lines.append(f"{pad}if {src}.__class__ is not {tp.__name__}:")
            lines.append(f"{pad}    raise _wrong({label}, {src}, {f'{article} {expected}'!r})")
            if dst != src:
                lines.append(f"{pad}{dst} = {src}")
        elif tp is float:
            lines.append(f"{pad}if {src}.__class__ is float:")
            lines.append(f"{pad}    if not -_TWO_63 < {src} < _TWO_64:")
            lines.append(f"{pad}        _check_float({src})")
            lines.append(f"{pad}elif {src}.__class__ is not int:")
            lines.append(f"{pad}    raise _wrong({label}, {src}, 'a number')")
            if dst != src:
                lines.append(f"{pad}{dst} = {src}")
        elif tp is ev.Json:
            lines.append(f"{pad}try:")
            lines.append(f"{pad}    {dst} = _freeze({src})")
            lines.append(f"{pad}except _FieldError as _e:")
            lines.append(f"{pad}    _e.rpath.append({label})")
            lines.append(f"{pad}    raise")
        elif typing.get_origin(tp) is Union and set(typing.get_args(tp)) == {int, str}:
            lines.append(f"{pad}if {src}.__class__ is not int and {src}.__class__ is not str:")
            lines.append(f"{pad}    raise _wrong({label}, {src}, 'an integer or a string')")
            if dst != src:
                lines.append(f"{pad}{dst} = {src}")
        elif typing.get_origin(tp) is tuple:
            (elem, _ellipsis) = typing.get_args(tp)
            i = next(self._n)
            lst, idx, item, out = f"_l{i}", f"_i{i}", f"_v{i}", f"_o{i}"
            lines.append(f"{pad}if {src}.__class__ is not list and {src}.__class__ is not tuple:")
            lines.append(f"{pad}    raise _wrong({label}, {src}, 'an array')")
            lines.append(f"{pad}{lst} = []")
            lines.append(f"{pad}try:")
            lines.append(f"{pad}    for {idx}, {item} in enumerate({src}):")
            lines.extend(self.check(elem, item, f"{item}", idx, pad + "        "))
            lines.append(f"{pad}        {lst}.append({item})")
            lines.append(f"{pad}except _FieldError as _e:")
            lines.append(f"{pad}    _e.rpath.append({label})")
            lines.append(f"{pad}    raise")
            lines.append(f"{pad}{dst} = tuple({lst})")
            del out
        elif (isinstance(tp, type) and attrs.has(tp)) or tp in _UNION_ALIASES:
            hook = self.bind(self.conv.get_structure_hook(tp), "_h")
            tref = self.bind(tp, "_t")
            lines.append(f"{pad}try:")
            lines.append(f"{pad}    {dst} = {hook}({src}, {tref})")
            lines.append(f"{pad}except _FieldError as _e:")
            lines.append(f"{pad}    _e.rpath.append({label})")
            lines.append(f"{pad}    raise")
        else:  # pragma: no cover - a model declared a type the generator does not know
            raise TypeError(f"no decoder for field type {tp!r}")
        return lines

    def structure_fn(self, cls: type) -> Callable[..., Any]:
        hints = typing.get_type_hints(cls)
        fields = [f for f in attrs.fields(cls) if f.name not in ("extra", "explicit_nulls")]
        tagged = isinstance(cls.__dict__.get("type"), str) or any(
            isinstance(getattr(base, "type", None), str) for base in cls.__mro__
        )
        known = {f.name for f in fields} | ({"type"} if tagged else set())
        self.ns.update(
            _cls=cls,
            _ABSENT=_ABSENT,
            _wrong=_wrong,
            _missing=_missing,
            _FieldError=_FieldError,
            _freeze=freeze_json,
            _check_float=_check_float,
            _TWO_63=_TWO_63,
            _TWO_64=_TWO_64,
            _as_object=_as_object,
            _freeze_extra=_freeze_extra,
            _KNOWN=frozenset(known),
            _NO_NULLS=frozenset(),
            _EMPTY=ev.EMPTY_EXTRA,
        )
        required = [f for f in fields if f.default is attrs.NOTHING]
        body = [
            "def structure(o, _=None):",
            "    if o.__class__ is not dict:",
            "        o = _as_object(o, None)",
            f"    n = {len(required) + (1 if tagged else 0)}",
            "    nulls = ()",
        ]
        for k, f in enumerate(fields):
            var = f"v{k}"
            name = repr(f.name)
            if f.default is attrs.NOTHING:
                body.append("    try:")
                body.append(f"        {var} = o[{name}]")
                body.append("    except KeyError:")
                body.append(f"        raise _missing({name}) from None")
                body.extend(self.check(hints[f.name], var, var, name, "    "))
            else:
                body.append(f"    {var} = o.get({name}, _ABSENT)")
                body.append(f"    if {var} is _ABSENT:")
                body.append(f"        {var} = None")
                body.append(f"    elif {var} is None:")
                body.append("        n += 1")
                body.append(f"        nulls += ({name},)")
                body.append("    else:")
                body.append("        n += 1")
                inner, _nullable = _split_optional(hints[f.name])
                body.extend(self.check(inner, var, var, name, "        "))
        # Build the instance without going through the frozen __init__ (which calls
        # object.__setattr__ once per field; the models have no validators or converters to
        # skip): the instance is made as a slot_filler subclass (_persistent), whose plain
        # attribute stores the interpreter specialises to direct slot writes, then given its
        # real class. Every check above runs before the instance exists.
        body.append("    inst = _Building()")
        for k, f in enumerate(fields):
            body.append(f"    inst.{f.name} = v{k}")
        body.append("    inst.extra = _EMPTY if len(o) == n else _freeze_extra(o, _KNOWN)")
        body.append("    inst.explicit_nulls = frozenset(nulls) if nulls else _NO_NULLS")
        body.append("    inst.__class__ = _cls")
        body.append("    return inst")
        self.ns["_Building"] = slot_filler(cls)
        return _compile("structure", "\n".join(body) + "\n", self.ns)

    # --- unstructuring -------------------------------------------------------------------

    def encode_expr(self, tp: Any, src: str) -> str:
        tp, _nullable = _split_optional(tp)
        if tp in (str, int, bool, float) or (
            typing.get_origin(tp) is Union and set(typing.get_args(tp)) == {int, str}
        ):
            return src
        if tp is ev.Json:
            return f"_thaw({src})"
        if typing.get_origin(tp) is tuple:
            (elem, _ellipsis) = typing.get_args(tp)
            inner = self.encode_expr(elem, "_x")
            return f"list({src})" if inner == "_x" else f"[{inner} for _x in {src}]"
        return f"_encode_any({src})"

    def unstructure_fn(self, cls: type) -> Callable[..., Any]:
        hints = typing.get_type_hints(cls)
        fields = [f for f in attrs.fields(cls) if f.name not in ("extra", "explicit_nulls")]
        tag = getattr(cls, "type", None)
        self.ns.update(_thaw=thaw_json, _encode_any=encode_object)
        body = ["def unstructure(obj):"]
        first = [f"'type': {tag!r}"] if isinstance(tag, str) else []
        first += [
            f"{f.name!r}: {self.encode_expr(hints[f.name], f'obj.{f.name}')}"
            for f in fields
            if f.default is attrs.NOTHING and not _split_optional(hints[f.name])[1]
        ]
        body.append("    d = {" + ", ".join(first) + "}")
        body.append("    nulls = obj.explicit_nulls")
        for f in fields:
            if f.default is attrs.NOTHING and not _split_optional(hints[f.name])[1]:
                continue
            name = repr(f.name)
            expr = self.encode_expr(hints[f.name], "v")
            body.append(f"    v = obj.{f.name}")
            body.append("    if v is not None:")
            body.append(f"        d[{name}] = {expr}")
            if f.default is attrs.NOTHING:
                body.append("    else:")
                body.append(f"        d[{name}] = None")
            else:
                body.append(f"    elif {name} in nulls:")
                body.append(f"        d[{name}] = None")
        body.append("    if obj.extra:")
        body.append("        for k, v in obj.extra.items():")
        body.append("            d[k] = _thaw(v)")
        body.append("    return d")
        return _compile("unstructure", "\n".join(body) + "\n", self.ns)


# ---------------------------------------------------------------------------------------------
# The converter
# ---------------------------------------------------------------------------------------------


_encoders: dict[type, Callable[[Any], dict[str, Any]]] = {}


def encode_object(obj: Any) -> Any:
    """Unstructure any model instance (event or nested object) to plain JSON values."""
    fn = _encoders.get(obj.__class__)
    if fn is None:
        fn = _encoders[obj.__class__] = converter.get_unstructure_hook(obj.__class__)
    return fn(obj)


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, ev.Model)


converter = cattrs.Converter(detailed_validation=False)
"""The ``cattrs`` converter that owns every hook of the event model."""

converter.register_structure_hook_factory(_is_model, lambda cls: _Gen(converter).structure_fn(cls))
converter.register_unstructure_hook_factory(
    _is_model, lambda cls: _Gen(converter).unstructure_fn(cls)
)


def _structure_unknown_object(value: Any, _: Any) -> ev.UnknownObject:
    if value.__class__ is not dict:
        value = _as_object(value, None)
    return ev.UnknownObject(payload=freeze_json(value))


def _structure_unknown_event(value: dict[str, Any], _: Any) -> ev.UnknownEvent:
    return ev.UnknownEvent(type=value["type"], payload=freeze_json(value))


converter.register_structure_hook(ev.UnknownObject, _structure_unknown_object)
converter.register_structure_hook(ev.UnknownEvent, _structure_unknown_event)
converter.register_unstructure_hook(ev.UnknownObject, lambda obj: thaw_json(obj.payload))
converter.register_unstructure_hook(ev.UnknownEvent, lambda obj: thaw_json(obj.payload))
converter.register_unstructure_hook(ev.UnknownClientEvent, lambda obj: thaw_json(obj.payload))


def _guard_union(union: Any) -> None:
    """Put an object/tag check in front of a cattrs tagged-union hook.

    cattrs' tagged union assumes a dict with a hashable tag; anything else would surface as a
    bare ``TypeError``.
    """
    inner = converter.get_structure_hook(union)

    def structure(value: Any, tp: Any, _inner: Callable[..., Any] = inner) -> Any:
        if value.__class__ is not dict:
            value = _as_object(value, None)
        tag = value.get("type")
        if tag is not None and tag.__class__ is not str:
            raise _wrong("type", tag, "a string")
        return _inner(value, tp)

    converter.register_structure_hook(union, structure)


def _tag_of(cls: type) -> str:
    tag = getattr(cls, "type", None)
    return tag if isinstance(tag, str) else f"<untagged {cls.__name__}>"


for _union, _default in (
    (ev.Session, ev.BetaSession),
    (ev.Item, ev.UnknownObject),
    (ev.TranscriptionUsage, ev.UnknownObject),
):
    configure_tagged_union(
        _union, converter, tag_generator=_tag_of, tag_name="type", default=_default
    )
    _guard_union(_union)

configure_tagged_union(
    ev.ServerEventClass,
    converter,
    tag_generator=_tag_of,
    tag_name="type",
    default=ev.UnknownEvent,
)

_structure_event: Callable[[dict[str, Any], Any], Any] = converter.get_structure_hook(
    ev.ServerEventClass
)
_EVENT_UNION = ev.ServerEventClass
# The tagged union above is the converter's dispatch; the hot path of ``decode`` calls the
# same generated member hooks directly, fetched once here (an unknown tag still goes
# through the union, whose default is ``UnknownEvent``).
_EVENT_HOOKS: dict[str, Callable[..., Any]] = {
    tag: converter.get_structure_hook(cls)
    for tag, cls in (*ev.SERVER_EVENT_CLASSES.items(), *ev.CLIENT_EVENT_CLASSES.items())
}
_loads = orjson.loads


def _structure_unknown_tag(obj: dict[str, Any]) -> Any:
    return _structure_event(obj, _EVENT_UNION)


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def decode(raw: RawEvent) -> Event:
    """Decode one server event from JSON text (``str``/``bytes``), a parsed mapping, or an
    event object of the official ``openai`` package (read through its ``to_dict()``).

    Returns an instance of the event's class (see :mod:`realtime_state.events`), or an
    :class:`~realtime_state.events.UnknownEvent` for a ``type`` this version does not know.
    Unknown fields are kept in ``extra``; ``encode(decode(x))`` gives back ``x``.

    Raises :class:`~realtime_state.errors.DecodeError` for invalid JSON, a value that is not
    an object, a missing or non-string ``type``, a missing required field, a value of the
    wrong type (no coercion), or a malformed nested object.
    """
    cls = raw.__class__
    if cls is str or cls is bytes:
        try:
            obj: Any = _loads(raw)  # type: ignore[arg-type]
        except orjson.JSONDecodeError as exc:
            raise DecodeError(f"invalid JSON: {exc}", raw=raw) from None
    elif cls is dict:
        obj = raw
    else:
        obj = _object_of(raw)
    # Subscripts rather than dict.get (no method call) and _structure inlined: the hot path.
    try:
        tag = obj["type"]
    except KeyError:
        raise DecodeError("missing required field 'type'", path=("type",), raw=raw) from None
    except TypeError:  # orjson gave an array, a string, a number, true, false or null
        raise DecodeError(f"expected a JSON object, got {_describe(obj)}", raw=raw) from None
    if tag.__class__ is not str:
        raise DecodeError(f"expected a string, got {_describe(tag)}", path=("type",), raw=raw)
    try:
        hook = _EVENT_HOOKS[tag]
    except KeyError:
        hook = _structure_unknown_tag
    try:
        return hook(obj)  # type: ignore[no-any-return]
    except _FieldError as exc:
        raise _field_error(exc, tag, raw) from None
    except RecursionError:
        raise DecodeError("nesting too deep", event_type=tag, raw=raw) from None
    except _InexactNumber:
        # orjson gave a float for an integer literal out of the 64-bit range: read the text
        # again with the standard library, which keeps every integer exact (rare, slower)
        if isinstance(raw, (str, bytes, bytearray, memoryview)):
            text = raw if isinstance(raw, str) else bytes(raw)
            obj = json.loads(text)
        else:
            reread = getattr(_EXACT, "reread", None)
            if reread is not None:  # decode_parsed: the caller can read its text again
                obj = reread()
        _EXACT.on = True
        try:
            return _structure(obj, tag, raw)
        finally:
            _EXACT.on = False


def _object_of(raw: Any) -> dict[str, Any]:
    """The JSON object of any input but ``str``, ``bytes`` and ``dict`` (decode's slow path)."""
    if isinstance(raw, (str, bytes, bytearray, memoryview)):
        try:
            obj = _loads(raw)
        except orjson.JSONDecodeError as exc:
            raise DecodeError(f"invalid JSON: {exc}", raw=raw) from None
    else:
        obj = _sdk_wire(raw)
    if obj.__class__ is not dict:
        if isinstance(obj, Mapping) and all(isinstance(k, str) for k in obj):
            return dict(obj)
        raise DecodeError(f"expected a JSON object, got {_describe(obj)}", raw=raw)
    return obj


def decode_parsed(obj: dict[str, Any], exact: Callable[[], Any]) -> Event:
    """:func:`decode` of an object already parsed with ``orjson`` (a log reader that parsed a
    line to see what it is). ``exact()`` parses the same object again with the standard
    library; it is called only when the object holds a float that may have been an integer
    beyond 64 bits (orjson reads those as floats), so that every integer stays exact, in
    typed fields, unknown fields and unknown events alike, without parsing twice otherwise."""
    _EXACT.reread = exact
    try:
        return decode(obj)
    finally:
        _EXACT.reread = None


def is_sdk_event(value: object) -> bool:
    """Whether ``value`` is an event object of the official ``openai`` package (a pydantic
    model of ``openai.types``), without importing that package."""
    module = value.__class__.__module__
    return module.startswith("openai.types.") and callable(getattr(value, "to_dict", None))


def _sdk_wire(raw: Any) -> Any:
    """The wire dict of an ``openai`` event object (``to_dict()``: fields as they came, explicit
    nulls kept, absent fields absent; ``model_dump()`` would add every absent field as null);
    anything else as it is."""
    if not is_sdk_event(raw):
        return raw
    try:
        return raw.to_dict(mode="json")
    except Exception as exc:  # an object the SDK cannot serialise: the input is at fault
        raise DecodeError(f"cannot read the openai event object: {exc}", raw=raw) from None


def _structure(obj: dict[str, Any], tag: str, raw: Any) -> Event:
    hook = _EVENT_HOOKS.get(tag)
    try:
        if hook is not None:
            return hook(obj)  # type: ignore[no-any-return]
        return _structure_event(obj, _EVENT_UNION)  # type: ignore[no-any-return]
    except _FieldError as exc:
        raise _field_error(exc, tag, raw) from None
    except RecursionError:
        raise DecodeError("nesting too deep", event_type=tag, raw=raw) from None


def _field_error(exc: _FieldError, tag: str, raw: Any) -> DecodeError:
    return DecodeError(exc.reason, event_type=tag, path=tuple(reversed(exc.rpath)), raw=raw)


def encode(event: Event) -> dict[str, Any]:
    """Give back the wire form of a decoded event as plain JSON values.

    ``encode(decode(x)) == json.loads(x)``: fields that were absent stay absent, explicit
    ``null`` stays ``null``, unknown fields come back from ``extra``.
    """
    fn = _encoders.get(event.__class__)
    if fn is None:
        if not (isinstance(event, ev.UnknownEvent) or _is_model(event.__class__)):
            raise TypeError(f"encode() expects a decoded event, got {type(event).__name__}")
        fn = _encoders[event.__class__] = converter.get_unstructure_hook(event.__class__)
    return fn(event)
