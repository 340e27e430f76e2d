"""A session as OpenTelemetry traces: from a finished state, a recorded log, or live.

One trace per session (a root span), a span per response (a child of the session), per user
turn (speech start to commit) and per function call (a child of the response that made it);
errors and violations are span events. Every attribute name is in :data:`ATTRIBUTES`, one
table, with the semantic-conventions version it follows (:data:`SEMCONV_VERSION`); names the
conventions do not define yet are drafts under ``realtime.*``. See docs/otel.md.

Needs the ``otel`` extra: ``pip install 'realtime-state[otel]'``.
"""

from __future__ import annotations

import itertools
import json
import time as _time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

try:
    from opentelemetry import trace
    from opentelemetry.context import Context
    from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider
except ImportError as exc:  # pragma: no cover - exercised with the import blocked
    raise ImportError(
        "realtime_state.otel needs OpenTelemetry: pip install 'realtime-state[otel]'"
    ) from exc

from .reducer import history
from .state import (
    LENIENT,
    ArchivedMap,
    ErrorRecord,
    ItemState,
    ResponseState,
    SessionState,
    Violation,
)

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan

    from .live import LiveSession, Update

__all__ = [
    "ATTRIBUTES",
    "SEMCONV_VERSION",
    "Attribute",
    "SessionTracer",
    "attribute_table",
    "export_log",
    "export_state",
    "follow",
    "otlp_json",
    "send_otlp",
    "traces_endpoint",
]

SEMCONV_VERSION = "1.45.0"
"""The OpenTelemetry semantic conventions the ``gen_ai.*`` and ``error.type`` names follow:
the GenAI conventions as released standalone in open-telemetry/semantic-conventions-genai
v0.1.0, which builds on semantic conventions v1.45.0. Every GenAI name is at status
*Development* there; a realtime (live session) convention is only proposed, so the names
this module needs beyond it are drafts (``realtime.*``)."""

SEMCONV_GENAI_VERSION = "0.1.0"
"""The release of open-telemetry/semantic-conventions-genai the ``gen_ai.*`` names follow."""


@attrs.frozen
class Attribute:
    """One row of :data:`ATTRIBUTES`: an attribute (or span event) name and where it goes."""

    key: str
    """The name the code uses (stable inside this package)."""
    name: str
    """The name written on the span."""
    spans: str
    """Where it is set: ``session``, ``response``, ``turn``, ``call``, an event name."""
    meaning: str
    draft: bool = False
    """``True`` when no semantic convention defines the name yet."""


