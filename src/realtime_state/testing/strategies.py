"""Hypothesis strategies of Realtime API server event streams, legal and faulty.

``legal_streams(dialect="ga")`` draws a whole session as a server sends it: a list of
JSON-ready ``dict`` events (``json.dumps`` each for wire text; :func:`realtime_state.reduce`
takes the dicts as they are). ``faulty_streams(dialect=...)`` draws a legal stream, injects
one known fault and returns ``(events, fault)``; ``fault.code`` and ``fault.index`` say which
violation a replay must report first, and where.

Theory of operation
-------------------
A stream is ``session.created`` and ``session.updated`` followed by a list of *segments*
(:data:`FEATURES`): a text turn, a voice turn, a function-call round, an interruption with
truncation, a cancelled response, a deletion, an error, ... Hypothesis draws the list, so
shrinking removes whole segments and swaps them for simpler ones (earlier in
:data:`FEATURES`), and the examples that fail a property shrink to a few events. A small
builder draws each segment and renders it with :class:`~realtime_state.testing.wire.WireBuilder`
in the dialect's wire shapes and orders (``EVENTS.md`` §4:
beta ``conversation.item.created`` and ``rate_limits.updated`` right after
``response.created``; GA ``conversation.item.added``/``.done`` and ``rate_limits.updated``
after ``response.done``; WebRTC ``output_audio_buffer.*`` and no audio deltas), tracking the
conversation order so that every ``previous_item_id`` names the item that is last at that
moment. Input transcription is asynchronous: it arrives inline, early (between
``input_audio_buffer.committed`` and the item) or late (spread over later segments, or
never), so items are transcribed out of order. Every final value (text, transcript,
arguments) equals its deltas joined; every copy of an item agrees with the others; usage
adds up.

Requires hypothesis (``pip install 'realtime-state[testing]'``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from typing import Any, Literal

import attrs

try:
    from hypothesis import assume
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "realtime_state.testing.strategies needs hypothesis; install it with "
        "pip install 'realtime-state[testing]' (or pip install hypothesis)"
    ) from exc

from ._faults import FAULT_KINDS, Fault, fault_positions, inject_fault
from .wire import AUDIO_FORMATS, SequentialIds, WireBuilder

__all__ = [
    "DIALECTS",
    "TRANSPORTS",
    "FEATURES",
    "GA_ONLY_FEATURES",
    "FAULT_KINDS",
    "Fault",
    "legal_streams",
    "faulty_streams",
]

Event = dict[str, Any]
Dialect = Literal["ga", "beta"]
Transport = Literal["websocket", "webrtc"]

DIALECTS: tuple[str, ...] = ("ga", "beta")
"""``ga`` (what servers send today) and ``beta`` (``OpenAI-Beta: realtime=v1``)."""

TRANSPORTS: tuple[str, ...] = ("websocket", "webrtc")
"""WebSocket streams carry audio deltas; WebRTC streams carry none (the audio travels on the
media track) and add ``output_audio_buffer.started/stopped/cleared``."""

FEATURES: tuple[str, ...] = (
    "text_turn",
    "audio_turn",
    "function_call",
    "interruption",
    "cancelled_response",
    "client_cancel",
    "deletion",
    "error",
    "buffer_clear",
    "session_update",
    "out_of_band",
    "idle_timeout",
)
"""The segments a stream is made of, simplest first:

* ``text_turn``: a client text item and a text answer.
* ``audio_turn``: a VAD voice turn (``speech_started`` ... ``committed``, the user item, its
  input transcription inline, early or late) and a spoken answer (audio and transcript).
* ``function_call``: a question, a response calling one or two functions (GA: sometimes
  after a text preamble), the client's ``function_call_output`` items (a call may stay
  unanswered) and the answer.
* ``interruption``: the user speaks over a spoken answer, either while it is generated
  (partial transcript, item ``incomplete``, ``response.done`` cancelled ``turn_detected``) or
  after it completed (still playing); then ``conversation.item.truncated`` (anywhere from 0
  ms to beyond the audio received) and the interrupting turn.
* ``cancelled_response``: speech starts right after ``response.created``: the response is
  cancelled with no output and all-zero usage.
* ``client_cancel``: the client cancels a response mid-stream (``client_cancelled``), and
  truncates a cut spoken answer.
