"""The official ``openai`` package's event objects are input too: ``decode`` and ``reduce``
read them through ``to_dict()``, so a state built from them equals the state built from the
raw frames, for every recording (issue 13, point 1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers.data import HERE, read_lines
from realtime_state import DecodeError, SessionState, decode, encode, history, reduce, replay

openai_models = pytest.importorskip("openai._models")
ga_types = pytest.importorskip("openai.types.realtime")
beta_types = pytest.importorskip("openai.types.beta.realtime")

LOGS = sorted((HERE / "recordings").glob("*.jsonl")) + sorted((HERE / "logs").glob("*.jsonl"))


def _sdk(line: str, beta: bool) -> Any:
    """The object the SDK's ``conn.recv()`` gives for a frame (``parse_event``: no validation)."""
    union = beta_types.RealtimeServerEvent if beta else ga_types.RealtimeServerEvent
    return openai_models.construct_type_unchecked(value=json.loads(line), type_=union)


def _is_beta(path: Path) -> bool:
    return path.name.startswith("beta_")


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_state_from_sdk_objects_equals_state_from_frames(path: Path) -> None:
    lines = read_lines(path)
    objects = [_sdk(line, _is_beta(path)) for line in lines]
    assert all(type(o).__module__.startswith("openai.types.") for o in objects)
    for line, obj in zip(lines, objects, strict=True):
        assert decode(obj) == decode(line)
        assert encode(decode(obj)) == json.loads(line)  # absent fields stay absent
    assert replay(objects) == replay(lines)
    assert [s for _, _, s in history(objects)] == [s for _, _, s in history(lines)]


def test_a_bad_sdk_object_is_the_same_decode_error_in_both_functions() -> None:
    broken = _sdk('{"type": "response.done", "event_id": "event_1"}', beta=False)
    with pytest.raises(DecodeError, match="missing required field 'response'") as decoded:
        decode(broken)
    assert decoded.value.raw is broken  # nothing fed in is lost
    state = replay(read_lines(HERE / "recordings" / "ga_tool_call_round.jsonl")[:3])
    with pytest.raises(DecodeError) as reduced:
        reduce(state, broken)
    assert reduced.value.index == 3 and reduced.value.event_type == "response.done"
    assert isinstance(SessionState(), SessionState)


def test_objects_of_other_packages_are_refused_as_before() -> None:
    class Lookalike:
        type = "session.created"

        def to_dict(self, **_: Any) -> dict[str, Any]:
            return {"type": "session.created"}

    with pytest.raises(TypeError, match="expects an event"):
        reduce(SessionState(), Lookalike())  # type: ignore[arg-type]
