"""Items of a type this version does not know, MCP items, later copies and the audio format
of audio that came inside an item: the rules the final mutmut run's survivors broke, pinned.
See docs/quality.md."""

from __future__ import annotations

import json
from typing import Any

from helpers import streams as s
from realtime_state import SessionState, replay
from realtime_state.formats import PCM16_24K


def run(*events: dict[str, Any], policy: str = "lenient") -> SessionState:
    return replay([json.dumps(e) for e in events], policy=policy)


UNKNOWN = {"type": "web_search_call", "id": "item_u", "status": "completed", "query": "x"}


# --- an item of a type this version does not know ------------------------------------------


def test_an_unknown_item_added_to_the_conversation_keeps_its_id_type_and_payload() -> None:
    state = run(s.session_created(), s.item_added(UNKNOWN, None))
    item = state.item("item_u")
    assert item is not None
    assert (item.id, item.type, item.response_id, item.in_conversation) == (
        "item_u",
        "web_search_call",
        None,
        True,
    )
    assert item.unknown is not None and dict(item.unknown.payload) == UNKNOWN


def test_an_unknown_item_of_a_response_belongs_to_it() -> None:
    state = run(
        s.session_created(),
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, UNKNOWN),
    )
    item = state.item("item_u")
    assert item is not None
    assert (item.type, item.response_id, item.in_conversation) == (
        "web_search_call",
        "resp_1",
        True,
    )


def test_an_unknown_item_of_an_out_of_band_response_stays_out_of_the_conversation() -> None:
    state = run(
        s.session_created(),
        s.response_created("resp_1", out_of_band=True),
        s.output_item("added", "resp_1", 0, UNKNOWN),
    )
    item = state.item("item_u")
    assert item is not None
    assert (item.response_id, item.in_conversation) == ("resp_1", False)


def test_a_later_unknown_copy_replaces_the_payload_and_keeps_the_item() -> None:
    copy = dict(UNKNOWN, query="y")
    state = run(
        s.session_created(),
        s.item_added(UNKNOWN, None),
        s.item_added(copy, kind="conversation.item.done"),
    )
    item = state.item("item_u")
    assert item is not None
    assert (item.id, item.type) == ("item_u", "web_search_call")
    assert item.unknown is not None and dict(item.unknown.payload) == copy


def test_an_unknown_copy_of_a_message_keeps_the_message() -> None:
    message = s.message("item_m", "user", {"type": "input_text", "text": "hi"})
    copy = dict(UNKNOWN, id="item_m")
    state = run(
        s.session_created(),
        s.item_added(message, None),
        s.item_added(copy, kind="conversation.item.done"),
    )
    item = state.item("item_m")
    assert item is not None
    assert (item.type, item.role, item.content[0].text) == ("message", "user", "hi")
    assert item.unknown is not None and dict(item.unknown.payload) == copy


# --- MCP items keep their fields -------------------------------------------------------------


def test_an_mcp_call_keeps_its_server_request_and_error() -> None:
    call = {
        "type": "mcp_call",
        "id": "item_c",
        "server_label": "srv",
        "name": "lookup",
        "arguments": "{}",
        "approval_request_id": "ap_1",
        "error": {"type": "http_error", "message": "boom", "code": 500},
        "status": "failed",
    }
    item = run(s.session_created(), s.item_added(call, None)).item("item_c")
    assert item is not None
    assert (item.server_label, item.approval_request_id, item.name) == ("srv", "ap_1", "lookup")
    assert item.error is not None
    assert (item.error.type, item.error.message, item.error.code) == ("http_error", "boom", 500)


def test_an_mcp_tool_list_keeps_its_tools() -> None:
    tools = {
        "type": "mcp_list_tools",
        "id": "item_l",
        "server_label": "srv",
        "tools": [{"name": "lookup", "input_schema": {"type": "object"}}],
    }
    item = run(s.session_created(), s.item_added(tools, None)).item("item_l")
    assert item is not None
    assert item.server_label == "srv"
    assert item.tools is not None and [t.name for t in item.tools] == ["lookup"]


def test_an_mcp_approval_response_keeps_its_answer() -> None:
    answer = {
        "type": "mcp_approval_response",
        "id": "item_r",
        "approval_request_id": "ap_1",
        "approve": False,
        "reason": "not now",
    }
    item = run(s.session_created(), s.item_added(answer, None)).item("item_r")
    assert item is not None
    assert (item.approval_request_id, item.approve, item.reason) == ("ap_1", False, "not now")


