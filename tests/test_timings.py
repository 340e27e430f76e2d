"""Turn timing (``state.timings()``): every measure computed again from the log's own lines.

Each scenario log is wrapped in envelope lines with several time patterns (regular, irregular
gaps, bursts of equal times, and mixes where some lines stay bare); the expected measures are
found by walking the lines by hand, and the percentiles by a hand-written linear
interpolation."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.data import HERE, read_lines
from realtime_state import decode, reduce, replay
from realtime_state.cli import cli
from realtime_state.envelopes import envelope_line
from realtime_state.state import SessionState
from realtime_state.timings import (
    MEASURES,
    ResponseTiming,
    Timings,
    TimingStats,
    percentiles,
    timings_of,
)

LOGS = sorted((HERE / "logs").glob("*.jsonl"))
T0 = 1_764_700_000.0
AUDIO_DELTAS = ("response.output_audio.delta", "response.audio.delta")

Times = Callable[[int], list[float | None]]


def _regular(n: int) -> list[float | None]:
    return [T0 + i * 0.25 for i in range(n)]


def _irregular(n: int) -> list[float | None]:
    rng = random.Random(n)
    out: list[float | None] = []
    t = T0
    for _ in range(n):
        t += rng.choice([rng.uniform(0.0005, 0.02), rng.uniform(0.05, 1.5), rng.uniform(5, 40)])
        out.append(t)
    return out


def _bursts(n: int) -> list[float | None]:
    """Groups of up to 7 lines share one time (a frame read in one go), then a gap."""
    rng = random.Random(-n)
    out: list[float | None] = []
    t = T0
    for i in range(n):
        if i % rng.randint(1, 7) == 0:
            t += rng.uniform(0.01, 3.0)
        out.append(t)
    return out


def _every_third_bare(n: int) -> list[float | None]:
    return [None if i % 3 == 1 else t for i, t in enumerate(_irregular(n))]


def _odd_bare(n: int) -> list[float | None]:
    return [None if i % 2 else t for i, t in enumerate(_irregular(n))]


def _random_bare(n: int) -> list[float | None]:
    rng = random.Random(n * 7)
    return [None if rng.random() < 0.4 else t for t in _bursts(n)]


PATTERNS: dict[str, Times] = {
    "regular": _regular,
    "irregular": _irregular,
    "bursts": _bursts,
    "every_third_bare": _every_third_bare,
    "odd_bare": _odd_bare,
    "random_bare": _random_bare,
}


def wrap(lines: list[str], times: list[float | None]) -> list[str]:
    """Envelope lines with these times; a ``None`` time leaves the line bare."""
    return [
        line if t is None else envelope_line("server", t, frame=line)
        for line, t in zip(lines, times, strict=True)
    ]


def _ms(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else (end - start) * 1000.0


def expected_timings(lines: list[str]) -> list[dict[str, Any]]:
    """The measures of each response, found by walking the envelope lines by hand."""
    order: list[str] = []
    created: dict[str, float | None] = {}
    audio: dict[str, float | None] = {}
    done: dict[str, float | None] = {}
    stop_of: dict[str, float | None] = {}
    out_of_band: dict[str, bool] = {}
    unanswered: float | None = None
    for line in lines:
        obj = json.loads(line)
        time, event = (obj.get("time"), obj["event"]) if "event" in obj else (None, obj)
        kind = event["type"]
        if kind == "input_audio_buffer.speech_stopped":
            unanswered = time  # the latest stop; unknown when the line has no time
        elif kind == "response.created":
            rid = event["response"]["id"]
            order.append(rid)
            created[rid] = time
            wire = event["response"]
            out_of_band[rid] = "conversation_id" in wire and wire["conversation_id"] is None
            if not out_of_band[rid]:
                stop_of[rid], unanswered = unanswered, None
        elif kind in AUDIO_DELTAS:
            audio.setdefault(event["response_id"], time)
        elif kind == "response.done":
            done.setdefault(event["response"]["id"], time)
    return [
        {
            "response_id": rid,
            "out_of_band": out_of_band[rid],
            "speech_end_to_first_audio_ms": _ms(stop_of.get(rid), audio.get(rid)),
            "created_to_first_audio_ms": _ms(created[rid], audio.get(rid)),
            "created_to_done_ms": _ms(created[rid], done.get(rid)),
        }
        for rid in order
    ]


def linear_percentile(values: list[float], p: float) -> float:
    """The p-th percentile by linear interpolation between closest ranks (hand-written)."""
    data = sorted(values)
    pos = (len(data) - 1) * p / 100
    lo = math.floor(pos)
    if lo + 1 >= len(data):
        return data[-1]
    return data[lo] + (data[lo + 1] - data[lo]) * (pos - lo)


@pytest.mark.parametrize("pattern", sorted(PATTERNS))
@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.stem)
def test_every_measure_is_that_of_the_log_lines(path: Path, pattern: str) -> None:
    lines = read_lines(path)
    logged = wrap(lines, PATTERNS[pattern](len(lines)))
    expected = expected_timings(logged)
    timings = replay(logged).timings()
    got = [r.to_dict() for r in timings.responses]
    assert [r["response_id"] for r in got] == [r["response_id"] for r in expected]
    for row, want in zip(got, expected, strict=True):
        assert row["out_of_band"] == want["out_of_band"]
        for name in MEASURES:
            assert row[name] == (None if want[name] is None else pytest.approx(want[name])), name
    for name in MEASURES:
        values = [r[name] for r in expected if r[name] is not None]
        stats = getattr(timings, name)
        assert stats.count == len(values)
        if values:
            assert stats.p50 == pytest.approx(linear_percentile(values, 50))
            assert stats.p95 == pytest.approx(linear_percentile(values, 95))
        else:
            assert stats.p50 is None and stats.p95 is None


def test_timed_voice_logs_measure_every_response() -> None:
    for name in ("ga_audio_turn", "beta_audio_turn", "ga_interruption", "beta_interruption"):
        lines = read_lines(HERE / "logs" / f"{name}.jsonl")
        timings = replay(wrap(lines, _irregular(len(lines)))).timings()
        assert timings.measured
        assert timings.speech_end_to_first_audio_ms.count >= 1, name
        for row in timings.responses:
            assert row.created_to_done_ms is not None and row.created_to_done_ms > 0


def test_the_percentiles_of_a_hand_computed_case() -> None:
    assert percentiles([50.0, 10.0, 40.0, 20.0, 30.0]) == (30.0, pytest.approx(48.0))
    assert percentiles([100.0, 200.0]) == (150.0, pytest.approx(195.0))
    assert percentiles([7.5]) == (7.5, 7.5)  # one value is both
    assert percentiles([]) is None
    assert TimingStats.of([]) == TimingStats(count=0, p50=None, p95=None)
    # ga_interruption every 0.25 s: speech end to first audio is 2750 and 3250 ms
    lines = read_lines(HERE / "logs" / "ga_interruption.jsonl")
    timings = replay(wrap(lines, _regular(len(lines)))).timings()
    speech = [r.speech_end_to_first_audio_ms for r in timings.responses]
    assert speech == [2750.0, 3250.0]
    assert timings.speech_end_to_first_audio_ms == TimingStats(count=2, p50=3000.0, p95=3225.0)


@pytest.mark.parametrize("path", [*LOGS, *sorted((HERE / "recordings").glob("*.jsonl"))])
def test_a_log_without_times_measures_nothing(path: Path) -> None:
    state = replay(read_lines(path))
    timings = state.timings()
    assert timings == timings_of(state)
    assert not timings.measured
    assert len(timings.responses) == len(state.responses)
    for row in timings.responses:
        assert all(getattr(row, name) is None for name in MEASURES)
    for name in MEASURES:
        assert getattr(timings, name) == TimingStats()
    assert json.loads(json.dumps(timings.to_dict())) == timings.to_dict()


def test_an_end_without_a_time_leaves_its_measures_none() -> None:
    lines = read_lines(HERE / "logs" / "ga_audio_turn.jsonl")
    kinds = [json.loads(line)["type"] for line in lines]
    times: list[float | None] = list(_regular(len(lines)))
    first_audio = kinds.index("response.output_audio.delta")
    times[first_audio] = None  # the first audio delta's time is unknown
    (row,) = replay(wrap(lines, times)).timings().responses
    assert row.speech_end_to_first_audio_ms is None  # a later delta is not the first
    assert row.created_to_first_audio_ms is None
    assert row.created_to_done_ms is not None
    times = list(_regular(len(lines)))
    times[kinds.index("response.created")] = None
    (row,) = replay(wrap(lines, times)).timings().responses
    assert row.created_to_first_audio_ms is None and row.created_to_done_ms is None
    assert row.speech_end_to_first_audio_ms is not None  # both its ends have times


def test_an_untimed_speech_stop_is_answered_not_passed_on() -> None:
    # two turns: the second's stop has no time; its response must not take the first's stop
    lines = read_lines(HERE / "logs" / "ga_cancelled_response.jsonl")
    kinds = [json.loads(line)["type"] for line in lines]
    stops = [i for i, k in enumerate(kinds) if k == "input_audio_buffer.speech_stopped"]
    created = [i for i, k in enumerate(kinds) if k == "response.created"]
    times: list[float | None] = list(_regular(len(lines)))
    times[created[0]] = None  # the first response still answers the first stop
    times[stops[1]] = None
    state = replay(wrap(lines, times))
    first, second = state.responses_in_order
    assert first.speech_stopped_at == times[stops[0]]
    assert second.speech_stopped_at is None
    assert state.timings().responses[1].speech_end_to_first_audio_ms is None


def test_a_response_cancelled_before_audio_is_still_timed_to_done() -> None:
    lines = read_lines(HERE / "logs" / "ga_cancelled_response.jsonl")
    timings = replay(wrap(lines, _regular(len(lines)))).timings()
    cancelled, answered = timings.responses
    assert cancelled.status == "cancelled"
    assert cancelled.speech_end_to_first_audio_ms is None
    assert cancelled.created_to_first_audio_ms is None
    assert cancelled.created_to_done_ms == 2 * 250.0
    assert answered.status == "completed" and answered.speech_end_to_first_audio_ms is not None
    assert timings.created_to_done_ms.count == 2
    assert timings.created_to_first_audio_ms.count == 1


def test_out_of_band_responses_are_included_and_flagged() -> None:
    lines = read_lines(HERE / "logs" / "ga_out_of_band.jsonl")
    timings = replay(wrap(lines, _irregular(len(lines)))).timings()
    flagged = [r for r in timings.responses if r.out_of_band]
    assert flagged
    for row in flagged:
        assert row.speech_end_to_first_audio_ms is None
        assert row.created_to_done_ms is not None
    assert timings.created_to_done_ms.count == len(timings.responses)
    in_conversation = timings.where(lambda r: not r.out_of_band)
    assert in_conversation.responses == tuple(r for r in timings.responses if not r.out_of_band)
    assert in_conversation.created_to_done_ms.count == len(timings.responses) - len(flagged)
    assert in_conversation == Timings.of(in_conversation.responses)


def test_timings_are_of_this_session() -> None:
    first = read_lines(HERE / "logs" / "ga_interruption.jsonl")
    second = read_lines(HERE / "logs" / "ga_audio_turn.jsonl")
    both = first + second
    state = replay(wrap(both, _regular(len(both))))
    assert len(state.sessions) == 2
    alone = replay(wrap(second, [T0 + (len(first) + i) * 0.25 for i in range(len(second))]))
    assert state.timings() == alone.timings()
    assert len(state.sessions[0].timings().responses) == 2
    assert state.sessions[0].timings().speech_end_to_first_audio_ms.p50 == 3000.0


def test_to_dict_is_json_ready() -> None:
    lines = read_lines(HERE / "logs" / "ga_function_call.jsonl")
    timings = replay(wrap(lines, _irregular(len(lines)))).timings()
    data = json.loads(json.dumps(timings.to_dict()))
    assert data == timings.to_dict()
    assert set(data) == {"responses", *MEASURES}
    assert set(data["responses"][0]) == {"response_id", "status", "out_of_band", *MEASURES}
    assert set(data["created_to_done_ms"]) == {"count", "p50", "p95"}
    assert ResponseTiming(**data["responses"][0]) == timings.responses[0]


# --- the command ------------------------------------------------------------------------------


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_replay_prints_the_timings(tmp_path: Path) -> None:
    lines = read_lines(HERE / "logs" / "ga_interruption.jsonl")
    log = tmp_path / "timed.jsonl"
    log.write_text("\n".join(wrap(lines, _regular(len(lines)))) + "\n", encoding="utf-8")
    out = _run("replay", str(log)).output
    summary = out[out.index("events ") :].splitlines()
    rows = [line for line in summary if "first audio" in line or "created to done" in line]
    assert rows[0].startswith("timings ")
    assert rows[0].endswith("speech end to first audio: p50 3000 ms, p95 3225 ms (2 responses)")
    assert rows[1].strip() == "created to first audio: p50 2000 ms, p95 2225 ms (2 responses)"
    assert rows[2].strip() == "created to done: p50 5625 ms, p95 5962 ms (2 responses)"
    assert all(len(line) <= 100 for line in summary)
    document = json.loads(_run("replay", str(log), "--format", "json").output)
    expected = replay(wrap(lines, _regular(len(lines)))).timings().to_dict()
    assert document["summary"]["timings"] == expected
    assert {"events", "items", "responses", "usage", "cost"} <= set(document["summary"])
    markdown = _run("replay", str(log), "--format", "markdown").output
    assert "| timings | speech end to first audio: p50 3000 ms" in markdown


def test_replay_of_a_log_without_times_prints_no_timings(tmp_path: Path) -> None:
    path = HERE / "logs" / "ga_interruption.jsonl"
    out = _run("replay", str(path)).output
    assert "timings" not in out
    document = json.loads(_run("replay", str(path), "--format", "json").output)
    timings = document["summary"]["timings"]
    assert all(timings[name] == {"count": 0, "p50": None, "p95": None} for name in MEASURES)


def test_a_measure_no_response_has_is_said_so(tmp_path: Path) -> None:
    lines = read_lines(HERE / "logs" / "ga_text_turn.jsonl")
    log = tmp_path / "text.jsonl"
    log.write_text("\n".join(wrap(lines, _regular(len(lines)))) + "\n", encoding="utf-8")
    out = _run("replay", str(log)).output
    assert "speech end to first audio: none measured" in out
    assert "created to done: p50" in out and "(1 response)" in out


# --- properties -------------------------------------------------------------------------------

_VOICE = [decode(line) for line in read_lines(HERE / "logs" / "ga_interruption.jsonl")]


def _replay_at(times: list[float]) -> Timings:
    state = SessionState()
    for event, t in zip(_VOICE, times, strict=True):
        state = reduce(state, event, time=t)
    return state.timings()


_gaps = st.lists(
    st.floats(min_value=0.0, max_value=5.0), min_size=len(_VOICE), max_size=len(_VOICE)
)


def _times(gaps: list[float], start: float = T0, scale: float = 1.0) -> list[float]:
    out, t = [], 0.0
    for gap in gaps:
        t += gap
        out.append(start + t * scale)
    return out


@settings(max_examples=25, deadline=None)
@given(gaps=_gaps, shift=st.floats(min_value=-1e8, max_value=1e8))
def test_shifting_every_time_changes_no_measure(gaps: list[float], shift: float) -> None:
    base, shifted = _replay_at(_times(gaps)), _replay_at(_times(gaps, T0 + shift))
    for a, b in zip(base.responses, shifted.responses, strict=True):
        for name in MEASURES:
            assert getattr(b, name) == pytest.approx(getattr(a, name), abs=1e-3)


@settings(max_examples=25, deadline=None)
@given(gaps=_gaps, k=st.floats(min_value=0.01, max_value=100.0))
def test_scaling_every_time_scales_every_measure(gaps: list[float], k: float) -> None:
    base, scaled = _replay_at(_times(gaps)), _replay_at(_times(gaps, scale=k))
    for a, b in zip(base.responses, scaled.responses, strict=True):
        for name in MEASURES:
            assert getattr(b, name) == pytest.approx(getattr(a, name) * k, abs=1e-3 * k + 1e-3)
    for name in MEASURES:
        sa, sb = getattr(base, name), getattr(scaled, name)
        assert sb.count == sa.count
        assert sb.p95 == pytest.approx(sa.p95 * k, abs=1e-3 * k + 1e-3)
