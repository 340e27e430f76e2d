"""One builder of realistic Realtime API server events, in either dialect, as plain dicts.

:class:`WireBuilder` writes each server event the way a server sends it (the shapes, names
and quirks of ``EVENTS.md``), as a JSON-ready ``dict``: ``json.dumps`` it for wire text,
or hand the dicts to :func:`realtime_state.replay` as they are. It needs nothing beyond the
standard library (no hypothesis, no pytest).

* **Dialects.** ``WireBuilder("ga")`` (what servers send today) or ``WireBuilder("beta")``.
  Methods are named after the event; where the dialects differ the builder picks the name
  and shape: :meth:`~WireBuilder.text_delta` is ``response.output_text.delta`` in GA and
  ``response.text.delta`` in beta; :meth:`~WireBuilder.place` is
  ``conversation.item.added`` + ``.done`` in GA and ``conversation.item.created`` in beta;
  beta items carry ``"object": "realtime.item"``, GA items none; assistant content parts
  are ``output_text``/``output_audio`` in GA items and ``text``/``audio`` in beta items (the
  ``part`` of ``response.content_part.*`` says ``text``/``audio`` in both).
* **Ids.** Every event gets a fresh ``event_id``; items, responses and calls get one when
  none is given (``item_…``, ``resp_…``, ``call_…``). By default ids are sequential
  (:class:`SequentialIds`); pass ``ids=`` any ``(kind) -> str`` to make your own.
* **Conversation order.** The builder tracks the order of the conversation, as the reducer
  will: ``previous_item_id`` defaults (:data:`AUTO`) to the item before this one, so a
  stream built in order (call the methods in the order the server sends the events)
  anchors every item correctly. Pass an id, ``None`` (first) or
  :data:`OMIT` (the key left out: the item goes at the end) to say otherwise.
* **Levels.** Objects (:meth:`~WireBuilder.message`, :meth:`~WireBuilder.usage`,
  :meth:`~WireBuilder.response`, :meth:`~WireBuilder.session`, ...), single events (one
  method per server event), and whole exchanges that return lists of events:
  :meth:`~WireBuilder.user_text_turn`, :meth:`~WireBuilder.user_audio_turn`,
  :meth:`~WireBuilder.assistant_text_turn`, :meth:`~WireBuilder.assistant_audio_turn`,
  :meth:`~WireBuilder.function_call_round`.

Every event it builds decodes with :func:`realtime_state.decode` and validates with the
openai package's models of its dialect.

Example:

```python
from realtime_state import replay
from realtime_state.testing.wire import WireBuilder

wire = WireBuilder("ga")
events = [
    wire.session_created(),
    *wire.user_text_turn("What's the weather?"),
    *wire.assistant_audio_turn(["Sunny", " and", " warm."]),
]
state = replay(events, policy="strict")
assert state.items[-1].content[0].transcript == "Sunny and warm."
```
"""

from __future__ import annotations

import base64
import enum
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Literal

__all__ = [
    "AUDIO_FORMATS",
    "AUTO",
    "OMIT",
    "Default",
    "SequentialIds",
    "WireBuilder",
]

Event = dict[str, Any]
Dialect = Literal["ga", "beta"]


class Default(enum.Enum):
    """The two markers a parameter may take besides a value."""

    AUTO = "auto"
    """Let the builder choose (the tracked previous item, the dialect's usual value)."""
    OMIT = "omit"
    """Leave the key out of the event."""

    def __repr__(self) -> str:
        return self.name


AUTO: Final = Default.AUTO
"""Let the builder choose the value (see :class:`Default`)."""
OMIT: Final = Default.OMIT
"""Leave the key out (see :class:`Default`)."""

AUDIO_FORMATS: Mapping[str, tuple[dict[str, Any], str, int]] = {
    "pcm16": ({"type": "audio/pcm", "rate": 24000}, "pcm16", 48),
    "g711_ulaw": ({"type": "audio/pcmu"}, "g711_ulaw", 8),
    "g711_alaw": ({"type": "audio/pcma"}, "g711_alaw", 8),
}
"""Audio formats by their beta name: ``(GA format object, beta name, bytes per ms)``."""

_ID_WIDTH = {"call": 16}


class SequentialIds:
    """Ids in the server's shapes from a counter shared by all kinds: ``kind_`` plus
    ``tag`` and the zero-padded count, 21 characters after the prefix (16 for ``call``);
    kind ``webrtc_event`` (``output_audio_buffer.*``) gives ``event_`` plus 16 hex digits,
    as WebRTC servers send.

    ``count`` is the last number given out; ``start`` the first.
    """

    def __init__(self, tag: str = "", start: int = 1) -> None:
        self.tag = tag
        self.count = start - 1

    def __call__(self, kind: str) -> str:
        self.count += 1
        if kind == "webrtc_event":
            return f"event_{self.count:016x}"
        width = _ID_WIDTH.get(kind, 21) - len(self.tag)
        return f"{kind}_{self.tag}{self.count:0>{width}}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _pieces(text: str | Sequence[str]) -> list[str]:
    """A ``str`` is one delta; a sequence is the deltas."""
    return [text] if isinstance(text, str) else list(text)


