"""What the streams of :mod:`realtime_state.testing.strategies` say: the words, tools,
server errors, audio formats and transcription models they are drawn from.
"""

from __future__ import annotations

from typing import Any

from .wire import AUDIO_FORMATS

__all__ = ["WORDS", "TOOLS", "ERRORS", "FORMATS", "TRANSCRIBERS", "tool"]

WORDS = (
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
"""Words of the texts, transcripts and call arguments."""

TOOLS = ("get_weather", "lookup_order", "transfer_to_agent")
"""Names of the function tools the sessions declare and the calls use."""

ERRORS = (
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
"""Server errors: ``(type, code, message, param)``."""

FORMATS: tuple[tuple[dict[str, Any], str, int], ...] = tuple(AUDIO_FORMATS.values())
"""Output audio formats: ``(GA audio format, beta audio format, bytes per ms)``."""

TRANSCRIBERS = ("gpt-4o-transcribe", "whisper-1")
"""Input transcription models a session may name (or none)."""


def tool(name: str) -> dict[str, Any]:
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