ATTRIBUTES: tuple[Attribute, ...] = (
    # --- span and event names ------------------------------------------------------------------
    Attribute("span.session", "realtime.session", "session", "span name of a session", True),
    Attribute(
        "span.response",
        "generate_content {model}",
        "response",
        "span name of a response (`{gen_ai.operation.name} {gen_ai.request.model}`)",
    ),
    Attribute("span.turn", "realtime.user_turn", "turn", "span name of a user turn", True),
    Attribute(
        "span.call",
        "execute_tool {name}",
        "call",
        "span name of a function call (`execute_tool {gen_ai.tool.name}`)",
    ),
    Attribute("event.error", "realtime.error", "event", "span event of a server `error`", True),
    Attribute(
        "event.violation", "realtime.violation", "event", "span event of a protocol violation", True
    ),
    # --- semantic conventions ------------------------------------------------------------------
    Attribute(
        "operation",
        "gen_ai.operation.name",
        "response, call",
        "`generate_content` (a response), `execute_tool` (a function call)",
    ),
    Attribute("provider", "gen_ai.provider.name", "session, response", "`openai`"),
    Attribute(
        "conversation_id",
        "gen_ai.conversation.id",
        "all spans",
        "the session id (`sess_...`), the provider's identifier of the live session",
    ),
    Attribute(
        "request_model", "gen_ai.request.model", "session, response", "the session's `model`"
    ),
    Attribute(
        "response_model",
        "gen_ai.response.model",
        "response",
        "the session's `model` when the response ran (the response object names none)",
    ),
    Attribute("response_id", "gen_ai.response.id", "response", "the response id"),
    Attribute(
        "finish_reasons",
        "gen_ai.response.finish_reasons",
        "response",
        "`[status_details.reason]` when there is one (`turn_detected`, `client_cancelled`, "
        "`max_output_tokens`, `content_filter`), else `[status]` (`completed`, `failed`)",
    ),
    Attribute("input_tokens", "gen_ai.usage.input_tokens", "response", "`usage.input_tokens`"),
    Attribute("output_tokens", "gen_ai.usage.output_tokens", "response", "`usage.output_tokens`"),
    Attribute(
        "cached_tokens",
        "gen_ai.usage.cache_read.input_tokens",
        "response",
        "`usage.input_token_details.cached_tokens`",
    ),
    Attribute(
        "error_type",
        "error.type",
        "response, `realtime.error`",
        "a failed response's `status_details.error.type`; an error's `type`",
    ),
    Attribute("tool_name", "gen_ai.tool.name", "call", "the function's name"),
    Attribute("tool_call_id", "gen_ai.tool.call.id", "call", "the `call_id`"),
    Attribute("tool_type", "gen_ai.tool.type", "call", "`function`"),
    Attribute(
        "tool_arguments",
        "gen_ai.tool.call.arguments",
        "call",
        "the arguments (JSON text; left out with `content=False`)",
    ),
    Attribute(
        "tool_result",
        "gen_ai.tool.call.result",
        "call",
        "the `function_call_output` the app sent (the latest, if it sent several; left out"
        " with `content=False`)",
    ),
    # --- drafts ------------------------------------------------------------------------------
    Attribute(
        "session_index",
        "realtime.session.index",
        "session",
        "the session's position on the stream (0, then 1 after a second `session.created`)",
        True,
    ),
    Attribute(
        "status", "realtime.response.status", "response", "`completed`, `cancelled`, ...", True
    ),
    Attribute(
        "status_details",
        "realtime.response.status_details",
        "response",
        "`status_details` as JSON text",
        True,
    ),
    Attribute(
        "out_of_band",
        "realtime.response.out_of_band",
        "response",
        '`true` for a response outside the conversation (`conversation: "none"`)',
        True,
    ),
    Attribute(
        "first_audio_ms",
        "realtime.response.time_to_first_audio_ms",
        "response",
        "`response.created` to the first audio delta, ms",
        True,
    ),
    Attribute(
        "speech_end_to_first_audio_ms",
        "realtime.response.speech_end_to_first_audio_ms",
        "response",
        "the user's speech stop to the first audio delta, ms",
        True,
    ),
    Attribute(
        "total_tokens", "realtime.usage.total_tokens", "response", "`usage.total_tokens`", True
    ),
    Attribute(
        "input_text_tokens",
        "realtime.usage.input_text_tokens",
        "response",
        "`usage.input_token_details.text_tokens`",
        True,
    ),
    Attribute(
        "input_audio_tokens",
        "realtime.usage.input_audio_tokens",
        "response",
        "`usage.input_token_details.audio_tokens`",
        True,
    ),
    Attribute(
        "input_image_tokens",
        "realtime.usage.input_image_tokens",
        "response",
        "`usage.input_token_details.image_tokens`",
        True,
    ),
    Attribute(
        "cached_text_tokens",
        "realtime.usage.cached_text_tokens",
        "response",
        "`usage.input_token_details.cached_tokens_details.text_tokens`",
        True,
    ),
    Attribute(
        "cached_audio_tokens",
        "realtime.usage.cached_audio_tokens",
        "response",
        "`usage.input_token_details.cached_tokens_details.audio_tokens`",
        True,
    ),
    Attribute(
        "output_text_tokens",
        "realtime.usage.output_text_tokens",
        "response",
        "`usage.output_token_details.text_tokens`",
        True,
    ),
    Attribute(
        "output_audio_tokens",
        "realtime.usage.output_audio_tokens",
        "response",
        "`usage.output_token_details.audio_tokens`",
        True,
    ),
    Attribute("item_id", "realtime.item.id", "turn, call", "the user item / the call item", True),
    Attribute(
        "committed",
        "realtime.turn.committed",
        "turn",
        "whether the turn's audio was committed (`false`: it ended with the session)",
        True,
    ),
    Attribute(
        "event_index",
        "realtime.event.index",
        "`realtime.error`, `realtime.violation`",
        "the 0-based index of the event in the stream",
        True,
    ),
    Attribute("error_code", "realtime.error.code", "`realtime.error`", "the error's `code`", True),
    Attribute(
        "error_message", "realtime.error.message", "`realtime.error`", "the error's `message`", True
    ),
    Attribute(
        "error_param", "realtime.error.param", "`realtime.error`", "the error's `param`", True
    ),
    Attribute(
        "error_event_id",
        "realtime.error.client_event_id",
        "`realtime.error`",
        "the client event the error names (`event_id`)",
        True,
    ),
    Attribute(
        "violation_code",
        "realtime.violation.code",
        "`realtime.violation`",
        "the violation code",
        True,
    ),
    Attribute(
        "violation_message",
        "realtime.violation.message",
        "`realtime.violation`",
        "its message",
        True,
    ),
    Attribute(
        "event_type",
        "realtime.event.type",
        "`realtime.violation`",
        "the type of the offending event",
        True,
    ),
    Attribute(
        "synthetic",
        "realtime.timing.synthetic",
        "all spans",
        "`true` when the span's start or end is not the time of its event (the log or the "
        "state did not carry it); absent otherwise",
        True,
    ),
)
"""Every name this module writes (attributes, span names, span event names), with where it
goes and whether a semantic convention defines it (``draft=False``) or not yet."""

