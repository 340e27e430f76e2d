"""Replays of the hand-written scenario logs in ``logs/``: the end states ``logs/README.md`` states.

One test per log replays it in strict policy and checks the end state the README gives for
it; then, for every log, a lenient replay must give the same state with no violation, and
every prefix of the log must replay in strict policy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from helpers.data import HERE, read_lines
from realtime_state import (
    InputAudioState,
    ItemState,
    PartState,
    SessionState,
    replay,
)

LOGS = HERE / "logs"
LOG_FILES = sorted(LOGS.glob("*.jsonl"))

BYTES_PER_MS = 48  # PCM16 mono at 24 kHz, the output format of every log
DELTA_BYTES = 4800  # every audio delta is 100 ms


# --- helpers ----------------------------------------------------------------------------------


def lines(name: str) -> list[str]:
    return read_lines(LOGS / f"{name}.jsonl")


def strict(name: str, upto: int | None = None) -> SessionState:
    return replay(lines(name), policy="strict", upto=upto)


def index_of(name: str, event_type: str, nth: int = 0) -> int:
    """0-based index of the ``nth`` event of ``event_type`` in a log."""
    found = [i for i, line in enumerate(lines(name)) if json.loads(line)["type"] == event_type]
    return found[nth]


def item_rows(state: SessionState) -> list[tuple[str, str | None, str | None, str | None]]:
    """The conversation as ``(id, type, role, status)``, in order."""
    return [(i.id, i.type, i.role, i.status) for i in state.items]


def content_types(item: ItemState | None) -> list[str | None]:
    assert item is not None
    return [p.type for p in item.content]


def only_part(state: SessionState, item_id: str) -> PartState:
    item = state.item(item_id)
    assert item is not None
    (part,) = item.content
    return part


def responses(state: SessionState) -> list[tuple[Any, ...]]:
    """Responses in creation order: id, status, (details type, reason), output ids, usage, conv."""
    ordered = sorted(state.responses.values(), key=lambda r: r.created_index)
    rows = []
    for r in ordered:
        details = r.status_details
        reason = None if details is None else (details.type, details.reason)
        u = r.usage
        tokens = None if u is None else (u.input_tokens, u.output_tokens, u.total_tokens)
        rows.append((r.id, r.status, reason, r.output_item_ids, tokens, r.conversation_id))
    return rows


def usage(state: SessionState) -> dict[str, int]:
    """The session totals the README lists (``cached`` is also checked against its details)."""
    u = state.usage
    assert u.cached_tokens == u.cached_text_tokens + u.cached_audio_tokens + u.cached_image_tokens
    assert u.total_tokens == u.input_tokens + u.output_tokens
    return {
        "input_tokens": u.input_tokens,
        "output_tokens": u.output_tokens,
        "total_tokens": u.total_tokens,
        "cached_tokens": u.cached_tokens,
        "input_text_tokens": u.input_text_tokens,
        "input_audio_tokens": u.input_audio_tokens,
        "output_text_tokens": u.output_text_tokens,
        "output_audio_tokens": u.output_audio_tokens,
    }


def totals(
    i: int, o: int, cached: int, in_text: int, in_audio: int, out_text: int, out_audio: int
) -> dict[str, int]:
    return {
        "input_tokens": i,
        "output_tokens": o,
        "total_tokens": i + o,
        "cached_tokens": cached,
        "input_text_tokens": in_text,
        "input_audio_tokens": in_audio,
        "output_text_tokens": out_text,
        "output_audio_tokens": out_audio,
    }


NO_USAGE = totals(0, 0, 0, 0, 0, 0, 0)


def rate_limits(state: SessionState) -> dict[str | None, tuple[Any, ...]]:
    return {
        name: (limit.name, limit.limit, limit.remaining, limit.reset_seconds)
        for name, limit in state.rate_limits.items()
    }


def beta_limits(tokens_remaining: int, tokens_reset: float) -> dict[str, tuple[Any, ...]]:
    """Beta logs: a fixed ``requests`` entry and the ``tokens`` entry."""
    return {
        "requests": ("requests", 5000, 4999, 0.012),
        "tokens": ("tokens", 800000, tokens_remaining, tokens_reset),
    }


def ga_limits(tokens_remaining: int) -> dict[str, tuple[Any, ...]]:
    """GA logs: one ``tokens`` entry."""
    return {"tokens": ("tokens", 40000000, tokens_remaining, 0.002)}


def transcription(part: PartState) -> tuple[Any, ...]:
    """(transcript, status, usage as its wire dict or None)."""
    u = part.transcription_usage
    wire = None
    if u is not None:
        details = u.input_token_details
        wire = {
            "type": u.type,
            "total_tokens": u.total_tokens,
            "input_tokens": u.input_tokens,
            "input_token_details": None
            if details is None
            else {"text_tokens": details.text_tokens, "audio_tokens": details.audio_tokens},
            "output_tokens": u.output_tokens,
        }
    return (part.transcript, part.transcription_status, wire)


def joined_input_transcription(name: str, item_id: str) -> str:
    """The input-transcription deltas of one item, joined, as the log has them."""
    events = [json.loads(line) for line in lines(name)]
    return "".join(
        e.get("delta") or ""
        for e in events
        if e["type"] == "conversation.item.input_audio_transcription.delta"
        and e["item_id"] == item_id
    )


def assert_clean_end(state: SessionState, events: int) -> None:
    """What every log ends with: no violation, no error, nothing running or pending."""
    assert state.event_count == events
    assert state.violations == ()
    assert state.errors == ()
    assert state.active_response_id is None
    assert dict(state.pending_transcriptions) == {}
    assert state.input_audio.speaking is False
    assert state.input_audio.cleared == 0


UNTOUCHED = InputAudioState()


# --- text_turn --------------------------------------------------------------------------------


def test_beta_text_turn_ends_with_user_text_and_assistant_text_answer() -> None:
    state = strict("beta_text_turn")
    user, answer = "item_BoR3IVxKr0gbnIb7agySp", "item_BoR3JeULsNY9n2wxVe1YZ"
    resp = "resp_BoR3JBPPRbMEcVPHvOBrS"
    assert item_rows(state) == [
        (user, "message", "user", "completed"),
        (answer, "message", "assistant", "completed"),
    ]
    assert content_types(state.item(user)) == ["input_text"]
    assert only_part(state, user).text == "Give me a one-line tip for learning to juggle."
    assert content_types(state.item(answer)) == ["text"]
    assert only_part(state, answer).text == (
        "Start with two balls and practise a steady, even throw before adding the third."
    )
    assert state.item(answer).response_id == resp
    assert responses(state) == [
        (resp, "completed", None, (answer,), (131, 18, 149), "conv_BoR3HT4SAojCtMLlQUB8F")
    ]
    assert usage(state) == totals(131, 18, 0, 131, 0, 18, 0)
    assert state.input_audio == UNTOUCHED
    assert rate_limits(state) == beta_limits(795860, 0.311)
    assert_clean_end(state, 28)


def test_ga_text_turn_ends_with_user_text_and_assistant_output_text_answer() -> None:
    state = strict("ga_text_turn")
    user, answer = "item_F3kRF4DpaNoifSoFqzIFV", "item_F3kRG74zXDZ0OKnVZZvPT"
    resp = "resp_F3kRGznlQbWdHnLbG9fx1"
    assert item_rows(state) == [
        (user, "message", "user", "completed"),
        (answer, "message", "assistant", "completed"),
    ]
    assert content_types(state.item(user)) == ["input_text"]
    assert only_part(state, user).text == "Give me a one-line tip for learning to juggle."
    assert content_types(state.item(answer)) == ["output_text"]
    assert only_part(state, answer).text == (
        "Start with two balls and practise a steady, even throw before adding the third."
    )
    assert state.item(answer).response_id == resp
    assert responses(state) == [
        (resp, "completed", None, (answer,), (131, 18, 149), "conv_F3kREbzmEm2tfQF7nfNtN")
    ]
    assert usage(state) == totals(131, 18, 0, 131, 0, 18, 0)
    assert state.input_audio == UNTOUCHED
    assert rate_limits(state) == ga_limits(39999471)
    assert_clean_end(state, 30)


# --- audio_turn -------------------------------------------------------------------------------


def test_beta_audio_turn_keeps_whisper_transcript_and_500_ms_of_answer_audio() -> None:
    name = "beta_audio_turn"
    state = strict(name)
    user, answer = "item_BoR464z7qwBssx97i5oFR", "item_BoR48nvxck5Da8kKF2z8e"
    resp = "resp_BoR48gJcbnqgnHYf1ZFzM"
    assert item_rows(state) == [
        (user, "message", "user", "completed"),
        (answer, "message", "assistant", "completed"),
    ]
    assert content_types(state.item(user)) == ["input_audio"]
    heard = "What time does the museum open tomorrow?\n"
    assert transcription(only_part(state, user)) == (heard, "completed", None)
    assert joined_input_transcription(name, user) == heard
    assert content_types(state.item(answer)) == ["audio"]
    part = only_part(state, answer)
    assert part.transcript == "The museum opens at nine tomorrow morning and closes at six."
    assert part.audio_bytes == len(part.audio) == 5 * DELTA_BYTES == 500 * BYTES_PER_MS
    assert state.item(answer).response_id == resp
    assert responses(state) == [
        (resp, "completed", None, (answer,), (162, 78, 240), "conv_BoR45HAXxjTFmpCtUieA4")
    ]
    assert usage(state) == totals(162, 78, 0, 118, 44, 16, 62)
    assert state.input_audio == InputAudioState(
        phase="committed",
        speaking=False,
        audio_start_ms=1420,
        audio_end_ms=3860,
        item_id=user,
        committed_item_ids=(user,),
        cleared=0,
    )
    assert rate_limits(state) == beta_limits(795827, 0.314)
    assert_clean_end(state, 35)


def test_ga_audio_turn_keeps_token_billed_transcript_and_500_ms_of_answer_audio() -> None:
    name = "ga_audio_turn"
    state = strict(name)
    user, answer = "item_F3kSFtX5OK0qk6hNITauB", "item_F3kSHX3yDoG815pG6n7xJ"
    resp = "resp_F3kSHMbEDlbqpPaUPMhAa"
    assert item_rows(state) == [
        (user, "message", "user", "completed"),
        (answer, "message", "assistant", "completed"),
    ]
    assert content_types(state.item(user)) == ["input_audio"]
    heard = "What time does the museum open tomorrow?"
    assert transcription(only_part(state, user)) == (
        heard,
        "completed",
        {
            "type": "tokens",
            "total_tokens": 41,
            "input_tokens": 31,
            "input_token_details": {"text_tokens": 0, "audio_tokens": 31},
            "output_tokens": 10,
        },
    )
    assert joined_input_transcription(name, user) == heard
    assert content_types(state.item(answer)) == ["output_audio"]
    part = only_part(state, answer)
    assert part.transcript == "The museum opens at nine tomorrow morning and closes at six."
    assert part.audio_bytes == len(part.audio) == 5 * DELTA_BYTES == 500 * BYTES_PER_MS
    assert state.item(answer).response_id == resp
    assert responses(state) == [
        (resp, "completed", None, (answer,), (162, 78, 240), "conv_F3kSE3CjhmCbzUrHLSlYx")
    ]
    assert usage(state) == totals(162, 78, 0, 118, 44, 16, 62)
    assert state.input_audio == InputAudioState(
        phase="committed",
        speaking=False,
        audio_start_ms=1420,
        audio_end_ms=3860,
        item_id=user,
        committed_item_ids=(user,),
        cleared=0,
    )
    assert rate_limits(state) == ga_limits(39999380)
    assert_clean_end(state, 44)


# --- function_call ----------------------------------------------------------------------------

WEATHER_ARGS = '{"location":"Lisbon, Portugal","unit":"celsius"}'
WEATHER_OUTPUT = '{"temperature_c":18,"condition":"sunny","wind_kph":12}'
WEATHER_ANSWER = "It's sunny and 18 degrees in Lisbon right now, with a light breeze."


def assert_function_call_round(
    state: SessionState,
    ids: tuple[str, str, str, str],
    call_id: str,
    answer_type: str,
) -> None:
    user, call, output, answer = ids
    assert item_rows(state) == [
        (user, "message", "user", "completed"),
        (call, "function_call", None, "completed"),
        (output, "function_call_output", None, None),
        (answer, "message", "assistant", "completed"),
    ]
    assert only_part(state, user).text == "What's the weather like in Lisbon right now?"
    call_item, output_item = state.item(call), state.item(output)
    assert call_item is not None
    assert output_item is not None
    assert (call_item.name, call_item.call_id, call_item.arguments, call_item.output) == (
        "get_weather",
        call_id,
        WEATHER_ARGS,
        None,
    )
    assert (output_item.call_id, output_item.output, output_item.response_id) == (
        call_id,
        WEATHER_OUTPUT,
        None,
    )
    assert content_types(state.item(answer)) == [answer_type]
    part = only_part(state, answer)
    assert part.transcript == WEATHER_ANSWER
    assert part.audio_bytes == 4 * DELTA_BYTES == 400 * BYTES_PER_MS


def test_beta_function_call_round_keeps_call_output_and_spoken_answer() -> None:
    state = strict("beta_function_call")
    ids = _, call, _, answer = (
        "item_BoR5eDG4JLFNLfIkDH5Td",
        "item_BoR5fgYOQBE7A119a0ODD",
        "item_BoR5hqYnymgLrk3hXscLo",
        "item_BoR5iUzJJ0cTBplsAhVPW",
    )
    first, second = "resp_BoR5fAtV7PWiZKiMnW7gD", "resp_BoR5icMjUtpq3Xuo3KKcR"
    assert_function_call_round(state, ids, "call_mNFPuhcPaMTcZXMn", "audio")
    assert (state.item(call).response_id, state.item(answer).response_id) == (first, second)
    conv = "conv_BoR5dGWoURNKO1nF8IybB"
    assert responses(state) == [
        (first, "completed", None, (call,), (184, 24, 208), conv),
        (second, "completed", None, (answer,), (236, 90, 326), conv),
    ]
    assert usage(state) == totals(420, 114, 192, 420, 0, 43, 71)
    assert state.input_audio == UNTOUCHED
    assert rate_limits(state) == beta_limits(795640, 0.328)
    assert_clean_end(state, 52)


def test_ga_function_call_round_keeps_call_output_and_spoken_answer() -> None:
    state = strict("ga_function_call")
    ids = _, call, _, answer = (
        "item_F3kTdrWey8YBURrUJM7T1",
        "item_F3kTe2CoyZETJB4EjXtJM",
        "item_F3kTgxHXWNHhAIhrXL5vt",
        "item_F3kTh0io82JTYhaEzwXvZ",
    )
    first, second = "resp_F3kTebRuFBkWa6YAjlYMA", "resp_F3kThT5LZvXrIV4RZ2iBE"
    assert_function_call_round(state, ids, "call_fCpHjOYAOJcZhPq8", "output_audio")
    assert (state.item(call).response_id, state.item(answer).response_id) == (first, second)
    conv = "conv_F3kTc93bG2FRyX76jWUEP"
    assert responses(state) == [
        (first, "completed", None, (call,), (184, 24, 208), conv),
        (second, "completed", None, (answer,), (236, 90, 326), conv),
    ]
    assert usage(state) == totals(420, 114, 192, 420, 0, 43, 71)
    assert state.input_audio == UNTOUCHED
    assert rate_limits(state) == ga_limits(39999294)
    assert_clean_end(state, 56)


# --- interruption -----------------------------------------------------------------------------

SAID_BEFORE_CUT = "Sure! There are three ways to get to the station"


def assert_interruption(
    name: str, ids: tuple[str, str, str, str], resps: tuple[str, str], conv: str, audio_type: str
) -> SessionState:
    state = strict(name)
    user1, cut, user2, answer = ids
    cancelled, completed = resps
    assert item_rows(state) == [
        (user1, "message", "user", "completed"),
        (cut, "message", "assistant", "incomplete"),
        (user2, "message", "user", "completed"),
        (answer, "message", "assistant", "completed"),
    ]
    for user in (user1, user2):
        assert content_types(state.item(user)) == ["input_audio"]
        assert only_part(state, user).transcript is None
    # the cut answer: 300 ms received, cut at 150 ms, transcript cleared but remembered
    truncated_at = index_of(name, "conversation.item.truncated")
    before = only_part(strict(name, upto=truncated_at), cut)
    assert (before.audio_bytes, before.transcript) == (3 * DELTA_BYTES, SAID_BEFORE_CUT)
    assert content_types(state.item(cut)) == [audio_type]
    part = only_part(state, cut)
    assert part.truncated_at_ms == 150
    assert part.audio_bytes == 150 * BYTES_PER_MS == 7200
    assert part.audio == before.audio[: 150 * BYTES_PER_MS]
    assert (part.transcript, part.transcript_before_truncation) == ("", SAID_BEFORE_CUT)
    assert state.item(cut).response_id == cancelled
    # the second answer
    assert content_types(state.item(answer)) == [audio_type]
    second = only_part(state, answer)
    assert second.transcript == "Of course. The bus is the cheapest option."
    assert second.audio_bytes == 2 * DELTA_BYTES == 200 * BYTES_PER_MS
    assert (second.truncated_at_ms, second.transcript_before_truncation) == (None, None)
    assert state.item(answer).response_id == completed
    assert responses(state) == [
        (cancelled, "cancelled", ("cancelled", "turn_detected"), (cut,), (141, 35, 176), conv),
        (completed, "completed", None, (answer,), (230, 50, 280), conv),
    ]
    assert usage(state) == totals(371, 85, 64, 265, 106, 25, 60)
    assert state.input_audio == InputAudioState(
        phase="committed",
        speaking=False,
        audio_start_ms=3310,
        audio_end_ms=4420,
        item_id=user2,
        committed_item_ids=(user1, user2),
        cleared=0,
    )
    return state


def test_beta_interruption_truncates_the_cut_answer_to_150_ms() -> None:
    state = assert_interruption(
        "beta_interruption",
        (
            "item_BoR69ZCukTzBWQfvJHwcw",
            "item_BoR6BhvKkNndA9X7PNLTr",
            "item_BoR6Di0CClqWZ1DqAPliJ",
            "item_BoR6GHyl3HAMNgP3kwDz4",
        ),
        ("resp_BoR6BiwBp0mGqLp9dGhOz", "resp_BoR6GBaT8Q6eqI0KvHrSb"),
        "conv_BoR68kBdrIK3sD8zkJG2E",
        "audio",
    )
    assert index_of("beta_interruption", "conversation.item.truncated") == 31
    assert rate_limits(state) == beta_limits(795508, 0.338)
    assert_clean_end(state, 57)


def test_ga_interruption_truncates_the_cut_answer_to_150_ms() -> None:
    state = assert_interruption(
        "ga_interruption",
        (
            "item_F3kUMhTUZKkBhgKKDXNAa",
            "item_F3kUOAvroU9UcvtfS7ElA",
            "item_F3kUQ58lZbUd5tbtqfZqX",
            "item_F3kUTB0TIuHHeN4dmu9rH",
        ),
        ("resp_F3kUOYqv472nNetAucIyS", "resp_F3kUTOVkqpXvbt0AXDDr1"),
        "conv_F3kUL0RdeEtRziTg6QwlI",
        "output_audio",
    )
    assert index_of("ga_interruption", "conversation.item.truncated") == 33
    assert rate_limits(state) == ga_limits(39999340)
    assert_clean_end(state, 61)


# --- cancelled_response -----------------------------------------------------------------------


def assert_cancelled_before_output(
    name: str, ids: tuple[str, str, str], resps: tuple[str, str], conv: str, audio_type: str
) -> SessionState:
    state = strict(name)
    user1, user2, answer = ids
    cancelled, completed = resps
    assert item_rows(state) == [
        (user1, "message", "user", "completed"),
        (user2, "message", "user", "completed"),
        (answer, "message", "assistant", "completed"),
    ]
    for user in (user1, user2):
        assert content_types(state.item(user)) == ["input_audio"]
        assert only_part(state, user).transcript is None
    assert content_types(state.item(answer)) == [audio_type]
    part = only_part(state, answer)
    assert part.transcript == "Sure, a pinch of salt in the pasta water is all you need."
    assert part.audio_bytes == 3 * DELTA_BYTES == 300 * BYTES_PER_MS
    assert state.item(answer).response_id == completed
    assert responses(state) == [
        (cancelled, "cancelled", ("cancelled", "turn_detected"), (), (0, 0, 0), conv),
        (completed, "completed", None, (answer,), (167, 66, 233), conv),
    ]
    assert usage(state) == totals(167, 66, 0, 109, 58, 15, 51)
    assert state.input_audio == InputAudioState(
        phase="committed",
        speaking=False,
        audio_start_ms=2150,
        audio_end_ms=3680,
        item_id=user2,
        committed_item_ids=(user1, user2),
        cleared=0,
    )
    return state


def test_beta_response_cancelled_before_output_leaves_no_item_and_zero_usage() -> None:
    state = assert_cancelled_before_output(
        "beta_cancelled_response",
        ("item_BoR7AkOqhuArifV0iYiPd", "item_BoR7DFtjs67FVMpxDQNUK", "item_BoR7GmFqgnFz3NtNkvRag"),
        ("resp_BoR7CsV90wZMZmv1vz15y", "resp_BoR7GLBDiL7bfDyDCkhcS"),
        "conv_BoR798d1JAuv2ydGMJaPl",
        "audio",
    )
    assert rate_limits(state) == beta_limits(795761, 0.319)
    assert_clean_end(state, 40)


def test_ga_response_cancelled_before_output_leaves_no_item_and_zero_usage() -> None:
    state = assert_cancelled_before_output(
        "ga_cancelled_response",
        ("item_F3kVEHTJST2ykhpQq1dnu", "item_F3kVHXIe9V7A2Kt3IVOh9", "item_F3kVKm00IWBg4OCIQJ8XV"),
        ("resp_F3kVGhkaV22NR9cOcszcx", "resp_F3kVK99M21hICrPHG5wZG"),
        "conv_F3kVDa0N7TeJJVr1wcjuV",
        "output_audio",
    )
    assert rate_limits(state) == ga_limits(39999387)
    assert_clean_end(state, 44)


# --- item_deletion ----------------------------------------------------------------------------


def assert_item_deletion(
    name: str,
    ids: tuple[str, str, str, str],
    deleted: str,
    resps: tuple[str, str],
    conv: str,
    text_type: str,
) -> SessionState:
    state = strict(name)
    user1, answer1, user2, answer2 = ids
    first, second = resps
    assert item_rows(state) == [
        (user1, "message", "user", "completed"),
        (answer1, "message", "assistant", "completed"),
        (user2, "message", "user", "completed"),
        (answer2, "message", "assistant", "completed"),
    ]
    assert state.item(deleted) is None
    assert deleted not in [i.id for i in state.items]
    assert [content_types(i) for i in state.items] == [
        ["input_text"],
        [text_type],
        ["input_text"],
        [text_type],
    ]
    assert [only_part(state, i).text for i in ids] == [
        "Translate 'good morning' into Italian.",
        'In Italian, "good morning" is "buongiorno".',
        "And how do I say 'good night' in Italian?",
        '"Good night" in Italian is "buonanotte".',
    ]
    assert (state.item(answer1).response_id, state.item(answer2).response_id) == resps
    assert responses(state) == [
        (first, "completed", None, (answer1,), (97, 12, 109), conv),
        (second, "completed", None, (answer2,), (128, 11, 139), conv),
    ]
    assert usage(state) == totals(225, 23, 64, 225, 0, 23, 0)
    assert state.input_audio == UNTOUCHED
    return state


def test_beta_deleted_item_is_gone_and_the_next_user_item_follows_the_answer() -> None:
    name = "beta_item_deletion"
    deleted = "item_BoR8ZDcmmw3w5TpkSkzhf"
    # the deleted item was there before its deletion
    before = strict(name, upto=index_of(name, "conversation.item.deleted"))
    assert before.item(deleted) is not None
    state = assert_item_deletion(
        name,
        (
            "item_BoR8Xx44Nv6iZbaVE1dYq",
            "item_BoR8YC3o7Uilit28K2rWW",
            "item_BoR8bK4ty5duNZQLvms7o",
            "item_BoR8c8vqEv3g3J8px2PoA",
        ),
        deleted,
        ("resp_BoR8Yl38lLvnaxrd4Lq59", "resp_BoR8cWnw3auPTUOleXUrX"),
        "conv_BoR8WouioMfvn0BloSsK5",
        "text",
    )
    assert rate_limits(state) == beta_limits(795640, 0.328)
    assert_clean_end(state, 39)


def test_ga_deleted_item_is_gone_and_the_next_user_item_follows_the_answer() -> None:
    name = "ga_item_deletion"
    deleted = "item_F3kW67SeaQuYhARNlY986"
    before = strict(name, upto=index_of(name, "conversation.item.deleted"))
    assert before.item(deleted) is not None
    state = assert_item_deletion(
        name,
        (
            "item_F3kW44scTZc9vOY22nSyp",
            "item_F3kW5M1CoyUrdYBu7WCHP",
            "item_F3kW8t72uHSil97M3wiBS",
            "item_F3kW9oxBkCzTnF7GkR1mP",
        ),
        deleted,
        ("resp_F3kW53Tx040vjyDUPzeyI", "resp_F3kW9fk7Dd0TdUGhVBOtU"),
        "conv_F3kW31q7Z95erFwyafVLH",
        "output_text",
    )
    assert rate_limits(state) == ga_limits(39999481)
    assert_clean_end(state, 44)


# --- transcription_only -----------------------------------------------------------------------

CAPTIONS = (
    "Hello, this is a quick test of live captions.",
    "The second sentence should appear on its own line.",
)


def assert_transcription_only(
    name: str, ids: tuple[str, str], usages: tuple[Any, Any]
) -> SessionState:
    state = strict(name)
    first, second = ids
    assert item_rows(state) == [
        (first, "message", "user", "completed"),
        (second, "message", "user", "completed"),
    ]
    for item_id, caption, usage_wire in zip(ids, CAPTIONS, usages, strict=True):
        assert content_types(state.item(item_id)) == ["input_audio"]
        assert transcription(only_part(state, item_id)) == (caption, "completed", usage_wire)
        assert joined_input_transcription(name, item_id) == caption
    # the second turn's speech_started came in the middle of the first item's deltas
    second_start = strict(name, upto=index_of(name, "input_audio_buffer.speech_started", 1) + 1)
    assert second_start.input_audio.item_id == second
    assert only_part(second_start, first).transcription_status == "in_progress"
    assert dict(state.responses) == {}
    assert usage(state) == NO_USAGE
    assert state.input_audio == InputAudioState(
        phase="committed",
        speaking=False,
        audio_start_ms=3900,
        audio_end_ms=6880,
        item_id=second,
        committed_item_ids=(first, second),
        cleared=0,
    )
    assert rate_limits(state) == {}
    return state


def test_beta_transcription_session_captions_two_turns_without_usage() -> None:
    state = assert_transcription_only(
        "beta_transcription_only",
        ("item_BoR9eK8FT06P69Pbdmkf0", "item_BoR9gZEV2AFciLGcnGGkP"),
        (None, None),
    )
    assert_clean_end(state, 33)


def test_ga_transcription_session_captions_two_turns_with_token_usage() -> None:
    state = assert_transcription_only(
        "ga_transcription_only",
        ("item_F3kXIyaG97ox9KhVGFMdR", "item_F3kXKKrCwWWogRfiywgDo"),
        (
            {
                "type": "tokens",
                "total_tokens": 52,
                "input_tokens": 40,
                "input_token_details": {"text_tokens": 0, "audio_tokens": 40},
                "output_tokens": 12,
            },
            {
                "type": "tokens",
                "total_tokens": 57,
                "input_tokens": 45,
                "input_token_details": {"text_tokens": 0, "audio_tokens": 45},
                "output_tokens": 12,
            },
        ),
    )
    assert_clean_end(state, 35)


# --- out_of_band ------------------------------------------------------------------------------

OOB_USER = "item_F3kY6pr8wuCFhVkgKaXG8"
OOB_MAIN_ANSWER = "item_F3kY83EceZDfdpcqZ6w7C"
OOB_ITEM = "item_F3kY8UQzryqvq3qNo13VD"
OOB_MAIN_RESP = "resp_F3kY7ExiQDwfOAmSJM2Gg"
OOB_RESP = "resp_F3kY8r6Vsk0xJgJI0w5JI"


def test_ga_out_of_band_response_runs_beside_the_main_one_and_keeps_its_item() -> None:
    name = "ga_out_of_band"
    state = strict(name)
    user, main = state.item(OOB_USER), state.item(OOB_MAIN_ANSWER)
    assert user is not None
    assert main is not None
    assert (user.type, user.role, user.status, content_types(user)) == (
        "message",
        "user",
        "completed",
        ["input_text"],
    )
    assert user.text == "I've been waiting forty minutes and nobody has called me back."
    assert (main.type, main.role, main.status, content_types(main), main.response_id) == (
        "message",
        "assistant",
        "completed",
        ["output_audio"],
        OOB_MAIN_RESP,
    )
    main_part = only_part(state, OOB_MAIN_ANSWER)
    assert main_part.transcript == (
        "I'm really sorry about the wait. Let me look into this for you right away."
    )
    assert main_part.audio_bytes == 3 * DELTA_BYTES == 300 * BYTES_PER_MS
    # the out-of-band item is tracked and found by id
    oob = state.item(OOB_ITEM)
    assert oob is not None
    assert (oob.type, oob.role, oob.status, content_types(oob), oob.response_id) == (
        "message",
        "assistant",
        "completed",
        ["output_text"],
        OOB_RESP,
    )
    assert oob.text == '{"sentiment":"negative","escalate":true}'
    # responses: the out-of-band one does not become the active response
    assert responses(state) == [
        (
            OOB_MAIN_RESP,
            "completed",
            None,
            (OOB_MAIN_ANSWER,),
            (131, 94, 225),
            "conv_F3kY5IDcb1ZWdsTzOja4A",
        ),
        (OOB_RESP, "completed", None, (OOB_ITEM,), (142, 9, 151), None),
    ]
    assert (state.responses[OOB_MAIN_RESP].out_of_band, state.responses[OOB_RESP].out_of_band) == (
        False,
        True,
    )
    assert state.responses[OOB_RESP].metadata == {"purpose": "sentiment"}
    both_created = strict(name, upto=index_of(name, "response.created", 1) + 1)
    assert both_created.active_response_id == OOB_MAIN_RESP
    oob_done = strict(name, upto=index_of(name, "response.done", 0) + 1)
    assert oob_done.responses[OOB_RESP].done
    assert oob_done.active_response_id == OOB_MAIN_RESP
    assert usage(state) == totals(273, 103, 0, 273, 0, 29, 74)
    assert state.input_audio == UNTOUCHED
    assert rate_limits(state) == ga_limits(39999395)
    assert_clean_end(state, 52)


def test_ga_out_of_band_item_stays_out_of_the_conversation() -> None:
    state = strict("ga_out_of_band")
    assert item_rows(state) == [
        (OOB_USER, "message", "user", "completed"),
        (OOB_MAIN_ANSWER, "message", "assistant", "completed"),
    ]
    oob = state.item(OOB_ITEM)
    assert oob is not None
    assert oob.in_conversation is False


# --- mcp --------------------------------------------------------------------------------------


def test_ga_mcp_lists_tools_then_calls_one_and_answers_in_text() -> None:
    state = strict("ga_mcp")
    tools, user = "item_F3kZQM8GLlyR3YuaWJFWb", "item_F3kZSYblld1lGc53yrEtX"
    call, answer = "item_F3kZT8sHL5zXvkXffK8fq", "item_F3kZVfoWTEQDmcl8WX7Ho"
    resp = "resp_F3kZTqBL1Rn4rS1xTGtug"
    # the mcp items carry no status on the wire; their lifecycle events complete them
    assert item_rows(state) == [
        (tools, "mcp_list_tools", None, "completed"),
        (user, "message", "user", "completed"),
        (call, "mcp_call", None, "completed"),
        (answer, "message", "assistant", "completed"),
    ]
    listing = state.item(tools)
    assert listing is not None
    assert listing.tools is not None
    assert (listing.server_label, [t.name for t in listing.tools], listing.response_id) == (
        "deepwiki",
        ["read_wiki_structure", "ask_question"],
        None,
    )
    assert content_types(state.item(user)) == ["input_text"]
    assert only_part(state, user).text == (
        "Using DeepWiki, which transport does the openai/openai-python realtime client use?"
    )
    mcp = state.item(call)
    assert mcp is not None
    assert (mcp.server_label, mcp.name, mcp.arguments, mcp.output, mcp.error, mcp.response_id) == (
        "deepwiki",
        "ask_question",
        '{"repoName":"openai/openai-python",'
        '"question":"Which transport does the realtime client use?"}',
        "The realtime client in openai/openai-python connects over WebSockets using the "
        "websockets package (AsyncRealtimeConnection / RealtimeConnection).",
        None,
        resp,
    )
    assert content_types(state.item(answer)) == ["output_text"]
    assert only_part(state, answer).text == "It uses WebSockets, through the websockets package."
    assert state.item(answer).response_id == resp
    assert responses(state) == [
        (resp, "completed", None, (call, answer), (412, 58, 470), "conv_F3kZPjreoRRUv3sXl3obu")
    ]
    assert usage(state) == totals(412, 58, 0, 412, 0, 58, 0)
    assert state.input_audio == UNTOUCHED
    assert rate_limits(state) == ga_limits(39999150)
    assert_clean_end(state, 36)


# --- every log --------------------------------------------------------------------------------


END_STATE_TESTS = {
    "beta_text_turn": test_beta_text_turn_ends_with_user_text_and_assistant_text_answer,
    "ga_text_turn": test_ga_text_turn_ends_with_user_text_and_assistant_output_text_answer,
    "beta_audio_turn": test_beta_audio_turn_keeps_whisper_transcript_and_500_ms_of_answer_audio,
    "ga_audio_turn": test_ga_audio_turn_keeps_token_billed_transcript_and_500_ms_of_answer_audio,
    "beta_function_call": test_beta_function_call_round_keeps_call_output_and_spoken_answer,
    "ga_function_call": test_ga_function_call_round_keeps_call_output_and_spoken_answer,
    "beta_interruption": test_beta_interruption_truncates_the_cut_answer_to_150_ms,
    "ga_interruption": test_ga_interruption_truncates_the_cut_answer_to_150_ms,
    "beta_cancelled_response": (
        test_beta_response_cancelled_before_output_leaves_no_item_and_zero_usage
    ),
    "ga_cancelled_response": test_ga_response_cancelled_before_output_leaves_no_item_and_zero_usage,
    "beta_item_deletion": test_beta_deleted_item_is_gone_and_the_next_user_item_follows_the_answer,
    "ga_item_deletion": test_ga_deleted_item_is_gone_and_the_next_user_item_follows_the_answer,
    "beta_transcription_only": test_beta_transcription_session_captions_two_turns_without_usage,
    "ga_transcription_only": test_ga_transcription_session_captions_two_turns_with_token_usage,
    "ga_out_of_band": test_ga_out_of_band_response_runs_beside_the_main_one_and_keeps_its_item,
    "ga_mcp": test_ga_mcp_lists_tools_then_calls_one_and_answers_in_text,
}


def test_every_log_has_an_end_state_test() -> None:
    assert sorted(END_STATE_TESTS) == [p.stem for p in LOG_FILES]


@pytest.mark.parametrize("path", LOG_FILES, ids=lambda p: p.stem)
def test_lenient_replay_gives_the_strict_state_and_no_violation(path: Path) -> None:
    log = read_lines(path)
    lenient = replay(log, policy="lenient")
    assert lenient.violations == ()
    assert lenient.policy == "lenient"
    assert attrs.evolve(lenient, policy="strict") == replay(log, policy="strict")


@pytest.mark.parametrize("path", LOG_FILES, ids=lambda p: p.stem)
def test_every_prefix_replays_in_strict_policy(path: Path) -> None:
    log = read_lines(path)
    for n in range(len(log) + 1):
        state = replay(log, policy="strict", upto=n)
        assert state.event_count == n
        assert state.violations == ()
