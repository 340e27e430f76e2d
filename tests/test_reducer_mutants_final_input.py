"""Input transcriptions aimed at something other than user input audio: the rules the final
mutmut run's survivors broke, pinned. See docs/quality.md."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpers import streams as s
from realtime_state import SessionState, replay

CALL = {
    "type": "function_call",
    "id": "item_x",
    "call_id": "call_1",
    "name": "f",
    "arguments": "{}",
    "status": "completed",
}
ASSISTANT = s.message("item_x", "assistant", {"type": "output_text", "text": "x"})
USER_TEXT = s.message("item_x", "user", {"type": "input_text", "text": "x"})


def run(*events: dict[str, Any]) -> SessionState:
    return replay([json.dumps(e) for e in events], policy="lenient")


@pytest.mark.parametrize(
    ("item", "what"),
    [
        (CALL, "part of a function_call item"),
        (ASSISTANT, "part of a assistant message"),
        (USER_TEXT, "a input_text part"),
    ],
)
@pytest.mark.parametrize("kind", ["completed", "delta"])
def test_a_transcription_of_something_else_is_reported_and_changes_nothing(
    item: dict[str, Any], what: str, kind: str
) -> None:
    if kind == "completed":
        event = s.WIRE.transcription_completed("item_x", "hi")
    else:
        event = s.WIRE.transcription_delta("item_x", "hi")
    before = run(s.session_created(), s.item_added(item, None))
    state = run(s.session_created(), s.item_added(item, None), event)
    assert [(v.code, v.message) for v in state.violations] == [
        (
            "not_input_audio",
            f"conversation.item.input_audio_transcription.{kind} for part 0 of item item_x, "
            f"which is {what}, not user input audio; nothing changes",
        )
    ]
    assert state.item("item_x") == before.item("item_x")


def test_a_transcription_past_the_parts_of_a_user_message_is_not_refused() -> None:
    state = run(
        s.session_created(),
        s.item_added(USER_TEXT, None),
        s.WIRE.transcription_completed("item_x", "hi", content_index=1),
    )
    assert [v.code for v in state.violations if v.code == "not_input_audio"] == []
