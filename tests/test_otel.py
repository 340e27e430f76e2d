"""realtime_state.otel: every span checked against the recorded session it came from.

Spans go to the SDK's ``InMemorySpanExporter``; the tests/logs scenarios are wrapped as
envelope logs with known times (event ``i`` at ``T0 + 0.1 * i``), so every start, end and
duration is known exactly. The live path follows a ``LiveSession`` driven by the real
``openai`` client against ``ReplayServer`` and must give the spans of its recording.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from helpers.data import HERE, read_lines
from realtime_state import SessionState, replay
from realtime_state.cli import main
from realtime_state.envelopes import envelope_line
from realtime_state.otel import (
    ATTRIBUTES,
    SEMCONV_VERSION,
    attribute_table,
    export_log,
    export_state,
    follow,
    otlp_json,
    traces_endpoint,
)

ROOT = Path(__file__).resolve().parents[1]
LOGS = sorted((HERE / "logs").glob("*.jsonl"))
T0 = 1_764_700_000.0
STEP = 0.1
N = {a.key: a.name for a in ATTRIBUTES}


def timed(path: Path) -> list[str]:
    return [
        envelope_line("server", T0 + STEP * i, frame=line)
        for i, line in enumerate(read_lines(path))
    ]


def at(i: int) -> int:
    """The time of event ``i`` of a timed log, in ns (what a span keeps)."""
    return round((T0 + STEP * i) * 1e9)


def collect(run: Any) -> list[ReadableSpan]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    run(provider)
    return list(exporter.get_finished_spans())


def kind(span: ReadableSpan) -> str:
    name = span.name
    if name == N["span.session"]:
        return "session"
    if name == N["span.turn"]:
        return "turn"
    return "response" if name.startswith("generate_content") else "call"


def by_kind(spans: list[ReadableSpan], what: str) -> list[ReadableSpan]:
    return sorted((s for s in spans if kind(s) == what), key=lambda s: s.start_time or 0)


def parent_of(span: ReadableSpan, spans: list[ReadableSpan]) -> ReadableSpan | None:
    if span.parent is None:
        return None
    return next(s for s in spans if s.context.span_id == span.parent.span_id)


def first_index(lines: list[str], kind_: str, **match: Any) -> int:
    for i, line in enumerate(lines):
        event = json.loads(line)
        if event["type"] == kind_ and all(event.get(k) == v for k, v in match.items()):
            return i
    raise AssertionError(f"no {kind_} {match}")


@pytest.mark.parametrize("path", LOGS, ids=[p.stem for p in LOGS])
def test_every_span_of_a_timed_log_matches_the_session(path: Path) -> None:
    lines = read_lines(path)
    state = replay(timed(path))
    spans = collect(lambda tp: export_log(timed(path), tp))
    (root,) = by_kind(spans, "session")
    # one trace, rooted at the session, from its first event to its last
    assert root.parent is None
    assert {s.context.trace_id for s in spans} == {root.context.trace_id}
    assert (root.start_time, root.end_time) == (at(0), at(len(lines) - 1))
    assert root.attributes[N["conversation_id"]] == state.session.id
    # a span per response, child of the session, from response.created to response.done
    responses = by_kind(spans, "response")
    assert [s.attributes[N["response_id"]] for s in responses] == [
        r.id for r in state.responses_in_order
    ]
    for span, r in zip(responses, state.responses_in_order, strict=True):
        assert parent_of(span, spans) is root
        assert span.start_time == at(r.created_index)
        assert span.end_time == at(r.done_index)
        attributes = span.attributes
        assert attributes[N["status"]] == r.status
        reason = r.status_details.reason if r.status_details else None
        assert attributes[N["finish_reasons"]] == (reason or r.status,)
        assert attributes[N["input_tokens"]] == r.usage.input_tokens
        assert attributes[N["output_tokens"]] == r.usage.output_tokens
        assert attributes[N["total_tokens"]] == r.usage.total_tokens
        details = r.usage.input_token_details
        assert attributes[N["cached_tokens"]] == details.cached_tokens
        assert attributes[N["input_audio_tokens"]] == details.audio_tokens
        assert attributes[N["output_audio_tokens"]] == r.usage.output_token_details.audio_tokens
        if r.first_audio_at is not None:
            expected = (r.first_audio_at - r.created_at) * 1000
            assert attributes[N["first_audio_ms"]] == pytest.approx(expected)
        assert N["synthetic"] not in attributes
    # a span per user turn: speech start (or commit) to commit
    turns = by_kind(spans, "turn")
    assert [s.attributes[N["item_id"]] for s in turns] == list(state.input_audio.committed_item_ids)
    for span in turns:
        item_id = span.attributes[N["item_id"]]
        assert parent_of(span, spans) is root
        committed = first_index(lines, "input_audio_buffer.committed", item_id=item_id)
        try:
            started = first_index(lines, "input_audio_buffer.speech_started", item_id=item_id)
        except AssertionError:
            started = committed
        assert (span.start_time, span.end_time) == (at(started), at(committed))
    # a span per function call, child of its response, to the output's arrival
    calls = by_kind(spans, "call")
    function_calls = [i for i in state.items if i.type == "function_call"]
    assert len(calls) == len(function_calls)
    for span, item in zip(calls, function_calls, strict=True):
        parent = parent_of(span, spans)
        assert parent is not None and parent.attributes[N["response_id"]] == item.response_id
        assert span.attributes[N["tool_name"]] == item.name
        assert span.attributes[N["tool_call_id"]] == item.call_id
        assert span.attributes[N["tool_arguments"]] == item.arguments
        output = next(i for i in state.items if i.call_id == item.call_id and i is not item)
        assert span.attributes[N["tool_result"]] == output.output
        start = next(
            i
            for i, line in enumerate(lines)
            if json.loads(line).get("item", {}).get("call_id") == item.call_id
        )
        end = next(
            i
            for i, line in enumerate(lines)
            if json.loads(line).get("item", {}).get("type") == "function_call_output"
            and json.loads(line)["item"].get("call_id") == item.call_id
        )
        assert (span.start_time, span.end_time) == (at(start), at(end))
    assert len(spans) == 1 + len(responses) + len(turns) + len(calls)


def test_the_example_logs_have_what_the_tests_above_check() -> None:
    counts = {"turn": 0, "call": 0, "interrupted": 0}
    for path in LOGS:
        spans = collect(lambda tp, path=path: export_log(timed(path), tp))
        counts["turn"] += len(by_kind(spans, "turn"))
        counts["call"] += len(by_kind(spans, "call"))
        counts["interrupted"] += sum(
            s.attributes[N["finish_reasons"]] == ("turn_detected",)
            for s in by_kind(spans, "response")
        )
    assert counts["turn"] >= 5 and counts["call"] >= 2 and counts["interrupted"] >= 2


def test_a_failed_response_is_an_error_span_with_error_type() -> None:
    path = HERE / "logs" / "ga_text_turn.jsonl"
    lines = read_lines(path)
    done = first_index(lines, "response.done")
    event = json.loads(lines[done])
    event["response"]["status"] = "failed"
    event["response"]["status_details"] = {
        "type": "failed",
        "error": {"type": "server_error", "message": "boom"},
    }
    lines[done] = json.dumps(event)
    spans = collect(lambda tp: export_log(lines, tp, clock=lambda: T0))
    (response,) = by_kind(spans, "response")
    assert response.attributes[N["error_type"]] == "server_error"
    assert response.status.status_code.name == "ERROR"
    assert response.status.description == "boom"


def test_errors_and_violations_are_span_events_with_their_index() -> None:
    path = HERE / "logs" / "ga_text_turn.jsonl"
    lines = timed(path)
    created = first_index(read_lines(path), "response.created")
    rid = json.loads(read_lines(path)[created])["response"]["id"]
    # a second response.created for the running response (a violation about it) and an error
    bad = json.dumps(json.loads(read_lines(path)[created]))
    error = json.dumps(
        {
            "type": "error",
            "event_id": "event_x",
            "error": {
                "type": "invalid_request_error",
                "code": "bad",
                "message": "no",
                "param": None,
                "event_id": None,
            },
        }
    )
    lines[created + 1 : created + 1] = [
        envelope_line("server", T0 + STEP * created + 0.01, frame=bad),
        envelope_line("server", T0 + STEP * created + 0.02, frame=error),
    ]
    state = replay(lines)
    assert state.violations and state.errors
    spans = collect(lambda tp: export_log(lines, tp))
    (root,) = by_kind(spans, "session")
    (response,) = by_kind(spans, "response")
    violations = [e for s in spans for e in s.events if e.name == N["event.violation"]]
    assert [e.attributes[N["event_index"]] for e in violations] == [
        v.index for v in state.violations
    ]
    assert [e.attributes[N["violation_code"]] for e in violations] == [
        v.code for v in state.violations
    ]
    # the violation names the running response: it is on that span
    assert any(e.name == N["event.violation"] for e in response.events)
    assert rid in state.violations[0].ids
    (error_event,) = root.events
    assert error_event.name == N["event.error"]
    assert error_event.attributes[N["error_type"]] == "invalid_request_error"
    assert error_event.attributes[N["event_index"]] == state.errors[0].index
    assert error_event.timestamp == round((T0 + STEP * created + 0.02) * 1e9)


def test_several_sessions_on_one_stream_give_several_traces() -> None:
    one, two = HERE / "logs" / "ga_interruption.jsonl", HERE / "logs" / "ga_text_turn.jsonl"
    lines = read_lines(one) + read_lines(two)
    log = [envelope_line("server", T0 + STEP * i, frame=line) for i, line in enumerate(lines)]
    state = replay(log)
    assert len(state.sessions) == 2
    spans = collect(lambda tp: export_log(log, tp))
    roots = by_kind(spans, "session")
    assert [r.attributes[N["session_index"]] for r in roots] == [0, 1]
    assert [r.attributes[N["conversation_id"]] for r in roots] == [
        s.session.id for s in state.sessions
    ]
    assert len({s.context.trace_id for s in spans}) == 2
    for session, root in zip(state.sessions, roots, strict=True):
        mine = [s for s in spans if s.context.trace_id == root.context.trace_id]
        assert len(by_kind(mine, "response")) == len(session.responses)
    assert roots[1].start_time == at(len(read_lines(one)))


def test_a_log_without_times_gives_synthetic_zero_duration_spans() -> None:
    path = HERE / "logs" / "ga_function_call.jsonl"
    spans = collect(lambda tp: export_log(read_lines(path), tp, clock=lambda: T0))
    assert len(spans) == 4
    for span in spans:
        assert span.start_time == span.end_time == round(T0 * 1e9)
        assert span.attributes[N["synthetic"]] is True


def test_export_state_uses_the_times_the_state_keeps() -> None:
    path = HERE / "logs" / "ga_function_call.jsonl"
    state = replay(timed(path))
    from_log = collect(lambda tp: export_log(timed(path), tp))
    from_state = collect(lambda tp: export_state(state, tp))
    assert len(from_state) == len(from_log) == 4
    for what in ("response",):
        assert [
            (s.start_time, s.end_time, dict(s.attributes)) for s in by_kind(from_state, what)
        ] == [(s.start_time, s.end_time, dict(s.attributes)) for s in by_kind(from_log, what)]
    (call,) = by_kind(from_state, "call")
    first = by_kind(from_state, "response")[0]
    assert call.start_time == first.start_time and call.attributes[N["synthetic"]] is True
    (root,) = by_kind(from_state, "session")
    assert root.start_time == first.start_time  # the earliest time the state keeps
    assert root.end_time == round(state.time * 1e9)


def test_content_false_leaves_out_arguments_and_results() -> None:
    path = HERE / "logs" / "ga_function_call.jsonl"
    spans = collect(lambda tp: export_log(timed(path), tp, content=False))
    (call,) = by_kind(spans, "call")
    assert N["tool_arguments"] not in call.attributes
    assert N["tool_result"] not in call.attributes
    assert call.attributes[N["tool_name"]] == "get_weather"


def _shape(spans: list[ReadableSpan]) -> list[Any]:
    """The spans without their ids: name, parent's name, times, attributes, events."""
    out = []
    for span in sorted(spans, key=lambda s: (s.start_time, s.name, s.end_time)):
        parent = parent_of(span, spans)
        out.append(
            (
                span.name,
                parent.name if parent else None,
                span.start_time,
                span.end_time,
                dict(span.attributes),
                [(e.name, dict(e.attributes), e.timestamp) for e in span.events],
            )
        )
    return out


