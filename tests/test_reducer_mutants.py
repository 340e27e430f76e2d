"""Tests written to kill mutants that survived the rest of the suite (see docs/quality.md).

Each test drives the reducer with real wire events and pins one rule a mutant broke:
the status ranking's ties, the arguments of an answered call, and others listed there.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpers import streams as s
from realtime_state import SessionState, replay


def run(*events: dict[str, Any], policy: str = "lenient") -> SessionState:
    return replay([json.dumps(e) for e in events], policy=policy)


# --- better_status: equal ranks take the newer value ------------------------------------------


def _mcp_call(status: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": "m1",
        "type": "mcp_call",
        "server_label": "docs",
        "name": "search",
        "arguments": "{}",
    }
    if status is not None:
        item["status"] = status
    return item


def _mcp_status(kind: str) -> dict[str, Any]:
    return {
        "type": f"response.mcp_call.{kind}",
        "event_id": s.eid(),
        "item_id": "m1",
        "output_index": 0,
    }


def test_an_incomplete_item_told_failed_by_an_mcp_event_ends_failed() -> None:
    state = run(s.item_added(_mcp_call("incomplete"), None), _mcp_status("failed"))
    assert state.item("m1").status == "failed"
    assert state.violations == ()


def test_a_failed_item_told_incomplete_by_a_later_copy_ends_incomplete() -> None:
    state = run(
        s.item_added(_mcp_call("failed"), None),
        s.item_added(_mcp_call("incomplete"), None, kind="conversation.item.done"),
    )
    assert state.item("m1").status == "incomplete"


@pytest.mark.parametrize(
    ("first", "later", "kept"),
    [
        ("incomplete", "failed", "failed"),  # same rank: the newer value
        ("failed", "incomplete", "incomplete"),
        ("incomplete", "paused", "paused"),  # an unknown status ranks like incomplete
        ("paused", "failed", "failed"),
        ("paused", "in_progress", "paused"),  # ... so in_progress does not lower it
        ("paused", "completed", "completed"),
        ("completed", "paused", "completed"),
        ("in_progress", "paused", "paused"),
        ("completed", "failed", "completed"),
        ("in_progress", "completed", "completed"),
    ],
)
def test_a_later_copy_from_output_item_done_ranks_statuses(
    first: str, later: str, kept: str
) -> None:
    call = {
        "id": "fc",
        "type": "function_call",
        "call_id": "call_1",
        "name": "lookup",
        "arguments": "{}",
    }
    state = run(
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, dict(call, status=first)),
        s.output_item("done", "resp_1", 0, dict(call, status=later)),
    )
    assert state.item("fc").status == kept


def test_a_message_incomplete_then_failed_through_conversation_item_done() -> None:
    text = {"type": "input_text", "text": "Hi"}
    state = run(
        s.item_added(s.message("u1", "user", text, status="incomplete"), None),
        s.item_added(
            s.message("u1", "user", text, status="failed"), None, kind="conversation.item.done"
        ),
    )
    assert state.item("u1").status == "failed"


def test_a_copy_without_status_keeps_the_status() -> None:
    text = {"type": "input_text", "text": "Hi"}
    copy = s.message("u1", "user", text)
    del copy["status"]
    state = run(
        s.item_added(s.message("u1", "user", text, status="incomplete"), None),
        s.item_added(copy, None, kind="conversation.item.done"),
    )
    assert state.item("u1").status == "incomplete"


# --- ARGUMENTS_FINAL: an answered call keeps its arguments ------------------------------------


_CALL = {
    "id": "fc",
    "type": "function_call",
    "status": "completed",
    "call_id": "call_1",
    "name": "lookup",
    "arguments": '{"a": 1}',
}
_OUTPUT = {"id": "out", "type": "function_call_output", "call_id": "call_1", "output": "42"}


def test_an_answered_call_told_other_arguments_by_item_done_keeps_them() -> None:
    state = run(
        s.item_added(_CALL, None),
        s.item_added(_OUTPUT, "fc"),
        s.item_added(dict(_CALL, arguments='{"a": 2}'), None, kind="conversation.item.done"),
    )
    call = state.item("fc")
    assert call.call_phase == "answered"
    assert call.arguments == '{"a": 1}'
    assert [(v.code, v.index) for v in state.violations] == [("arguments_mismatch", 2)]


def test_an_answered_call_told_other_arguments_by_response_done_keeps_them() -> None:
    announced = dict(_CALL, status="in_progress", arguments="")
    arguments_done = {
        "type": "response.function_call_arguments.done",
        "event_id": s.eid(),
        "response_id": "resp_1",
        "item_id": "fc",
        "output_index": 0,
        "call_id": "call_1",
        "arguments": '{"a": 1}',
    }
    state = run(
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, announced),
        arguments_done,
        s.item_added(_OUTPUT, "fc"),
        s.response_done("resp_1", [dict(_CALL, arguments='{"a": 2}')]),
    )
    call = state.item("fc")
    assert call.call_phase == "answered"
    assert call.arguments == '{"a": 1}'
    assert [v.code for v in state.violations] == ["arguments_mismatch"]


def test_an_answered_call_told_the_same_arguments_is_quiet() -> None:
    state = run(
        s.item_added(_CALL, None),
        s.item_added(_OUTPUT, "fc"),
        s.item_added(_CALL, None, kind="conversation.item.done"),
        policy="strict",
    )
    assert state.item("fc").arguments == '{"a": 1}'
    assert state.item("fc").call_phase == "answered"


def test_an_mcp_status_event_for_an_unknown_item_is_reported() -> None:
    state = run(_mcp_status("completed"))
    assert [(v.code, v.message) for v in state.violations] == [
        ("unknown_item", "response.mcp_call.completed for item m1, which is not known")
    ]
    assert state.item("m1") is None