# --- the format of audio that came inside an item ---------------------------------------------


def _spec(role: str, part_type: str) -> Any:
    part = {"type": part_type, "audio": s.b64(b"\x01\x02" * 80)}
    message = s.message("item_a", role, part)
    state = run(s.session_created(output_format="audio/pcmu"), s.item_added(message, None))
    item = state.item("item_a")
    assert item is not None
    return item.content[0].audio_spec


def test_audio_of_a_user_message_is_in_the_input_format_whatever_the_part_type() -> None:
    assert _spec("user", "input_audio") == PCM16_24K
    assert _spec("user", "output_audio") == PCM16_24K


def test_input_audio_of_another_role_is_in_the_input_format() -> None:
    assert _spec("assistant", "input_audio") == PCM16_24K


def test_assistant_audio_is_in_the_sessions_output_format() -> None:
    spec = _spec("assistant", "output_audio")
    assert spec is not None and spec != PCM16_24K
    assert spec.rate == 8000


def test_a_text_part_next_to_audio_gets_no_audio_format() -> None:
    message = s.message(
        "item_a",
        "user",
        {"type": "input_text", "text": "hi"},
        {"type": "input_audio", "audio": s.b64(b"\x01\x02" * 80)},
    )
    item = run(s.session_created(), s.item_added(message, None)).item("item_a")
    assert item is not None
    assert item.content[0].audio_spec is None
    assert item.content[1].audio_spec == PCM16_24K


# --- an item first seen outside a response learns its response from a later copy ------------


def test_an_item_added_before_its_response_event_learns_the_response() -> None:
    message = s.message("item_a", "assistant", {"type": "output_text", "text": "hi"})
    state = run(
        s.session_created(),
        s.response_created("resp_1"),
        s.item_added(message, None),
        s.output_item("done", "resp_1", 0, message),
    )
    item = state.item("item_a")
    assert item is not None and item.response_id == "resp_1"


# --- parts of a new item ----------------------------------------------------------------------


def test_invalid_audio_in_a_new_item_names_the_item_and_the_part() -> None:
    message = s.message(
        "item_a",
        "user",
        {"type": "input_text", "text": "x"},
        {"type": "input_audio", "audio": "!!!"},
    )
    state = run(s.session_created(), s.item_added(message, None))
    assert [(v.code, v.message) for v in state.violations] == [
        (
            "invalid_audio",
            "audio of item item_a part 1 is not valid base64 (Non-base64 digit found)",
        )
    ]


def test_the_parts_of_a_completed_assistant_message_are_done() -> None:
    message = s.message("item_a", "assistant", {"type": "output_text", "text": "x"})
    item = run(s.session_created(), s.item_added(message, None)).item("item_a")
    assert item is not None and item.content[0].status == "done"


def test_the_parts_of_a_user_message_are_done_even_while_it_is_in_progress() -> None:
    message = s.message("item_a", "user", {"type": "input_text", "text": "x"}, status="in_progress")
    item = run(s.session_created(), s.item_added(message, None)).item("item_a")
    assert item is not None and item.content[0].status == "done"


def test_a_call_of_an_out_of_band_response_stays_out_of_the_conversation() -> None:
    call = {
        "type": "function_call",
        "id": "item_f",
        "call_id": "call_1",
        "name": "f",
        "arguments": "{}",
        "status": "completed",
    }
    state = run(
        s.session_created(),
        s.response_created("resp_1", out_of_band=True),
        s.output_item("added", "resp_1", 0, call),
    )
    item = state.item("item_f")
    assert item is not None and not item.in_conversation


def test_a_later_copy_of_a_call_output_does_not_answer_the_call_again() -> None:
    call = {
        "type": "function_call",
        "id": "item_f",
        "call_id": "call_1",
        "name": "f",
        "arguments": "{}",
        "status": "completed",
    }
    output = {"type": "function_call_output", "id": "item_o", "call_id": "call_1", "output": "ok"}
    state = run(
        s.session_created(),
        s.item_added(call, None),
        s.item_added(output, None),
        s.item_added(output, kind="conversation.item.done"),
    )
    assert state.violations == ()
    item = state.item("item_f")
    assert item is not None and item.call_phase == "answered"
