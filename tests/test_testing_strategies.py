"""Our own property tests, written with ``realtime_state.testing.strategies``.

Legal streams replay strictly with no violation and every state holds every invariant;
faulty streams report exactly the announced violation first, in both policies; the reducer
is pure and deterministic over generated streams; generated events validate with the openai
package's models; the strategies cover what they promise and shrink to small streams.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from helpers.data import HERE, read_lines
from realtime_state import ProtocolViolation, SessionState, history, reduce, replay
from realtime_state.testing import (
    assert_invariants_over,
    check_invariants_over,
    fault_positions,
    inject_fault,
)
from realtime_state.testing.strategies import (
    DIALECTS,
    FAULT_KINDS,
    FEATURES,
    GA_ONLY_FEATURES,
    Fault,
    faulty_streams,
    legal_streams,
)

Event = dict[str, Any]

# `find` reprs the example it found; streams with audio make that repr large (and it is unused)
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

any_legal = st.sampled_from(DIALECTS).flatmap(legal_streams)
any_faulty = st.sampled_from(DIALECTS).flatmap(faulty_streams)


# --- the properties ------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(any_legal)
def test_property_legal_streams_replay_strictly_and_hold_every_invariant(
    events: list[Event],
) -> None:
    assert assert_invariants_over(history(events, policy="strict")) == len(events)
    state = replay(events, policy="strict")
    assert state.violations == ()
    assert state.active_response_id is None
    assert all(response.done for response in state.responses.values())


@settings(max_examples=100, deadline=None)
@given(any_faulty)
def test_property_faulty_streams_report_the_announced_violation_first(
    drawn: tuple[list[Event], Fault],
) -> None:
    events, fault = drawn
    assert events[fault.index]["type"] == fault.event_type
    # strict: everything before the fault is legal; the fault raises and the state stays
    before = replay(events[: fault.index], policy="strict")
    snapshot = pickle.dumps(before)
    with pytest.raises(ProtocolViolation) as info:
        reduce(before, events[fault.index])
    assert (info.value.index, info.value.code) == (fault.index, fault.code), fault
    assert pickle.dumps(before) == snapshot
    with pytest.raises(ProtocolViolation) as whole:
        replay(events, policy="strict")
    assert (whole.value.index, whole.value.code) == (fault.index, fault.code)
    # lenient: the same violation first, and every event is still reduced
    state = replay(events, policy="lenient")
    assert state.event_count == len(events)
    assert (state.violations[0].index, state.violations[0].code) == (fault.index, fault.code)
    # the invariants see it at the same event
    index, failures = check_invariants_over(history(events))
    assert index == fault.index
    assert "no_violations" in {f.name for f in failures}


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(DIALECTS).flatmap(lambda dialect: legal_streams(dialect, max_turns=4)))
def test_property_reduce_never_changes_the_state_it_is_given(events: list[Event]) -> None:
    """Keep every state; each still equals a fresh replay of its prefix afterwards."""
    held = []
    state = SessionState(policy="strict")
    for event in events:
        state = reduce(state, event)
        held.append((state, pickle.dumps(state)))
    for n, (kept, frozen) in enumerate(held, 1):
        assert pickle.dumps(kept) == frozen
        assert kept == replay(events[:n], policy="strict")


@settings(max_examples=40, deadline=None)
@given(any_legal)
def test_property_replay_is_deterministic(events: list[Event]) -> None:
    once = replay(events, policy="strict")
    assert replay(events, policy="strict") == once
    assert replay([json.dumps(e) for e in events], policy="strict") == once
    assert replay([json.dumps(e).encode() for e in events], policy="strict") == once
    assert pickle.loads(pickle.dumps(once)) == once


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_every_fault_kind_is_injected_and_reported_in_both_dialects(
    kind: str, dialect: str
) -> None:
    @settings(
        max_examples=4,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    )
    @given(faulty_streams(dialect, kinds=[kind]))  # type: ignore[arg-type]
    def check(drawn: tuple[list[Event], Fault]) -> None:
        events, fault = drawn
        assert fault.kind == kind
        with pytest.raises(ProtocolViolation) as info:
            replay(events, policy="strict")
        assert (info.value.index, info.value.code) == (fault.index, fault.code)
        first = replay(events).violations[0]
        assert (first.index, first.code) == (fault.index, fault.code)

    check()


FIRST_FOUND = settings(database=None, max_examples=1000, phases=[Phase.generate], derandomize=True)
"""Settings for ``find`` when any example will do: the first one found, not shrunk."""


def _found(strategy: st.SearchStrategy[list[Event]], condition: Any) -> list[Event]:
    return find(strategy, condition, settings=FIRST_FOUND)


# --- the wire shapes ----------------------------------------------------------------------------

openai_ga = pytest.importorskip("openai.types.realtime")
openai_beta = pytest.importorskip("openai.types.beta.realtime")


@pytest.fixture(scope="module")
def adapters() -> dict[str, Any]:
    from pydantic import TypeAdapter

    return {
        "ga": TypeAdapter(openai_ga.RealtimeServerEvent),
        "beta": TypeAdapter(openai_beta.RealtimeServerEvent),
    }


@pytest.mark.parametrize("dialect", DIALECTS)
def test_generated_events_validate_with_the_openai_models(
    dialect: str, adapters: dict[str, Any]
) -> None:
    seen: set[str] = set()

    @settings(max_examples=25, deadline=None, database=None)
    @given(legal_streams(dialect))  # type: ignore[arg-type]
    def check(events: list[Event]) -> None:
        for event in events:
            adapters[dialect].validate_json(json.dumps(event))
            seen.add(event["type"])

    check()
    assert len(seen) >= 25  # a broad sample, not just text turns


def test_the_dialects_use_their_own_names_and_orders() -> None:
    ga = _found(legal_streams("ga", features={"text_turn"}), lambda e: True)
    beta = _found(legal_streams("beta", features={"text_turn"}), lambda e: True)
    ga_types = [e["type"] for e in ga]
    beta_types = [e["type"] for e in beta]
    assert "conversation.item.created" not in ga_types
    assert "conversation.item.done" in ga_types and "response.output_text.delta" in ga_types
    assert "conversation.item.added" not in beta_types and "response.text.delta" in beta_types
    # GA: rate limits after response.done; beta: right after response.created
    assert ga_types[ga_types.index("response.done") + 1] == "rate_limits.updated"
    assert beta_types[beta_types.index("response.created") + 1] == "rate_limits.updated"
    # GA items carry no "object"; beta items always do
    assert all("object" not in e.get("item", {}) for e in ga)
    assert all(e["item"]["object"] == "realtime.item" for e in beta if "item" in e)
    # GA: output_item.added -> conversation.item.added ... conversation.item.done -> .done
    added = ga_types.index("response.output_item.added")
    assert ga_types[added + 1] == "conversation.item.added"
    done = ga_types.index("response.output_item.done")
    assert ga_types[done - 1] == "conversation.item.done"


# --- coverage: each promised behaviour is reachable -------------------------------------------


def _types(events: list[Event]) -> list[str]:
    return [e["type"] for e in events]


def test_input_transcription_arrives_early() -> None:
    """Before its item exists: held as pending, then applied."""

    def early(events: list[Event]) -> bool:
        return any(state.pending_transcriptions for _, _, state in history(events))

    events = _found(legal_streams(features={"audio_turn"}, transport="webrtc"), early)
    state = replay(events, policy="strict")
    assert dict(state.pending_transcriptions) == {}
    assert state.items[0].content[0].transcription_status in ("completed", "failed")


def test_input_transcription_arrives_late_and_out_of_order() -> None:
    def late(events: list[Event]) -> bool:
        done = [e["item_id"] for e in events if e["type"].endswith("transcription.completed")]
        committed = [e["item_id"] for e in events if e["type"] == "input_audio_buffer.committed"]
        return len(done) >= 2 and [c for c in committed if c in done] != done

    events = _found(
        legal_streams(features={"audio_turn"}, transport="webrtc", min_turns=2, max_turns=4), late
    )
    assert replay(events, policy="strict").violations == ()


@pytest.mark.parametrize("transport", ["websocket", "webrtc"])
def test_interruptions_truncate_and_cut_the_transcript(transport: str) -> None:
    def cut_mid_answer(events: list[Event]) -> bool:
        return any(
            e["type"] == "response.done"
            and e["response"]["status"] == "cancelled"
            and any(o.get("status") == "incomplete" for o in e["response"]["output"])
            for e in events
        ) and "conversation.item.truncated" in _types(events)

    events = _found(
        legal_streams(features={"interruption"}, transport=transport),  # type: ignore[arg-type]
        cut_mid_answer,
    )
    state = replay(events, policy="strict")
    (part,) = next(i for i in state.items if i.status == "incomplete").content
    assert part.truncated_at_ms is not None and part.transcript == ""
    if transport == "webrtc":
        assert "output_audio_buffer.cleared" in _types(events) or part.audio_bytes == 0
        assert "response.output_audio.delta" not in _types(events)


def test_function_calls_get_outputs_and_an_answer() -> None:
    def answered(events: list[Event]) -> bool:
        kinds = [e.get("item", {}).get("type") for e in events]
        return "function_call_output" in kinds and _types(events).count("response.done") >= 2

    events = _found(legal_streams(features={"function_call"}), answered)
    state = replay(events, policy="strict")
    call = next(i for i in state.items if i.type == "function_call")
    assert call.call_phase == "answered"


@pytest.mark.parametrize(
    ("feature", "marker"),
    [
        ("cancelled_response", "response.done"),
        ("client_cancel", "response.done"),
        ("deletion", "conversation.item.deleted"),
        ("error", "error"),
        ("buffer_clear", "input_audio_buffer.cleared"),
        ("session_update", "session.updated"),
        ("out_of_band", "response.done"),
        ("idle_timeout", "input_audio_buffer.timeout_triggered"),
    ],
)
def test_each_feature_renders_its_events(feature: str, marker: str) -> None:
    events = _found(legal_streams(features={feature}), lambda e: marker in _types(e))
    state = replay(events, policy="strict")
    if feature == "cancelled_response":
        assert any(
            r.status == "cancelled" and not r.output_item_ids for r in state.responses.values()
        )
    if feature == "client_cancel":
        details = [r.status_details for r in state.responses.values() if r.status == "cancelled"]
        assert details and details[0].reason == "client_cancelled"
    if feature == "out_of_band":
        side = next(r for r in state.responses.values() if r.out_of_band)
        assert all(state.item(i) not in state.items for i in side.output_item_ids)
    assert "rate_limits.updated" in _types(events) or feature in (
        "deletion",
        "error",
        "buffer_clear",
        "session_update",
    )


def test_examples_shrink_to_a_few_segments() -> None:
    events = find(
        legal_streams(),
        lambda e: "conversation.item.truncated" in _types(e),
        settings=settings(database=None, derandomize=True),
    )
    # one voice turn, its answer, the barge-in and the truncation: nothing else is left
    assert len(events) <= 30, _types(events)
    assert _types(events)[:2] == ["session.created", "session.updated"]
    assert _types(events).count("response.created") == 1


# --- faults injected into real recordings ------------------------------------------------------

LEGAL_LOGS = [
    *(
        HERE / "recordings" / f"{name}.jsonl"
        for name in (
            "ga_tool_call_round",
            "beta_webrtc_interrupt_truncate",
            "beta_webrtc_function_call_cancellations",
            "beta_webrtc_sdk_normalized",
        )
    ),
    *(
        HERE / "logs" / f"{name}.jsonl"
        for name in (
            "ga_audio_turn",
            "beta_audio_turn",
            "ga_interruption",
            "beta_function_call",
            "ga_mcp",
        )
    ),
]


@pytest.mark.parametrize("path", LEGAL_LOGS, ids=lambda p: p.stem)
def test_inject_fault_works_on_recordings_too(path: Path) -> None:
    """Each kind, at its first and last place in a legal recording: the announced violation
    comes first, in both policies."""
    events = [json.loads(line) for line in read_lines(path)]
    applied = 0
    for kind in FAULT_KINDS:
        positions = fault_positions(events, kind)
        for position in dict.fromkeys(positions[:1] + positions[-1:]):
            broken, fault = inject_fault(events, kind, position)
            first = replay(broken).violations[0]
            assert (first.index, first.code) == (fault.index, fault.code), (kind, position)
            with pytest.raises(ProtocolViolation) as info:
                replay(broken, policy="strict")
            assert (info.value.index, info.value.code) == (fault.index, fault.code)
            applied += 1
    assert applied >= 20


# --- arguments and packaging -----------------------------------------------------------------


def test_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="dialect"):
        legal_streams("v2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown features"):
        legal_streams(features={"karaoke"})
    with pytest.raises(ValueError, match="only in the GA dialect"):
        legal_streams("beta", features={"out_of_band"})
    with pytest.raises(TypeError):
        legal_streams(features="text_turn")
    with pytest.raises(ValueError, match="transport"):
        legal_streams(transport="carrier pigeon")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="min_turns"):
        legal_streams(min_turns=3, max_turns=2)
    with pytest.raises(ValueError, match="unknown fault kinds"):
        faulty_streams(kinds={"gremlins"})
    assert set(GA_ONLY_FEATURES) < set(FEATURES)


def test_inject_fault_refuses_a_position_where_the_fault_cannot_go() -> None:
    events = _found(legal_streams(features={"text_turn"}), lambda e: True)
    assert fault_positions(events, "speech_started_twice") == []
    with pytest.raises(ValueError, match="cannot be injected"):
        inject_fault(events, "speech_started_twice", 0)
    with pytest.raises(ValueError, match="unknown fault kind"):
        fault_positions(events, "gremlins")
    broken, fault = inject_fault(
        events, "duplicate_response_done", fault_positions(events, "duplicate_response_done")[0]
    )
    assert len(broken) == len(events) + 1 and fault.code == "duplicate_done"
    assert events == _found(legal_streams(features={"text_turn"}), lambda e: True)  # unchanged
