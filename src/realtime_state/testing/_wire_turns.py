"""The whole exchanges of :class:`~realtime_state.testing.wire.WireBuilder`: lists of events
for a user turn, an assistant turn or a function-call round, in stream order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._wire_base import Event, deltas_of
from ._wire_responses import WireResponseEvents

__all__ = ["WireTurns"]


class WireTurns(WireResponseEvents):
    """Whole exchanges: user turns, assistant turns and function-call rounds."""

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
            pieces = deltas_of(transcript)
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
        steps: list[tuple[str | None, bytes | None]] = [(p, None) for p in deltas_of(text)]
        said = "".join(deltas_of(text))

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
        pieces = deltas_of(transcript)
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
