"""Decoding and encoding: typed, immutable, lossless, strict, with clear errors."""

from __future__ import annotations

import copy
import json
import pickle
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from immutabledict import immutabledict

import realtime_state
from helpers.data import RECORDING_FILES, catalogue, read_lines
from helpers.event_payloads import (
    EVENT_CLASSES,
    any_event_payload,
    json_values,
    model_fields,
    object_for,
)
from realtime_state import DecodeError, RealtimeStateError, UnknownEvent, decode, encode
from realtime_state import events as ev

GA = catalogue("ga")
BETA = catalogue("beta")


# --- round trip on real and written fixtures -----------------------------------------------


@pytest.mark.parametrize("path", RECORDING_FILES, ids=lambda p: p.stem)
def test_every_recorded_event_round_trips(path: Any) -> None:
    lines = read_lines(path)
    for number, line in enumerate(lines, 1):
        event = decode(line)
        assert not isinstance(event, UnknownEvent), f"{path.name}:{number} {event.type}"
        assert encode(event) == json.loads(line), f"{path.name}:{number}"


@pytest.mark.parametrize(
    "entry", GA + BETA, ids=lambda e: f"{e['event'].get('type')}:{e['source'][:40]}"
)
def test_every_catalogue_event_round_trips(entry: dict[str, Any]) -> None:
    raw = json.dumps(entry["event"])
    event = decode(raw)
    assert not isinstance(event, UnknownEvent)
    assert event.type == entry["event"]["type"]
    assert encode(event) == json.loads(raw)


def test_catalogue_covers_every_event_class_in_its_dialect() -> None:
    ga_types = {e["event"]["type"] for e in GA}
    beta_types = {e["event"]["type"] for e in BETA}
    beta_only = {
        "response.text.delta",
        "response.text.done",
        "response.audio.delta",
        "response.audio.done",
        "response.audio_transcript.delta",
        "response.audio_transcript.done",
        "transcription_session.created",
        "transcription_session.updated",
    }
    ga_only = {
        "conversation.item.added",
        "conversation.item.done",
        "conversation.item.input_audio_transcription.segment",
        "input_audio_buffer.timeout_triggered",
        "input_audio_buffer.dtmf_event_received",
        "response.output_text.delta",
        "response.output_text.done",
        "response.output_audio.delta",
        "response.output_audio.done",
        "response.output_audio_transcript.delta",
        "response.output_audio_transcript.done",
        "response.mcp_call_arguments.delta",
        "response.mcp_call_arguments.done",
        "response.mcp_call.in_progress",
        "response.mcp_call.completed",
        "response.mcp_call.failed",
        "mcp_list_tools.in_progress",
        "mcp_list_tools.completed",
        "mcp_list_tools.failed",
    }
    known = set(ev.SERVER_EVENT_CLASSES)
    assert ga_types >= known - beta_only
    assert beta_types >= known - ga_only


def test_catalogue_has_every_item_variant() -> None:
    seen = set()
    for entry in GA + BETA:
        event = decode(entry["event"])
        for item in _items_of(event):
            seen.add(type(item))
    assert seen >= set(ev.Item.__args__) - {ev.UnknownObject}


def _items_of(event: Any) -> list[Any]:
    items = []
    if hasattr(event, "item"):
        items.append(event.item)
    response = getattr(event, "response", None)
    if response is not None and response.output:
        items.extend(response.output)
    return items


# --- the model ------------------------------------------------------------------------------


def test_type_is_the_wire_name_and_attributes_are_wire_fields() -> None:
    event = decode(
        '{"type":"conversation.item.truncated","event_id":"event_1","item_id":"item_1",'
        '"content_index":0,"audio_end_ms":1860}'
    )
    assert isinstance(event, ev.ConversationItemTruncated)
    assert event.type == "conversation.item.truncated"
    assert (event.event_id, event.item_id, event.content_index, event.audio_end_ms) == (
        "event_1",
        "item_1",
        0,
        1860,
    )


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_every_event_class_is_frozen_and_slotted(data: st.DataObject) -> None:
    cls = data.draw(st.sampled_from(EVENT_CLASSES))
    assert "__slots__" in vars(cls)
    event = decode(data.draw(object_for(cls)))
    assert type(event) is cls
    assert not hasattr(event, "__dict__")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.event_id = "changed"  # type: ignore[misc]


