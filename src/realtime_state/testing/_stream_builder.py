"""The builder behind :mod:`realtime_state.testing.strategies`: renders drawn segments into
one stream with :class:`~realtime_state.testing.wire.WireBuilder`.

:class:`StreamBuilder` keeps what the next events depend on (the conversation order, the
clock, the late input transcriptions not sent yet) and draws the details of each event
(words, deltas, audio chunks, usage) as it renders; the segments that call it are in
:mod:`realtime_state.testing._stream_segments`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import attrs
from hypothesis import strategies as st

from ._stream_vocabulary import TOOLS, WORDS, tool
from .wire import SequentialIds, WireBuilder

__all__ = ["Event", "Answer", "StreamBuilder", "spread"]

Event = dict[str, Any]
"""A server event as a JSON-ready ``dict``."""


@attrs.define
class Answer:
    """What :meth:`StreamBuilder.answer` rendered."""

    response_id: str
    output: list[dict[str, Any]] = attrs.field(factory=list)
    """The final output items, in order."""
    calls: list[tuple[str, str]] = attrs.field(factory=list)
    """``(call_id, item_id)`` of each function call."""
    streamed: dict[str, int] = attrs.field(factory=dict)
    """Audio bytes streamed, by message item id."""


class StreamBuilder:
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
            tools=[tool(name) for name in TOOLS] if configured else [],
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
        words = self.draw(st.lists(st.sampled_from(WORDS), min_size=low, max_size=high))
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
                seg = spread(seg, group, spots)
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
        name = self.draw(st.sampled_from(TOOLS))
        word = self.draw(st.sampled_from(WORDS))
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
    ) -> Answer:
        """A complete response with one output item per entry of ``kinds`` (``text``,
        ``audio``, ``call``); ``playback_cut``: no ``output_audio_buffer.stopped`` (the user
        barges in while it still plays)."""
        response_id = self.new_id("resp")
        audio = "audio" in kinds
        self.created(seg, response_id, audio, out_of_band=out_of_band)
        answer = Answer(response_id)
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


def spread(seg: list[Event], group: list[Event], spots: list[int]) -> list[Event]:
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
