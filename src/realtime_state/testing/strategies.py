"""Hypothesis strategies of Realtime API server event streams, legal and faulty.

``legal_streams(dialect="ga")`` draws a whole session as a server sends it: a list of
JSON-ready ``dict`` events (``json.dumps`` each for wire text; :func:`realtime_state.reduce`
takes the dicts as they are). ``faulty_streams(dialect=...)`` draws a legal stream, injects
one known fault and returns ``(events, fault)``; ``fault.code`` and ``fault.index`` say which
violation a replay must report first, and where.

Theory of operation
-------------------
A stream is ``session.created`` and ``session.updated`` followed by a list of *segments*
(:data:`FEATURES`): a text turn, a voice turn, a function-call round, an interruption with
truncation, a cancelled response, a deletion, an error, ... Hypothesis draws the list, so
shrinking removes whole segments and swaps them for simpler ones (earlier in
:data:`FEATURES`), and the examples that fail a property shrink to a few events. A small
builder draws each segment and renders it with :class:`~realtime_state.testing.wire.WireBuilder`
in the dialect's wire shapes and orders (``EVENTS.md`` §4:
beta ``conversation.item.created`` and ``rate_limits.updated`` right after
``response.created``; GA ``conversation.item.added``/``.done`` and ``rate_limits.updated``
after ``response.done``; WebRTC ``output_audio_buffer.*`` and no audio deltas), tracking the
conversation order so that every ``previous_item_id`` names the item that is last at that
moment. Input transcription is asynchronous: it arrives inline, early (between
``input_audio_buffer.committed`` and the item) or late (spread over later segments, or
never), so items are transcribed out of order. Every final value (text, transcript,
arguments) equals its deltas joined; every copy of an item agrees with the others; usage
adds up.

The stream model is private, one module each: the builder (``_stream_builder``), the
segments (``_stream_segments``) and what the streams say (``_stream_vocabulary``); this
module holds the public strategies and names.

Requires hypothesis (``pip install 'realtime-state[testing]'``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Literal

try:
    from hypothesis import assume
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "realtime_state.testing.strategies needs hypothesis; install it with "
        "pip install 'realtime-state[testing]' (or pip install hypothesis)"
    ) from exc

from ._faults import FAULT_KINDS, Fault, fault_positions, inject_fault
from ._stream_builder import Event, StreamBuilder
from ._stream_segments import SEGMENTS
from ._stream_vocabulary import FORMATS, TRANSCRIBERS

__all__ = [
    "DIALECTS",
    "TRANSPORTS",
    "FEATURES",
    "GA_ONLY_FEATURES",
    "FAULT_KINDS",
    "Fault",
    "legal_streams",
    "faulty_streams",
]

Dialect = Literal["ga", "beta"]
Transport = Literal["websocket", "webrtc"]

DIALECTS: tuple[str, ...] = ("ga", "beta")
"""``ga`` (what servers send today) and ``beta`` (``OpenAI-Beta: realtime=v1``)."""

TRANSPORTS: tuple[str, ...] = ("websocket", "webrtc")
"""WebSocket streams carry audio deltas; WebRTC streams carry none (the audio travels on the
media track) and add ``output_audio_buffer.started/stopped/cleared``."""

FEATURES: tuple[str, ...] = (
    "text_turn",
    "audio_turn",
    "function_call",
    "interruption",
    "cancelled_response",
    "client_cancel",
    "deletion",
    "error",
    "buffer_clear",
    "session_update",
    "out_of_band",
    "idle_timeout",
)
"""The segments a stream is made of, simplest first:

* ``text_turn``: a client text item and a text answer.
* ``audio_turn``: a VAD voice turn (``speech_started`` ... ``committed``, the user item, its
  input transcription inline, early or late) and a spoken answer (audio and transcript).
* ``function_call``: a question, a response calling one or two functions (GA: sometimes
  after a text preamble), the client's ``function_call_output`` items (a call may stay
  unanswered) and the answer.
* ``interruption``: the user speaks over a spoken answer, either while it is generated
  (partial transcript, item ``incomplete``, ``response.done`` cancelled ``turn_detected``) or
  after it completed (still playing); then ``conversation.item.truncated`` (anywhere from 0
  ms to beyond the audio received) and the interrupting turn.
* ``cancelled_response``: speech starts right after ``response.created``: the response is
  cancelled with no output and all-zero usage.
* ``client_cancel``: the client cancels a response mid-stream (``client_cancelled``), and
  truncates a cut spoken answer.
* ``deletion``: ``conversation.item.deleted`` for an item of the conversation.
* ``error``: a server ``error`` event (errors also come inside responses).
* ``buffer_clear``: ``input_audio_buffer.cleared``.
* ``session_update``: ``session.updated`` mid-session.
* ``out_of_band`` (GA): a ``conversation: "none"`` response interleaved with an ordinary one.
* ``idle_timeout`` (GA): ``input_audio_buffer.timeout_triggered``, the committed silence and
  an answer.