def test_decoded_events_are_immutable_and_have_no_instance_dict() -> None:
    event = decode(read_lines(RECORDING_FILES[-1])[0])  # ga session.created
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.event_id = "changed"  # type: ignore[misc]
    assert not hasattr(event, "__dict__")
    assert isinstance(event.session.audio.input.turn_detection, ev.TurnDetection)


def test_collections_are_tuples_and_json_values_are_frozen() -> None:
    lines = read_lines(RECORDING_FILES[-1])
    updated = decode(lines[1])
    assert isinstance(updated.session.tools, tuple)
    tool = updated.session.tools[0]
    assert isinstance(tool.parameters, immutabledict)
    assert tool.parameters["required"] == ("city",)
    with pytest.raises(TypeError):
        tool.parameters["type"] = "x"  # type: ignore[index]


def test_events_pickle_and_copy() -> None:
    for line in read_lines(RECORDING_FILES[-1]):
        event = decode(line)
        assert pickle.loads(pickle.dumps(event)) == event
        assert copy.deepcopy(event) == event


# --- accepted inputs ------------------------------------------------------------------------

DELTA = {
    "type": "response.output_text.delta",
    "event_id": "event_E6U11aaaaaaaaaaaaaaaa",
    "response_id": "resp_1",
    "item_id": "item_1",
    "output_index": 0,
    "content_index": 0,
    "delta": "Hello",
}


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps(DELTA),
        json.dumps(DELTA).encode(),
        bytearray(json.dumps(DELTA).encode()),
        DELTA,
        MappingProxyType(DELTA),
        immutabledict(DELTA),
    ],
    ids=["str", "bytes", "bytearray", "dict", "mappingproxy", "immutabledict"],
)
def test_decode_accepts_text_bytes_and_mappings(raw: Any) -> None:
    event = decode(raw)
    assert isinstance(event, ev.ResponseOutputTextDelta)
    assert event.delta == "Hello"
    assert encode(event) == DELTA


def test_decode_does_not_keep_or_change_the_callers_dict() -> None:
    payload = {"type": "brand.new", "event_id": "e", "nested": {"a": [1, 2]}}
    event = decode(payload)
    payload["nested"]["a"].append(3)
    assert encode(event) == {"type": "brand.new", "event_id": "e", "nested": {"a": [1, 2]}}


# --- nothing lost ---------------------------------------------------------------------------


def test_unknown_event_type_is_kept_whole() -> None:
    raw = '{"type":"session.closed","event_id":"event_X","reason":{"code":4000},"list":[1,null]}'
    event = decode(raw)
    assert isinstance(event, UnknownEvent)
    assert event.type == "session.closed"
    assert event.event_id == "event_X"
    assert event.payload["reason"]["code"] == 4000
    assert encode(event) == json.loads(raw)


def test_unknown_fields_are_kept_at_top_level_and_nested() -> None:
    raw = {
        "type": "response.done",
        "event_id": "event_1",
        "brand_new": {"x": [1, 2]},
        "response": {
            "id": "resp_1",
            "status": "completed",
            "future_flag": True,
            "output": [
                {
                    "id": "item_1",
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": "hi", "annotations": []}],
                    "rank": 1,
                }
            ],
            "usage": {"total_tokens": 3, "input_token_details": {"video_tokens": 7}},
        },
    }
    event = decode(raw)
    assert event.extra == {"brand_new": {"x": (1, 2)}}
    assert event.response.extra == {"future_flag": True}
    item = event.response.output[0]
    assert item.extra == {"rank": 1}
    assert item.content[0].extra == {"annotations": ()}
    assert event.response.usage.input_token_details.extra == {"video_tokens": 7}
    assert encode(event) == raw


