"""The user's audio per turn: what the app appends is kept, and the audio of a committed turn
becomes the audio of that user item's input audio part (issue 13, point 2)."""

from __future__ import annotations

import base64
import io
import wave
from typing import Any

from realtime_state import replay


def _pcm(ms: int, level: int) -> bytes:
    return bytes([level, 0]) * (24 * ms)  # PCM16 at 24 kHz: 48 bytes per ms


def _append(data: bytes) -> dict[str, Any]:
    return {"type": "input_audio_buffer.append", "audio": base64.b64encode(data).decode()}


def _server(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": f"input_audio_buffer.{kind}", "event_id": f"event_{kind}", **fields}


def _user_item(item_id: str) -> dict[str, Any]:
    return {
        "type": "conversation.item.added",
        "event_id": f"event_{item_id}",
        "previous_item_id": None,
        "item": {
            "id": item_id,
            "type": "message",
            "role": "user",
            "status": "completed",
            "content": [{"type": "input_audio", "transcript": None}],
        },
    }


SESSION = {
    "type": "session.created",
    "event_id": "event_s",
    "session": {"type": "realtime", "id": "sess_1", "model": "gpt-realtime"},
}


def test_a_vad_turn_gets_the_audio_appended_up_to_where_speech_stopped() -> None:
    first, second, after = _pcm(200, 1), _pcm(300, 2), _pcm(100, 3)
    events = [
        SESSION,
        _append(first),
        _server("speech_started", audio_start_ms=150, item_id="item_u"),
        _append(second),
        _server("speech_stopped", audio_end_ms=450, item_id="item_u"),
        _append(after),
        _server("committed", item_id="item_u", previous_item_id=None),
        _user_item("item_u"),
    ]
    state = replay(events, policy="strict")
    heard = (first + second + after)[: 450 * 48]
    assert state.audio("item_u") == heard
    assert state.item("item_u").content[0].duration_ms == 450  # type: ignore[union-attr]
    assert state.input_audio.buffered_bytes == len(first + second + after) - len(heard)
    assert len(state.input_audio.committed_audio) == 0
    with wave.open(io.BytesIO(state.conversation_wav())) as wav:
        assert wav.readframes(wav.getnframes()) == heard


def test_the_clients_own_commit_takes_the_whole_buffer_and_clear_drops_it() -> None:
    dropped, kept = _pcm(100, 5), _pcm(120, 6)
    events = [
        SESSION,
        _append(dropped),
        {"type": "input_audio_buffer.clear"},
        _server("cleared"),
        _append(kept),
        {"type": "input_audio_buffer.commit", "event_id": "evt_c"},
        _server("committed", item_id="item_c", previous_item_id=None),
        _user_item("item_c"),
    ]
    state = replay(events, policy="strict")
    assert state.audio("item_c") == kept
    assert state.input_audio.buffered_bytes == 0
    assert state.input_audio.buffer_start_bytes == len(dropped) + len(kept)


def test_a_log_of_server_events_only_holds_no_user_audio() -> None:
    events = [
        SESSION,
        _server("speech_started", audio_start_ms=0, item_id="item_u"),
        _server("speech_stopped", audio_end_ms=500, item_id="item_u"),
        _server("committed", item_id="item_u", previous_item_id=None),
        _user_item("item_u"),
    ]
    state = replay(events, policy="strict")
    assert state.item("item_u").content[0].audio == b""  # type: ignore[union-attr]
    assert len(state.input_audio.committed_audio) == 0