_N: Mapping[str, str] = {a.key: a.name for a in ATTRIBUTES}

PROVIDER = "openai"
_SCOPE = "realtime_state.otel"


def attribute_table() -> str:
    """:data:`ATTRIBUTES` as a Markdown table (what docs/otel.md shows; print it with
    ``python -m realtime_state.otel``)."""
    rows = ["| name | on | value | convention |", "|---|---|---|---|"]
    for a in ATTRIBUTES:
        where = "draft" if a.draft else "semconv"
        rows.append(f"| `{a.name}` | {a.spans} | {a.meaning} | {where} |")
    return "\n".join(rows)


def _ns(seconds: float) -> int:
    return round(seconds * 1e9)


def _model(state: SessionState) -> str | None:
    return getattr(state.session, "model", None)


def _session_id(state: SessionState) -> str | None:
    return getattr(state.session, "id", None)


def _clean(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attributes.items() if v is not None}


def _json(value: Any) -> str:
    from .decoding import encode

    return json.dumps(encode(value), separators=(",", ":"), sort_keys=True)


def _response_attributes(response: ResponseState, state: SessionState) -> dict[str, Any]:
    details = response.status_details
    reason = details.reason if details is not None else None
    finish = reason or response.status
    usage = response.usage
    out: dict[str, Any] = {
        _N["status"]: response.status,
        _N["finish_reasons"]: None if finish is None else (finish,),
        _N["status_details"]: None if details is None else _json(details),
        _N["out_of_band"]: response.out_of_band,
    }
    if details is not None and details.error is not None:
        out[_N["error_type"]] = details.error.type or response.status
    elif response.status == "failed":
        out[_N["error_type"]] = "failed"
    if response.created_at is not None and response.first_audio_at is not None:
        out[_N["first_audio_ms"]] = (response.first_audio_at - response.created_at) * 1000
    if response.speech_stopped_at is not None and response.first_audio_at is not None:
        out[_N["speech_end_to_first_audio_ms"]] = (
            response.first_audio_at - response.speech_stopped_at
        ) * 1000
    if usage is not None:
        inp, outd = usage.input_token_details, usage.output_token_details
        cached = inp.cached_tokens_details if inp is not None else None
        out.update(
            {
                _N["input_tokens"]: usage.input_tokens,
                _N["output_tokens"]: usage.output_tokens,
                _N["total_tokens"]: usage.total_tokens,
                _N["cached_tokens"]: inp.cached_tokens if inp else None,
                _N["input_text_tokens"]: inp.text_tokens if inp else None,
                _N["input_audio_tokens"]: inp.audio_tokens if inp else None,
                _N["input_image_tokens"]: inp.image_tokens if inp else None,
                _N["cached_text_tokens"]: cached.text_tokens if cached else None,
                _N["cached_audio_tokens"]: cached.audio_tokens if cached else None,
                _N["output_text_tokens"]: outd.text_tokens if outd else None,
                _N["output_audio_tokens"]: outd.audio_tokens if outd else None,
            }
        )
    out[_N["response_model"]] = _model(state)
    return _clean(out)


