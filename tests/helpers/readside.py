"""Shared helpers for the read-side tests (transcript, audio, cost, carry-over, history)."""

from __future__ import annotations

from typing import Any

from realtime_state import SessionState, replay
from realtime_state.testing.wire import OMIT

from . import streams as s
from .data import HERE, RECORDING_FILES, read_lines

LOG_FILES = sorted((HERE / "logs").glob("*.jsonl"))
ALL_LINES: dict[str, list[str]] = {
    **{f"recording:{p.stem}": read_lines(p) for p in RECORDING_FILES},
    **{f"log:{p.stem}": read_lines(p) for p in LOG_FILES},
}
"""Every real recording and every written log, by name."""


def log(name: str) -> list[str]:
    """The lines of ``tests/logs/<name>.jsonl``."""
    return ALL_LINES[f"log:{name}"]


def recording(name: str) -> list[str]:
    """The lines of ``tests/recordings/<name>.jsonl``."""
    return ALL_LINES[f"recording:{name}"]


def run(*events: dict[str, Any], policy: str = "strict") -> SessionState:
    """Replay built events."""
    return replay(list(events), policy=policy)


def ga_session(
    *,
    model: str | None = "gpt-realtime",
    input_format: dict[str, Any] | None = None,
    output_format: dict[str, Any] | None = None,
    transcription_model: str | None = None,
) -> dict[str, Any]:
    """A GA ``session.created`` with the given audio formats and transcription model."""
    audio: dict[str, Any] = {
        "input": {
            "format": input_format or {"type": "audio/pcm", "rate": 24000},
            "transcription": None
            if transcription_model is None
            else {"model": transcription_model, "language": None, "prompt": None},
        },
        "output": {"format": output_format or {"type": "audio/pcm", "rate": 24000}},
    }
    session: dict[str, Any] = {"type": "realtime", "object": "realtime.session", "id": "sess_1"}
    if model is not None:
        session["model"] = model
    session["audio"] = audio
    return s.WIRE.session_created(session)


def user_text(item_id: str, text: str, previous: Any = ...) -> list[dict[str, Any]]:
    """A GA user text item as the server confirms it (added, then done)."""
    item = s.WIRE.message("user", [s.WIRE.input_text(text)], item_id=item_id)
    return s.WIRE.place(item, OMIT if previous is ... else previous)


def user_audio(
    item_id: str, audio: bytes | None = None, previous: Any = ...
) -> list[dict[str, Any]]:
    """A GA user audio item (with its bytes when given, as a client item echoed back)."""
    item = s.WIRE.message("user", [s.WIRE.input_audio(None, audio)], item_id=item_id)
    return s.WIRE.place(item, OMIT if previous is ... else previous)


def transcription(kind: str, item_id: str, **fields: Any) -> dict[str, Any]:
    """``conversation.item.input_audio_transcription.<kind>`` for part 0 of ``item_id``."""
    return s.WIRE.event(
        f"conversation.item.input_audio_transcription.{kind}",
        item_id=item_id,
        content_index=0,
        **fields,
    )


def truncate(item_id: str, ms: int) -> dict[str, Any]:
    """``conversation.item.truncated`` for part 0."""
    return s.WIRE.conversation_item_truncated(item_id, ms)