def test_following_a_live_session_gives_the_spans_of_its_recording(tmp_path: Path) -> None:
    pytest.importorskip("websockets")
    pytest.importorskip("openai")
    from realtime_state import LiveSession
    from realtime_state.testing.server import ReplayServer, plan

    recording = read_lines(HERE / "recordings" / "ga_tool_call_round.jsonl")
    record = tmp_path / "call.jsonl"
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    script = plan(recording)
    with (
        ReplayServer(recording) as server,
        server.client().realtime.connect(model="gpt-realtime") as conn,
    ):
        session = LiveSession(conn, record=record)
        tracer = follow(session, provider)
        for event in script.client_events_after(-1):
            session.send(event)
        for k, update in enumerate(session):
            if k == 5:  # spans are exported as they end, while the call runs
                assert [s.name for s in exporter.get_finished_spans()] == []
            for event in script.client_events_after(k):
                session.send(event)
            if update.event is not None and update.event.type == "response.done":
                assert exporter.get_finished_spans()[-1].name.startswith("generate_content")
        session.close()
    tracer.close()
    live = list(exporter.get_finished_spans())
    replayed = collect(lambda tp: export_log(read_lines(record), tp))
    assert _shape(live) == _shape(replayed)
    assert len(by_kind(live, "call")) == 1 and len(by_kind(live, "response")) == 2