def _output_of(state: SessionState, call_id: str | None) -> str | None:
    """The output the app sent for ``call_id`` (the latest ``function_call_output`` item
    for it), looked for from the end of the conversation, where a call that just got its
    answer finds it, without reading the older items (which a long session may hold
    archived)."""
    conv: Any = state.conversation
    items, links, key = conv.items, conv.links, conv.tail
    while key is not None:
        item = items[key]
        if item.type == "function_call_output" and item.call_id == call_id:
            return item.output  # type: ignore[no-any-return]
        key = links[key][0]
    return None


def _known_times(state: SessionState) -> list[float]:
    """Every time the state keeps (to place a session read from a finished state)."""
    found: list[float] = [] if state.time is None else [state.time]
    for r in state.responses.values():
        found += [t for t in (r.created_at, r.first_audio_at, r.done_at) if t is not None]
    for tt in state.input_audio.turn_times.values():
        found += [
            t
            for t in (tt.speech_started_at, tt.speech_stopped_at, tt.committed_at)
            if t is not None
        ]
    found += [r.time for r in state.client_events if r.time is not None]
    found += [e.time for e in state.errors if e.time is not None]
    return found


@attrs.define
class _Open:
    """A span and whether its times are synthetic."""

    span: Span
    start: float
    synthetic: bool


def _changed(entries: Mapping[str, Any], old: Mapping[str, Any] | None) -> Iterable[Any]:
    """The entries of ``entries`` that can differ from ``old``, an earlier version of the
    same map: all of them, except that a map that archives (under an audio retention window)
    gives its live entries and those archived since ``old``, so that following a long
    session does not decode its whole archive at every change."""
    if isinstance(entries, ArchivedMap) and isinstance(old, ArchivedMap):
        return itertools.chain(entries.live_items(), entries.archived_since(old.archived_count))
    return entries.items()


@attrs.define
class _Trace:
    """What the exporter keeps of one session while it follows it."""

    root: _Open
    index: int
    last: SessionState | None = None
    responses: dict[str, _Open] = attrs.field(factory=dict)
    ended_responses: set[str] = attrs.field(factory=set)
    calls: dict[str, tuple[_Open, ItemState]] = attrs.field(factory=dict)
    seen_calls: set[str] = attrs.field(factory=set)
    turns: dict[str, _Open] = attrs.field(factory=dict)
    seen_turns: set[str] = attrs.field(factory=set)
    committed_seen: int = 0
    """How many committed turns of the session the exporter has read (the log only grows)."""
    errors: int = 0
    violations: int = 0
    last_time: float | None = None


