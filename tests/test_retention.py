"""Audio retention: the state keeps all audio (default), none, or the last N seconds; dropped
parts keep everything but their bytes, so every read-side result but the audio itself is the
same under every retention; exports of dropped audio raise a clear error naming the item;
the live adapter's audio sink gets every finished part's audio."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from helpers.data import HERE, RECORDING_FILES, read_lines
from realtime_state import SessionState, history, replay
from realtime_state.errors import AudioDroppedError, PricingError
from realtime_state.state import AudioRetention
from realtime_state.testing import assert_invariants
from realtime_state.testing.strategies import legal_streams

LOGS = sorted((HERE / "logs").glob("*.jsonl"))
AUDIO_LOGS = [p for p in LOGS if "audio" in p.name or "interruption" in p.name]
RETENTIONS: list[Any] = ["none", 0.05, 0.35, 2, "all"]


def two_sided(lines: list[str], chunk_ms: int = 100) -> list[str]:
    """The log with the user's audio appended as the app would (PCM16 24 kHz, ``chunk_ms``
    per append) so that every VAD stop has the audio it names."""
    out: list[str] = []
    appended = 0
    level = 1
    for line in lines:
        event = json.loads(line)
        end = event.get("audio_end_ms") if event["type"].endswith("speech_stopped") else None
        if isinstance(end, int):
            while appended < end + chunk_ms:
                data = bytes([level % 250 + 1, 0]) * (24 * chunk_ms)
                out.append(
                    json.dumps(
                        {
                            "type": "input_audio_buffer.append",
                            "audio": base64.b64encode(data).decode(),
                        }
                    )
                )
                appended += chunk_ms
                level += 1
        out.append(line)
    return out


STREAMS: dict[str, list[str]] = {
    **{p.name: read_lines(p) for p in RECORDING_FILES + LOGS},
    **{f"two_sided_{p.name}": two_sided(read_lines(p)) for p in AUDIO_LOGS},
}


def read_side(state: SessionState) -> dict[str, Any]:
    """Every read-side result except the audio bytes."""
    try:
        cost: Any = state.cost().total
    except PricingError as exc:
        cost = type(exc).__name__
    return {
        "transcript": state.transcript().to_dict(),
        "markdown": state.transcript().to_markdown(),
        "cost": cost,
        "carry": state.to_client_events(),
        "timings": state.timings().to_dict(),
        "usage": state.usage,
        "violations": state.violations,
        "errors": state.errors,
        "event_count": state.event_count,
        "items": [
            (
                i.id,
                i.role,
                i.status,
                [
                    (p.type, p.audio_bytes, p.duration_ms, p.truncated_at_ms, p.transcript)
                    for p in i.content
                ],
            )
            for i in state.items
        ],
        "pending": state.pending,
        "responses": state.responses,
    }


def _kept_ms(state: SessionState) -> float:
    """Milliseconds of audio whose bytes the state still holds."""
    return sum(
        p.duration_ms for i in state.items for p in i.content if p.audio_bytes and not _dropped(p)
    )


def _dropped(part: Any) -> bool:
    return type(part.audio_chunks).__name__ == "DroppedChunks"


@pytest.mark.parametrize("name", sorted(STREAMS))
@pytest.mark.parametrize("retention", RETENTIONS)
def test_everything_but_the_audio_is_the_same_under_every_retention(
    name: str, retention: Any
) -> None:
    lines = STREAMS[name]
    full = replay(lines)
    kept = replay(lines, audio_retention=retention)
    assert read_side(kept) == read_side(full)
    assert_invariants(kept, allow_violations=bool(full.violations))
    for item in kept.items:
        for index, part in enumerate(item.content):
            if _dropped(part):
                with pytest.raises(AudioDroppedError, match=item.id):
                    kept.audio(item.id, index)
            elif part.audio_bytes:
                assert kept.audio(item.id, index) == full.audio(item.id, index)


@pytest.mark.parametrize("name", sorted(n for n in STREAMS if "audio" in n or "interruption" in n))
def test_the_window_bounds_the_audio_held_at_every_event(name: str) -> None:
    lines = STREAMS[name]
    for seconds in (0.0, 0.35):
        longest = 0.0
        for _, _, state in history(lines, audio_retention=seconds):
            parts = [p for i in state.items for p in i.content if p.audio_bytes]
            longest = max([longest, *(p.duration_ms for p in parts)])
            # what is held beyond the window is at most the parts not finished yet and the
            # newest part (a part is dropped whole)
            assert _kept_ms(state) <= seconds * 1000 + 2 * longest + 1e-6
            retention = state.audio_retention
            assert retention is not None and retention.held_ms >= -1e-6


def test_none_keeps_only_what_streams_and_drops_finished_parts() -> None:
    lines = STREAMS["two_sided_ga_interruption.jsonl"]
    state = replay(lines, audio_retention="none")
    retention = state.audio_retention
    assert retention is not None and retention.seconds == 0 and retention.dropped >= 2
    dropped = [(i.id, n) for i in state.items for n, p in enumerate(i.content) if _dropped(p)]
    assert dropped
    item_id, index = dropped[0]
    with pytest.raises(AudioDroppedError) as info:
        state.wav(item_id, index)
    assert (info.value.item_id, info.value.content_index) == (item_id, index)
    assert "audio_retention" in str(info.value)
    with pytest.raises(AudioDroppedError):
        state.conversation_wav()


def test_a_part_still_streaming_is_never_dropped() -> None:
    lines = STREAMS["two_sided_ga_interruption.jsonl"]
    for _, event, state in history(lines, audio_retention="none"):
        active = state.active_response
        if active is None:
            continue
        for item_id in active.output_item_ids:
            item = state.item(item_id)
            assert item is not None
            assert not any(_dropped(p) for p in item.content), (event.type, item_id)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("none", 0.0), (0, 0.0), (60, 60.0), (1.5, 1.5), (AudioRetention(seconds=3), 3.0)],
)
def test_retention_values(value: Any, seconds: float) -> None:
    state = SessionState(audio_retention=value)
    assert state.audio_retention is not None and state.audio_retention.seconds == seconds


@pytest.mark.parametrize("value", ["some", -1, True, [1]])
def test_bad_retention_values_are_refused(value: Any) -> None:
    with pytest.raises(ValueError, match="audio_retention"):
        SessionState(audio_retention=value)


def test_all_is_the_default_and_costs_nothing() -> None:
    assert SessionState().audio_retention is None
    assert SessionState(audio_retention="all").audio_retention is None


def test_a_second_session_keeps_the_retention() -> None:
    first = read_lines(HERE / "logs" / "ga_audio_turn.jsonl")
    state = replay([*first, *first], audio_retention=1)
    assert state.audio_retention is not None and state.audio_retention.seconds == 1
    assert len(state.sessions) == 2


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(legal_streams(dialect="ga"))
def test_generated_streams_read_the_same_under_retention(events: list[Any]) -> None:
    full = replay(events)
    for retention in ("none", 0.2):
        assert read_side(replay(events, audio_retention=retention)) == read_side(full)


# --- the live adapter's sink ---------------------------------------------------------------


def test_the_audio_sink_gets_every_finished_part(tmp_path: Path) -> None:
    from realtime_state import LiveSession
    from realtime_state.testing.server import ReplayServer, plan

    lines = STREAMS["two_sided_ga_interruption.jsonl"]
    script = plan(lines)
    got: list[Any] = []
    with ReplayServer(lines) as server, server.client().realtime.connect(model="m") as conn:
        session = LiveSession(conn, audio_retention="none", audio_sink=got.append)
        for event in script.client_events_after(-1):
            session.send(event)
        for k, _ in enumerate(session):
            for event in script.client_events_after(k):
                session.send(event)
    full = replay(lines)
    expected = {
        (i.id, n): i.content[n]
        for i in full.items
        for n in range(len(i.content))
        if i.content[n].audio_bytes
    }
    assert {(f.item_id, f.content_index) for f in got} == set(expected)
    assert len(got) == len(expected)  # once each
    for finished in got:
        part = expected[finished.item_id, finished.content_index]
        received = part.audio_bytes_before_truncation or part.audio_bytes
        assert len(finished.audio) >= part.audio_bytes
        assert len(finished.audio) <= received + 1
        assert finished.role in ("user", "assistant")
    assert {f.role for f in got} == {"user", "assistant"}
    retention = session.state.audio_retention
    assert retention is not None and retention.dropped >= 1


# --- the client log under a window -----------------------------------------------------------


@pytest.mark.parametrize("retention", ["none", 0.35, 60])
def test_the_client_log_keeps_appends_as_runs_without_audio_under_a_window(retention: Any) -> None:
    """Regression: every ``input_audio_buffer.append`` kept its base64 audio in
    ``state.client_events`` whatever the window, so a long call with the user's audio grew
    without bound (about 250 MB per hour of microphone at 100 ms per append). Under a window
    a run of consecutive appends is one record (``count``), its audio emptied."""
    lines = STREAMS["two_sided_ga_interruption.jsonl"]
    full = replay(lines)
    kept = replay(lines, audio_retention=retention)
    appends = [r for r in kept.client_events if r.event.type == "input_audio_buffer.append"]
    assert appends and all(r.event.audio == "" for r in appends)
    # each run stands for the appends it replaced, starting where the run started
    expected: list[tuple[int, str, int]] = []
    for r in full.client_events:
        is_append = r.event.type == "input_audio_buffer.append"
        if is_append and expected and expected[-1][1] == "run" and _last_was_append(full, r):
            index, kind, count = expected[-1]
            expected[-1] = (index, kind, count + 1)
        else:
            expected.append((r.index, "run" if is_append else r.event.type, 1))
    assert [
        (r.index, "run" if r.event.type.endswith(".append") else r.event.type, r.count)
        for r in kept.client_events
    ] == expected
    assert sum(r.count for r in kept.client_events) == len(full.client_events)
    assert all(r.event.audio for r in full.client_events if r.event.type.endswith(".append"))
    assert kept.input_audio.buffered_bytes == full.input_audio.buffered_bytes
    if retention == 60:
        for item in full.items:
            if item.role == "user" and item.content and item.content[0].audio_bytes:
                assert kept.audio(item.id) == full.audio(item.id)


def _last_was_append(state: SessionState, record: Any) -> bool:
    """Whether the client event before ``record`` (in the client log) was an append."""
    records = state.client_events
    position = records.index(record)
    return position > 0 and records[position - 1].event.type == "input_audio_buffer.append"


def test_a_cut_gives_back_the_milliseconds_it_removed() -> None:
    """Review finding: a truncation kept counting the removed audio in the window."""
    lines = STREAMS["ga_interruption.jsonl"]
    full = replay(lines)
    kept = replay(lines, audio_retention=60)
    retention = kept.audio_retention
    assert retention is not None and retention.dropped == 0
    held = sum(p.duration_ms for i in full.items for p in i.content if p.audio_bytes)
    assert retention.held_ms == pytest.approx(held)
