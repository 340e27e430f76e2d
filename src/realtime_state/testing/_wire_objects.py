"""The objects of :class:`~realtime_state.testing.wire.WireBuilder`: items and their content
parts, tools, usage, response and session objects, as the dialect writes them.

They are what events carry (``item``, ``response``, ``session``, ``usage``); building one
tracks nothing in the conversation order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._wire_base import (
    AUDIO_FORMATS,
    AUTO,
    OMIT,
    Default,
    WireBase,
    as_b64,
)

__all__ = ["WireObjects"]


class WireObjects(WireBase):
    """Items, content parts, tools, usage, responses and sessions as plain dicts."""

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
            part["audio"] = as_b64(audio)
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