class SessionTracer:
    """Turns the states of a stream, one after another, into spans: each span starts when
    the state first shows its object and ends when the state shows it finished.

    :func:`follow`, :func:`export_log` and :func:`export_state` drive it; call
    :meth:`update` with each state (and the time of the event that made it) and
    :meth:`close` at the end.
    """

    def __init__(
        self,
        tracer_provider: TracerProvider | None = None,
        *,
        content: bool = True,
        clock: Callable[[], float] = _time.time,
    ) -> None:
        from . import __version__

        provider = tracer_provider if tracer_provider is not None else trace.get_tracer_provider()
        self._tracer = provider.get_tracer(_SCOPE, __version__)
        self._content = content
        self._clock = clock
        self._anchor: float | None = None
        self._last_time: float | None = None
        self._trace: _Trace | None = None
        self._sessions = 0
        self._snapshot = False

    # --- times ---------------------------------------------------------------------------------

    def _fallback(self) -> float:
        """The time for a span whose event carried none: the latest time seen, else the
        exporter's wall clock (read once)."""
        if self._last_time is not None:
            return self._last_time
        if self._anchor is None:
            self._anchor = round(self._clock(), 6)
        return self._anchor

    def _pick(self, *times: float | None) -> tuple[float, bool]:
        """The first known time and whether it is exact; else the fallback (synthetic)."""
        for t in times:
            if t is not None:
                return t, False
        return self._fallback(), True

    # --- spans ---------------------------------------------------------------------------------

    def _start(
        self,
        name: str,
        parent: _Open | None,
        start: float,
        synthetic: bool,
        attributes: Mapping[str, Any],
        kind: SpanKind = SpanKind.INTERNAL,
    ) -> _Open:
        context = Context() if parent is None else trace.set_span_in_context(parent.span)
        span = self._tracer.start_span(
            name, context=context, kind=kind, attributes=_clean(attributes), start_time=_ns(start)
        )
        return _Open(span, start, synthetic)

    def _end(self, opened: _Open, end: float | None, extra: Mapping[str, Any] = {}) -> None:
        synthetic = opened.synthetic
        if end is None:
            end, synthetic = opened.start, True
        attributes = dict(extra)
        if synthetic:
            attributes[_N["synthetic"]] = True
        opened.span.set_attributes(_clean(attributes))
        opened.span.end(end_time=_ns(end))

    # --- following -----------------------------------------------------------------------------

    def update(self, state: SessionState, time: float | None = None) -> None:
        """Take the state after one event (``time``: the event's, ``None`` when unknown)."""
        current = self._trace
        if (
            current is not None
            and current.last is not None
            and state.previous_session is not current.last.previous_session
        ):
            # a new session on the stream: finish the one before with its last state
            old = state.previous_session
            if old is not None and old is not current.last:
                self._step(current, old, None)
            self._finish(current)
            current = None
        if time is not None:
            self._last_time = time
        elif self._snapshot and state.time is not None:
            self._last_time = state.time  # a finished state: its last event's time
        if current is None:
            current = self._begin(state, time)
        self._step(current, state, time)

    def _begin(self, state: SessionState, time: float | None) -> _Trace:
        if self._snapshot:
            known = _known_times(state)
            start, synthetic = self._pick(min(known) if known else None)
        else:
            start, synthetic = self._pick(time)
        root = self._start(
            _N["span.session"],
            None,
            start,
            synthetic,
            {_N["provider"]: PROVIDER, _N["session_index"]: self._sessions},
        )
        self._sessions += 1
        self._trace = _Trace(root=root, index=self._sessions - 1)
        return self._trace

    def _step(self, t: _Trace, state: SessionState, time: float | None) -> None:
        last = t.last
        t.last = state
        if state.time is not None:
            t.last_time = state.time
        ending: list[tuple[_Open, float | None, dict[str, Any]]] = []
        conversation = {_N["conversation_id"]: _session_id(state)}
        if last is None or state.responses is not last.responses:
            old = None if last is None else last.responses
            for rid, response in _changed(state.responses, old):
                if rid in t.ended_responses:
                    continue
                opened = t.responses.get(rid)
                if opened is None:
                    opened = t.responses[rid] = self._start_response(t, state, response, time)
                if response.done:
                    t.ended_responses.add(rid)
                    ending.append(self._response_end(t, state, response, time))
        calls = state.conversation.calls
        if last is None or calls is not last.conversation.calls:
            old_calls = None if last is None else last.conversation.calls
            for call_id, item_id in _changed(calls, old_calls):
                if call_id in t.seen_calls:
                    continue
                item = state.item(item_id)
                if item is None:
                    continue
                t.seen_calls.add(call_id)
                t.calls[item_id] = (self._start_call(t, state, item, time, conversation), item)
        for item_id, (opened, _item) in list(t.calls.items()):
            item = state.item(item_id)
            if item is not None and item.call_phase == "answered":
                del t.calls[item_id]
                ending.append(self._call_end(t, state, opened, item, time))
        self._step_turns(t, state, last, time, conversation, ending)
        if len(state.error_log) > t.errors:
            for record in state.errors[t.errors :]:
                self._error_event(t, state, record, time)
            t.errors = len(state.error_log)
        if len(state.violation_log) > t.violations:
            for violation in state.violations[t.violations :]:
                self._violation_event(t, violation, time)
            t.violations = len(state.violation_log)
        for opened, end, extra in ending:
            self._end(opened, end, {**extra, **_clean(conversation)})

    def _start_response(
        self, t: _Trace, state: SessionState, response: ResponseState, time: float | None
    ) -> _Open:
        model = _model(state)
        start, synthetic = self._pick(response.created_at, None if self._snapshot else time)
        return self._start(
            _N["span.response"].replace("{model}", model or "realtime"),
            t.root,
            start,
            synthetic,
            {
                _N["operation"]: "generate_content",
                _N["provider"]: PROVIDER,
                _N["request_model"]: model,
                _N["response_id"]: response.id,
            },
            SpanKind.CLIENT,
        )

    def _response_end(
        self, t: _Trace, state: SessionState, response: ResponseState, time: float | None
    ) -> tuple[_Open, float | None, dict[str, Any]]:
        opened = t.responses[response.id]
        attributes = _response_attributes(response, state)
        if response.status == "failed":
            description = (
                response.status_details.error.message
                if response.status_details is not None and response.status_details.error is not None
                else None
            )
            opened.span.set_status(Status(StatusCode.ERROR, description))
        end = response.done_at if response.done_at is not None else time
        if self._snapshot and response.done_at is None:
            end = None
        return opened, end, attributes

    def _start_call(
        self,
        t: _Trace,
        state: SessionState,
        item: ItemState,
        time: float | None,
        conversation: Mapping[str, Any],
    ) -> _Open:
        parent_response = t.responses.get(item.response_id or "")
        if self._snapshot:
            # a finished state keeps no time of the call: the response's start stands in
            start, synthetic = (
                (parent_response.start, True) if parent_response is not None else self._pick(None)
            )
        else:
            start, synthetic = self._pick(time)
        return self._start(
            _N["span.call"].replace("{name}", item.name or "function"),
            parent_response if parent_response is not None else t.root,
            start,
            synthetic,
            {
                _N["operation"]: "execute_tool",
                _N["tool_name"]: item.name,
                _N["tool_call_id"]: item.call_id,
                _N["tool_type"]: "function",
                _N["item_id"]: item.id,
                **conversation,
            },
        )

    def _call_end(
        self, t: _Trace, state: SessionState, opened: _Open, item: ItemState, time: float | None
    ) -> tuple[_Open, float | None, dict[str, Any]]:
        extra: dict[str, Any] = {}
        if self._content:
            extra[_N["tool_arguments"]] = item.arguments
            extra[_N["tool_result"]] = _output_of(state, item.call_id)
        if self._snapshot:
            sent = _output_sent_at(state, item.call_id)
            end = sent if sent is not None else None
            if end is None:
                parent = state.responses.get(item.response_id or "")
                end = parent.done_at if parent is not None else None
            return opened, end, extra
        return opened, time, extra

    def _step_turns(
        self,
        t: _Trace,
        state: SessionState,
        last: SessionState | None,
        time: float | None,
        conversation: Mapping[str, Any],
        ending: list[tuple[_Open, float | None, dict[str, Any]]],
    ) -> None:
        buf = state.input_audio
        if last is not None and buf is last.input_audio:
            return
        times = buf.turn_times
        # Only the turns committed since the last step (the log grows a turn at a time).
        committed = buf.committed_log.since(t.committed_seen)
        t.committed_seen = buf.committed_log.size
        candidates = [*committed, buf.item_id] if buf.item_id is not None else committed
        for item_id in candidates:
            if item_id in t.seen_turns:
                continue
            t.seen_turns.add(item_id)
            tt = times.get(item_id)
            start, synthetic = self._pick(
                tt.speech_started_at if tt is not None else None,
                None if self._snapshot else time,
                tt.committed_at if tt is not None else None,
            )
            t.turns[item_id] = self._start(
                _N["span.turn"],
                t.root,
                start,
                synthetic,
                {_N["item_id"]: item_id, **conversation},
            )
        if t.turns and committed:
            for item_id in [i for i in t.turns if i in buf.committed]:
                opened = t.turns.pop(item_id)
                tt = times.get(item_id)
                end = tt.committed_at if tt is not None else None
                if end is None and not self._snapshot:
                    end = time
                ending.append((opened, end, {_N["committed"]: True}))

    # --- events --------------------------------------------------------------------------------

    def _event_span(self, t: _Trace, ids: Iterable[str | None]) -> _Open:
        """The open span of the first object named, else the session's."""
        for oid in ids:
            if oid is None:
                continue
            if oid in t.responses and oid not in t.ended_responses:
                return t.responses[oid]
            if oid in t.calls:
                return t.calls[oid][0]
            if oid in t.turns:
                return t.turns[oid]
            for opened, item in t.calls.values():
                if item.call_id == oid:
                    return opened
        return t.root

    def _error_event(
        self, t: _Trace, state: SessionState, record: ErrorRecord, time: float | None
    ) -> None:
        ids: list[str | None] = []
        client = record.client_event
        if client is not None:
            event = client.event
            ids.append(getattr(event, "response_id", None))
            ids.append(getattr(event, "item_id", None))
            item = getattr(event, "item", None)
            ids.append(getattr(item, "call_id", None))
        target = self._event_span(t, ids)
        when, _ = self._pick(record.time, None if self._snapshot else time)
        target.span.add_event(
            _N["event.error"],
            _clean(
                {
                    _N["error_type"]: record.type,
                    _N["error_code"]: record.code,
                    _N["error_message"]: record.message,
                    _N["error_param"]: record.param,
                    _N["error_event_id"]: record.event_id,
                    _N["event_index"]: record.index,
                }
            ),
            timestamp=_ns(when),
        )

    def _violation_event(self, t: _Trace, violation: Violation, time: float | None) -> None:
        target = self._event_span(t, violation.ids)
        when, _ = self._pick(None if self._snapshot else time)
        target.span.add_event(
            _N["event.violation"],
            _clean(
                {
                    _N["violation_code"]: violation.code,
                    _N["violation_message"]: violation.message,
                    _N["event_type"]: violation.event_type,
                    _N["event_index"]: violation.index,
                }
            ),
            timestamp=_ns(when),
        )

    # --- the end -------------------------------------------------------------------------------

    def _finish(self, t: _Trace) -> None:
        """End every span of the session still open, then the session's, at its last time."""
        state = t.last
        end = t.last_time if t.last_time is not None else None
        conversation = _clean({_N["conversation_id"]: _session_id(state) if state else None})
        for opened, item in t.calls.values():
            extra = dict(conversation)
            if self._content and state is not None:
                current = state.item(item.id) or item
                extra[_N["tool_arguments"]] = current.arguments
            self._end(opened, end, extra)
        for opened in t.turns.values():
            self._end(opened, end, {**conversation, _N["committed"]: False})
        for rid, opened in t.responses.items():
            if rid not in t.ended_responses:
                response = state.responses.get(rid) if state is not None else None
                extra = dict(conversation)
                if response is not None and state is not None:
                    extra.update(_response_attributes(response, state))
                self._end(opened, end, extra)
        root_attributes: dict[str, Any] = dict(conversation)
        if state is not None:
            root_attributes[_N["request_model"]] = _model(state)
        self._end(t.root, end, root_attributes)
        self._trace = None

    def close(self) -> None:
        """End what is still open (calls never answered, a turn never committed, a response
        still running, the session) at the latest time seen."""
        if self._trace is not None:
            self._finish(self._trace)

    def __enter__(self) -> SessionTracer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _output_sent_at(state: SessionState, call_id: str | None) -> float | None:
    """When the app sent the output of ``call_id`` (its ``conversation.item.create``)."""
    for record in state.client_events:
        item = getattr(record.event, "item", None)
        if getattr(item, "call_id", None) == call_id and getattr(item, "type", None) == (
            "function_call_output"
        ):
            return record.time
    return None


