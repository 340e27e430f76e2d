"""Work the app asked for is pending until the server confirms or refuses it
(``state.pending``; issue 13, point 2)."""

from __future__ import annotations

from typing import Any

from helpers.data import HERE, read_lines
from realtime_state import replay


def _user_text(text: str, item_id: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": text}],
    }
    if item_id is not None:
        item["id"] = item_id
    return item


def _added(item: dict[str, Any], item_id: str) -> dict[str, Any]:
    return {
        "type": "conversation.item.added",
        "event_id": f"event_{item_id}",
        "item": {**item, "id": item_id, "status": "completed"},
    }


def _error(event_id: str) -> dict[str, Any]:
    return {
        "type": "error",
        "event_id": "event_err",
        "error": {"type": "invalid_request_error", "message": "no", "event_id": event_id},
    }


def test_an_item_the_client_named_is_pending_until_the_server_adds_it() -> None:
    create = {"type": "conversation.item.create", "item": _user_text("Hi", "item_me")}
    state = replay([create])
    assert [r.index for r in state.pending.items] == [0]
    assert replay([create, _added(_user_text("Hi"), "item_other")]).pending.items != ()
    done = replay([create, _added(_user_text("Hi"), "item_me")])
    assert done.pending.items == () and done.pending.empty


def test_an_item_without_id_is_confirmed_by_the_first_item_of_its_kind_not_from_audio() -> None:
    create = {"type": "conversation.item.create", "event_id": "evt_1", "item": _user_text("Hi")}
    committed = {"type": "input_audio_buffer.committed", "event_id": "e", "item_id": "item_vad"}
    vad_item = _added({"type": "message", "role": "user", "content": []}, "item_vad")
    still = replay([create, committed, vad_item])
    assert [r.event.event_id for r in still.pending.items] == ["evt_1"]
    done = replay([create, committed, vad_item, _added(_user_text("Hi"), "item_srv")])
    assert done.pending.empty


def test_responses_requested_are_pending_until_created_in_order() -> None:
    created = {
        "type": "response.created",
        "event_id": "e1",
        "response": {"id": "resp_1", "object": "realtime.response", "status": "in_progress"},
    }
    first = {"type": "response.create", "event_id": "evt_a"}
    second = {"type": "response.create", "event_id": "evt_b"}
    state = replay([first, second, created])
    assert [r.event.event_id for r in state.pending.responses] == ["evt_b"]


def test_truncations_and_deletions_are_pending_until_confirmed() -> None:
    truncate = {
        "type": "conversation.item.truncate",
        "item_id": "item_a",
        "content_index": 0,
        "audio_end_ms": 10,
    }
    delete = {"type": "conversation.item.delete", "item_id": "item_b"}
    state = replay([truncate, delete])
    assert len(state.pending.truncations) == 1 and len(state.pending.deletions) == 1
    deleted = {"type": "conversation.item.deleted", "event_id": "e", "item_id": "item_b"}
    truncated = {
        "type": "conversation.item.truncated",
        "event_id": "e2",
        "item_id": "item_a",
        "content_index": 0,
        "audio_end_ms": 10,
    }
    after = replay([truncate, delete, deleted, truncated])
    assert after.pending.empty
    # the confirmations name unknown items: reported as before, the requests still clear
    assert {v.code for v in after.violations} == {"unknown_item"}


def test_an_error_naming_a_request_refuses_it() -> None:
    create = {"type": "response.create", "event_id": "evt_x"}
    other = {"type": "conversation.item.delete", "event_id": "evt_y", "item_id": "item_q"}
    state = replay([create, other, _error("evt_x")])
    assert state.pending.responses == () and len(state.pending.deletions) == 1
    assert state.errors[0].client_event is not None
    assert replay([create, _error("evt_unknown")]).pending.responses != ()


def test_a_server_only_log_has_nothing_pending() -> None:
    lines = read_lines(HERE / "recordings" / "ga_tool_call_round.jsonl")
    assert replay(lines).pending.empty
