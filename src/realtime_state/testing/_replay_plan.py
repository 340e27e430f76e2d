"""What a replay server sends and what it waits for: a recording split into steps (pure).

Used by :class:`realtime_state.testing.server.ReplayServer`; no I/O beyond reading a
recording file, no third-party import.

A recording is JSONL: each line is a bare server event (a JSON object with ``type``), an
envelope ``{"time": t, "source": "server"|"client", "event": {...}}`` or a raw server frame
``{"time": t, "source": "server", "raw": "<text>"}``. When the recording holds client
envelopes, they say which client event comes where. Otherwise the triggers are inferred
with :data:`TRIGGER_RULES`.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Union

import attrs

from ..events import CLIENT_EVENT_CLASSES

JsonObject = dict[str, Any]

Recording = Union[str, "os.PathLike[str]", Iterable[Union[str, Mapping[str, Any]]]]
"""A path to a JSONL file, or its lines (``str``) or parsed lines (dicts)."""

_READ_ONLY_SESSION_KEYS = ("id", "object", "expires_at", "client_secret")
"""Keys of a recorded session that the server fills in; a ``session.update`` leaves them out."""


@attrs.frozen
class TriggerRule:
    """One row of :data:`TRIGGER_RULES`: a server event and the client event that causes it."""

    server_event: str
    """The recorded server event's ``type``."""
    client_event: str
    """The ``type`` of the client event the server waits for before sending it."""
    unless: str = ""
    """When the server sends it by itself instead (no trigger); empty: never."""


TRIGGER_RULES: tuple[TriggerRule, ...] = (
    TriggerRule(
        "session.updated",
        "session.update",
        "never; the client's `session` is the recorded session minus "
        "`id`, `object`, `expires_at`, `client_secret` and a null `include` "
        "(beta's `session.update` has no `include`)",
    ),
    TriggerRule("transcription_session.updated", "transcription_session.update", "(beta) as above"),
    TriggerRule(
        "conversation.item.created",
        "conversation.item.create",
        "the item was announced by `response.output_item.added` (a response made it), follows "
        "an `input_audio_buffer.committed` naming it (an audio turn made it) or is an "
        "`mcp_list_tools` item; the client sends the recorded item and its non-null "
        "`previous_item_id`",
    ),
    TriggerRule("conversation.item.added", "conversation.item.create", "(GA) as above"),
    TriggerRule(
        "response.created",
        "response.create",
        "a VAD commit (`input_audio_buffer.committed` after `speech_stopped`) came since the "
        "previous `response.created`: server VAD creates the response; an out-of-band "
        'response (`conversation_id: null`) is asked for with `conversation: "none"`, '
        "recorded `metadata` is sent along",
    ),
    TriggerRule(
        "response.done",
        "response.cancel",
        "the response is not `cancelled` with reason `client_cancelled` (then: no trigger)",
    ),
    TriggerRule(
        "input_audio_buffer.committed",
        "input_audio_buffer.commit",
        "a `speech_stopped` came since the previous commit (server VAD committed)",
    ),
    TriggerRule("input_audio_buffer.cleared", "input_audio_buffer.clear"),
    TriggerRule("conversation.item.deleted", "conversation.item.delete"),
    TriggerRule("conversation.item.retrieved", "conversation.item.retrieve"),
    TriggerRule(
        "conversation.item.truncated",
        "conversation.item.truncate",
        "it follows an `output_audio_buffer.cleared` (WebRTC: the server truncates by itself); "
        "the client sends `item_id`, `content_index`, `audio_end_ms` of the event",
    ),
)
"""Which client event makes the server send which event, for recordings without client
lines. Every other server event (``session.created``, deltas, ``conversation.item.done``,
``error``, ...) has no trigger: the server sends it right after the event before it."""


@attrs.frozen
class ReplayStep:
    """Client events the server waits for (by ``type``, in order), then frames it sends."""

    client_events: tuple[JsonObject, ...]
    """What a scripted client sends; the server matches them by ``type`` only."""
    frames: tuple[str, ...]
    """The exact text of each server frame, in order."""
    first_frame: int
    """The number (0-based, over the whole recording) of this step's first frame."""
    delays: tuple[float, ...] = attrs.field(default=(), eq=False)
    """Recorded gap (seconds) before each frame, when the recording has times; else empty."""

    @property
    def awaited_types(self) -> tuple[str, ...]:
        """The ``type`` of each client event this step waits for."""
        return tuple(str(event.get("type")) for event in self.client_events)