def test_unknown_item_type_is_kept() -> None:
    raw = {
        "type": "conversation.item.added",
        "event_id": "event_1",
        "previous_item_id": None,
        "item": {"id": "item_9", "type": "web_search_call", "query": "weather"},
    }
    event = decode(raw)
    assert isinstance(event.item, ev.UnknownObject)
    assert (event.item.type, event.item.id) == ("web_search_call", "item_9")
    assert encode(event) == raw


def test_null_and_absent_both_read_as_none_and_round_trip_apart() -> None:
    absent = {"type": "conversation.item.created", "event_id": "e", "item": {"id": "i"}}
    null = dict(absent, previous_item_id=None)
    a, n = decode(absent), decode(null)
    assert a.previous_item_id is None and n.previous_item_id is None
    assert n.explicit_nulls == {"previous_item_id"}
    assert a != n
    assert encode(a) == absent
    assert encode(n) == null


def test_sdk_normalised_nulls_decode() -> None:
    lines = read_lines(next(p for p in RECORDING_FILES if "sdk_normalized" in p.name))
    created = [decode(line) for line in lines if '"conversation.item.created"' in line]
    item = next(e.item for e in created if e.item.content)
    assert isinstance(item, ev.MessageItem)
    assert item.content[0].audio is None
    assert "audio" in item.content[0].explicit_nulls
    # keys that do not belong to a message item are kept as they came
    assert item.extra["arguments"] is None


def test_dtmf_event_has_no_event_id() -> None:
    raw = {"type": "input_audio_buffer.dtmf_event_received", "event": "5", "received_at": 1}
    event = decode(raw)
    assert isinstance(event, ev.InputAudioBufferDtmfEventReceived)
    assert event.event_id is None
    assert encode(event) == raw


def test_optional_fields_seen_missing_in_real_traffic_decode() -> None:
    # beta-era transcription completed has no usage; deltas may omit delta and content_index
    completed = decode(
        {
            "type": "conversation.item.input_audio_transcription.completed",
            "event_id": "e",
            "item_id": "i",
            "content_index": 0,
            "transcript": "Bye.\n",
        }
    )
    assert completed.usage is None
    delta = decode(
        {
            "type": "conversation.item.input_audio_transcription.delta",
            "event_id": "e",
            "item_id": "i",
        }
    )
    assert delta.delta is None and delta.content_index is None
    done = decode(
        {
            "type": "response.function_call_arguments.done",
            "event_id": "e",
            "response_id": "r",
            "item_id": "i",
            "output_index": 0,
            "call_id": "c",
            "arguments": "{}",
        }
    )
    assert done.name is None


def test_transcription_usage_variants() -> None:
    base = {
        "type": "conversation.item.input_audio_transcription.completed",
        "event_id": "e",
        "item_id": "i",
        "content_index": 0,
        "transcript": "hi",
    }
    tokens = decode(
        dict(
            base, usage={"type": "tokens", "input_tokens": 5, "output_tokens": 2, "total_tokens": 7}
        )
    )
    seconds = decode(dict(base, usage={"type": "duration", "seconds": 2.5}))
    assert isinstance(tokens.usage, ev.TranscriptionUsageTokens) and tokens.usage.total_tokens == 7
    assert isinstance(seconds.usage, ev.TranscriptionUsageDuration) and seconds.usage.seconds == 2.5


def test_sessions_are_told_apart() -> None:
    beta = decode(
        {"type": "session.created", "event_id": "e", "session": {"id": "s", "voice": "alloy"}}
    )
    ga = decode(
        {"type": "session.created", "event_id": "e", "session": {"type": "realtime", "id": "s"}}
    )
    tr = decode({"type": "session.created", "event_id": "e", "session": {"type": "transcription"}})
    assert type(beta.session) is ev.BetaSession
    assert type(ga.session) is ev.RealtimeSession
    assert type(tr.session) is ev.TranscriptionSession


