"""PlaybackTracker: what the user heard of each assistant item, from what the player reports
(ms, bytes, acknowledged marks) or a clock since the first audio delta, capped at the audio
received."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpers.data import HERE, read_lines
from realtime_state import LiveSession, SessionState, replay
from realtime_state.playback import PlaybackTracker
from realtime_state.testing.server import ReplayServer, plan

AUDIO_LOG = HERE / "logs" / "ga_audio_turn.jsonl"


def _audio_item(state: SessionState) -> Any:
    return next(i for i in state.items if i.role == "assistant" and i.content[0].audio_bytes)


def _g711(lines: list[str]) -> list[str]:
    """The same session with G.711 output (8 bytes per ms)."""
    out = []
    for line in lines:
        event = json.loads(line)
        if event["type"] in ("session.created", "session.updated"):
            event["session"]["audio"]["output"]["format"] = {"type": "audio/pcmu"}
        out.append(json.dumps(event))
    return out


def test_the_clock_counts_from_the_first_audio_and_stops_at_the_audio_received() -> None:
    state = replay(read_lines(AUDIO_LOG))
    item = _audio_item(state)
    received = item.content[0].duration_ms
    tracker = PlaybackTracker()
    assert tracker.played_ms(state, item.id, now=5.0) == 0.0  # nothing known yet
    tracker.started(item.id, 100.0)
    tracker.started(item.id, 101.0)  # a later delta does not move the start
    assert tracker.played_ms(state, item.id, now=100.25) == pytest.approx(250.0)
    assert tracker.played_ms(state, item.id, now=99.0) == 0.0
    assert tracker.played_ms(state, item.id, now=100.0 + received) == received
    with pytest.raises(ValueError, match="now="):
        tracker.played_ms(state, item.id)
    assert PlaybackTracker(clock=lambda: 100.1).played_ms(state, item.id) == 0.0
    clocked = PlaybackTracker(clock=lambda: 100.1)
    clocked.started(item.id, 100.0)
    assert clocked.played_ms(state, item.id) == pytest.approx(100.0)


def test_what_the_player_reports_wins_over_the_clock() -> None:
    state = replay(read_lines(AUDIO_LOG))
    item = _audio_item(state)
    tracker = PlaybackTracker()
    tracker.started(item.id, 100.0)
    tracker.played(item.id, ms=40)
    assert tracker.played_ms(state, item.id, now=200.0) == 40
    tracker.played(item.id, bytes=48 * 70)  # PCM16 at 24 kHz: 48 bytes per ms
    assert tracker.played_ms(state, item.id, now=200.0) == pytest.approx(70.0)
    with pytest.raises(ValueError):
        tracker.played(item.id, ms=1, bytes=48)
    with pytest.raises(ValueError):
        tracker.played(item.id, ms=-1)


def test_bytes_are_converted_in_the_parts_own_format() -> None:
    state = replay(_g711(read_lines(AUDIO_LOG)))
    item = _audio_item(state)
    assert item.content[0].audio_spec.bytes_per_ms == 8
    tracker = PlaybackTracker()
    tracker.played(item.id, bytes=800)
    assert tracker.played_ms(state, item.id) == pytest.approx(100.0)


def test_acknowledged_marks_count_the_chunks_played() -> None:
    state = replay(read_lines(AUDIO_LOG))
    item = _audio_item(state)
    tracker = PlaybackTracker()
    tracker.started(item.id, 100.0)
    first = tracker.chunk(item.id, 4800)
    second = tracker.chunk(item.id, 4800)
    assert first != second
    assert tracker.played_ms(state, item.id, now=100.05) == pytest.approx(50.0)  # the clock
    tracker.acknowledge(first)
    tracker.acknowledge(first)  # twice: ignored
    tracker.acknowledge("another:1")  # unknown: ignored
    assert tracker.played_ms(state, item.id, now=500.0) == pytest.approx(100.0)
    tracker.acknowledge(second)
    assert tracker.played_ms(state, item.id, now=500.0) == pytest.approx(200.0)
    tracker.forget(item.id)
    assert tracker.played_ms(state, item.id, now=500.0) == 0.0


def test_a_live_session_starts_each_items_clock_at_its_first_audio_delta() -> None:
    script = plan(AUDIO_LOG)
    with ReplayServer(AUDIO_LOG) as server, server.client().realtime.connect(model="m") as conn:
        session = LiveSession(conn)
        first_audio: dict[str, float] = {}
        for k, update in enumerate(session):
            if update.event.type == "response.output_audio.delta":
                first_audio.setdefault(update.event.item_id, update.time)
            for event in script.client_events_after(k):
                session.send(event)
    assert first_audio
    for item_id, at in first_audio.items():
        assert session.playback.item(item_id).started_at == at