def export_state(
    state: SessionState,
    tracer_provider: TracerProvider | None = None,
    *,
    content: bool = True,
    clock: Callable[[], float] = _time.time,
) -> None:
    """Export a finished state (every session of its stream) as traces.

    A state keeps the times of responses, user turns, client events and errors, not those of
    function calls: a call span starts with its response and ends when the app sent its
    output (``realtime.timing.synthetic``). :func:`export_log` has every event's time.
    """
    tracer = SessionTracer(tracer_provider, content=content, clock=clock)
    tracer._snapshot = True
    for session in state.sessions:
        tracer.update(session, None)
    tracer.close()


def export_log(
    lines: Iterable[Any],
    tracer_provider: TracerProvider | None = None,
    *,
    policy: str = LENIENT,
    content: bool = True,
    clock: Callable[[], float] = _time.time,
) -> SessionState:
    """Export a recorded log (lines, bare or envelopes, or decoded events) as traces, event
    by event, exactly as :func:`follow` would have live; returns the final state."""
    tracer = SessionTracer(tracer_provider, content=content, clock=clock)
    state = SessionState(policy=policy)
    for _index, _event, state in history(lines, policy):
        tracer.update(state, state.time)
    tracer.close()
    return state


def follow(
    session: LiveSession,
    tracer_provider: TracerProvider | None = None,
    *,
    content: bool = True,
) -> SessionTracer:
    """Export a :class:`~realtime_state.live.LiveSession` as it goes: spans start when their
    first event arrives and end with theirs (a response's at ``response.done``). Call
    ``.close()`` on the result (or use it as a context manager) when the session is over."""
    tracer = SessionTracer(tracer_provider, content=content)

    def on_update(update: Update) -> None:
        tracer.update(update.state, update.time)

    session.observe(on_update)
    return tracer


