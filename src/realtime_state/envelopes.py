"""Envelope lines: one event of a recorded call with its time and its direction.

A log line is either a bare event (as the server sent it) or an *envelope*, the shape the
JavaScript reference client logs::

    {"time": 1764700000.123456, "source": "server", "event": {...}}
    {"time": 1764700000.2, "source": "client", "event": {"type": "response.create"}}
    {"time": 1764700000.3, "source": "server", "raw": "<a frame that was not a JSON object>"}

``time`` is seconds since the epoch (a JSON number; absent or ``null`` when unknown),
``source`` is ``"server"`` or ``"client"``. A ``raw`` line keeps a server frame that could not
be decoded, verbatim: reducing it records an error entry (``state.errors``, type
``invalid_server_event``) instead of failing, so a recording of a live call replays to the
state the call had. Plain and envelope lines may mix in one log; a bare event counts as a
server event unless its ``type`` is a client event's.

This module is pure (no clock, no file): :func:`decode_entry` reads one line,
:func:`encode_entry` gives it back, :func:`envelope_line` writes one (the live adapter's
recorder uses it with the frame's own text, so the server's bytes are kept as they came).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Union

import attrs
import orjson
from immutabledict import immutabledict

from . import events as ev
from .decoding import (
    Event,
    RawEvent,
    decode,
    decode_parsed,
    encode,
    freeze_json,
    is_sdk_event,
    thaw_json,
)
from .errors import DecodeError

__all__ = [
    "SERVER",
    "CLIENT",
    "SOURCES",
    "INVALID_SERVER_EVENT",
    "Envelope",
    "Entry",
    "decode_entry",
    "encode_entry",
    "envelope_line",
    "raw_line",
    "is_envelope",
]

SERVER = "server"
"""``source`` of an event the server sent."""
CLIENT = "client"
"""``source`` of an event the app sent."""
SOURCES = frozenset({SERVER, CLIENT})
"""The values ``source`` may take."""
INVALID_SERVER_EVENT = "invalid_server_event"
"""``ErrorRecord.type`` of a server frame that could not be decoded (a ``raw`` line)."""

_KNOWN_KEYS = frozenset({"time", "source", "event", "raw"})
_NO_EXTRA: Mapping[str, Any] = immutabledict()


@attrs.frozen(slots=True, kw_only=True, weakref_slot=False)
class Envelope:
    """One recorded event with its time and direction (see the module docstring)."""

    time: float | None = None
    """Seconds since the epoch when the event was sent or received, or ``None``."""
    source: str = SERVER
    """``"server"`` or ``"client"``."""
    event: Event | None = None
    """The decoded event, or ``None`` for a ``raw`` frame."""
    raw: str | None = None
    """A server frame that could not be decoded, verbatim (then ``event`` is ``None``)."""
    extra: Mapping[str, Any] = attrs.field(factory=immutabledict, repr=False)
    """Keys of the envelope this version does not know, kept for :func:`encode_entry`."""

    def __attrs_post_init__(self) -> None:
        if (self.event is None) == (self.raw is None):
            raise ValueError("an Envelope holds exactly one of event and raw")
        if self.source not in SOURCES:
            raise ValueError(f"source must be 'server' or 'client', not {self.source!r}")


Entry = Union[Event, Envelope]
"""What a log line decodes to: a bare event or an :class:`Envelope`."""


def is_envelope(obj: Mapping[str, Any]) -> bool:
    """Whether a parsed line is an envelope (no ``type`` of its own; ``source`` with
    ``event`` or ``raw``) rather than a bare event."""
    return "type" not in obj and "source" in obj and ("event" in obj or "raw" in obj)


def _time_of(obj: Mapping[str, Any]) -> float | None:
    value = obj.get("time")
    if value is None:
        return None
    if value.__class__ is bool or not isinstance(value, (int, float)):
        raise DecodeError(
            f"expected a number (seconds since the epoch), got {type(value).__name__} {value!r}",
            path=("time",),
            raw=obj,
        )
    try:
        return float(value)
    except OverflowError:
        raise DecodeError(f"a time out of range: {value!r}", path=("time",), raw=obj) from None


def _is_client(event: Any) -> bool:
    return isinstance(event, (ev.ClientEvent, ev.UnknownClientEvent))


def _envelope(obj: dict[str, Any], exact: Callable[[], Any] | None = None) -> Envelope:
    time = _time_of(obj)
    source = obj["source"]
    if source.__class__ is not str or source not in SOURCES:
        raise DecodeError(
            f"expected 'server' or 'client', got {source!r}", path=("source",), raw=obj
        )
    extra = (
        _NO_EXTRA
        if obj.keys() <= _KNOWN_KEYS
        else immutabledict(freeze_json({k: v for k, v in obj.items() if k not in _KNOWN_KEYS}))
    )
    if "raw" in obj:
        raw = obj["raw"]
        if "event" in obj or source != SERVER or raw.__class__ is not str:
            raise DecodeError(
                "a 'raw' line holds the text of a server frame (a string, source 'server', "
                "no 'event')",
                path=("raw",),
                raw=obj,
            )
        return Envelope(time=time, source=source, raw=raw, extra=extra)
    body = obj["event"]
    try:
        event = (
            decode(body)
            if exact is None or body.__class__ is not dict
            else decode_parsed(body, exact)
        )
    except DecodeError as exc:
        error = DecodeError(
            exc.reason, event_type=exc.event_type, path=("event", *exc.path), raw=obj
        )
        raise error from None
    if source == CLIENT:
        if isinstance(event, ev.UnknownEvent) and not _is_client(event):
            event = ev.UnknownClientEvent(type=event.type, payload=event.payload)
        elif not _is_client(event):
            raise DecodeError(
                f"source 'client' but {event.type!r} is a server event",
                path=("source",),
                raw=obj,
            )
    elif _is_client(event):
        raise DecodeError(
            f"source 'server' but {event.type!r} is a client event", path=("source",), raw=obj
        )
    return Envelope(time=time, source=source, event=event, extra=extra)


def decode_entry(raw: RawEvent | Envelope) -> Entry:
    """Decode one log line: a bare event (see :func:`~realtime_state.decode`) or an
    :class:`Envelope`. Raises :class:`~realtime_state.DecodeError` for a line that is
    neither (naming the field at fault)."""
    if isinstance(raw, Envelope):
        return raw
    if isinstance(raw, (str, bytes, bytearray, memoryview)):
        text = raw if isinstance(raw, (str, bytes)) else bytes(raw)
        try:
            obj: Any = orjson.loads(text)
        except orjson.JSONDecodeError:
            return decode(text)  # the same error as for any line that is not JSON
        if obj.__class__ is not dict:
            return decode(text)
        if is_envelope(obj):
            return _envelope(obj, lambda: json.loads(text)["event"])
        try:
            return decode_parsed(obj, lambda: json.loads(text))  # parsed once
        except DecodeError:
            return decode(text)  # the text's own error, named as for any line
    if is_sdk_event(raw):
        return decode(raw)
    if isinstance(raw, Mapping) and is_envelope(raw):
        return _envelope(dict(raw))
    return decode(raw)


def encode_entry(entry: Entry) -> dict[str, Any]:
    """The wire form of a decoded line: ``encode_entry(decode_entry(x))`` equals ``x``
    parsed (an envelope's ``time`` comes back as a float)."""
    if not isinstance(entry, Envelope):
        return encode(entry)
    env = entry
    out: dict[str, Any] = {}
    if env.time is not None:
        out["time"] = env.time
    out["source"] = env.source
    if env.raw is not None:
        out["raw"] = env.raw
    else:
        out["event"] = encode(env.event)  # type: ignore[arg-type]
    out.update(thaw_json(env.extra))
    return out


def envelope_line(
    source: str, time: float | None, *, frame: str | None = None, event: Any = None
) -> str:
    """One envelope line (JSON text, no newline) for a recording.

    ``frame`` is the event's JSON text exactly as it went over the wire: it is embedded as it
    is, so the recording keeps the server's bytes (a frame that is not one JSON object must
    be passed as ``raw`` instead). ``event`` is a mapping or a decoded event, serialised
    compactly. ``time`` is written with microseconds.
    """
    head = '{"time":' + ("null" if time is None else f"{time:.6f}")
    head += ',"source":"' + source + '"'
    if frame is not None:
        # raw newlines can only be whitespace between JSON tokens: a space keeps the meaning
        if "\n" in frame or "\r" in frame:
            frame = frame.replace("\r", " ").replace("\n", " ")
        return head + ',"event":' + frame + "}"
    if event is None:
        raise TypeError("envelope_line() needs frame or event")
    body = event if isinstance(event, Mapping) else encode(event)
    return head + ',"event":' + orjson.dumps(body).decode() + "}"


def raw_line(time: float | None, text: str) -> str:
    """An envelope line keeping a server frame that could not be decoded, verbatim."""
    return orjson.dumps({"time": time, "source": SERVER, "raw": text}).decode()


def log_line_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one log line, as published in the docs (package
    data ``realtime_state/data/log-line.schema.json``)."""
    from importlib.resources import files

    text = files("realtime_state").joinpath("data/log-line.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