@attrs.frozen
class ReplayPlan:
    """A recording as steps: the first is sent on connect, each later one after its
    client events arrived. Build one with :func:`plan`."""

    steps: tuple[ReplayStep, ...]
    """The steps, in order."""
    inferred: bool
    """True when the client events were inferred with :data:`TRIGGER_RULES` (the
    recording had no client lines)."""

    @property
    def frames(self) -> tuple[str, ...]:
        """Every server frame of the recording, in order."""
        return tuple(frame for step in self.steps for frame in step.frames)

    @property
    def client_events(self) -> tuple[JsonObject, ...]:
        """Every client event of the script, in order (fresh copies)."""
        return tuple(copy.deepcopy(e) for step in self.steps for e in step.client_events)

    def client_events_after(self, k: int) -> list[JsonObject]:
        """The client events to send right after receiving server frame ``k`` (0-based);
        ``k = -1``: right after connecting, before any frame. Fresh copies."""
        events: list[JsonObject] = []
        for step in self.steps:
            if step.client_events and step.first_frame - 1 == k:
                events.extend(copy.deepcopy(e) for e in step.client_events)
        return events


@attrs.frozen
class _Line:
    source: str
    frame: str | None  # server frames: the exact text to send
    event: JsonObject | None  # the parsed event (None for a raw frame)
    time: float | None
    bare: bool = False  # a bare line (no envelope)


def _parse_line(line: str | Mapping[str, Any], number: int) -> _Line | None:
    if isinstance(line, str):
        text = line.rstrip("\r\n")
        if not text.strip():
            return None
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"recording line {number}: not JSON: {exc}") from None
    else:
        text, value = None, dict(line)
    if not isinstance(value, dict):
        raise ValueError(f"recording line {number}: not a JSON object")
    if "source" not in value:
        if not isinstance(value.get("type"), str):
            raise ValueError(f"recording line {number}: no `type` and no `source`")
        if value["type"] in CLIENT_EVENT_CLASSES:  # a bare client event: the app sent it
            return _Line("client", None, value, None, bare=True)
        frame = text if text is not None else json.dumps(value, separators=(",", ":"))
        return _Line("server", frame, value, None, bare=True)
    source, time = value["source"], value.get("time")
    if source not in ("server", "client"):
        raise ValueError(f"recording line {number}: source {source!r}")
    if "raw" in value:
        if source != "server" or not isinstance(value["raw"], str):
            raise ValueError(f"recording line {number}: `raw` must be a server frame's text")
        return _Line("server", value["raw"], None, time)
    event = value.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        raise ValueError(f"recording line {number}: `event` must be an object with a `type`")
    frame = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    return _Line(source, frame if source == "server" else None, event, time)


def read_recording(recording: Recording) -> list[_Line]:
    """The non-blank lines of ``recording``, parsed."""
    lines: Iterable[str | Mapping[str, Any]]
    if isinstance(recording, (str, os.PathLike)):
        lines = Path(recording).read_text(encoding="utf-8").splitlines()
    else:
        lines = recording
    parsed = (_parse_line(line, n) for n, line in enumerate(lines, 1))
    return [line for line in parsed if line is not None]


