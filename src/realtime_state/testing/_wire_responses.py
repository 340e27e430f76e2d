"""The response events of :class:`~realtime_state.testing.wire.WireBuilder`.

``response.created``/``done``, output items, content parts, the streamed text, audio,
transcript and call-argument deltas and dones (named as the dialect names them), and the
WebRTC ``output_audio_buffer.*`` events.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._wire_base import OMIT, Event, as_b64
from ._wire_events import WireEvents

__all__ = ["WireResponseEvents"]


class WireResponseEvents(WireEvents):
    """One method per ``response.*`` event (and ``output_audio_buffer.*``)."""

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
        delta = audio if isinstance(audio, str) else as_b64(audio)
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