"""

GA_ONLY_FEATURES = frozenset({"out_of_band", "idle_timeout"})
"""Features only the GA dialect has."""

assert tuple(SEGMENTS) == FEATURES


def _features(dialect: str, features: Collection[str] | None) -> tuple[str, ...]:
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be 'ga' or 'beta', not {dialect!r}")
    if features is None:
        return tuple(f for f in FEATURES if dialect == "ga" or f not in GA_ONLY_FEATURES)
    if isinstance(features, str):
        raise TypeError("features must be a collection of feature names, not a string")
    unknown = sorted(set(features) - set(FEATURES))
    if unknown:
        raise ValueError(f"unknown features {unknown}; choose from {', '.join(FEATURES)}")
    if dialect == "beta" and set(features) & GA_ONLY_FEATURES:
        only = sorted(set(features) & GA_ONLY_FEATURES)
        raise ValueError(f"features {only} exist only in the GA dialect")
    chosen = tuple(f for f in FEATURES if f in set(features))
    if not chosen:
        raise ValueError("features must name at least one feature")
    return chosen


@st.composite
def _legal(
    draw: st.DrawFn,
    dialect: str,
    features: tuple[str, ...],
    transport: str | None,
    min_turns: int,
    max_turns: int,
) -> list[Event]:
    chosen_transport = transport if transport is not None else draw(st.sampled_from(TRANSPORTS))
    audio_format = draw(st.sampled_from(FORMATS))
    transcriber = draw(st.one_of(st.none(), st.sampled_from(TRANSCRIBERS)))
    b = StreamBuilder(draw, dialect, chosen_transport, audio_format, transcriber)
    b.events.append(b.wire.session_created(b.session("You are helpful.", False)))
    b.events.append(b.wire.session_updated(b.session("Be brief.", True)))
    kinds = draw(st.lists(st.sampled_from(features), min_size=min_turns, max_size=max_turns))
    for kind in kinds:
        SEGMENTS[kind](b)
    if b.deferred or b.fresh:
        b.emit([], last=True)  # the last late transcriptions arrive at the end, or never
    return b.events


def legal_streams(
    dialect: Dialect = "ga",
    *,
    features: Collection[str] | None = None,
    transport: Transport | None = None,
    min_turns: int = 1,
    max_turns: int = 6,
) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Legal server event streams of ``dialect`` (``"ga"`` or ``"beta"``), as lists of
    JSON-ready dicts (``json.dumps`` each one for the wire text).

    A stream is ``session.created``, ``session.updated`` and ``min_turns`` to ``max_turns``
    segments drawn from ``features`` (default: every one of :data:`FEATURES` the dialect
    has). ``transport`` fixes ``"websocket"`` (audio deltas) or ``"webrtc"`` (no audio
    deltas, ``output_audio_buffer.*``); by default it is drawn. Every stream replays in
    strict policy without a violation and validates with the openai package's event
    models; examples shrink to few segments.
    """
    chosen = _features(dialect, features)
    if transport is not None and transport not in TRANSPORTS:
        raise ValueError(f"transport must be 'websocket' or 'webrtc', not {transport!r}")
    if not 0 <= min_turns <= max_turns:
        raise ValueError("need 0 <= min_turns <= max_turns")
    return _legal(dialect, chosen, transport, min_turns, max_turns)


@st.composite
def _faulty(
    draw: st.DrawFn, streams: st.SearchStrategy[list[Event]], kinds: tuple[str, ...]
) -> tuple[list[Event], Fault]:
    events = draw(streams)
    usable = [kind for kind in kinds if fault_positions(events, kind)]
    assume(usable)
    kind = draw(st.sampled_from(usable))
    position = draw(st.sampled_from(fault_positions(events, kind)))
    return inject_fault(events, kind, position)


def faulty_streams(
    dialect: Dialect = "ga",
    *,
    kinds: Collection[str] | None = None,
    features: Collection[str] | None = None,
    transport: Transport | None = None,
    min_turns: int = 1,
    max_turns: int = 6,
) -> st.SearchStrategy[tuple[list[dict[str, Any]], Fault]]:
    """``(events, fault)``: a legal stream (as :func:`legal_streams` draws it) with one
    known fault injected.

    ``fault.code`` is the violation a replay must report first and ``fault.index`` the
    index of the event it must be reported at: a strict replay raises
    :class:`~realtime_state.ProtocolViolation` there, and a lenient replay's first
    violation is exactly that one. ``kinds`` restricts the faults (default: all of
    :data:`FAULT_KINDS`); streams where none of them applies are skipped.
    """
    if kinds is None:
        chosen = FAULT_KINDS
    else:
        if isinstance(kinds, str):
            raise TypeError("kinds must be a collection of fault kinds, not a string")
        unknown = sorted(set(kinds) - set(FAULT_KINDS))
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; choose from {FAULT_KINDS}")
        chosen = tuple(k for k in FAULT_KINDS if k in set(kinds))
        if not chosen:
            raise ValueError("kinds must name at least one fault kind")
    streams = legal_streams(
        dialect,
        features=features,
        transport=transport,
        min_turns=min_turns,
        max_turns=max_turns,
    )
    return _faulty(streams, chosen)