* ``deletion``: ``conversation.item.deleted`` for an item of the conversation.
* ``error``: a server ``error`` event (errors also come inside responses).
* ``buffer_clear``: ``input_audio_buffer.cleared``.
* ``session_update``: ``session.updated`` mid-session.
* ``out_of_band`` (GA): a ``conversation: "none"`` response interleaved with an ordinary one.
* ``idle_timeout`` (GA): ``input_audio_buffer.timeout_triggered``, the committed silence and
  an answer.
"""

GA_ONLY_FEATURES = frozenset({"out_of_band", "idle_timeout"})
"""Features only the GA dialect has."""

_WORDS = (
    "Hello",
    "the",
    "weather",
    "is",
    "sunny",
    "in",
    "Lisbon",
    "today",
    "twelve",
    "degrees",
    "and",
    "a",
    "light",
    "breeze",
    "okay",
    "thanks!",
    "café",
    "naïve",
    "東京",
    "🙂",
    "What's",
    "it",
    "like?",
)
_TOOLS = ("get_weather", "lookup_order", "transfer_to_agent")
_ERRORS = (
    (
        "invalid_request_error",
        "input_audio_buffer_commit_empty",
        "Error committing input "
        "audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has "
        "0.00ms of audio.",
        None,
    ),
    (
        "invalid_request_error",
        "response_cancel_not_active",
        "Cancellation failed: no active response found",
        None,
    ),
    (
        "invalid_request_error",
        "unknown_parameter",
        "Unknown parameter: 'session.foo'.",
        "session.foo",
    ),
    ("invalid_request_error", "invalid_value", "Invalid value: 'nova'.", "session.voice"),
)
# (GA audio format, beta audio format, bytes per ms)
_FORMATS: tuple[tuple[dict[str, Any], str, int], ...] = tuple(AUDIO_FORMATS.values())
_TRANSCRIBERS = ("gpt-4o-transcribe", "whisper-1")


@attrs.define
class _Answer:
    """What :meth:`_Builder.answer` rendered."""

    response_id: str
    output: list[dict[str, Any]] = attrs.field(factory=list)
    """The final output items, in order."""
    calls: list[tuple[str, str]] = attrs.field(factory=list)
    """``(call_id, item_id)`` of each function call."""
    streamed: dict[str, int] = attrs.field(factory=dict)
    """Audio bytes streamed, by message item id."""


class _Builder:
    """Renders segments into one stream; keeps what the next events depend on."""

    def __init__(
        self,
        draw: st.DrawFn,
        dialect: str,
        transport: str,
        audio_format: tuple[dict[str, Any], str, int],
        transcriber: str | None,
    ) -> None:
        self.draw = draw
        self.ga = dialect == "ga"
        self.webrtc = transport == "webrtc"
        self.ga_format, self.beta_format, self.bytes_per_ms = audio_format
        self.transcriber = transcriber
        self.ids = SequentialIds("G" if self.ga else "B", start=1)
        self.wire = WireBuilder(dialect, ids=self.ids, output_format=self.beta_format)
        """Renders the events; tracks the conversation order (``wire.conversation``)."""
        self.events: list[Event] = []
        self.deferred: list[list[Event]] = []
        """Late transcription groups from earlier segments, not sent yet."""
        self.fresh: list[list[Event]] = []
        """Late transcription groups of the segment being built."""
        self.clock = 0

    # --- ids and envelopes --------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return self.wire.new_id(prefix)

    @property
    def order(self) -> list[str]:
        """Item ids of the conversation, in order (what ``previous_item_id`` must name)."""
        return self.wire.conversation

    def buffer_event(self, kind: str, response_id: str) -> Event:
        """``output_audio_buffer.*``: its ``event_id`` is ``event_`` + 16 hex characters."""
        return self.wire.output_audio_buffer(kind, response_id)

    def obfuscation(self) -> str | None:
        """GA deltas carry ``obfuscation`` (seen on the wire): here, the next event's number."""
        return f"{self.ids.count + 1:x}".rjust(12, "q") if self.ga else None

    # --- objects ----------------------------------------------------------------------------

    def item(self, item_id: str, kind: str, **fields: Any) -> dict[str, Any]:
        return self.wire.item(kind, item_id=item_id, **fields)

    def message(
        self, item_id: str, role: str, content: list[dict[str, Any]], status: str = "completed"
    ) -> dict[str, Any]:
        return self.wire.message(role, content, item_id=item_id, status=status)

    def session(self, instructions: str, configured: bool) -> dict[str, Any]:
        vad: Any = "auto"
        if self.ga:
            vad = {
                "type": "server_vad",
                "threshold": 0.5,
                "prefix_padding_ms": 300,
                "silence_duration_ms": 200,
                "idle_timeout_ms": 6000 if configured else None,
                "create_response": True,
                "interrupt_response": True,
            }
        options: dict[str, Any] = {} if vad == "auto" else {"turn_detection": vad}
        return self.wire.session(
            instructions=instructions,
            tools=[_tool(name) for name in _TOOLS] if configured else [],
            output_format=self.beta_format if configured else "pcm16",
            transcription_model=self.transcriber if configured else None,
            transcription_language="en",
            expires_at=1774706400 if self.ga else 1750329000,
            **options,
        )

    def response(
        self,
        response_id: str,
        status: str,
        *,
        output: list[dict[str, Any]],
        usage: dict[str, Any] | None,
        audio: bool,
        out_of_band: bool = False,
        reason: str | None = None,
    ) -> dict[str, Any]:
        return self.wire.response(
            response_id,
            status,
            output=output,
            usage=usage,
            reason=reason,
            audio=audio,
            out_of_band=out_of_band,
            metadata={"purpose": "classify"} if out_of_band else None,
        )

    def usage(self, zero: bool = False, audio: bool = False) -> dict[str, Any]:
        if zero:
            text_in = audio_in = cached = text_out = audio_out = 0
        else:
            size = self.draw(st.integers(0, 300))
            text_in, audio_in = 60 + size, size // 3
            cached = (text_in // 64) * 32
            text_out = 5 + size // 10
            audio_out = 3 * text_out if audio else 0
        return self.wire.usage(
            input_text=text_in,
            input_audio=audio_in,
            output_text=text_out,
            output_audio=audio_out,
            cached_text=cached,
        )

    def rate_limits(self) -> Event:
        return self.wire.rate_limits_updated()

    # --- drawing helpers ----------------------------------------------------------------------

    def words(self, low: int = 1, high: int = 6) -> list[str]:
        """Word deltas: the first word, then each further word with its leading space."""
        words = self.draw(st.lists(st.sampled_from(_WORDS), min_size=low, max_size=high))
        return [w if i == 0 else f" {w}" for i, w in enumerate(words)]

    def previous(self) -> str | None:
        return self.order[-1] if self.order else None

    def place(self, item: dict[str, Any], seg: list[Event], *, done: bool = True) -> str | None:
        """The conversation events that add a complete item (client or user) at the end."""
        previous = self.previous()
        events = self.wire.place(item, previous)
        seg.extend(events if done else events[:1])
        return previous

    def emit(self, seg: list[Event], *, last: bool = False) -> None:
        """Append a segment, spreading late transcription of earlier segments into it
        (``last``: of every segment; what is not spread then never comes)."""
        if last:
            self.deferred += self.fresh
            self.fresh = []
        waiting = []
        for group in self.deferred:
            if self.draw(st.booleans()):
                spots = sorted(
                    self.draw(
                        st.lists(st.integers(0, len(seg)), min_size=len(group), max_size=len(group))
                    )
                )
                seg = _spread(seg, group, spots)
            else:
                waiting.append(group)
        self.deferred = waiting + self.fresh
        self.fresh = []
        self.events.extend(seg)

    # --- pieces of segments ---------------------------------------------------------------------

    def user_text(self, seg: list[Event]) -> None:
        text = "".join(self.words())
        item = self.message(self.new_id("item"), "user", [{"type": "input_text", "text": text}])
        self.place(item, seg)

    def transcription(self, item_id: str) -> list[Event]:
        """Input transcription events for a user audio item (deltas and the outcome)."""
        if self.draw(st.integers(0, 5)) == 5:
            return [self.wire.transcription_failed(item_id)]
        words = self.words()
        whisper = self.transcriber == "whisper-1"
        deltas = ["".join(words) + "\n"] if whisper else words
        events = [
            self.wire.transcription_delta(item_id, delta, obfuscation=self.obfuscation())
            for delta in deltas
        ]
        transcript = "".join(deltas)
        if self.draw(st.booleans()):
            transcript = transcript.strip()  # `completed` may differ from the deltas: it wins
        if whisper:
            usage: dict[str, Any] = {"type": "duration", "seconds": 0.5 + len(words) / 4}
        else:
            out = len(words) + 2
            usage = {
                "type": "tokens",
                "total_tokens": 20 + out,
                "input_tokens": 20,
                "input_token_details": {"text_tokens": 0, "audio_tokens": 20},
                "output_tokens": out,
            }
        events.append(self.wire.transcription_completed(item_id, transcript, usage=usage))
        return events

    def user_audio(self, seg: list[Event], item_id: str | None = None) -> str:
        """A VAD user turn; ``item_id`` given: its ``speech_started`` was already sent."""
        if item_id is None:
            item_id = self.new_id("item")
            seg.append(self.speech_started(item_id))
        self.clock += 1200
        seg.append(self.wire.speech_stopped(item_id, self.clock))
        self.commit(seg, item_id)
        return item_id

    def speech_started(self, item_id: str) -> Event:
        self.clock += 700
        return self.wire.speech_started(item_id, self.clock)

    def commit(self, seg: list[Event], item_id: str) -> None:
        """``committed``, the user audio item, and its input transcription (if configured)."""
        seg.append(self.wire.committed(item_id, self.previous()))
        timing = "none"
        if self.transcriber is not None:
            timing = self.draw(st.sampled_from(("inline", "late", "early")))
        group = self.transcription(item_id) if timing != "none" else []
        if timing == "early":
            seg.extend(group)
        content = [{"type": "input_audio", "transcript": None}]
        self.place(self.message(item_id, "user", content), seg)
        if timing == "inline":
            seg.extend(group)
        elif timing == "late":
            self.fresh.append(group)

    def user_turn(self, seg: list[Event]) -> None:
        if self.draw(st.booleans()):
            self.user_audio(seg)
        else:
            self.user_text(seg)

    # --- responses ---------------------------------------------------------------------------

    def open_output(
        self,
        seg: list[Event],
        response_id: str,
        index: int,
        start: dict[str, Any],
        *,
        out_of_band: bool = False,
    ) -> str | None:
        """``response.output_item.added`` and (in the conversation) the item's placing
        event; returns the ``previous_item_id`` it named."""
        previous = self.previous()
        seg.append(self.wire.output_item_added(response_id, start, index))
        if out_of_band:
            return None
        if self.ga:
            seg.append(self.wire.conversation_item_added(start, previous))
        else:
            seg.append(self.wire.conversation_item_created(start, previous))
        return previous

    def close_output(
        self,
        seg: list[Event],
        response_id: str,
        index: int,
        final: dict[str, Any],
        previous: str | None,
        *,
        out_of_band: bool = False,
    ) -> None:
        """GA ``conversation.item.done`` (in the conversation), then
        ``response.output_item.done``."""
        if self.ga and not out_of_band:
            seg.append(self.wire.conversation_item_done(final, previous))
        seg.append(self.wire.output_item_done(response_id, final, index))

    def message_output(
        self,
        seg: list[Event],
        response_id: str,
        index: int,
        kind: str,
        *,
        out_of_band: bool = False,
        cut: int | None = None,
        at_cut: Callable[[bool], list[Event]] | None = None,
    ) -> tuple[dict[str, Any], int, bool]:
        """One assistant message (``kind`` ``text`` or ``audio``) of a response.

        ``cut``: stop streaming after that many steps (an interruption or a cancel); the
        events ``at_cut(playback_started)`` returns come right there, before the ``*.done``
        events.
        Returns the final item, the audio bytes streamed, and whether playback started.
        """
        wire = self.wire
        item_id = self.new_id("item")
        start = self.message(item_id, "assistant", [], status="in_progress")
        previous = self.open_output(seg, response_id, index, start, out_of_band=out_of_band)
        audio = kind == "audio"
        seg.append(wire.content_part_added(response_id, item_id, kind, output_index=index))
        words = self.words()
        chunks: list[bytes] = []
        if audio and not self.webrtc:
            sizes = self.draw(st.lists(st.sampled_from((10, 20, 40, 100)), min_size=1, max_size=4))
            chunks = [bytes([n % 251]) * (ms * self.bytes_per_ms) for n, ms in enumerate(sizes)]
        steps = max(len(words), len(chunks))
        stop = steps if cut is None else min(cut, steps)
        started_after = self.draw(st.integers(0, 2)) if audio and self.webrtc else None
        started = False
        sent: list[str] = []
        streamed = 0
        delta = wire.transcript_delta if audio else wire.text_delta
        for step in range(stop):
            if step < len(chunks):
                seg.append(wire.audio_delta(response_id, item_id, chunks[step], output_index=index))
                streamed += len(chunks[step])
            if step < len(words):
                seg.append(
                    delta(
                        response_id,
                        item_id,
                        words[step],
                        output_index=index,
                        obfuscation=self.obfuscation(),
                    )
                )
                sent.append(words[step])
            if started_after is not None and not started and step >= started_after:
                seg.append(self.buffer_event("started", response_id))
                started = True
        if at_cut is not None:
            seg.extend(at_cut(started))
        text = "".join(sent)
        if audio:
            seg.append(wire.audio_done(response_id, item_id, output_index=index))
            seg.append(wire.transcript_done(response_id, item_id, text, output_index=index))
            final_part = {"type": "audio", "transcript": text}
            content = [wire.output_audio(text)]
        else:
            seg.append(wire.text_done(response_id, item_id, text, output_index=index))
            final_part = {"type": "text", "text": text}
            content = [wire.output_text(text)]
        seg.append(wire.content_part_done(response_id, item_id, final_part, output_index=index))
        status = "completed" if stop == steps else "incomplete"
        final = self.message(item_id, "assistant", content, status=status)
        self.close_output(seg, response_id, index, final, previous, out_of_band=out_of_band)
        return final, streamed, started

    def call_output(
        self, seg: list[Event], response_id: str, index: int, calls: list[tuple[str, str]]
    ) -> dict[str, Any]:
        """One function call of a response; appends ``(call_id, item_id)`` to ``calls``."""
        item_id = self.new_id("item")
        call_id = self.new_id("call")
        name = self.draw(st.sampled_from(_TOOLS))
        word = self.draw(st.sampled_from(_WORDS))
        arguments = json.dumps({"query": word, "limit": len(word)}, ensure_ascii=False)
        if self.draw(st.booleans()):
            arguments = arguments.replace(", ", ",\n  ")  # as the model wrote it
        cuts = sorted(set(self.draw(st.lists(st.integers(1, len(arguments) - 1), max_size=3))))
        pieces = [arguments[a:b] for a, b in zip([0, *cuts], [*cuts, len(arguments)], strict=True)]
        if self.draw(st.integers(0, 4)) == 0:
            pieces = []  # the arguments come whole in `.done`
        wire = self.wire
        start = wire.function_call(name, "", item_id=item_id, call_id=call_id, status="in_progress")
        previous = self.open_output(seg, response_id, index, start)
        for piece in pieces:
            seg.append(
                wire.arguments_delta(
                    response_id,
                    item_id,
                    call_id,
                    piece,
                    output_index=index,
                    obfuscation=self.obfuscation(),
                )
            )
        seg.append(
            wire.arguments_done(response_id, item_id, call_id, arguments, name, output_index=index)
        )
        final = wire.function_call(name, arguments, item_id=item_id, call_id=call_id)
        self.close_output(seg, response_id, index, final, previous)
        calls.append((call_id, item_id))
        return final

    def created(
        self,
        seg: list[Event],
        response_id: str,
        audio: bool,
        *,
        out_of_band: bool = False,
        rate_limits: bool = True,
    ) -> None:
        start = self.response(
            response_id, "in_progress", output=[], usage=None, audio=audio, out_of_band=out_of_band
        )
        seg.append(self.wire.response_created(start))
        if not self.ga and rate_limits:
            seg.append(self.rate_limits())
        if not out_of_band and self.draw(st.integers(0, 7)) == 7:
            seg.append(
                self.error(
                    (
                        "invalid_request_error",
                        "conversation_already_has_active_response",
                        f"Conversation already has an active response in progress: {response_id}."
                        " Wait until the response is finished before creating a new one.",
                        None,
                    )
                )
            )

    def done(
        self,
        seg: list[Event],
        response_id: str,
        status: str,
        output: list[dict[str, Any]],
        *,
        audio: bool,
        out_of_band: bool = False,
        reason: str | None = None,
        zero: bool = False,
    ) -> None:
        usage = self.usage(zero=zero, audio=audio)
        final = self.response(
            response_id,
            status,
            output=output,
            usage=usage,
            audio=audio,
            out_of_band=out_of_band,
            reason=reason,
        )
        seg.append(self.wire.response_done(final))
        if self.ga:
            seg.append(self.rate_limits())

    def answer(
        self,
        seg: list[Event],
        kinds: list[str],
        *,
        out_of_band: bool = False,
        playback_cut: bool = False,
    ) -> _Answer:
        """A complete response with one output item per entry of ``kinds`` (``text``,
        ``audio``, ``call``); ``playback_cut``: no ``output_audio_buffer.stopped`` (the user
        barges in while it still plays)."""
        response_id = self.new_id("resp")
        audio = "audio" in kinds
        self.created(seg, response_id, audio, out_of_band=out_of_band)
        answer = _Answer(response_id)
        playing = False
        for index, kind in enumerate(kinds):
            if kind == "call":
                answer.output.append(self.call_output(seg, response_id, index, answer.calls))
            else:
                final, streamed, started = self.message_output(
                    seg, response_id, index, kind, out_of_band=out_of_band
                )
                answer.output.append(final)
                answer.streamed[final["id"]] = streamed
                playing = playing or started
        self.done(
            seg, response_id, "completed", answer.output, audio=audio, out_of_band=out_of_band
        )
        if playing and not playback_cut:
            seg.append(self.buffer_event("stopped", response_id))
        return answer

    def reply(self, seg: list[Event]) -> None:
        """Maybe an answer (text or audio) to the last user turn."""
        if self.draw(st.booleans()):
            self.answer(seg, [self.draw(st.sampled_from(("text", "audio")))])

    def truncate(self, seg: list[Event], item_id: str, streamed: int) -> None:
        received_ms = streamed // self.bytes_per_ms
        cut = self.draw(st.integers(0, received_ms + 500 if received_ms else 3000))
        seg.append(self.wire.conversation_item_truncated(item_id, cut))

    def error(self, spec: tuple[str, str, str, str | None]) -> Event:
        kind, code, message, param = spec
        client_event = None if param is None else f"evt_client_{self.ids.count}"
        return self.wire.error(
            message, type=kind, code=code, param=param, client_event_id=client_event
        )


def _spread(seg: list[Event], group: list[Event], spots: list[int]) -> list[Event]:
    """``seg`` with ``group`` inserted in order, ``group[i]`` before ``seg[spots[i]]``."""
    out: list[Event] = []
    g = 0
    for i in range(len(seg) + 1):
        while g < len(group) and spots[g] == i:
            out.append(group[g])
            g += 1
        if i < len(seg):
            out.append(seg[i])
    return out


def _tool(name: str) -> dict[str, Any]:
    """A function tool as both dialects echo it in the session."""
    return {
        "type": "function",
        "name": name,
        "description": f"{name.replace('_', ' ')}.",
        "parameters": {
            "type": "object",
            "properties": {"query": {"type": "string"}, "limit": {"type": "integer"}},
            "required": ["query"],
        },
    }


# --- segments ---------------------------------------------------------------------------------


def _text_turn(b: _Builder) -> None:
    seg: list[Event] = []
    b.user_text(seg)
    b.answer(seg, ["text"])
    b.emit(seg)


def _audio_turn(b: _Builder) -> None:
    seg: list[Event] = []
    b.user_audio(seg)
    b.answer(seg, ["audio"])
    b.emit(seg)


def _function_call(b: _Builder) -> None:
    seg: list[Event] = []
    b.user_turn(seg)
    shapes: list[list[str]] = [["call"], ["call", "call"]]
    if b.ga:
        shapes.append(["text", "call"])  # gpt-realtime-2.x: a short preamble, then the call
    calls = b.answer(seg, b.draw(st.sampled_from(shapes))).calls
    answered = False
    for call_id, _ in calls:
        if b.draw(st.integers(0, 4)) == 4:
            continue  # the client never answers this call
        output = json.dumps({"ok": True, "call": call_id})
        item = b.item(b.new_id("item"), "function_call_output", call_id=call_id, output=output)
        b.place(item, seg)
        answered = True
    if answered:
        b.answer(seg, [b.draw(st.sampled_from(("text", "audio")))])
    b.emit(seg)


def _interruption(b: _Builder) -> None:
    seg: list[Event] = []
    b.user_audio(seg)
    interrupting = b.new_id("item")
    if b.draw(st.booleans()):
        # while the answer is generated: partial output, cancelled turn_detected
        response_id = b.new_id("resp")
        b.created(seg, response_id, True)

        def barge_in(started: bool) -> list[Event]:
            events = [b.speech_started(interrupting)]
            if started:
                events.append(b.buffer_event("cleared", response_id))
            return events

        cut = b.draw(st.integers(0, 5))
        final, streamed, _ = b.message_output(
            seg, response_id, 0, "audio", cut=cut, at_cut=barge_in
        )
        b.done(seg, response_id, "cancelled", [final], audio=True, reason="turn_detected")
    else:
        # after the answer completed, while it still plays
        answer = b.answer(seg, ["audio"], playback_cut=True)
        final = answer.output[0]
        streamed = answer.streamed[final["id"]]
        seg.append(b.speech_started(interrupting))
        if b.webrtc:
            seg.append(b.buffer_event("cleared", answer.response_id))
    b.truncate(seg, final["id"], streamed)
    b.user_audio(seg, interrupting)
    b.reply(seg)
    b.emit(seg)


def _cancelled_response(b: _Builder) -> None:
    seg: list[Event] = []
    b.user_audio(seg)
    response_id = b.new_id("resp")
    b.created(seg, response_id, True, rate_limits=False)
    interrupting = b.new_id("item")
    seg.append(b.speech_started(interrupting))
    b.done(seg, response_id, "cancelled", [], audio=True, reason="turn_detected", zero=True)
    b.user_audio(seg, interrupting)
    b.reply(seg)
    b.emit(seg)


def _client_cancel(b: _Builder) -> None:
    seg: list[Event] = []
    b.user_text(seg)
    kind = b.draw(st.sampled_from(("text", "audio")))
    response_id = b.new_id("resp")
    b.created(seg, response_id, kind == "audio")
    cut = b.draw(st.integers(0, 4))
    final, streamed, started = b.message_output(seg, response_id, 0, kind, cut=cut)
    b.done(seg, response_id, "cancelled", [final], audio=kind == "audio", reason="client_cancelled")
    if started:
        seg.append(b.buffer_event("cleared", response_id))
    if kind == "audio" and b.draw(st.booleans()):
        b.truncate(seg, final["id"], streamed)
    b.emit(seg)


def _deletion(b: _Builder) -> None:
    seg: list[Event] = []
    if not b.order or b.draw(st.booleans()):
        b.user_text(seg)  # a client item, then deleted (say, added by mistake)
    victim = b.order[b.draw(st.integers(0, len(b.order) - 1))]
    seg.append(b.wire.conversation_item_deleted(victim))  # it leaves b.order
    b.emit(seg)


def _error(b: _Builder) -> None:
    b.emit([b.error(b.draw(st.sampled_from(_ERRORS)))])


def _buffer_clear(b: _Builder) -> None:
    b.emit([b.wire.input_audio_cleared()])


def _session_update(b: _Builder) -> None:
    words = "".join(b.words())
    b.emit([b.wire.session_updated(b.session(f"Be brief. {words}", True))])


def _out_of_band(b: _Builder) -> None:
    seg: list[Event] = []
    b.user_text(seg)
    main: list[Event] = []
    b.answer(main, [b.draw(st.sampled_from(("text", "audio")))])
    side: list[Event] = []
    b.answer(side, ["text"], out_of_band=True)
    spots = sorted(
        b.draw(st.lists(st.integers(0, len(main)), min_size=len(side), max_size=len(side)))
    )
    b.emit(seg + _spread(main, side, spots))


def _idle_timeout(b: _Builder) -> None:
    seg: list[Event] = []
    item_id = b.new_id("item")
    start = b.clock + 500
    b.clock = start + 6000
    seg.append(b.wire.timeout_triggered(item_id, start, b.clock))
    b.commit(seg, item_id)
    b.answer(seg, ["audio"])
    b.emit(seg)


_SEGMENTS: dict[str, Callable[[_Builder], None]] = {
    "text_turn": _text_turn,
    "audio_turn": _audio_turn,
    "function_call": _function_call,
    "interruption": _interruption,
    "cancelled_response": _cancelled_response,
    "client_cancel": _client_cancel,
    "deletion": _deletion,
    "error": _error,
    "buffer_clear": _buffer_clear,
    "session_update": _session_update,
    "out_of_band": _out_of_band,
    "idle_timeout": _idle_timeout,
}
assert tuple(_SEGMENTS) == FEATURES


def _features(dialect: str, features: Collection[str] | None) -> tuple[str, ...]:
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be 'ga' or 'beta', not {dialect!r}")
    if features is None:
        return tuple(f for f in FEATURES if dialect == "ga" or f not in GA_ONLY_FEATURES)
    if isinstance(features, str):
        raise TypeError("features must be a collection of feature names, not a string")
    unknown = sorted(set(features) - set(FEATURES))
    if unknown:
        raise ValueError(f"unknown features {unknown}; choose from {', '.join(FEATURES)}")
    if dialect == "beta" and set(features) & GA_ONLY_FEATURES:
        only = sorted(set(features) & GA_ONLY_FEATURES)
        raise ValueError(f"features {only} exist only in the GA dialect")
    chosen = tuple(f for f in FEATURES if f in set(features))
    if not chosen:
        raise ValueError("features must name at least one feature")
    return chosen


@st.composite
def _legal(
    draw: st.DrawFn,
    dialect: str,
    features: tuple[str, ...],
    transport: str | None,
    min_turns: int,
    max_turns: int,
) -> list[Event]:
    chosen_transport = transport if transport is not None else draw(st.sampled_from(TRANSPORTS))
    audio_format = draw(st.sampled_from(_FORMATS))
    transcriber = draw(st.one_of(st.none(), st.sampled_from(_TRANSCRIBERS)))
    b = _Builder(draw, dialect, chosen_transport, audio_format, transcriber)
    b.events.append(b.wire.session_created(b.session("You are helpful.", False)))
    b.events.append(b.wire.session_updated(b.session("Be brief.", True)))
    kinds = draw(st.lists(st.sampled_from(features), min_size=min_turns, max_size=max_turns))
    for kind in kinds:
        _SEGMENTS[kind](b)
    if b.deferred or b.fresh:
        b.emit([], last=True)  # the last late transcriptions arrive at the end, or never
    return b.events


def legal_streams(
    dialect: Dialect = "ga",
    *,
    features: Collection[str] | None = None,
    transport: Transport | None = None,
    min_turns: int = 1,
    max_turns: int = 6,
) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Legal server event streams of ``dialect`` (``"ga"`` or ``"beta"``), as lists of
    JSON-ready dicts (``json.dumps`` each one for the wire text).

    A stream is ``session.created``, ``session.updated`` and ``min_turns`` to ``max_turns``
    segments drawn from ``features`` (default: every one of :data:`FEATURES` the dialect
    has). ``transport`` fixes ``"websocket"`` (audio deltas) or ``"webrtc"`` (no audio
    deltas, ``output_audio_buffer.*``); by default it is drawn. Every stream replays in
    strict policy without a violation and validates with the openai package's event
    models; examples shrink to few segments.
    """
    chosen = _features(dialect, features)
    if transport is not None and transport not in TRANSPORTS:
        raise ValueError(f"transport must be 'websocket' or 'webrtc', not {transport!r}")
    if not 0 <= min_turns <= max_turns:
        raise ValueError("need 0 <= min_turns <= max_turns")
    return _legal(dialect, chosen, transport, min_turns, max_turns)


@st.composite
def _faulty(
    draw: st.DrawFn, streams: st.SearchStrategy[list[Event]], kinds: tuple[str, ...]
) -> tuple[list[Event], Fault]:
    events = draw(streams)
    usable = [kind for kind in kinds if fault_positions(events, kind)]
    assume(usable)
    kind = draw(st.sampled_from(usable))
    position = draw(st.sampled_from(fault_positions(events, kind)))
    return inject_fault(events, kind, position)


def faulty_streams(
    dialect: Dialect = "ga",
    *,
    kinds: Collection[str] | None = None,
    features: Collection[str] | None = None,
    transport: Transport | None = None,
    min_turns: int = 1,
    max_turns: int = 6,
) -> st.SearchStrategy[tuple[list[dict[str, Any]], Fault]]:
    """``(events, fault)``: a legal stream (as :func:`legal_streams` draws it) with one
    known fault injected.

    ``fault.code`` is the violation a replay must report first and ``fault.index`` the
    index of the event it must be reported at: a strict replay raises
    :class:`~realtime_state.ProtocolViolation` there, and a lenient replay's first
    violation is exactly that one. ``kinds`` restricts the faults (default: all of
    :data:`FAULT_KINDS`); streams where none of them applies are skipped.
    """
    if kinds is None:
        chosen = FAULT_KINDS
    else:
        if isinstance(kinds, str):
            raise TypeError("kinds must be a collection of fault kinds, not a string")
        unknown = sorted(set(kinds) - set(FAULT_KINDS))
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; choose from {FAULT_KINDS}")
        chosen = tuple(k for k in FAULT_KINDS if k in set(kinds))
        if not chosen:
            raise ValueError("kinds must name at least one fault kind")
    streams = legal_streams(
        dialect,
        features=features,
        transport=transport,
        min_turns=min_turns,
        max_turns=max_turns,
    )
    return _faulty(streams, chosen)
