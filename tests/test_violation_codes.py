"""Every documented violation code is one the reducer really reports, for a real stream.

The fault injector (``realtime_state.testing.inject_fault``) produces most codes from the
recordings; the few it cannot are produced here by a minimal stream each. Codes are named
through ``lifecycles.Code``, never retyped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from realtime_state import ProtocolViolation, replay
from realtime_state.lifecycles import VIOLATION_CODES, Code
from realtime_state.testing import FAULT_KINDS, fault_positions, inject_fault

ROOT = Path(__file__).resolve().parent

R, M, B = "resp_1", "item_m", "item_b"


def _created(response_id: str | None = R) -> dict[str, Any]:
    response: dict[str, Any] = {"object": "realtime.response", "status": "in_progress"}
    if response_id is not None:
        response["id"] = response_id
    return {"type": "response.created", "event_id": "event_c", "response": response}


def _message(item_id: str | None, content: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "type": "message",
        "role": "assistant",
        "status": "in_progress",
        "content": content or [],
    }
    if item_id is not None:
        item["id"] = item_id
    return item


def _output_item(kind: str, index: int, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": f"response.output_item.{kind}",
        "event_id": f"event_{kind}_{index}",
        "response_id": R,
        "output_index": index,
        "item": item,
    }


MINIMAL: dict[str, list[dict[str, Any]]] = {
    Code.DUPLICATE_RESPONSE: [_created(), _created()],
    Code.MISSING_RESPONSE_ID: [_created(None)],
    Code.MISSING_ITEM_ID: [
        {"type": "conversation.item.added", "event_id": "event_a", "item": _message(None)}
    ],
    Code.INVALID_TRUNCATION: [
        _created(),
        _output_item("added", 0, _message(M)),
        {
            "type": "conversation.item.truncated",
            "event_id": "event_t",
            "item_id": M,
            "content_index": 0,
            "audio_end_ms": -1,
        },
    ],
    Code.NOT_A_CALL: [
        _created(),
        _output_item("added", 0, _message(M)),
        {
            "type": "response.function_call_arguments.delta",
            "event_id": "event_d",
            "response_id": R,
            "item_id": M,
            "output_index": 0,
            "call_id": "call_1",
            "delta": "{",
        },
    ],
    Code.OUTPUT_INDEX_MISMATCH: [
        _created(),
        _output_item("added", 0, _message(M)),
        _output_item("added", 1, _message(B)),
        _output_item("done", 1, {**_message(M), "status": "completed"}),
    ],
    Code.INVALID_AUDIO: [
        _created(),
        _output_item("added", 0, _message(M)),
        {
            "type": "response.content_part.added",
            "event_id": "event_p",
            "response_id": R,
            "item_id": M,
            "output_index": 0,
            "content_index": 0,
            "part": {"type": "audio", "transcript": ""},
        },
        {
            "type": "response.output_audio.delta",
            "event_id": "event_d",
            "response_id": R,
            "item_id": M,
            "output_index": 0,
            "content_index": 0,
            "delta": "not base64!",
        },
    ],
    Code.NOT_INPUT_AUDIO: [
        _created(),
        _output_item("added", 0, _message(M, [{"type": "audio", "transcript": "Hello"}])),
        {
            "type": "conversation.item.input_audio_transcription.completed",
            "event_id": "event_x",
            "item_id": M,
            "content_index": 0,
            "transcript": "hijacked",
        },
    ],
    Code.CALL_MISMATCH: [
        {
            "type": "conversation.item.added",
            "event_id": "event_a",
            "item": {
                "id": "item_c",
                "type": "function_call",
                "status": "completed",
                "call_id": "call_1",
                "name": "lookup",
                "arguments": "{}",
            },
        },
        {
            "type": "conversation.item.done",
            "event_id": "event_b",
            "item": {
                "id": "item_c",
                "type": "function_call",
                "status": "completed",
                "call_id": "call_2",
                "name": "lookup",
                "arguments": "{}",
            },
        },
    ],
    Code.INVALID_AUDIO_FORMAT: [
        {
            "type": "session.created",
            "event_id": "event_s",
            "session": {
                "type": "realtime",
                "id": "sess_1",
                "audio": {"output": {"format": {"type": "audio/pcm", "rate": 0}}},
            },
        }
    ],
    Code.ITEM_OF_ANOTHER_RESPONSE: [
        _created(),
        _output_item("added", 0, _message(M)),
        {
            "type": "response.done",
            "event_id": "event_d1",
            "response": {"id": R, "object": "realtime.response", "status": "completed"},
        },
        {
            "type": "response.created",
            "event_id": "event_c2",
            "response": {"id": "resp_2", "object": "realtime.response", "status": "in_progress"},
        },
        {
            **_output_item("done", 0, {**_message(M), "status": "completed"}),
            "response_id": "resp_2",
        },
    ],
    Code.DUPLICATE_CALL_ID: [
        {
            "type": "conversation.item.added",
            "event_id": f"event_{n}",
            "item": {
                "id": f"item_{n}",
                "type": "function_call",
                "status": "completed",
                "call_id": "call_1",
                "name": "lookup",
                "arguments": "{}",
            },
        }
        for n in (1, 2)
    ],
    Code.PART_NOT_ADDED: [
        _created(),
        # the part arrives inside the item, not announced by response.content_part.added
        _output_item("added", 0, _message(M, [{"type": "text", "text": ""}])),
        {
            "type": "response.output_text.delta",
            "event_id": "event_d",
            "response_id": R,
            "item_id": M,
            "output_index": 0,
            "content_index": 0,
            "delta": "Hi",
        },
    ],
}


@pytest.mark.parametrize("code", sorted(MINIMAL))
def test_minimal_stream_yields_its_code_first_in_both_policies(code: str) -> None:
    lines = [json.dumps(event) for event in MINIMAL[code]]
    with pytest.raises(ProtocolViolation) as raised:
        replay(lines, policy="strict")
    assert raised.value.code == code
    assert raised.value.index == len(lines) - 1
    lenient = replay(lines)
    assert lenient.violations[0].code == code
    assert lenient.violations[0].index == len(lines) - 1


def _fault_codes() -> set[str]:
    codes = set()
    for path in sorted((ROOT / "recordings").glob("*.jsonl")):
        events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for kind in FAULT_KINDS:
            positions = fault_positions(events, kind)
            if positions:
                broken, fault = inject_fault(events, kind, positions[0])
                with pytest.raises(ProtocolViolation) as raised:
                    replay(broken, policy="strict")
                assert raised.value.code == fault.code
                codes.add(fault.code)
    return codes


def test_every_documented_code_is_reported_for_some_stream() -> None:
    reported = _fault_codes() | set(MINIMAL)
    assert reported == set(VIOLATION_CODES)
