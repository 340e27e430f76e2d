"""Envelope lines (``{"time", "source", "event"}`` and ``raw`` frames), times kept in the
state, and a second ``session.created`` starting a new session state."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from helpers.data import HERE, RECORDING_FILES, read_lines
from realtime_state import DecodeError, SessionState, decode, history, reduce, replay
from realtime_state.envelopes import (
    INVALID_SERVER_EVENT,
    Envelope,
    decode_entry,
    encode_entry,
    envelope_line,
    raw_line,
)
from realtime_state.events import UnknownClientEvent
from realtime_state.logs import replay_log, summarize

LOGS = sorted((HERE / "logs").glob("*.jsonl"))
ALL_LOGS = RECORDING_FILES + LOGS
T0 = 1_764_700_000.0


def enveloped(lines: list[str], *, step: float = 0.25, every: int = 1) -> list[str]:
    """The lines as envelope lines with increasing times (every ``every``-th line; the others
    stay bare), the event text embedded as it is."""
    out = []
    for i, line in enumerate(lines):
        if i % every:
            out.append(line)
        else:
            out.append(envelope_line("server", T0 + i * step, frame=line))
    return out


def without_times(state: SessionState) -> tuple[Any, ...]:
    """What must not depend on whether the log carries times."""
    return (
        state.items,
        tuple(
            sorted((r.id, r.status, r.output_item_ids, r.usage) for r in state.responses_in_order)
        ),
        state.violations,
        tuple((e.index, e.type, e.code, e.message) for e in state.errors),
        state.event_count,
        state.input_audio.committed_item_ids,
        state.usage,
    )


# --- decoding lines ------------------------------------------------------------------------


def test_a_bare_event_decodes_as_before() -> None:
    line = (
        '{"type":"response.created","event_id":"e1","response":{"id":"r1","status":"in_progress"}}'
    )
    assert decode_entry(line) == decode(line)
    assert encode_entry(decode_entry(line)) == json.loads(line)


@pytest.mark.parametrize(
    "line",
    [
        '{"time":1764700000.5,"source":"server","event":{"type":"conversation.created","event_id":"e1","conversation":{"id":"c1"}}}',
        '{"time":1764700000,"source":"client","event":{"type":"response.create"}}',
        '{"source":"client","event":{"type":"response.create","event_id":"evt_x"}}',
        '{"time":null,"source":"server","event":{"type":"x.y","event_id":"e9","n":1}}',
        '{"time":1.5,"source":"server","raw":"not json at all"}',
        '{"time":1.5,"source":"server","event":{"type":"rate_limits.updated","event_id":"e","rate_limits":[]},"seq":7}',
    ],
)
def test_envelope_lines_round_trip(line: str) -> None:
    entry = decode_entry(line)
    assert isinstance(entry, Envelope)
    back = encode_entry(entry)
    expected = json.loads(line)
    if expected.get("time") is None:
        expected.pop("time", None)
    else:
        expected["time"] = float(expected["time"])
    assert back == expected
    assert decode_entry(back) == entry  # a mapping decodes like its text


def test_unknown_client_event_is_kept_as_a_client_event() -> None:
    entry = decode_entry('{"time":2,"source":"client","event":{"type":"future.thing","a":[1]}}')
    assert isinstance(entry, Envelope)
    assert isinstance(entry.event, UnknownClientEvent)
    state = reduce(SessionState(), entry)
    assert [r.event for r in state.client_events] == [entry.event]
    assert state.client_events[0].time == 2.0


@pytest.mark.parametrize(
    ("line", "path", "words"),
    [
        ('{"time":"noon","source":"server","event":{"type":"x"}}', ("time",), "expected a number"),
        ('{"time":true,"source":"server","event":{"type":"x"}}', ("time",), "expected a number"),
        ('{"time":1,"source":"browser","event":{"type":"x"}}', ("source",), "'server' or"),
        ('{"time":1,"source":"client","raw":"x"}', ("raw",), "server frame"),
        ('{"time":1,"source":"server","raw":5}', ("raw",), "server frame"),
        (
            '{"time":1,"source":"client","event":{"type":"conversation.created","event_id":"e",'
            '"conversation":{"id":"c"}}}',
            ("source",),
            "is a server event",
        ),
        ('{"time":1,"source":"server","event":{"type":"response.create"}}', ("source",), "client"),
        (
            '{"time":1,"source":"server","event":{"type":"error","event_id":"e","error":{"type":5}}}',
            ("event", "error", "type"),
            "expected a string",
        ),
    ],
)
def test_bad_envelopes_name_the_field(line: str, path: tuple[str, ...], words: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode_entry(line)
    assert info.value.path == path
    assert words in str(info.value)
    # reduce names the event's index too, and the state passed in is untouched
    state = replay([read_lines(RECORDING_FILES[0])[0]])
    with pytest.raises(DecodeError, match=r"event #1"):
        reduce(state, line)
    assert state.event_count == 1


def test_integers_beyond_64_bits_stay_exact_in_an_envelope() -> None:
    big = 2**70 + 1
    line = (
        '{"time":1,"source":"server","event":{"type":"rate_limits.updated","event_id":"e",'
        f'"rate_limits":[{{"name":"tokens","limit":{big},"remaining":1,"reset_seconds":1}}]}}}}'
    )
    state = reduce(SessionState(), line)
    assert state.rate_limits["tokens"].limit == big


def test_envelope_line_embeds_the_frame_verbatim() -> None:
    frame = '{"type":"x.y","event_id":"e1","n":1.10,"s":"caf\\u00e9"}'
    line = envelope_line("server", 1764700000.123456, frame=frame)
    assert line == '{"time":1764700000.123456,"source":"server","event":' + frame + "}"
    # a pretty-printed frame stays one line and means the same
    pretty = '{\n  "type": "x.y",\n  "n": 1\n}'
    one = envelope_line("server", None, frame=pretty)
    assert "\n" not in one
    assert orjson.loads(one)["event"] == {"type": "x.y", "n": 1}
    assert orjson.loads(envelope_line("client", 2.0, event={"type": "response.create"})) == {
        "time": 2.0,
        "source": "client",
        "event": {"type": "response.create"},
    }


# --- replaying envelope logs ---------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_LOGS, ids=lambda p: p.name)
@pytest.mark.parametrize("every", [1, 3])
def test_envelope_and_mixed_logs_replay_like_the_plain_log(path: Path, every: int) -> None:
    lines = read_lines(path)
    plain = replay(lines)
    timed = replay(enveloped(lines, every=every))
    assert without_times(timed) == without_times(plain)
    # with every time null, the very same state
    untimed = [envelope_line("server", None, frame=line) for line in lines]
    assert replay(untimed) == plain


@pytest.mark.parametrize("path", ALL_LOGS, ids=lambda p: p.name)
def test_the_cli_log_reader_takes_envelope_logs(path: Path, tmp_path: Path) -> None:
    log = tmp_path / "call.jsonl"
    log.write_text("\n".join(enveloped(read_lines(path), every=2)) + "\n", encoding="utf-8")
    result = replay_log(str(log))
    assert not result.bad_lines
    assert without_times(result.state) == without_times(replay(read_lines(path)))


def test_history_yields_the_events_of_envelopes_and_the_time_in_the_state() -> None:
    lines = read_lines(RECORDING_FILES[0])
    for (index, event, state), line in zip(history(enveloped(lines)), lines, strict=True):
        assert event == decode(line)
        assert state.time == T0 + index * 0.25


def test_a_bare_line_after_a_timed_one_has_no_time() -> None:
    lines = read_lines(RECORDING_FILES[0])[:3]
    state = replay([envelope_line("server", T0, frame=lines[0]), lines[1]])
    assert state.time is None
    assert replay([envelope_line("server", T0, frame=lines[0])]).time == T0


# --- raw frames ------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["lenient", "strict"])
def test_a_raw_frame_is_an_error_entry_and_the_stream_goes_on(policy: str) -> None:
    lines = read_lines(RECORDING_FILES[0])
    bad = raw_line(T0 + 1, "<html>502 Bad Gateway</html>")
    stream = [lines[0], bad, *lines[1:]]
    state = replay(stream, policy=policy)
    plain = replay(lines, policy=policy)
    entry = next(e for e in state.errors if e.type == INVALID_SERVER_EVENT)
    assert entry.index == 1
    assert entry.frame == "<html>502 Bad Gateway</html>"
    assert entry.time == T0 + 1
    assert "event #1" in entry.message and "invalid JSON" in entry.message
    assert state.event_count == plain.event_count + 1
    assert state.items == plain.items
    events = [event for _, event, _ in history(stream, policy=policy)]
    assert events[1] is None


def test_a_raw_frame_this_version_can_read_is_applied() -> None:
    line = read_lines(RECORDING_FILES[0])[0]
    state = reduce(SessionState(), raw_line(5.0, line))
    assert state.errors == ()
    assert state == reduce(SessionState(), line, time=5.0)


def test_a_raw_frame_that_is_json_but_not_an_event_names_the_field() -> None:
    frame = '{"type":"response.created","event_id":"e","response":{"id":7}}'
    state = reduce(SessionState(), raw_line(None, frame))
    (entry,) = state.errors
    assert "'response.created'" in entry.message and "response.id" in entry.message
    assert entry.frame == frame


# --- times kept in the state -----------------------------------------------------------------


def _timed(path: Path) -> tuple[list[dict[str, Any]], SessionState]:
    lines = read_lines(path)
    events = [json.loads(line) for line in lines]
    return events, replay(enveloped(lines))


def _time_of(events: list[dict[str, Any]], match: Any) -> float | None:
    for i, event in enumerate(events):
        if match(event):
            return T0 + i * 0.25
    return None


@pytest.mark.parametrize("path", ALL_LOGS, ids=lambda p: p.name)
def test_response_times_are_those_of_its_events(path: Path) -> None:
    events, state = _timed(path)
    for response in state.responses.values():
        rid = response.id

        def created(e: dict[str, Any], rid: str = rid) -> bool:
            return e["type"] == "response.created" and e["response"]["id"] == rid

        def done(e: dict[str, Any], rid: str = rid) -> bool:
            return e["type"] == "response.done" and e["response"]["id"] == rid

        def audio(e: dict[str, Any], rid: str = rid) -> bool:
            kinds = ("response.audio.delta", "response.output_audio.delta")
            return e["type"] in kinds and e["response_id"] == rid

        assert response.created_at == _time_of(events, created)
        assert response.done_at == _time_of(events, done)
        assert response.first_audio_at == _time_of(events, audio)


@pytest.mark.parametrize("path", ALL_LOGS, ids=lambda p: p.name)
def test_speech_times_per_turn_and_the_stop_each_response_answers(path: Path) -> None:
    events, state = _timed(path)
    for item_id, times in state.input_audio.turn_times.items():
        for field, kind in (
            ("speech_started_at", "input_audio_buffer.speech_started"),
            ("speech_stopped_at", "input_audio_buffer.speech_stopped"),
            ("committed_at", "input_audio_buffer.committed"),
        ):
            expected = _time_of(
                events, lambda e, k=kind, i=item_id: e["type"] == k and e.get("item_id") == i
            )
            assert getattr(times, field) == expected
    # independently: walk the stream, the last unanswered stop goes to the next response
    unanswered, expected_stops = None, {}
    for i, event in enumerate(events):
        if event["type"] == "input_audio_buffer.speech_stopped":
            unanswered = T0 + i * 0.25
        elif event["type"] == "response.created":
            response = state.responses.get(event["response"]["id"])
            if response is not None and not response.out_of_band:
                expected_stops[response.id] = unanswered
                unanswered = None
    for rid, stop in expected_stops.items():
        assert state.responses[rid].speech_stopped_at == stop


def test_voice_logs_have_speech_and_audio_times() -> None:
    _, state = _timed(HERE / "logs" / "ga_audio_turn.jsonl")
    response = state.responses_in_order[-1]
    assert response.speech_stopped_at is not None
    assert response.speech_stopped_at < response.created_at < response.first_audio_at
    assert response.first_audio_at < response.done_at


def test_client_events_and_errors_keep_their_time() -> None:
    stream = [
        envelope_line("client", T0, event={"type": "response.create", "event_id": "evt_1"}),
        envelope_line(
            "server",
            T0 + 0.5,
            event={
                "type": "error",
                "event_id": "e2",
                "error": {"type": "invalid_request_error", "message": "no", "event_id": "evt_1"},
            },
        ),
    ]
    state = replay(stream)
    assert state.client_events[0].time == T0
    assert state.errors[0].time == T0 + 0.5
    assert state.errors[0].client_event == state.client_events[0]


def test_a_plain_log_keeps_no_time() -> None:
    state = replay(read_lines(HERE / "logs" / "ga_audio_turn.jsonl"))
    assert state.time is None
    assert all(r.created_at is None and r.done_at is None for r in state.responses.values())
    assert len(state.input_audio.turn_times) == 0


# --- several sessions on one stream ----------------------------------------------------------


def test_a_second_session_created_starts_a_new_session_state(tmp_path: Path) -> None:
    first = read_lines(HERE / "logs" / "ga_text_turn.jsonl")
    second = read_lines(RECORDING_FILES[-1])
    state = replay([*first, *second])
    assert len(state.sessions) == 2
    earlier, last = state.sessions
    assert last is state
    assert earlier == replay(first)
    assert state.items == replay(second).items
    assert state.event_count == len(first) + len(second)
    assert state.violations == ()
    # the CLI says so
    log = tmp_path / "two.jsonl"
    log.write_text("\n".join([*first, *second]) + "\n", encoding="utf-8")
    summary = summarize(replay_log(str(log)))
    assert [s["first_event"] for s in summary["sessions"]] == [0, len(first)]
    assert [s["items"] for s in summary["sessions"]] == [
        replay(first).conversation.size,
        replay(second).conversation.size,
    ]


def test_violations_of_every_session_are_reported(tmp_path: Path) -> None:
    first = read_lines(HERE / "logs" / "ga_text_turn.jsonl")
    broken = [line for line in first if '"response.created"' not in line]
    log = tmp_path / "two.jsonl"
    log.write_text("\n".join([*broken, *first]) + "\n", encoding="utf-8")
    result = replay_log(str(log))
    assert result.violations and all(v.index < len(broken) for v in result.violations)
    assert result.state.violations == ()


# --- the command line ------------------------------------------------------------------------


def _cli(*args: str, input: str | None = None) -> tuple[int, str]:
    from click.testing import CliRunner

    from realtime_state.cli import cli

    result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.output


def _mixed_log(tmp_path: Path, name: str = "ga_function_call.jsonl") -> tuple[Path, list[str]]:
    lines = read_lines(HERE / "logs" / name)
    log = tmp_path / "mixed.jsonl"
    mixed = enveloped(lines, every=2)
    mixed.insert(2, envelope_line("client", T0 + 0.3, event={"type": "response.create"}))
    log.write_text("\n".join(mixed) + "\n", encoding="utf-8")
    return log, lines


def test_cli_replay_check_and_inspect_read_mixed_logs(tmp_path: Path) -> None:
    log, lines = _mixed_log(tmp_path)
    code, out = _cli("replay", str(log), "--format", "json")
    assert code == 0
    summary = json.loads(out)["summary"]
    assert summary["events"] == len(lines) + 1
    assert summary["bad_lines"] == [] and summary["violations"] == []
    assert _cli("check", str(log))[0] == 0
    code, out = _cli("inspect", str(log), "--at", "2", "--json")
    assert code == 0
    assert json.loads(out)["event_count"] == 3


def test_cli_follows_a_mixed_log_on_stdin(tmp_path: Path) -> None:
    log, _ = _mixed_log(tmp_path)
    code, out = _cli("replay", "-", input=log.read_text(encoding="utf-8"))
    assert code == 0
    assert re.search(r"bad lines\s+0\b", out)
    assert re.search(r"violations\s+0\b", out)
    assert "get_weather" in out  # the function call was followed


def test_cli_reports_each_session_of_a_concatenated_log(tmp_path: Path) -> None:
    first = read_lines(HERE / "logs" / "ga_text_turn.jsonl")
    second = read_lines(HERE / "logs" / "ga_function_call.jsonl")
    log = tmp_path / "two.jsonl"
    log.write_text("\n".join([*first, *second]) + "\n", encoding="utf-8")
    code, out = _cli("replay", str(log))
    assert code == 0
    assert f"2 (a new session.created at event #{len(first)}" in " ".join(out.split())


def test_check_reports_a_raw_frame_without_failing_the_log(tmp_path: Path) -> None:
    lines = read_lines(HERE / "logs" / "ga_text_turn.jsonl")
    log = tmp_path / "raw.jsonl"
    log.write_text("\n".join([lines[0], raw_line(T0, "oops"), *lines[1:]]) + "\n", "utf-8")
    assert _cli("check", str(log))[0] == 0
    _code, out = _cli("replay", str(log), "--format", "json")
    errors = json.loads(out)["summary"]["errors"]
    assert [(e["index"], e["type"]) for e in errors] == [(1, INVALID_SERVER_EVENT)]


# --- the published JSON Schema ---------------------------------------------------------------


def test_the_schema_in_the_docs_is_the_package_schema() -> None:
    from realtime_state.envelopes import log_line_schema

    page = (HERE.parent / "docs" / "live.md").read_text(encoding="utf-8")
    block = re.search(r"^```json\n(.*?)^```", page, re.S | re.M)
    assert block is not None
    assert json.loads(block.group(1)) == log_line_schema()


def test_the_schema_accepts_every_line_the_library_reads_and_rejects_bad_envelopes() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from realtime_state.envelopes import log_line_schema

    validator = jsonschema.Draft202012Validator(log_line_schema())
    jsonschema.Draft202012Validator.check_schema(log_line_schema())
    good = [
        *read_lines(RECORDING_FILES[0]),
        *enveloped(read_lines(HERE / "logs" / "ga_audio_turn.jsonl")),
        envelope_line("client", None, event={"type": "response.create"}),
        raw_line(T0, "not json"),
    ]
    for line in good:
        assert validator.is_valid(json.loads(line)), line
        decode_entry(line)
    bad = [
        {"time": 1, "source": "browser", "event": {"type": "x"}},
        {"time": "noon", "source": "server", "event": {"type": "x"}},
        {"time": 1, "source": "client", "raw": "x"},
        {"time": 1, "source": "server", "raw": 5},
        {"time": 1, "source": "server", "raw": "x", "event": {"type": "x"}},
        {"time": 1, "source": "server"},
    ]
    for obj in bad:
        assert not validator.is_valid(obj), obj
        with pytest.raises(DecodeError):
            decode_entry(obj)


# --- review findings ------------------------------------------------------------------------


def test_integers_beyond_64_bits_stay_exact_in_bare_lines_and_unknown_events() -> None:
    big = 10**30
    line = f'{{"type":"some.future_event","n":{big}}}'
    assert encode_entry(decode_entry(line)) == {"type": "some.future_event", "n": big}
    enveloped_line = envelope_line("server", 1.0, frame=line)
    assert encode_entry(decode_entry(enveloped_line))["event"]["n"] == big
    limits = (
        '{"type":"rate_limits.updated","event_id":"e","rate_limits":'
        f'[{{"name":"tokens","reset_seconds":{big}}}]}}'
    )
    assert replay([limits]) == reduce(SessionState(), decode(limits))
    assert replay([envelope_line("server", 1.5, frame=limits)]) == reduce(
        SessionState(), decode(limits), time=1.5
    )


@pytest.mark.parametrize(
    "obj",
    [
        {"source": ["server"], "event": {"type": "x"}},
        {"source": {"a": 1}, "event": {"type": "x"}},
        {"time": 10**400, "source": "server", "event": {"type": "x"}},
    ],
)
def test_malformed_envelopes_are_decode_errors_not_crashes(obj: dict[str, Any]) -> None:
    with pytest.raises(DecodeError):
        decode_entry(obj)


def test_a_raw_frame_with_a_client_events_type_is_an_error_entry() -> None:
    state = reduce(SessionState(), raw_line(1.0, '{"type":"response.create","event_id":"x"}'))
    (entry,) = state.errors
    assert entry.type == INVALID_SERVER_EVENT and "client event" in entry.message
    assert state.client_events == () and state.pending.empty
