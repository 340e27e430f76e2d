"""``response.done``: a missing id, an unknown response, an unknown status, a repeated done,
the fields a done keeps from the response it ends. Pins what surviving mutants broke (see
docs/quality.md)."""

from __future__ import annotations

import json
from typing import Any

from helpers import streams as s
from realtime_state import SessionState, replay


def run(*events: dict[str, Any], policy: str = "lenient") -> SessionState:
    return replay([json.dumps(e) for e in events], policy=policy)


def found(state: SessionState) -> list[tuple[str, str]]:
    return [(v.code, v.message) for v in state.violations]


_ITEM = s.message("item_a", "assistant", {"type": "output_text", "text": "Hi"})


def test_a_done_without_a_response_id_is_reported_and_ignored() -> None:
    done = s.response_done("resp_1", [_ITEM])
    del done["response"]["id"]
    state = run(done)
    assert found(state) == [
        ("missing_response_id", "response.done carries a response without an id")
    ]
    assert (dict(state.responses), state.item("item_a")) == ({}, None)


def test_a_done_for_an_unknown_out_of_band_response_records_it_from_the_payload() -> None:
    state = run(s.response_done("resp_9", [_ITEM], out_of_band=True))
    assert found(state) == [
        ("unknown_response", "response.done names response resp_9, which was never created")
    ]
    response = state.responses["resp_9"]
    assert (response.id, response.out_of_band, response.conversation_id) == ("resp_9", True, None)
    assert (response.status, response.phase, response.output_item_ids) == (
        "completed",
        "completed",
        ("item_a",),
    )
    assert state.items == ()
    item = state.item("item_a")
    assert (item.status, item.text, item.response_id) == ("completed", "Hi", "resp_9")


def test_a_done_for_an_unknown_response_in_the_conversation_places_its_items() -> None:
    state = run(s.response_done("resp_9", [_ITEM]))
    response = state.responses["resp_9"]
    assert (response.out_of_band, response.conversation_id) == (False, "conv_1")
    assert [item.id for item in state.items] == ["item_a"]


def test_an_unknown_status_completes_the_response_and_is_kept() -> None:
    state = run(s.response_created("resp_1"), s.response_done("resp_1", [], status="weird"))
    response = state.responses["resp_1"]
    assert (response.status, response.phase) == ("weird", "completed")
    assert state.violations == ()


def test_a_second_done_names_the_response() -> None:
    state = run(
        s.response_created("resp_1"),
        s.response_done("resp_1", []),
        s.response_done("resp_1", [], status="cancelled"),
    )
    message = "response.done for response resp_1, which was already done (state 'completed')"
    assert found(state) == [("duplicate_done", message)]
    assert state.responses["resp_1"].status == "completed"


def test_a_done_keeps_metadata_and_conversation_it_does_not_carry() -> None:
    created = s.response_created("resp_1")
    created["response"]["metadata"] = {"k": "v"}
    bare = s.response_done("resp_1", [])
    bare["response"]["conversation_id"] = None
    kept = run(created, bare).responses["resp_1"]
    assert (dict(kept.metadata), kept.conversation_id, kept.out_of_band) == (
        {"k": "v"},
        "conv_1",
        False,
    )
    full = s.response_done("resp_1", [])
    full["response"].update(metadata={"k": "w"}, conversation_id="conv_2")
    taken = run(created, full).responses["resp_1"]
    assert (dict(taken.metadata), taken.conversation_id) == ({"k": "w"}, "conv_2")


def test_output_items_without_an_id_are_skipped_not_the_rest() -> None:
    no_id = {"type": "message", "role": "assistant", "content": []}
    state = run(s.response_created("resp_1"), s.response_done("resp_1", [no_id, _ITEM]))
    assert state.responses["resp_1"].output_item_ids == ("item_a",)
    assert [item.id for item in state.items] == ["item_a"]


def test_an_in_progress_copy_in_a_done_does_not_close_the_item() -> None:
    state = run(
        s.response_created("resp_1"),
        s.response_done("resp_1", [dict(_ITEM, status="in_progress")]),
    )
    item = state.item("item_a")
    assert (item.status, [p.status for p in item.content]) == ("in_progress", ["in_progress"])
    assert item.response_id == "resp_1"


# --- small pins: the decode index in history, the base64 error text --------------------------


def test_history_names_the_index_of_an_event_it_cannot_decode() -> None:
    import pytest

    from realtime_state import DecodeError, history

    error = json.dumps({"type": "error", "event_id": "e", "error": {"type": "x", "message": "m"}})
    with pytest.raises(DecodeError, match="event #1") as caught:
        list(history([error, "not json"]))
    assert caught.value.index == 1


def test_invalid_base64_names_the_decoder_error() -> None:
    events = [
        s.response_created("resp_1"),
        s.output_item("added", "resp_1", 0, s.message("item_a", "assistant", status="in_progress")),
        s.part_event("added", "resp_1", "item_a", {"type": "audio", "transcript": ""}),
        {
            "type": "response.output_audio.delta",
            "event_id": s.eid(),
            "response_id": "resp_1",
            "item_id": "item_a",
            "output_index": 0,
            "content_index": 0,
            "delta": "!!!!AAAA",
        },
    ]
    ((code, message),) = found(run(*events))
    assert code == "invalid_audio"
    assert message.endswith(")") and not message.endswith("(None)")
    assert len(message) > len("audio of item item_a part 0 is not valid base64 ()")
