"""``realtime_state.testing`` invariants: they hold on every state of every real recording and
written log, and each one is broken by a state built to break it (and only that one)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

from helpers.data import HERE, RECORDING_FILES, read_lines
from realtime_state import ErrorRecord, SessionState, UsageTotals, decode, history, replay
from realtime_state._persistent import EMPTY_LOG, Chunks
from realtime_state.testing import (
    CROSS_STATE_INVARIANTS,
    INVARIANTS,
    InvariantError,
    InvariantFailure,
    assert_invariants,
    assert_invariants_over,
    check_invariants,
    check_invariants_over,
)

LOG_FILES = sorted((HERE / "logs").glob("*.jsonl"))
FRAGMENTS = {"beta_text_response_fragment", "beta_transcription_fragment"}


def lines(path: Path) -> list[str]:
    return read_lines(path)


def names(failures: tuple[InvariantFailure, ...]) -> set[str]:
    return {failure.name for failure in failures}


# --- the invariants hold on real streams -------------------------------------------------------


@pytest.mark.parametrize("path", RECORDING_FILES, ids=lambda p: p.stem)
def test_every_state_of_every_recording_holds_them(path: Path) -> None:
    fragment = path.stem in FRAGMENTS
    checked = assert_invariants_over(history(lines(path)), allow_violations=fragment)
    assert checked == len(lines(path))
    assert_invariants(replay(lines(path)), allow_violations=fragment)


@pytest.mark.parametrize("path", LOG_FILES, ids=lambda p: p.stem)
def test_every_state_of_every_written_log_holds_them(path: Path) -> None:
    assert assert_invariants_over(history(lines(path), policy="strict")) == len(lines(path))


def test_only_the_fragment_with_a_dangling_anchor_needs_allow_violations() -> None:
    state = replay(lines(HERE / "recordings" / "beta_transcription_fragment.jsonl"))
    with pytest.raises(InvariantError) as info:
        assert_invariants(state)
    assert info.value.names == ("no_violations",)
    (failure,) = info.value.failures
    assert failure.index == 3
    assert "unknown_anchor" in str(info.value)
    assert "item_BK4ZnE1K1NP0YgOYLMJ35" in str(info.value)
    assert check_invariants(state, allow_violations=True) == ()
    text = replay(lines(HERE / "recordings" / "beta_text_response_fragment.jsonl"))
    assert check_invariants(text) == ()


def test_the_registries_name_every_check() -> None:
    assert len(INVARIANTS) >= 8 and len(CROSS_STATE_INVARIANTS) >= 3
    assert not set(INVARIANTS) & set(CROSS_STATE_INVARIANTS)
    assert all(description for description in {**INVARIANTS, **CROSS_STATE_INVARIANTS}.values())


# --- each invariant broken by a state built for it ----------------------------------------------

TOOL_ROUND = replay(lines(HERE / "recordings" / "ga_tool_call_round.jsonl"), policy="strict")
"""4 items (user, function_call, function_call_output, assistant), 2 completed responses."""
CUT = replay(lines(HERE / "logs" / "ga_interruption.jsonl"), policy="strict")
"""A GA voice session whose first answer is truncated at 150 ms (7200 bytes kept)."""
USER, CALL, OUTPUT, ANSWER = (item.id for item in TOOL_ROUND.items)
FIRST, SECOND = sorted(TOOL_ROUND.responses, key=lambda r: TOOL_ROUND.responses[r].created_index)
"""The two responses in creation order (a map's iteration order is not)."""


def with_item(state: SessionState, item_id: str, **changes: object) -> SessionState:
    conv = state.conversation
    item = attrs.evolve(conv.items[item_id], **changes)
    return attrs.evolve(state, conversation=attrs.evolve(conv, items=conv.items.set(item_id, item)))


def with_part(state: SessionState, item_id: str, index: int, **changes: object) -> SessionState:
    item = state.conversation.items[item_id]
    parts = list(item.content)
    parts[index] = attrs.evolve(parts[index], **changes)
    return with_item(state, item_id, content=tuple(parts))


def with_response(state: SessionState, response_id: str, **changes: object) -> SessionState:
    response = attrs.evolve(state.responses[response_id], **changes)
    return attrs.evolve(state, responses=state.responses.set(response_id, response))


def later(state: SessionState) -> SessionState:
    """The same state one event later (cross-state checks expect event_count to grow)."""
    return attrs.evolve(state, event_count=state.event_count + 1)


def cut_item(state: SessionState) -> str:
    return next(i.id for i in state.items if any(p.truncated_at_ms is not None for p in i.content))


BROKEN: dict[str, Callable[[], SessionState]] = {
    "no_violations": lambda: replay(
        [
            *lines(HERE / "logs" / "ga_text_turn.jsonl"),
            lines(HERE / "logs" / "ga_text_turn.jsonl")[28],
        ]
    ),
    # the item held under the id of the user message says it is another item
    "item_ids_unique": lambda: with_item(TOOL_ROUND, USER, id="item_OTHER"),
    # the order claims one more item than it links
    "conversation_order_consistent": lambda: attrs.evolve(
        TOOL_ROUND,
        conversation=attrs.evolve(TOOL_ROUND.conversation, size=TOOL_ROUND.conversation.size + 1),
    ),
    # the first response lists its function call twice
    "response_outputs_exist": lambda: with_response(
        TOOL_ROUND, FIRST, output_item_ids=(CALL, CALL)
    ),
    # a user message claims a response that does not exist
    "items_belong_to_their_response": lambda: with_item(TOOL_ROUND, USER, response_id="resp_GHOST"),
    # the active response is one the state never saw
    "at_most_one_active_response": lambda: attrs.evolve(
        TOOL_ROUND, active_response_id="resp_GHOST"
    ),
    # a response done before it was created
    "responses_consistent": lambda: with_response(
        TOOL_ROUND, FIRST, created_index=TOOL_ROUND.responses[FIRST].done_index + 1
    ),
    # the session totals count one token more than the responses
    "usage_is_sum_over_responses": lambda: attrs.evolve(
        TOOL_ROUND,
        usage=attrs.evolve(TOOL_ROUND.usage, total_tokens=TOOL_ROUND.usage.total_tokens + 1),
    ),
    # the output is there but its call still waits for one
    "function_call_outputs_answer_known_calls": lambda: with_item(
        TOOL_ROUND, CALL, call_phase="arguments_done"
    ),
    # 7200 bytes kept, but the cut says 1 ms (48 bytes)
    "truncated_audio_within_cut": lambda: with_part(CUT, cut_item(CUT), 0, truncated_at_ms=1),
    "truncated_transcript_cleared": lambda: with_part(
        CUT, cut_item(CUT), 0, transcript_chunks=Chunks.of("Sure!")
    ),
    "pending_transcriptions_for_absent_items": lambda: attrs.evolve(
        TOOL_ROUND,
        conversation=attrs.evolve(
            TOOL_ROUND.conversation, pending=TOOL_ROUND.conversation.pending.set(USER, ())
        ),
    ),
    "input_turn_consistent": lambda: attrs.evolve(
        CUT, input_audio=attrs.evolve(CUT.input_audio, speaking=True)
    ),
    "indices_within_stream": lambda: attrs.evolve(
        TOOL_ROUND,
        error_log=TOOL_ROUND.error_log.append(
            ErrorRecord(
                index=10_000, type="server_error", code=None, message="x", param=None, event_id=None
            )
        ),
    ),
}


def test_every_invariant_has_a_breaking_example() -> None:
    assert set(BROKEN) == set(INVARIANTS)


@pytest.mark.parametrize("name", list(INVARIANTS))
def test_a_state_built_to_break_one_invariant_breaks_exactly_that_one(name: str) -> None:
    state = BROKEN[name]()
    failures = check_invariants(state)
    assert names(failures) == {name}, [str(f) for f in failures]
    with pytest.raises(InvariantError) as info:
        assert_invariants(state)
    assert isinstance(info.value, AssertionError)
    assert info.value.names == (name,)
    assert str(info.value).startswith("1 realtime-state invariant broken")
    assert name in str(info.value)


def test_messages_name_ids_and_event_index() -> None:
    state = BROKEN["usage_is_sum_over_responses"]()
    (failure,) = check_invariants(state)
    assert set(failure.ids) == {FIRST, SECOND}
    assert failure.index == TOOL_ROUND.responses[SECOND].done_index
    assert f"(event #{failure.index})" in str(failure)
    assert "total_tokens is" in failure.message
    cut = BROKEN["truncated_audio_within_cut"]()
    (failure,) = check_invariants(cut)
    assert failure.ids == (cut_item(CUT),)
    assert "7200 audio bytes" in failure.message and "cut at 1 ms" in failure.message


def test_a_cut_part_keeps_no_more_audio_than_it_received() -> None:
    item = cut_item(CUT)
    part = CUT.item(item).content[0]
    assert (part.audio_bytes, part.audio_bytes_before_truncation) == (7200, 14400)
    (failure,) = check_invariants(with_part(CUT, item, 0, audio_bytes_before_truncation=100))
    assert failure.name == "truncated_audio_within_cut"
    assert "more than the 100 received" in failure.message


def test_input_transcriptions_are_logged_in_order_and_kept() -> None:
    log = lines(HERE / "logs" / "ga_transcription_only.jsonl")
    state = replay(log)
    assert len(state.transcriptions) == 2 and check_invariants(state) == ()
    swapped = attrs.evolve(
        state,
        transcription_log=EMPTY_LOG.append(state.transcriptions[1]).append(state.transcriptions[0]),
    )
    (failure,) = check_invariants(swapped)
    assert failure.name == "indices_within_stream"
    assert failure.ids == (state.transcriptions[0].item_id,)
    forgot = attrs.evolve(state, transcription_log=EMPTY_LOG, event_count=state.event_count + 1)
    _, failures = check_invariants_over([state, forgot])
    assert names(failures) == {"logs_only_append"}
    assert "input transcriptions" in failures[0].message


def test_several_broken_invariants_are_all_listed() -> None:
    state = attrs.evolve(BROKEN["usage_is_sum_over_responses"](), active_response_id="resp_X")
    with pytest.raises(InvariantError) as info:
        assert_invariants(state)
    assert set(info.value.names) == {"usage_is_sum_over_responses", "at_most_one_active_response"}
    message = str(info.value)
    assert message.startswith("2 realtime-state invariants broken: ")
    assert message.count("\n- ") == 2


def test_lenient_replays_of_broken_streams_break_the_matching_invariants() -> None:
    """Violations recorded by a lenient replay show up as broken invariants too, and with
    ``allow_violations=True`` the violation recorded for the object excuses them (EXCUSES)."""
    events = [json.loads(line) for line in lines(HERE / "logs" / "ga_function_call.jsonl")]
    created = next(i for i, e in enumerate(events) if e["type"] == "response.created")
    second = json.loads(json.dumps(events[created]))
    second["response"]["id"] = "resp_TWO"
    both = [*events[: created + 1], second]
    state = replay(both)
    assert names(check_invariants(state)) == {"no_violations", "at_most_one_active_response"}
    assert check_invariants(state, allow_violations=True) == ()  # response_already_active
    unexcused = attrs.evolve(state, violation_log=EMPTY_LOG)
    assert names(check_invariants(unexcused, allow_violations=True)) == {
        "at_most_one_active_response"
    }

    stray = {
        "type": "conversation.item.added",
        "event_id": "event_X",
        "item": {
            "id": "item_OUT",
            "type": "function_call_output",
            "call_id": "call_NONE",
            "output": "",
        },
    }
    state = replay([*events, stray])
    assert [v.code for v in state.violations] == ["unknown_call"]
    assert state.violations[0].ids == ("call_NONE",)
    assert check_invariants(state, allow_violations=True) == ()  # excused by unknown_call
    failures = check_invariants(attrs.evolve(state, violation_log=EMPTY_LOG))
    assert names(failures) == {"function_call_outputs_answer_known_calls"}
    assert failures[0].ids == ("item_OUT", "call_NONE")


def test_a_deleted_output_item_is_fine_and_a_never_held_one_is_not() -> None:
    deletion = lines(HERE / "logs" / "ga_item_deletion.jsonl")
    assert_invariants_over(history(deletion))
    answer = replay(deletion).items[1].id
    delete = json.dumps(
        {"type": "conversation.item.deleted", "event_id": "event_D", "item_id": answer}
    )
    steps = list(history([*deletion, delete]))
    assert_invariants(steps[-1][2])  # one state cannot tell deleted from never held
    assert assert_invariants_over(steps) == len(steps)

    ghost = with_response(TOOL_ROUND, SECOND, output_item_ids=(ANSWER, "item_GHOST"))
    assert check_invariants(ghost) == ()
    index, failures = check_invariants_over(
        [replay(lines(HERE / "recordings" / "ga_tool_call_round.jsonl"), upto=3), ghost]
    )
    assert names(failures) == {"response_outputs_exist"}
    assert "item_GHOST" in failures[0].ids and "no state held" in failures[0].message
    assert index == ghost.event_count - 1


# --- cross-state invariants --------------------------------------------------------------------


def test_a_finished_part_that_changes_breaks_finished_part_does_not_grow() -> None:
    grown_text = with_part(TOOL_ROUND, ANSWER, 0, text_chunks=Chunks.of("Something else."))
    assert check_invariants(grown_text) == ()
    index, failures = check_invariants_over([TOOL_ROUND, later(grown_text)])
    assert index == TOOL_ROUND.event_count
    assert names(failures) == {"finished_part_does_not_grow"}
    assert failures[0].ids == (ANSWER,)
    assert "It is foggy" in failures[0].message and "Something else." in failures[0].message

    item = cut_item(CUT)
    grown_audio = with_part(
        CUT,
        item,
        0,
        audio_chunks=CUT.item(item).content[0].audio_chunks.append(b"\0\0"),
        truncated_at_ms=None,
    )
    _, failures = check_invariants_over([CUT, later(grown_audio)])
    assert "finished_part_does_not_grow" in names(failures)
    assert any("audio" in f.message and "grew" in f.message for f in failures)


def test_truncation_may_clear_a_finished_transcript() -> None:
    log = lines(HERE / "logs" / "ga_interruption.jsonl")
    truncated = next(i for i, line in enumerate(log) if "conversation.item.truncated" in line)
    before, after = replay(log, upto=truncated), replay(log, upto=truncated + 1)
    assert check_invariants_over([before, after]) == (None, ())


def test_input_transcription_may_fill_a_finished_user_part() -> None:
    log = lines(HERE / "logs" / "ga_audio_turn.jsonl")
    assert any("input_audio_transcription.completed" in line for line in log)
    assert assert_invariants_over(history(log)) == len(log)


def test_a_finished_response_that_changes_breaks_finished_response_does_not_change() -> None:
    changed = with_response(TOOL_ROUND, FIRST, metadata={"tampered": True})
    index, failures = check_invariants_over([TOOL_ROUND, later(changed)])
    assert names(failures) == {"finished_response_does_not_change"}
    assert "metadata" in failures[0].message and failures[0].ids == (FIRST,)
    vanished = attrs.evolve(TOOL_ROUND, responses=TOOL_ROUND.responses.delete(FIRST))
    _, failures = check_invariants_over([TOOL_ROUND, later(vanished)])
    assert "finished_response_does_not_change" in names(failures)
    assert index == TOOL_ROUND.event_count


def test_logs_only_append() -> None:
    _, failures = check_invariants_over([TOOL_ROUND, TOOL_ROUND])
    assert names(failures) == {"logs_only_append"}
    noisy = BROKEN["no_violations"]()
    quiet = attrs.evolve(noisy, violation_log=EMPTY_LOG, event_count=noisy.event_count + 1)
    _, failures = check_invariants_over([noisy, quiet], allow_violations=True)
    assert names(failures) == {"logs_only_append"}
    assert "violations" in failures[0].message


def test_an_item_removed_by_another_event_breaks_items_removed_only_by_deletion() -> None:
    deletion = lines(HERE / "logs" / "ga_item_deletion.jsonl")
    at = next(i for i, line in enumerate(deletion) if "conversation.item.deleted" in line)
    steps = list(history(deletion))
    before, (index, _, after) = steps[at - 1], steps[at]
    disguised = decode(deletion[0])  # the state lost an item, but the event says session.created
    with pytest.raises(InvariantError) as info:
        assert_invariants_over([before, (index, disguised, after)])
    assert info.value.names == ("items_removed_only_by_deletion",)
    assert info.value.index == at
    assert f"after event #{at} (session.created)" in str(info.value)
    # with bare states the events are unknown: the check does not run
    assert assert_invariants_over([before[2], after]) == 2


def test_over_reports_the_first_broken_state_with_its_event() -> None:
    log = lines(HERE / "logs" / "ga_text_turn.jsonl")
    done = next(i for i, line in enumerate(log) if '"response.done"' in line)
    broken = [*log[: done + 1], log[done], *log[done + 1 :]]
    with pytest.raises(InvariantError) as info:
        assert_invariants_over(history(broken))
    assert (info.value.index, info.value.event_type) == (done + 1, "response.done")
    assert info.value.names == ("no_violations",)
    assert "duplicate_done" in str(info.value)
    assert assert_invariants_over(history(broken), allow_violations=True) == len(broken)


def test_bad_input_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        check_invariants("not a state")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        assert_invariants_over([1, 2])  # type: ignore[list-item]
    assert assert_invariants_over([]) == 0


def test_checks_do_not_change_the_state() -> None:
    state = replay(lines(HERE / "logs" / "ga_interruption.jsonl"))
    copy = replay(lines(HERE / "logs" / "ga_interruption.jsonl"))
    check_invariants(state)
    check_invariants_over([state, state])
    assert state == copy


def test_usage_totals_of_an_empty_state() -> None:
    assert check_invariants(SessionState()) == ()
    assert SessionState().usage == UsageTotals()