class _Inference:
    """The state :data:`TRIGGER_RULES` need while walking a server-only recording."""

    def __init__(self) -> None:
        self.response_items: set[str] = set()
        self.committed_items: set[str] = set()
        self.speech_stopped = False
        self.vad_commit_since_response = False
        self.audio_cleared = False

    def trigger(self, event: JsonObject) -> JsonObject | None:
        kind = event["type"]
        handler = self._HANDLERS.get(kind)
        result = handler(self, event) if handler is not None else None
        if kind == "input_audio_buffer.speech_stopped":
            self.speech_stopped = True
        elif kind == "output_audio_buffer.cleared":
            self.audio_cleared = True
        elif kind == "response.output_item.added":
            item_id = (event.get("item") or {}).get("id")
            if isinstance(item_id, str):
                self.response_items.add(item_id)
        return result

    def _session(self, event: JsonObject) -> JsonObject:
        session = {
            k: v
            for k, v in (event.get("session") or {}).items()
            if k not in _READ_ONLY_SESSION_KEYS and not (k == "include" and v is None)
        }
        return {"type": event["type"].removesuffix("d"), "session": session}

    def _item(self, event: JsonObject) -> JsonObject | None:
        item = event.get("item") or {}
        item_id = item.get("id")
        if item_id in self.response_items or item_id in self.committed_items:
            return None
        if item.get("type") == "mcp_list_tools":
            return None
        created: JsonObject = {"type": "conversation.item.create"}
        if isinstance(event.get("previous_item_id"), str):
            created["previous_item_id"] = event["previous_item_id"]
        created["item"] = copy.deepcopy(item)
        return created

    def _response_created(self, event: JsonObject) -> JsonObject | None:
        automatic = self.vad_commit_since_response
        self.vad_commit_since_response = False
        if automatic:
            return None
        response = event.get("response") or {}
        params: JsonObject = {}
        if "conversation_id" in response and response["conversation_id"] is None:
            params["conversation"] = "none"
        if response.get("metadata") is not None:
            params["metadata"] = copy.deepcopy(response["metadata"])
        return {"type": "response.create", **({"response": params} if params else {})}

    def _response_done(self, event: JsonObject) -> JsonObject | None:
        response = event.get("response") or {}
        reason = (response.get("status_details") or {}).get("reason")
        if response.get("status") != "cancelled" or reason != "client_cancelled":
            return None
        return {"type": "response.cancel", "response_id": response.get("id")}

    def _committed(self, event: JsonObject) -> JsonObject | None:
        if isinstance(event.get("item_id"), str):
            self.committed_items.add(event["item_id"])
        vad, self.speech_stopped = self.speech_stopped, False
        if vad:
            self.vad_commit_since_response = True
            return None
        return {"type": "input_audio_buffer.commit"}

    def _truncated(self, event: JsonObject) -> JsonObject | None:
        if self.audio_cleared:
            self.audio_cleared = False
            return None
        return {
            "type": "conversation.item.truncate",
            "item_id": event.get("item_id"),
            "content_index": event.get("content_index"),
            "audio_end_ms": event.get("audio_end_ms"),
        }

    _HANDLERS: Mapping[str, Callable[[_Inference, JsonObject], JsonObject | None]] = {
        "session.updated": _session,
        "transcription_session.updated": _session,
        "conversation.item.created": _item,
        "conversation.item.added": _item,
        "response.created": _response_created,
        "response.done": _response_done,
        "input_audio_buffer.committed": _committed,
        "input_audio_buffer.cleared": lambda self, event: {"type": "input_audio_buffer.clear"},
        "conversation.item.deleted": lambda self, event: {
            "type": "conversation.item.delete",
            "item_id": event.get("item_id"),
        },
        "conversation.item.retrieved": lambda self, event: {
            "type": "conversation.item.retrieve",
            "item_id": (event.get("item") or {}).get("id"),
        },
        "conversation.item.truncated": _truncated,
    }


def plan(recording: Recording | ReplayPlan) -> ReplayPlan:
    """Split ``recording`` into :class:`ReplayStep` s (a :class:`ReplayPlan` is returned as is).

    With client envelope lines, each one is awaited where it stands. Without, the client
    events are inferred with :data:`TRIGGER_RULES`.
    """
    if isinstance(recording, ReplayPlan):
        return recording
    lines = read_recording(recording)
    # client envelope lines are the whole truth; bare client events (a log of server events
    # with the app's appends, say) are awaited where they stand and the rest is inferred
    explicit = any(line.source == "client" and not line.bare for line in lines)
    inference = _Inference()
    steps: list[ReplayStep] = []
    waits: list[JsonObject] = []
    frames: list[str] = []
    delays: list[float] = []
    timed = all(line.time is not None for line in lines) and bool(lines)
    previous_time: float | None = None
    count = 0

    def close_step() -> None:
        nonlocal count
        if frames or waits or not steps:
            steps.append(ReplayStep(tuple(waits), tuple(frames), count, tuple(delays)))
            count += len(frames)
        waits.clear()
        frames.clear()
        delays.clear()

    for line in lines:
        if line.source == "client":
            assert line.event is not None
            if frames or not steps:
                close_step()
            waits.append(copy.deepcopy(line.event))
        else:
            trigger = (
                inference.trigger(line.event) if not explicit and line.event is not None else None
            )
            if trigger is not None:
                close_step()
                waits.append(trigger)
            assert line.frame is not None
            frames.append(line.frame)
            if timed:
                assert line.time is not None
                delays.append(0.0 if previous_time is None else max(0.0, line.time - previous_time))
        previous_time = line.time
    close_step()
    return ReplayPlan(tuple(steps), inferred=not explicit)