def test_cli_writes_otlp_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = HERE / "logs" / "ga_function_call.jsonl"
    log = tmp_path / "timed.jsonl"
    log.write_text("\n".join(timed(path)) + "\n", encoding="utf-8")
    out = tmp_path / "traces.json"
    assert main(["otel", str(log), "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    (resource,) = data["resourceSpans"]
    keys = {a["key"]: a["value"] for a in resource["resource"]["attributes"]}
    assert keys["service.name"] == {"stringValue": "realtime-state"}
    (scope,) = resource["scopeSpans"]
    assert scope["scope"]["name"] == "realtime_state.otel"
    spans = scope["spans"]
    assert len(spans) == 4
    names = sorted(s["name"] for s in spans)
    assert names == sorted(
        [
            "realtime.session",
            "generate_content gpt-realtime",
            "generate_content gpt-realtime",
            "execute_tool get_weather",
        ]
    )
    (root,) = [s for s in spans if "parentSpanId" not in s or not s["parentSpanId"]]
    assert len(root["traceId"]) == 32 and len(root["spanId"]) == 16  # hex, as OTLP/JSON says
    assert all(s["traceId"] == root["traceId"] for s in spans)
    assert int(root["startTimeUnixNano"]) == at(0)
    assert "4 spans in 1 traces" in capsys.readouterr().err


def test_otlp_json_matches_what_the_exporter_encodes() -> None:
    path = HERE / "logs" / "ga_function_call.jsonl"
    spans = collect(lambda tp: export_log(timed(path), tp))
    data = otlp_json(spans)
    flat = [s for r in data["resourceSpans"] for ss in r["scopeSpans"] for s in ss["spans"]]
    assert {s["spanId"] for s in flat} == {format(s.context.span_id, "016x") for s in spans}


class _Collector(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[str]:
    _Collector.received = []
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("how", ["option", "env"])
def test_cli_sends_to_an_otlp_endpoint(
    collector: str, how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    log = tmp_path / "timed.jsonl"
    log.write_text("\n".join(timed(HERE / "logs" / "ga_interruption.jsonl")) + "\n")
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    if how == "env":
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector)
        argv = ["otel", str(log)]
    else:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")  # not used
        argv = ["otel", str(log), "--endpoint", collector]
    assert main(argv) == 0
    ((where, body),) = _Collector.received
    assert where == "/v1/traces"
    request = ExportTraceServiceRequest.FromString(body)
    spans = [s for r in request.resource_spans for ss in r.scope_spans for s in ss.spans]
    assert len(spans) == 1 + 2 + 2  # the session, two responses, two turns


def test_traces_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    assert traces_endpoint() == "http://localhost:4318/v1/traces"
    assert traces_endpoint("http://c:4318/") == "http://c:4318/v1/traces"
    assert traces_endpoint("http://c:4318/v1/traces") == "http://c:4318/v1/traces"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://e:1")
    assert traces_endpoint() == "http://e:1/v1/traces"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:2/x")
    assert traces_endpoint() == "http://t:2/x"


def test_without_opentelemetry_the_import_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)
    monkeypatch.delitem(sys.modules, "realtime_state.otel", raising=False)
    with pytest.raises(ImportError, match=r"pip install 'realtime-state\[otel\]'"):
        importlib.import_module("realtime_state.otel")


def test_cli_without_opentelemetry_fails_clearly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import realtime_state

    monkeypatch.setitem(sys.modules, "opentelemetry", None)
    monkeypatch.delitem(sys.modules, "realtime_state.otel", raising=False)
    monkeypatch.delattr(realtime_state, "otel", raising=False)
    assert main(["otel", str(HERE / "logs" / "ga_text_turn.jsonl")]) == 2
    assert "realtime-state[otel]" in capsys.readouterr().err


def test_importing_the_package_does_not_import_opentelemetry() -> None:
    code = (
        "import sys, realtime_state; from realtime_state import replay, LiveSession; "
        "assert not [m for m in sys.modules if m.startswith('opentelemetry')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_attribute_table_is_one_table_with_its_version() -> None:
    assert SEMCONV_VERSION.count(".") == 2
    names = [a.name for a in ATTRIBUTES]
    assert len(names) == len(set(names))
    for a in ATTRIBUTES:
        assert a.draft == (
            not a.name.startswith(("gen_ai.", "error.", "generate_content", "execute_tool"))
        ), a
    docs = (ROOT / "docs" / "otel.md").read_text(encoding="utf-8")
    assert attribute_table() in docs
    assert SEMCONV_VERSION in docs


def test_every_attribute_written_is_in_the_table() -> None:
    spans = []
    for path in LOGS:
        spans += collect(lambda tp, path=path: export_log(timed(path), tp))
    written = {k for s in spans for k in s.attributes}
    written |= {k for s in spans for e in s.events for k in e.attributes}
    assert written <= {a.name for a in ATTRIBUTES}


def test_state_is_what_export_log_returns() -> None:
    path = HERE / "logs" / "ga_text_turn.jsonl"
    holder: list[SessionState] = []
    collect(lambda tp: holder.append(export_log(timed(path), tp)))
    assert holder == [replay(timed(path))]
