"""Client events (what the app sends) are events: typed, lossless, cross-checked against the
openai package's client-event models, and kept in ``state.client_events`` with their index
in the one stream they share with server events (issue 13, point 2, first part)."""

from __future__ import annotations

import json
import typing
from typing import Any

import pytest

from helpers.data import HERE, read_lines
from realtime_state import SessionState, decode, encode, reduce, replay
from realtime_state import events as ev

GA: list[dict[str, Any]] = [
    {
        "type": "session.update",
        "event_id": "evt_1",
        "session": {
            "type": "realtime",
            "instructions": "Be brief.",
            "audio": {"output": {"voice": "marin", "format": {"type": "audio/pcm", "rate": 24000}}},
        },
    },
    {
        "type": "conversation.item.create",
        "event_id": "evt_2",
        "previous_item_id": None,
        "item": {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "What is the weather?"}],
        },
    },
    {
        "type": "conversation.item.create",
        "item": {"type": "function_call_output", "call_id": "call_1", "output": '{"t": 12}'},
    },
    {
        "type": "conversation.item.truncate",
        "event_id": "evt_3",
        "item_id": "item_1",
        "content_index": 0,
        "audio_end_ms": 1500,
    },
    {"type": "conversation.item.delete", "item_id": "item_1"},
    {"type": "conversation.item.retrieve", "event_id": "evt_4", "item_id": "item_2"},
    {"type": "input_audio_buffer.append", "audio": "AAAAAA=="},
    {"type": "input_audio_buffer.commit", "event_id": "evt_5"},
    {"type": "input_audio_buffer.clear"},
    {"type": "output_audio_buffer.clear", "event_id": "evt_6"},
    {
        "type": "response.create",
        "response": {
            "conversation": "none",
            "output_modalities": ["text"],
            "instructions": "Summarise.",
            "metadata": {"topic": "summary"},
            "input": [],
        },
    },
    {"type": "response.create"},
    {"type": "response.cancel", "response_id": "resp_1"},
]
BETA: list[dict[str, Any]] = [
    {
        "type": "session.update",
        "session": {
            "modalities": ["text", "audio"],
            "voice": "alloy",
            "input_audio_format": "pcm16",
        },
    },
    {
        "type": "transcription_session.update",
        "event_id": "evt_7",
        "session": {
            "input_audio_format": "pcm16",
            "input_audio_transcription": {"model": "whisper-1"},
        },
    },
    {"type": "response.create", "response": {"modalities": ["text"], "instructions": "Hi"}},
]


@pytest.mark.parametrize("wire", GA + BETA, ids=lambda w: w["type"])
def test_every_client_event_decodes_typed_and_encodes_back(wire: dict[str, Any]) -> None:
    event = decode(json.dumps(wire))
    assert type(event) is ev.CLIENT_EVENT_CLASSES[wire["type"]]
    assert encode(event) == wire
    assert decode(wire) == event


def test_every_client_event_type_of_both_dialects_has_a_class() -> None:
    assert set(ev.CLIENT_EVENT_CLASSES) == {w["type"] for w in GA + BETA}
    assert not set(ev.CLIENT_EVENT_CLASSES) & set(ev.SERVER_EVENT_CLASSES)


def _client_types(union: Any) -> set[str]:
    (inner, *_) = typing.get_args(union)
    members = typing.get_args(inner) or typing.get_args(union)
    return {t for m in members for t in typing.get_args(m.model_fields["type"].annotation)}


def test_the_openai_package_knows_the_same_client_events() -> None:
    ga_types = pytest.importorskip("openai.types.realtime")
    beta_types = pytest.importorskip("openai.types.beta.realtime")
    known = _client_types(ga_types.RealtimeClientEvent) | _client_types(
        beta_types.RealtimeClientEvent
    )
    assert known == set(ev.CLIENT_EVENT_CLASSES)


@pytest.mark.parametrize("wire", GA, ids=lambda w: w["type"])
def test_ga_client_events_validate_against_the_openai_models(wire: dict[str, Any]) -> None:
    pydantic = pytest.importorskip("pydantic")
    ga_types = pytest.importorskip("openai.types.realtime")
    model = pydantic.TypeAdapter(ga_types.RealtimeClientEvent).validate_python(wire)
    assert model.type == wire["type"]
    assert encode(decode(model.to_dict(mode="json"))) == model.to_dict(mode="json")


@pytest.mark.parametrize("wire", BETA, ids=lambda w: w["type"])
def test_beta_client_events_validate_against_the_openai_models(wire: dict[str, Any]) -> None:
    pydantic = pytest.importorskip("pydantic")
    beta_types = pytest.importorskip("openai.types.beta.realtime")
    model = pydantic.TypeAdapter(beta_types.RealtimeClientEvent).validate_python(wire)
    assert model.type == wire["type"]


def test_client_events_are_kept_in_order_with_their_index_in_the_one_stream() -> None:
    server = read_lines(HERE / "recordings" / "ga_tool_call_round.jsonl")
    mixed: list[Any] = [server[0], json.dumps(GA[0]), *server[1:3], json.dumps(GA[1])]
    state = replay(mixed, policy="strict")
    assert state.event_count == 5
    assert [(r.index, r.event.type) for r in state.client_events] == [
        (1, "session.update"),
        (4, "conversation.item.create"),
    ]
    assert state.client_events[1].event == decode(GA[1])
    # the server side reads exactly as without the client events
    server_only = replay(server[:3], policy="strict")
    assert state.items == server_only.items and state.session == server_only.session
    assert state.violations == ()


def test_a_server_only_log_has_no_client_events() -> None:
    state = replay(read_lines(HERE / "recordings" / "ga_tool_call_round.jsonl"))
    assert state.client_events == ()
    assert reduce(SessionState(), GA[6]).client_events[0].index == 0


def test_an_unknown_client_like_event_is_kept_as_unknown() -> None:
    wire = {"type": "conversation.item.frobnicate", "item_id": "x"}
    event = decode(wire)
    assert isinstance(event, ev.UnknownEvent) and encode(event) == wire
    assert replay([wire]).client_events == ()


def test_a_server_error_names_the_client_event_it_refers_to() -> None:
    sent = {"type": "conversation.item.truncate", "event_id": "evt_cut", "item_id": "item_x"}
    sent.update(content_index=0, audio_end_ms=99999)
    error = {
        "type": "error",
        "event_id": "event_err",
        "error": {
            "type": "invalid_request_error",
            "code": "invalid_value",
            "message": "Audio content of 1000ms is already shorter than 99999ms",
            "param": None,
            "event_id": "evt_cut",
        },
    }
    unrelated = {**error, "error": {**error["error"], "event_id": "evt_other"}}
    state = replay([sent, error, unrelated])
    named, other = state.errors
    assert named.client_event is not None and named.client_event.index == 0
    assert named.client_event.event == decode(sent)
    assert other.client_event is None  # an id the state never saw sent
    assert replay([error]).errors[0].client_event is None
