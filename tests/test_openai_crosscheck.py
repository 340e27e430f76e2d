"""Cross-check: our decoding agrees field by field with the openai package's own models.

The openai package is a test-only dependency. Its pydantic models allow unknown fields, so a
field it does not declare is compared through ``model_extra``.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from helpers.data import catalogue
from realtime_state import decode
from realtime_state import events as ev
from realtime_state.decoding import encode_object, thaw_json

openai_ga = pytest.importorskip("openai.types.realtime")
openai_beta = pytest.importorskip("openai.types.beta.realtime")

GA_ADAPTER: TypeAdapter[Any] = TypeAdapter(openai_ga.RealtimeServerEvent)
BETA_ADAPTER: TypeAdapter[Any] = TypeAdapter(openai_beta.RealtimeServerEvent)

# Shapes seen on the wire that the SDK's beta types do not admit (see EVENTS.md): the beta
# union lacks transcription_session.created, its TranscriptionSession requires a
# client_secret object that WebSocket servers send as null, and beta-era
# input_audio_transcription.completed carries no usage although the type requires it.
KNOWN_SDK_GAPS = {
    ("beta", "transcription_session.created"),
    ("beta", "transcription_session.updated"),
    ("beta", "conversation.item.input_audio_transcription.completed/no-usage"),
}


def _key(dialect: str, event: dict[str, Any]) -> tuple[str, str]:
    kind = event["type"]
    if kind.endswith("transcription.completed") and "usage" not in event:
        kind += "/no-usage"
    return dialect, kind


def _theirs_value(theirs: BaseModel, name: str) -> tuple[bool, Any]:
    if name in type(theirs).model_fields:
        return name in theirs.model_fields_set, getattr(theirs, name)
    extra = theirs.model_extra or {}
    return name in extra, extra.get(name)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True, by_alias=True)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def assert_agree(ours: Any, theirs: Any, path: str) -> None:
    """Compare one of our values with the openai model's value at the same place."""
    if isinstance(ours, ev.Model) and isinstance(theirs, dict):
        # a nested object the openai type does not declare: it keeps the raw JSON
        assert encode_object(ours) == theirs, path
    elif isinstance(ours, ev.Model):
        assert isinstance(theirs, BaseModel), f"{path}: openai has {type(theirs).__name__}"
        tag = getattr(type(ours), "type", None)
        if isinstance(tag, str):
            assert theirs.type == tag, path
        for field in attrs.fields(type(ours)):
            if field.name in ("extra", "explicit_nulls"):
                continue
            value = getattr(ours, field.name)
            present, other = _theirs_value(theirs, field.name)
            if value is None:
                assert other is None, f"{path}.{field.name}: ours None, openai {other!r}"
                assert (
                    present == (field.name in ours.explicit_nulls) or field.default is attrs.NOTHING
                )
            else:
                assert present, f"{path}.{field.name}: openai lacks it"
                assert_agree(value, other, f"{path}.{field.name}")
        for name, value in ours.extra.items():
            present, other = _theirs_value(theirs, name)
            assert present, f"{path}.{name}: unknown to us and missing from openai"
            assert thaw_json(value) == _plain(other), f"{path}.{name}"
    elif isinstance(ours, ev.UnknownObject):
        assert thaw_json(ours.payload) == _plain(theirs), path
    elif isinstance(ours, tuple):
        assert isinstance(theirs, list) and len(theirs) == len(ours), path
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert_agree(a, b, f"{path}[{i}]")
    elif isinstance(ours, (dict, tuple)) or hasattr(ours, "items"):
        assert thaw_json(ours) == _plain(theirs), path
    else:
        assert ours == _plain(theirs), f"{path}: ours {ours!r}, openai {theirs!r}"
        assert type(ours) is type(_plain(theirs)) or isinstance(ours, (int, float)), path


CASES = [("ga", e) for e in catalogue("ga")] + [("beta", e) for e in catalogue("beta")]


@pytest.mark.parametrize(
    ("dialect", "entry"),
    CASES,
    ids=[f"{d}:{e['event']['type']}:{i}" for i, (d, e) in enumerate(CASES)],
)
def test_decoding_agrees_with_openai_models(dialect: str, entry: dict[str, Any]) -> None:
    event = entry["event"]
    adapter = GA_ADAPTER if dialect == "ga" else BETA_ADAPTER
    try:
        theirs = adapter.validate_json(json.dumps(event))
    except ValidationError:
        assert _key(dialect, event) in KNOWN_SDK_GAPS, f"openai rejects {entry['source']}"
        pytest.skip("shape outside the openai package's types (known gap)")
    assert _key(dialect, event) not in KNOWN_SDK_GAPS or event["type"].startswith("x")
    assert_agree(decode(event), theirs, event["type"])


def test_known_gaps_are_real() -> None:
    """Each listed gap is hit by at least one fixture, so the list cannot go stale."""
    hit = set()
    for dialect, entry in CASES:
        adapter = GA_ADAPTER if dialect == "ga" else BETA_ADAPTER
        try:
            adapter.validate_python(entry["event"])
        except ValidationError:
            hit.add(_key(dialect, entry["event"]))
    assert hit == KNOWN_SDK_GAPS