class WireBuilder:
    """Builds server events of one dialect and keeps what later events depend on.

    :param dialect: ``"ga"`` or ``"beta"``.
    :param ids: ``(kind) -> str`` giving fresh ids; kinds are ``event``, ``webrtc_event``,
        ``item``, ``resp``, ``call``, ``sess`` and ``conv``. Default: a
        :class:`SequentialIds`.
    :param output_format: the session's output audio format by its beta name
        (:data:`AUDIO_FORMATS`); responses and :meth:`session` echo it.
    :param voice: the voice responses and :meth:`session` echo.
    :param session_id: a fixed session id (default: a fresh one).
    :param conversation_id: a fixed conversation id (default: a fresh one).

    The conversation order the builder tracks is :attr:`conversation` (item ids, in order).
    """

    def __init__(
        self,
        dialect: Dialect | str = "ga",
        *,
        ids: Callable[[str], str] | None = None,
        output_format: str = "pcm16",
        voice: str = "alloy",
        session_id: str | None = None,
        conversation_id: str | None = None,
    ) -> None:
        if dialect not in ("ga", "beta"):
            raise ValueError(f"dialect must be 'ga' or 'beta', not {dialect!r}")
        if output_format not in AUDIO_FORMATS:
            raise ValueError(f"output_format must be one of {sorted(AUDIO_FORMATS)}")
        self.dialect = dialect
        self.ga = dialect == "ga"
        self.ids: Callable[[str], str] = ids if ids is not None else SequentialIds()
        self.output_format = output_format
        self.voice = voice
        self.conversation: list[str] = []
        """Item ids of the conversation, in order: what ``previous_item_id`` names."""
        self.out_of_band: set[str] = set()
        """Ids of the out-of-band responses created (their items stay out of the order)."""
        self.session_id = session_id if session_id is not None else self.ids("sess")
        self.conversation_id = conversation_id if conversation_id is not None else self.ids("conv")

    # --- ids and the conversation order ----------------------------------------------------

    def new_id(self, kind: str) -> str:
        """A fresh id of ``kind`` (``item``, ``resp``, ``call``, ``event``, ...)."""
        return self.ids(kind)

    @property
    def last_item_id(self) -> str | None:
        """The last item of the tracked conversation, ``None`` when it is empty."""
        return self.conversation[-1] if self.conversation else None

    def _previous(self, item_id: str | None) -> str | None:
        """The item before ``item_id`` if placed, else the last one."""
        if item_id is not None and item_id in self.conversation:
            at = self.conversation.index(item_id)
            return self.conversation[at - 1] if at else None
        return self.last_item_id

    def _place(self, item_id: str | None, previous: str | Default | None) -> None:
        """Track where an item goes, as the reducer places it (``CONTRACT.md``)."""
        if item_id is None or item_id in self.conversation:
            return
        if previous is None:
            self.conversation.insert(0, item_id)
        elif isinstance(previous, str) and previous in self.conversation:
            self.conversation.insert(self.conversation.index(previous) + 1, item_id)
        else:
            self.conversation.append(item_id)

    def _name(self, beta: str, ga: str) -> str:
        return ga if self.ga else beta

    # --- objects ------------------------------------------------------------------------------

    def item(self, kind: str, *, item_id: str | None = None, **fields: Any) -> dict[str, Any]:
        """An item of type ``kind`` with ``fields`` (beta items carry ``object``)."""
        item: dict[str, Any] = {"id": item_id if item_id is not None else self.ids("item")}
        if not self.ga:
            item["object"] = "realtime.item"
        item["type"] = kind
        item.update(fields)
        return item

    def message(
        self,
        role: str,
        content: Iterable[Mapping[str, Any]] = (),
        *,
        item_id: str | None = None,
        status: str = "completed",
    ) -> dict[str, Any]:
        """A ``message`` item of ``role`` with ``content`` parts (see :meth:`input_text`,
        :meth:`input_audio`, :meth:`output_text`, :meth:`output_audio`)."""
        return self.item(
            "message",
            item_id=item_id,
            status=status,
            role=role,
            content=[dict(part) for part in content],
        )

    def function_call(
        self,
        name: str,
        arguments: str = "",
        *,
        item_id: str | None = None,
        call_id: str | None = None,
        status: str = "completed",
    ) -> dict[str, Any]:
        """A ``function_call`` item (``arguments`` is the JSON text the model wrote)."""
        return self.item(
            "function_call",
            item_id=item_id,
            status=status,
            name=name,
            call_id=call_id if call_id is not None else self.ids("call"),
            arguments=arguments,
        )

    def function_call_output(
        self, call_id: str, output: str, *, item_id: str | None = None
    ) -> dict[str, Any]:
        """A ``function_call_output`` item, as the client creates it."""
        return self.item("function_call_output", item_id=item_id, call_id=call_id, output=output)

    @staticmethod
    def input_text(text: str) -> dict[str, Any]:
        """A user (or system) text part."""
        return {"type": "input_text", "text": text}

    @staticmethod
    def input_audio(transcript: str | None = None, audio: bytes | None = None) -> dict[str, Any]:
        """A user audio part: ``transcript`` ``None`` until transcribed; ``audio`` only in
        client-created items echoed back (and ``conversation.item.retrieved``)."""
        part: dict[str, Any] = {"type": "input_audio", "transcript": transcript}
        if audio is not None:
            part["audio"] = _b64(audio)
        return part

    def output_text(self, text: str) -> dict[str, Any]:
        """An assistant text part as items carry it (GA ``output_text``, beta ``text``)."""
        return {"type": self._name("text", "output_text"), "text": text}

    def output_audio(self, transcript: str) -> dict[str, Any]:
        """An assistant audio part as items carry it (GA ``output_audio``, beta ``audio``;
        items in events never hold the audio bytes)."""
        return {"type": self._name("audio", "output_audio"), "transcript": transcript}

    @staticmethod
    def function_tool(name: str, description: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
        """A function tool as both dialects echo it in the session."""
        return {
            "type": "function",
            "name": name,
            "description": description,
            "parameters": dict(parameters),
        }

    def usage(
        self,
        *,
        input_text: int = 0,
        input_audio: int = 0,
        output_text: int = 0,
        output_audio: int = 0,
        cached_text: int = 0,
        cached_audio: int = 0,
        image_tokens: int | Default = AUTO,
    ) -> dict[str, Any]:
        """A response ``usage`` with every detail; totals are the sums. ``image_tokens``
        (GA only by default, ``0``) is given in the input and cached details."""
        images: int | None = (0 if self.ga else None) if image_tokens is AUTO else None
        if isinstance(image_tokens, int):
            images = image_tokens
        total_in = input_text + input_audio + (images or 0)
        details: dict[str, Any] = {"text_tokens": input_text, "audio_tokens": input_audio}
        cached_details: dict[str, Any] = {"text_tokens": cached_text, "audio_tokens": cached_audio}
        if images is not None:
            details["image_tokens"] = images
            cached_details["image_tokens"] = 0
        details["cached_tokens"] = cached_text + cached_audio
        details["cached_tokens_details"] = cached_details
        return {
            "total_tokens": total_in + output_text + output_audio,
            "input_tokens": total_in,
            "output_tokens": output_text + output_audio,
            "input_token_details": details,
            "output_token_details": {"text_tokens": output_text, "audio_tokens": output_audio},
        }

    def response(
        self,
        response_id: str,
        status: str = "in_progress",
        *,
        output: Iterable[Mapping[str, Any]] = (),
        usage: Mapping[str, Any] | None = None,
        reason: str | None = None,
        status_details: Mapping[str, Any] | None = None,
        audio: bool = True,
        out_of_band: bool = False,
        metadata: Mapping[str, Any] | None = None,
        minimal: bool = False,
    ) -> dict[str, Any]:
        """A response object. ``reason`` gives ``status_details`` ``{type: status, reason}``;
        ``audio``: audio and text output (else text only); ``out_of_band``:
        ``conversation_id`` null. ``minimal``: only ``object, id, status, status_details,
        output, conversation_id, usage`` (as early beta servers sent, and handy in tests);
        otherwise also the echoed output settings and ``metadata``."""
        details: Any = dict(status_details) if status_details is not None else None
        if reason is not None:
            details = {"type": status, "reason": reason}
        response: dict[str, Any] = {
            "object": "realtime.response",
            "id": response_id,
            "status": status,
            "status_details": details,
            "output": [dict(item) for item in output],
            "conversation_id": None if out_of_band else self.conversation_id,
        }
        if not minimal:
            ga_format, beta_format, _ = AUDIO_FORMATS[self.output_format]
            if self.ga:
                response["output_modalities"] = ["audio" if audio else "text"]
                response["max_output_tokens"] = "inf"
                response["audio"] = {"output": {"format": dict(ga_format), "voice": self.voice}}
            else:
                response["modalities"] = ["audio", "text"] if audio else ["text"]
                response["voice"] = self.voice
                response["output_audio_format"] = beta_format
                response["temperature"] = 0.8
                response["max_output_tokens"] = "inf"
        response["usage"] = dict(usage) if usage is not None else None
        if not minimal:
            response["metadata"] = dict(metadata) if metadata is not None else None
        return response

    def session(
        self,
        *,
        model: str | None = None,
        instructions: str = "You are a helpful assistant.",
        tools: Iterable[Mapping[str, Any]] = (),
        voice: str | None = None,
        output_format: str | None = None,
        input_format: str = "pcm16",
        transcription_model: str | None = None,
        transcription_language: str | None = None,
        noise_reduction: str | None = None,
        turn_detection: Mapping[str, Any] | Default | None = AUTO,
        expires_at: int = 1774706400,
    ) -> dict[str, Any]:
        """A session object as ``session.created``/``.updated`` echo it, every key the server
        sends (GA nested under ``audio``, beta flat). ``turn_detection`` defaults to server
        VAD; ``model``, ``voice`` and ``output_format`` to the dialect's and builder's."""
        voice = voice if voice is not None else self.voice
        out_ga, out_beta, _ = AUDIO_FORMATS[output_format or self.output_format]
        in_ga, in_beta, _ = AUDIO_FORMATS[input_format]
        transcription = (
            None
            if transcription_model is None
            else {"model": transcription_model, "language": transcription_language, "prompt": None}
        )
        vad: dict[str, Any] | None
        if turn_detection is AUTO:
            vad = {
                "type": "server_vad",
                "threshold": 0.5,
                "prefix_padding_ms": 300,
                "silence_duration_ms": 200,
                "idle_timeout_ms": None,
                "create_response": True,
                "interrupt_response": True,
            }
            if not self.ga:
                del vad["idle_timeout_ms"]
        else:
            vad = None if turn_detection is None or turn_detection is OMIT else dict(turn_detection)
        tool_list = [dict(tool) for tool in tools]
        if self.ga:
            return {
                "type": "realtime",
                "object": "realtime.session",
                "id": self.session_id,
                "model": model or "gpt-realtime",
                "output_modalities": ["audio"],
                "instructions": instructions,
                "tools": tool_list,
                "tool_choice": "auto",
                "max_output_tokens": "inf",
                "tracing": None,
                "truncation": "auto",
                "prompt": None,
                "expires_at": expires_at,
                "audio": {
                    "input": {
                        "format": dict(in_ga),
                        "transcription": transcription,
                        "noise_reduction": None
                        if noise_reduction is None
                        else {"type": noise_reduction},
                        "turn_detection": vad,
                    },
                    "output": {"format": dict(out_ga), "voice": voice, "speed": 1.0},
                },
                "include": None,
            }
        return {
            "id": self.session_id,
            "object": "realtime.session",
            "expires_at": expires_at,
            "input_audio_noise_reduction": None
            if noise_reduction is None
            else {"type": noise_reduction},
            "turn_detection": vad,
            "input_audio_format": in_beta,
            "input_audio_transcription": transcription,
            "client_secret": None,
            "include": None,
            "model": model or "gpt-4o-realtime-preview-2025-06-03",
            "modalities": ["audio", "text"],
            "instructions": instructions,
            "voice": voice,
            "output_audio_format": out_beta,
            "tool_choice": "auto",
            "temperature": 0.8,
            "max_response_output_tokens": "inf",
            "speed": 1,
            "tools": tool_list,
        }

    # --- events: generic ----------------------------------------------------------------------

    def event(self, kind: str, **fields: Any) -> Event:
        """Any server event: ``type``, a fresh ``event_id``, then ``fields`` in order."""
        return {"type": kind, "event_id": self.ids("event"), **fields}

    @staticmethod
    def _with(event: Event, **optional: Any) -> Event:
        for key, value in optional.items():
            if value is not None and value is not OMIT:
                event[key] = value
        return event

    # --- session --------------------------------------------------------------------------------

    def session_created(self, session: Mapping[str, Any] | None = None, **options: Any) -> Event:
        """``session.created``: ``session`` as given, else :meth:`session` of ``options``."""
        body = dict(session) if session is not None else self.session(**options)
        return self.event("session.created", session=body)

    def session_updated(self, session: Mapping[str, Any] | None = None, **options: Any) -> Event:
        """``session.updated`` (the whole session, not a diff); like :meth:`session_created`."""
        body = dict(session) if session is not None else self.session(**options)
        return self.event("session.updated", session=body)

    # --- conversation items ---------------------------------------------------------------------

    def _item_event(
        self, kind: str, item: Mapping[str, Any], previous_item_id: str | Default | None
    ) -> Event:
        item_id = item.get("id")
        previous = self._previous(item_id) if previous_item_id is AUTO else previous_item_id
        self._place(item_id, previous)
        if previous is OMIT:
            return self.event(kind, item=item)
        return self.event(kind, previous_item_id=previous, item=item)

    def conversation_item_added(
        self, item: Mapping[str, Any], previous_item_id: str | Default | None = AUTO
    ) -> Event:
        """GA ``conversation.item.added``: the item starts (places it, see the module doc)."""
        return self._item_event("conversation.item.added", item, previous_item_id)

    def conversation_item_done(
        self, item: Mapping[str, Any], previous_item_id: str | Default | None = AUTO
    ) -> Event:
        """GA ``conversation.item.done``: the item is final (servers sometimes send
        ``previous_item_id=None`` here for an item already placed; it does not move)."""
        return self._item_event("conversation.item.done", item, previous_item_id)

    def conversation_item_created(
        self, item: Mapping[str, Any], previous_item_id: str | Default | None = AUTO
    ) -> Event:
        """Beta ``conversation.item.created`` (in the GA union too, never sent by GA servers)."""
        return self._item_event("conversation.item.created", item, previous_item_id)

    def place(
        self, item: Mapping[str, Any], previous_item_id: str | Default | None = AUTO
    ) -> list[Event]:
        """The events that add a complete item to the conversation: GA ``added`` and
        ``done``, beta ``created``."""
        if not self.ga:
            return [self.conversation_item_created(item, previous_item_id)]
        return [
            self.conversation_item_added(item, previous_item_id),
            self.conversation_item_done(item, previous_item_id),
        ]

    def conversation_item_retrieved(self, item: Mapping[str, Any]) -> Event:
        """``conversation.item.retrieved``: the full item, audio bytes included."""
        return self.event("conversation.item.retrieved", item=item)

    def conversation_item_truncated(
        self, item_id: str, audio_end_ms: int, content_index: int = 0
    ) -> Event:
        """``conversation.item.truncated``: the part's audio cut at ``audio_end_ms``."""
        return self.event(
            "conversation.item.truncated",
            item_id=item_id,
            content_index=content_index,
            audio_end_ms=audio_end_ms,
        )

    def conversation_item_deleted(self, item_id: str) -> Event:
        """``conversation.item.deleted`` (the item leaves the tracked order)."""
        if item_id in self.conversation:
            self.conversation.remove(item_id)
        return self.event("conversation.item.deleted", item_id=item_id)

    # --- input audio buffer and transcription ------------------------------------------------

    def speech_started(self, item_id: str, audio_start_ms: int) -> Event:
        """``input_audio_buffer.speech_started`` (``item_id``: the item the turn will be)."""
        return self.event(
            "input_audio_buffer.speech_started", audio_start_ms=audio_start_ms, item_id=item_id
        )

    def speech_stopped(self, item_id: str, audio_end_ms: int) -> Event:
        """``input_audio_buffer.speech_stopped``."""
        return self.event(
            "input_audio_buffer.speech_stopped", audio_end_ms=audio_end_ms, item_id=item_id
        )

    def committed(self, item_id: str, previous_item_id: str | Default | None = AUTO) -> Event:
        """``input_audio_buffer.committed`` (``previous_item_id``: by default the last item)."""
        previous = self.last_item_id if previous_item_id is AUTO else previous_item_id
        if previous is OMIT:
            return self.event("input_audio_buffer.committed", item_id=item_id)
        return self.event(
            "input_audio_buffer.committed", previous_item_id=previous, item_id=item_id
        )

    def input_audio_cleared(self) -> Event:
        """``input_audio_buffer.cleared``."""
        return self.event("input_audio_buffer.cleared")

    def timeout_triggered(self, item_id: str, audio_start_ms: int, audio_end_ms: int) -> Event:
        """GA ``input_audio_buffer.timeout_triggered`` (server VAD ``idle_timeout_ms``)."""
        return self.event(
            "input_audio_buffer.timeout_triggered",
            audio_start_ms=audio_start_ms,
            audio_end_ms=audio_end_ms,
            item_id=item_id,
        )

    def transcription_delta(
        self,
        item_id: str,
        delta: str,
        *,
        content_index: int = 0,
        obfuscation: str | None = None,
    ) -> Event:
        """``conversation.item.input_audio_transcription.delta``."""
        event = self.event(
            "conversation.item.input_audio_transcription.delta",
            item_id=item_id,
            content_index=content_index,
            delta=delta,
        )
        return self._with(event, obfuscation=obfuscation)

    def transcription_completed(
        self,
        item_id: str,
        transcript: str,
        *,
        content_index: int = 0,
        usage: Mapping[str, Any] | Default = AUTO,
    ) -> Event:
        """``conversation.item.input_audio_transcription.completed``; ``usage`` defaults to
        token usage (``OMIT``: none, as beta-era servers sent)."""
        if usage is AUTO:
            out = max(1, len(transcript.split()))
            usage = {
                "type": "tokens",
                "total_tokens": 20 + out,
                "input_tokens": 20,
                "input_token_details": {"text_tokens": 0, "audio_tokens": 20},
                "output_tokens": out,
            }
        event = self.event(
            "conversation.item.input_audio_transcription.completed",
            item_id=item_id,
            content_index=content_index,
            transcript=transcript,
        )
        return self._with(event, usage=None if usage is OMIT else dict(usage))

    def transcription_failed(
        self,
        item_id: str,
        *,
        code: str = "audio_unintelligible",
        message: str = "Audio is unintelligible.",
        content_index: int = 0,
    ) -> Event:
        """``conversation.item.input_audio_transcription.failed``."""
        error = {"type": "transcription_error", "code": code, "message": message, "param": None}
        return self.event(
            "conversation.item.input_audio_transcription.failed",
            item_id=item_id,
            content_index=content_index,
            error=error,
        )

    # --- responses ------------------------------------------------------------------------------

    def response_created(self, response: Mapping[str, Any] | str | None = None) -> Event:
        """``response.created``: a response object, or an id (then an in-progress
        :meth:`response`), or nothing (a fresh id)."""
        if not isinstance(response, Mapping):
            response = self.response(response if response is not None else self.ids("resp"))
        if response.get("conversation_id", "") is None:
            self.out_of_band.add(response["id"])
        return self.event("response.created", response=dict(response))

    def response_done(self, response: Mapping[str, Any]) -> Event:
        """``response.done`` with the final response object (see :meth:`response`)."""
        return self.event("response.done", response=dict(response))

    def output_item_added(
        self, response_id: str, item: Mapping[str, Any], output_index: int = 0
    ) -> Event:
        """``response.output_item.added`` (an in-conversation item is placed at the end)."""
        if response_id not in self.out_of_band:
            self._place(item.get("id"), OMIT)
        return self.event(
            "response.output_item.added",
            response_id=response_id,
            output_index=output_index,
            item=item,
        )

    def output_item_done(
        self, response_id: str, item: Mapping[str, Any], output_index: int = 0
    ) -> Event:
        """``response.output_item.done``."""
        return self.event(
            "response.output_item.done",
            response_id=response_id,
            output_index=output_index,
            item=item,
        )

    def _part(
        self,
        kind: str,
        response_id: str,
        item_id: str,
        output_index: int,
        content_index: int,
        **fields: Any,
    ) -> Event:
        return self.event(
            kind,
            response_id=response_id,
            item_id=item_id,
            output_index=output_index,
            content_index=content_index,
            **fields,
        )

    def content_part_added(
        self,
        response_id: str,
        item_id: str,
        part: Mapping[str, Any] | str = "audio",
        *,
        output_index: int = 0,
        content_index: int = 0,
    ) -> Event:
        """``response.content_part.added``; ``part`` ``"audio"`` or ``"text"`` gives the
        empty part (``type`` stays ``audio``/``text`` in GA too)."""
        if isinstance(part, str):
            part = (
                {"type": "audio", "transcript": ""}
                if part == "audio"
                else {"type": "text", "text": ""}
            )
        return self._part(
            "response.content_part.added",
            response_id,
            item_id,
            output_index,
            content_index,
            part=dict(part),
        )

    def content_part_done(
        self,
        response_id: str,
        item_id: str,
        part: Mapping[str, Any],
        *,
        output_index: int = 0,
        content_index: int = 0,
    ) -> Event:
        """``response.content_part.done``: the final text or transcript, no audio bytes."""
        return self._part(
            "response.content_part.done",
            response_id,
            item_id,
            output_index,
            content_index,
            part=dict(part),
        )

    def _delta(
        self,
        beta: str,
        ga: str,
        response_id: str,
        item_id: str,
        output_index: int,
        content_index: int,
        obfuscation: str | None,
        **fields: Any,
    ) -> Event:
        event = self._part(
            self._name(beta, ga), response_id, item_id, output_index, content_index, **fields
        )
        return self._with(event, obfuscation=obfuscation)

    def text_delta(
        self,
        response_id: str,
        item_id: str,
        delta: str,
        *,
        output_index: int = 0,
        content_index: int = 0,
        obfuscation: str | None = None,
    ) -> Event:
        """GA ``response.output_text.delta`` / beta ``response.text.delta``."""
        return self._delta(
            "response.text.delta",
            "response.output_text.delta",
            response_id,
            item_id,
            output_index,
            content_index,
            obfuscation,
            delta=delta,
        )

    def text_done(
        self,
        response_id: str,
        item_id: str,
        text: str,
        *,
        output_index: int = 0,
        content_index: int = 0,
    ) -> Event:
        """GA ``response.output_text.done`` / beta ``response.text.done``."""
        return self._delta(
            "response.text.done",
            "response.output_text.done",
            response_id,
            item_id,
            output_index,
            content_index,
            None,
            text=text,
        )

    def audio_delta(
        self,
        response_id: str,
        item_id: str,
        audio: bytes | str,
        *,
        output_index: int = 0,
        content_index: int = 0,
    ) -> Event:
        """GA ``response.output_audio.delta`` / beta ``response.audio.delta`` (``audio``:
        bytes, or base64 text as sent)."""
        delta = audio if isinstance(audio, str) else _b64(audio)
        return self._delta(
            "response.audio.delta",
            "response.output_audio.delta",
            response_id,
            item_id,
            output_index,
            content_index,
            None,
            delta=delta,
        )

    def audio_done(
        self, response_id: str, item_id: str, *, output_index: int = 0, content_index: int = 0
    ) -> Event:
        """GA ``response.output_audio.done`` / beta ``response.audio.done`` (ids only)."""
        return self._delta(
            "response.audio.done",
            "response.output_audio.done",
            response_id,
            item_id,
            output_index,
            content_index,
            None,
        )

    def transcript_delta(
        self,
        response_id: str,
        item_id: str,
        delta: str,
        *,
        output_index: int = 0,
        content_index: int = 0,
        obfuscation: str | None = None,
    ) -> Event:
        """GA ``response.output_audio_transcript.delta`` / beta
        ``response.audio_transcript.delta``."""
        return self._delta(
            "response.audio_transcript.delta",
            "response.output_audio_transcript.delta",
            response_id,
            item_id,
            output_index,
            content_index,
            obfuscation,
            delta=delta,
        )

    def transcript_done(
        self,
        response_id: str,
        item_id: str,
        transcript: str,
        *,
        output_index: int = 0,
        content_index: int = 0,
    ) -> Event:
        """GA ``response.output_audio_transcript.done`` / beta
        ``response.audio_transcript.done`` (on interruption: the partial transcript)."""
        return self._delta(
            "response.audio_transcript.done",
            "response.output_audio_transcript.done",
            response_id,
            item_id,
            output_index,
            content_index,
            None,
            transcript=transcript,
        )

    def arguments_delta(
        self,
        response_id: str,
        item_id: str,
        call_id: str,
        delta: str,
        *,
        output_index: int = 0,
        obfuscation: str | None = None,
    ) -> Event:
        """``response.function_call_arguments.delta``."""
        event = self.event(
            "response.function_call_arguments.delta",
            response_id=response_id,
            item_id=item_id,
            output_index=output_index,
            call_id=call_id,
            delta=delta,
        )
        return self._with(event, obfuscation=obfuscation)

    def arguments_done(
        self,
        response_id: str,
        item_id: str,
        call_id: str,
        arguments: str,
        name: str | None,
        *,
        output_index: int = 0,
    ) -> Event:
        """``response.function_call_arguments.done`` (``name``: required in GA, sent by
        beta servers too; ``None`` leaves it out)."""
        event = self.event(
            "response.function_call_arguments.done",
            response_id=response_id,
            item_id=item_id,
            output_index=output_index,
            call_id=call_id,
        )
        return self._with(event, name=name, arguments=arguments)

    def output_audio_buffer(self, kind: str, response_id: str) -> Event:
        """WebRTC/SIP ``output_audio_buffer.<kind>`` (``started``, ``stopped``, ``cleared``);
        its ``event_id`` has the WebRTC shape (kind ``webrtc_event``)."""
        if kind not in ("started", "stopped", "cleared"):
            raise ValueError(f"kind must be started, stopped or cleared, not {kind!r}")
        return {
            "type": f"output_audio_buffer.{kind}",
            "event_id": self.ids("webrtc_event"),
            "response_id": response_id,
        }

    # --- misc -----------------------------------------------------------------------------------

    def rate_limits_updated(self, rate_limits: Iterable[Mapping[str, Any]] | None = None) -> Event:
        """``rate_limits.updated``; by default the dialect's entries (GA: ``tokens``; beta:
        ``requests`` and ``tokens``)."""
        if rate_limits is None:
            if self.ga:
                rate_limits = [
                    {
                        "name": "tokens",
                        "limit": 40000000,
                        "remaining": 39999000,
                        "reset_seconds": 0.002,
                    },
                ]
            else:
                rate_limits = [
                    {"name": "requests", "limit": 5000, "remaining": 4999, "reset_seconds": 0.012},
                    {
                        "name": "tokens",
                        "limit": 800000,
                        "remaining": 795000,
                        "reset_seconds": 0.311,
                    },
                ]
        return self.event("rate_limits.updated", rate_limits=[dict(r) for r in rate_limits])

    def error(
        self,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        client_event_id: str | None = None,
    ) -> Event:
        """A server ``error`` (``client_event_id``: the client event it answers)."""
        return self.event(
            "error",
            error={
                "type": type,
                "code": code,
                "message": message,
                "param": param,
                "event_id": client_event_id,
            },
        )

    # --- whole exchanges ------------------------------------------------------------------------

    def user_text_turn(self, text: str, *, item_id: str | None = None) -> list[Event]:
        """A client text message as the server confirms it (:meth:`place`)."""
        return self.place(self.message("user", [self.input_text(text)], item_id=item_id))

    def user_audio_turn(
        self,
        transcript: str | Sequence[str] | None = None,
        *,
        item_id: str | None = None,
        audio_start_ms: int = 0,
        audio_end_ms: int = 1200,
    ) -> list[Event]:
        """A VAD voice turn: ``speech_started``, ``speech_stopped``, ``committed``, the user
        audio item (:meth:`place`), then, when a ``transcript`` is given (one text, or its
        deltas), its input transcription deltas and ``completed``."""
        item_id = item_id if item_id is not None else self.ids("item")
        events = [
            self.speech_started(item_id, audio_start_ms),
            self.speech_stopped(item_id, audio_end_ms),
            self.committed(item_id),
            *self.place(self.message("user", [self.input_audio()], item_id=item_id)),
        ]
        if transcript is not None:
            pieces = _pieces(transcript)
            events += [self.transcription_delta(item_id, piece) for piece in pieces]
            events.append(self.transcription_completed(item_id, "".join(pieces)))
        return events

    def _response_events(
        self,
        response_id: str,
        body: Callable[[], tuple[list[Event], list[dict[str, Any]]]],
        *,
        audio: bool,
        usage: Mapping[str, Any] | None,
    ) -> list[Event]:
        """created (beta: rate limits), the body, done (GA: rate limits)."""
        events = [self.response_created(self.response(response_id, audio=audio))]
        if not self.ga:
            events.append(self.rate_limits_updated())
        middle, output = body()
        events += middle
        final = self.response(response_id, "completed", output=output, usage=usage, audio=audio)
        events.append(self.response_done(final))
        if self.ga:
            events.append(self.rate_limits_updated())
        return events

    def _message_output(
        self,
        response_id: str,
        item_id: str,
        steps: list[tuple[str | None, bytes | None]],
        *,
        audio: bool,
    ) -> tuple[list[Event], dict[str, Any]]:
        start = self.message("assistant", item_id=item_id, status="in_progress")
        events = [self.output_item_added(response_id, start)]
        if self.ga:
            events.append(self.conversation_item_added(start))
        else:
            events.append(self.conversation_item_created(start))
        events.append(self.content_part_added(response_id, item_id, "audio" if audio else "text"))
        said = ""
        for piece, chunk in steps:
            if chunk is not None:
                events.append(self.audio_delta(response_id, item_id, chunk))
            if piece is not None:
                said += piece
                if audio:
                    events.append(self.transcript_delta(response_id, item_id, piece))
                else:
                    events.append(self.text_delta(response_id, item_id, piece))
        if audio:
            events.append(self.audio_done(response_id, item_id))
            events.append(self.transcript_done(response_id, item_id, said))
            part: dict[str, Any] = {"type": "audio", "transcript": said}
            content = self.output_audio(said)
        else:
            events.append(self.text_done(response_id, item_id, said))
            part = {"type": "text", "text": said}
            content = self.output_text(said)
        events.append(self.content_part_done(response_id, item_id, part))
        final = self.message("assistant", [content], item_id=item_id)
        if self.ga:
            events.append(self.conversation_item_done(final))
        events.append(self.output_item_done(response_id, final))
        return events, final

    def assistant_text_turn(
        self,
        text: str | Sequence[str],
        *,
        response_id: str | None = None,
        item_id: str | None = None,
        usage: Mapping[str, Any] | None = None,
    ) -> list[Event]:
        """A complete text response (one text, or its deltas), in the dialect's order
        (``EVENTS.md`` §4), rate limits included; ``usage`` defaults to a small one."""
        response_id = response_id if response_id is not None else self.ids("resp")
        item_id = item_id if item_id is not None else self.ids("item")
        steps: list[tuple[str | None, bytes | None]] = [(p, None) for p in _pieces(text)]
        said = "".join(_pieces(text))

        def body() -> tuple[list[Event], list[dict[str, Any]]]:
            events, final = self._message_output(response_id, item_id, steps, audio=False)
            return events, [final]

        if usage is None:
            usage = self.usage(input_text=20, output_text=max(1, len(said.split())))
        return self._response_events(response_id, body, audio=False, usage=usage)

    def assistant_audio_turn(
        self,
        transcript: str | Sequence[str],
        chunks: Sequence[bytes] = (),
        *,
        response_id: str | None = None,
        item_id: str | None = None,
        usage: Mapping[str, Any] | None = None,
    ) -> list[Event]:
        """A complete spoken response: audio ``chunks`` (none over WebRTC) interleaved with
        the transcript deltas, then the ``*.done`` events, the item and ``response.done``."""
        response_id = response_id if response_id is not None else self.ids("resp")
        item_id = item_id if item_id is not None else self.ids("item")
        pieces = _pieces(transcript)
        steps: list[tuple[str | None, bytes | None]] = [
            (pieces[i] if i < len(pieces) else None, chunks[i] if i < len(chunks) else None)
            for i in range(max(len(pieces), len(chunks)))
        ]

        def body() -> tuple[list[Event], list[dict[str, Any]]]:
            events, final = self._message_output(response_id, item_id, steps, audio=True)
            return events, [final]

        if usage is None:
            words = max(1, len("".join(pieces).split()))
            usage = self.usage(input_text=20, output_text=words, output_audio=3 * words)
        return self._response_events(response_id, body, audio=True, usage=usage)

    def function_call_round(
        self,
        name: str,
        arguments: str | Mapping[str, Any],
        output: str | Mapping[str, Any] | None = None,
        *,
        chunk: int = 8,
        response_id: str | None = None,
        item_id: str | None = None,
        call_id: str | None = None,
        usage: Mapping[str, Any] | None = None,
    ) -> list[Event]:
        """A response whose output is one function call (its arguments streamed in pieces
        of ``chunk`` characters), then, when ``output`` is given, the client's
        ``function_call_output`` item as the server confirms it. ``arguments`` and
        ``output`` may be given as objects (then JSON-encoded)."""
        response_id = response_id if response_id is not None else self.ids("resp")
        item_id = item_id if item_id is not None else self.ids("item")
        call_id = call_id if call_id is not None else self.ids("call")
        text = arguments if isinstance(arguments, str) else json.dumps(arguments)

        def body() -> tuple[list[Event], list[dict[str, Any]]]:
            start = self.function_call(
                name, "", item_id=item_id, call_id=call_id, status="in_progress"
            )
            events = [self.output_item_added(response_id, start)]
            events.append(
                self.conversation_item_added(start)
                if self.ga
                else self.conversation_item_created(start)
            )
            events += [
                self.arguments_delta(response_id, item_id, call_id, text[at : at + chunk])
                for at in range(0, len(text), max(1, chunk))
            ]
            events.append(self.arguments_done(response_id, item_id, call_id, text, name))
            final = self.function_call(name, text, item_id=item_id, call_id=call_id)
            if self.ga:
                events.append(self.conversation_item_done(final))
            events.append(self.output_item_done(response_id, final))
            return events, [final]

        if usage is None:
            usage = self.usage(input_text=40, output_text=max(8, len(text) // 3))
        events = self._response_events(response_id, body, audio=False, usage=usage)
        if output is not None:
            result = output if isinstance(output, str) else json.dumps(output)
            events += self.place(self.function_call_output(call_id, result))
        return events