def otlp_json(spans: Sequence[ReadableSpan]) -> dict[str, Any]:
    """Finished SDK spans as an OTLP/JSON ``ExportTraceServiceRequest`` (what an OTLP/HTTP
    collector takes with ``Content-Type: application/json``): the exporter's own protobuf
    encoding, turned to JSON, with trace and span ids as hex (OTLP/JSON's rule)."""
    import base64

    from google.protobuf.json_format import MessageToDict  # type: ignore[import-untyped]
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    data: dict[str, Any] = MessageToDict(encode_spans(spans), use_integers_for_enums=True)

    def hexify(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("traceId", "spanId", "parentSpanId") and isinstance(value, str):
                    node[key] = base64.b64decode(value).hex()
                else:
                    hexify(value)
        elif isinstance(node, list):
            for value in node:
                hexify(value)

    hexify(data)
    return data


DEFAULT_ENDPOINT = "http://localhost:4318"


def traces_endpoint(endpoint: str | None = None) -> str:
    """The OTLP/HTTP traces URL: ``endpoint`` (a base URL gets ``/v1/traces``), else the
    standard variables ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` (as it is) and
    ``OTEL_EXPORTER_OTLP_ENDPOINT`` (a base URL), else ``http://localhost:4318/v1/traces``."""
    import os

    if endpoint is None:
        exact = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        if exact:
            return exact
        endpoint = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or DEFAULT_ENDPOINT
    base = endpoint.rstrip("/")
    return base if base.endswith("/v1/traces") else base + "/v1/traces"


def send_otlp(
    spans: Sequence[ReadableSpan], endpoint: str | None = None, *, timeout: float = 10.0
) -> tuple[str, str | None]:
    """Send finished spans to an OTLP/HTTP collector (protobuf, with the standard
    exporter); returns the URL and ``None``, or the URL and what went wrong."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import SpanExportResult

    url = traces_endpoint(endpoint)
    exporter = OTLPSpanExporter(endpoint=url, timeout=timeout)
    try:
        result = exporter.export(spans)
    finally:
        exporter.shutdown()  # type: ignore[no-untyped-call]  # untyped in the exporter
    if result is SpanExportResult.SUCCESS:
        return url, None
    return url, "the collector did not take the traces (the exporter logged why)"


if __name__ == "__main__":  # pragma: no cover - prints the table docs/otel.md holds
    print(attribute_table())