# --- bad input ------------------------------------------------------------------------------


def _decode_error(raw: Any) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        decode(raw)
    error = info.value
    assert isinstance(error, RealtimeStateError)
    assert error.raw is raw
    return error


def test_invalid_json() -> None:
    error = _decode_error('{"type": "error", ')
    assert "invalid JSON" in str(error)
    assert error.event_type is None


@pytest.mark.parametrize("raw", ["[1, 2]", "5", '"text"', "null"])
def test_not_an_object(raw: str) -> None:
    error = _decode_error(raw)
    assert "expected a JSON object" in str(error)


def test_missing_type() -> None:
    error = _decode_error('{"event_id": "e"}')
    assert error.path == ("type",)
    assert "missing required field 'type'" in str(error)


def test_type_not_a_string() -> None:
    error = _decode_error('{"type": 5}')
    assert error.path == ("type",)
    assert "expected a string, got integer 5" in str(error)


def test_missing_required_field_names_event_and_field() -> None:
    error = _decode_error('{"type":"conversation.item.deleted","event_id":"e"}')
    assert error.event_type == "conversation.item.deleted"
    assert error.path == ("item_id",)
    assert str(error) == (
        "cannot decode 'conversation.item.deleted', field item_id: missing required field 'item_id'"
    )


def test_no_silent_coercion_of_int_to_string() -> None:
    error = _decode_error('{"type":"conversation.item.deleted","event_id":"e","item_id":5}')
    assert error.path == ("item_id",)
    assert "expected a string, got integer 5" in str(error)


@pytest.mark.parametrize("bad", ["true", "1.5", '"3"'])
def test_no_coercion_into_integers(bad: str) -> None:
    raw = (
        '{"type":"conversation.item.truncated","event_id":"e","item_id":"i",'
        f'"content_index":{bad},"audio_end_ms":0}}'
    )
    error = _decode_error(raw)
    assert error.path == ("content_index",)
    assert "expected an integer" in str(error)


def test_malformed_nested_object_names_the_path() -> None:
    raw = {
        "type": "response.done",
        "event_id": "e",
        "response": {
            "id": "r",
            "output": [
                {"type": "message", "content": [{"type": "text"}, {"type": 7}]},
            ],
        },
    }
    error = _decode_error(raw)
    assert error.event_type == "response.done"
    assert error.path == ("response", "output", 0, "content", 1, "type")
    assert "field response.output[0].content[1].type: expected a string, got integer 7" in str(
        error
    )


@pytest.mark.parametrize(
    ("raw", "path", "reason"),
    [
        ({"type": "response.created", "event_id": "e", "response": "r"}, ("response",), "object"),
        (
            {"type": "rate_limits.updated", "event_id": "e", "rate_limits": {}},
            ("rate_limits",),
            "array",
        ),
        (
            {"type": "rate_limits.updated", "event_id": "e", "rate_limits": [{"limit": "10"}]},
            ("rate_limits", 0, "limit"),
            "integer",
        ),
        ({"type": "conversation.item.added", "event_id": "e", "item": []}, ("item",), "object"),
        (
            {"type": "conversation.item.added", "event_id": "e", "item": {"type": 3}},
            ("item", "type"),
            "string",
        ),
        (
            {"type": "error", "event_id": "e", "error": {"type": "invalid_request_error"}},
            ("error", "message"),
            "missing required field 'message'",
        ),
        (
            {
                "type": "conversation.item.input_audio_transcription.completed",
                "event_id": "e",
                "item_id": "i",
                "content_index": 0,
                "transcript": "x",
                "usage": {"type": "tokens", "input_tokens": 1},
            },
            ("usage", "output_tokens"),
            "missing",
        ),
    ],
)
def test_malformed_nested_values(raw: dict[str, Any], path: tuple[Any, ...], reason: str) -> None:
    error = _decode_error(raw)
    assert error.path == path
    assert reason in error.reason


