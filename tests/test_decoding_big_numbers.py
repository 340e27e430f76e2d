"""Every JSON integer comes back exact from ``encode(decode(text))``, however large; a number
a field cannot take is refused with a clear ``DecodeError`` (issue 12, point 4)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realtime_state import DecodeError, decode, encode

BIG = [2**64, 2**64 + 1, 2**100, -(2**63) - 1, -(2**80), 10**30]


def _rate_limits(limit: object, **extra: object) -> str:
    return json.dumps(
        {
            "type": "rate_limits.updated",
            "event_id": "event_1",
            "rate_limits": [{"name": "tokens", "limit": limit, "remaining": 1}],
            **extra,
        }
    )


@pytest.mark.parametrize("value", BIG)
def test_a_huge_integer_in_a_known_integer_field_stays_exact(value: int) -> None:
    text = _rate_limits(value)
    event = decode(text)
    assert event.rate_limits[0].limit == value  # type: ignore[attr-defined]
    assert type(event.rate_limits[0].limit) is int  # type: ignore[attr-defined]
    assert encode(event) == json.loads(text)
    assert decode(text.encode()) == event


@pytest.mark.parametrize("value", BIG)
def test_a_huge_integer_in_an_unknown_field_or_event_stays_exact(value: int) -> None:
    for text in (
        _rate_limits(1, extra_field={"nested": [value, 1.5]}),
        json.dumps({"type": "some.future_event", "event_id": "e", "n": value}),
    ):
        back = encode(decode(text))
        assert back == json.loads(text)
        assert json.dumps(back) == text  # the same digits, not a float


@pytest.mark.parametrize("value", BIG)
def test_a_huge_integer_in_a_number_field_stays_an_exact_integer(value: int) -> None:
    text = json.dumps(
        {
            "type": "rate_limits.updated",
            "event_id": "e",
            "rate_limits": [{"name": "tokens", "reset_seconds": value}],
        }
    )
    assert json.dumps(encode(decode(text))) == text


def test_a_float_in_an_integer_field_is_refused_naming_the_field() -> None:
    with pytest.raises(DecodeError, match=r"rate_limits\[0\]\.limit: expected an integer") as e:
        decode(_rate_limits(1e20))
    assert "1e+20" in str(e.value)


def test_floats_stay_floats() -> None:
    text = _rate_limits(1, big_float=1e300, small=-2.5e-7, integral_float=1e20)
    assert json.dumps(encode(decode(text))) == text


def test_a_parsed_mapping_is_taken_as_given() -> None:
    raw = json.loads(_rate_limits(2**70, extra=1e25))
    assert encode(decode(raw)) == raw


@settings(max_examples=300, deadline=None)
@given(
    value=st.integers() | st.floats(allow_nan=False, allow_infinity=False),
    path=st.sampled_from(["extra", "nested", "known"]),
)
def test_every_number_round_trips_exactly(value: float, path: str) -> None:
    if path == "known" and isinstance(value, int):
        text = _rate_limits(value)
    elif path == "nested":
        text = _rate_limits(1, extra={"a": [value, {"b": value}]})
    else:
        text = _rate_limits(1, extra=value)
    back = encode(decode(text))
    assert json.dumps(back) == text