def test_decode_error_with_index_and_pickling() -> None:
    error = _decode_error('{"type":"conversation.item.deleted","event_id":"e"}')
    placed = error.at_index(12)
    assert str(placed).startswith("cannot decode event #12 'conversation.item.deleted'")
    again = pickle.loads(pickle.dumps(placed))
    assert (again.index, again.path, str(again)) == (12, ("item_id",), str(placed))


def test_encode_rejects_non_events() -> None:
    with pytest.raises(TypeError):
        encode({"type": "x"})  # type: ignore[arg-type]


def test_public_names_at_top_level() -> None:
    for name in ("decode", "encode", "UnknownEvent", "DecodeError", "RealtimeStateError"):
        assert hasattr(realtime_state, name)
    assert issubclass(DecodeError, RealtimeStateError)


# --- properties -----------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(any_event_payload)
def test_property_round_trip_of_generated_events(payload: dict[str, Any]) -> None:
    event = decode(payload)
    assert encode(event) == payload
    assert decode(json.dumps(payload)) == event


@PROPERTY_SETTINGS
@given(st.data())
def test_property_dropping_a_required_field_is_reported(data: st.DataObject) -> None:
    cls = data.draw(
        st.sampled_from([c for c in EVENT_CLASSES if any(r for _, _, r in model_fields(c))])
    )
    payload = data.draw(object_for(cls))
    name = data.draw(st.sampled_from([n for n, _, required in model_fields(cls) if required]))
    del payload[name]
    error = _decode_error(payload)
    assert error.event_type == cls.type
    assert error.path == (name,)


WRONG_FOR = {
    str: st.one_of(st.integers(), st.booleans(), st.lists(st.text(), max_size=1)),
    int: st.one_of(st.text(max_size=3), st.booleans(), st.floats(allow_nan=False)),
    float: st.one_of(st.text(max_size=3), st.booleans()),
    bool: st.one_of(st.integers(), st.text(max_size=3)),
}


def _primitive(tp: Any) -> Any:
    """The primitive type of a field typed ``T`` or ``T | None``, else None."""
    if tp in WRONG_FOR:
        return tp
    args = set(getattr(tp, "__args__", ())) - {type(None)}
    if len(args) == 1 and next(iter(args)) in WRONG_FOR:
        return next(iter(args))
    return None


PRIMITIVE_FIELDS = [
    (cls, name, _primitive(tp))
    for cls in EVENT_CLASSES
    for name, tp, _ in model_fields(cls)
    if _primitive(tp) is not None
]


@PROPERTY_SETTINGS
@given(st.data())
def test_property_a_wrongly_typed_primitive_is_reported(data: st.DataObject) -> None:
    cls, name, base = data.draw(st.sampled_from(PRIMITIVE_FIELDS))
    payload = data.draw(object_for(cls))
    wrong = data.draw(WRONG_FOR[base])
    if base is float and type(wrong) is int:
        return  # an integer is a valid JSON number
    payload[name] = wrong
    error = _decode_error(payload)
    assert error.event_type == cls.type
    assert error.path == (name,)
    assert error.reason.startswith("expected ")


@PROPERTY_SETTINGS
@given(
    st.one_of(
        json_values,
        st.dictionaries(
            st.sampled_from(["type", "event_id", "item", "response", "delta"]), json_values
        ),
        st.builds(
            lambda t, rest: {"type": t, **rest},
            st.sampled_from(sorted(ev.SERVER_EVENT_CLASSES)),
            st.dictionaries(
                st.sampled_from(
                    [
                        "event_id",
                        "item",
                        "response",
                        "item_id",
                        "session",
                        "rate_limits",
                        "error",
                        "part",
                    ]
                ),
                json_values,
            ),
        ),
    )
)
def test_property_arbitrary_json_either_decodes_or_raises_decode_error(value: Any) -> None:
    text = json.dumps(value)
    try:
        event = decode(text)
    except DecodeError as error:
        assert error.raw == text
    else:
        assert encode(event) == value
