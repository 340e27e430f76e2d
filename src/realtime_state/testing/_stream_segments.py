"""The segments of the streams of :mod:`realtime_state.testing.strategies`, one function
each, registered in :data:`SEGMENTS` under their feature name (the order of
:data:`realtime_state.testing.strategies.FEATURES`, simplest first).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from hypothesis import strategies as st

from ._stream_builder import Event, StreamBuilder, spread
from ._stream_vocabulary import ERRORS

__all__ = ["SEGMENTS"]


def _text_turn(b: StreamBuilder) -> None:
    seg: list[Event] = []
    b.user_text(seg)
    b.answer(seg, ["text"])
    b.emit(seg)


def _audio_turn(b: StreamBuilder) -> None:
    seg: list[Event] = []
    b.user_audio(seg)
    b.answer(seg, ["audio"])
    b.emit(seg)


def _function_call(b: StreamBuilder) -> None:
    seg: list[Event] = []
    b.user_turn(seg)
    shapes: list[list[str]] = [["call"], ["call", "call"]]
    if b.ga:
        shapes.append(["text", "call"])  # gpt-realtime-2.x: a short preamble, then the call
    calls = b.answer(seg, b.draw(st.sampled_from(shapes))).calls
    answered = False
    for call_id, _ in calls:
        if b.draw(st.integers(0, 4)) == 4:
            continue  # the client never answers this call
        output = json.dumps({"ok": True, "call": call_id})
        item = b.item(b.new_id("item"), "function_call_output", call_id=call_id, output=output)
        b.place(item, seg)
        answered = True
    if answered:
        b.answer(seg, [b.draw(st.sampled_from(("text", "audio")))])
    b.emit(seg)


def _interruption(b: StreamBuilder) -> None:
    seg: list[Event] = []
    b.user_audio(seg)
    interrupting = b.new_id("item")
    if b.draw(st.booleans()):
        # while the answer is generated: partial output, cancelled turn_detected
        response_id = b.new_id("resp")
        b.created(seg, response_id, True)

        def barge_in(started: bool) -> list[Event]:
            events = [b.speech_started(interrupting)]
            if started:
                events.append(b.buffer_event("cleared", response_id))
            return events

        cut = b.draw(st.integers(0, 5))
        final, streamed, _ = b.message_output(
            seg, response_id, 0, "audio", cut=cut, at_cut=barge_in
        )
        b.done(seg, response_id, "cancelled", [final], audio=True, reason="turn_detected")
    else:
        # after the answer completed, while it still plays
        answer = b.answer(seg, ["audio"], playback_cut=True)
        final = answer.output[0]
        streamed = answer.streamed[final["id"]]
        seg.append(b.speech_started(interrupting))
        if b.webrtc:
            seg.append(b.buffer_event("cleared", answer.response_id))
    b.truncate(seg, final["id"], streamed)
    b.user_audio(seg, interrupting)
    b.reply(seg)
    b.emit(seg)


def _cancelled_response(b: StreamBuilder) -> None:
    seg: list[Event] = []
    b.user_audio(seg)
    response_id = b.new_id("resp")
    b.created(seg, response_id, True, rate_limits=False)
    interrupting = b.new_id("item")
    seg.append(b.speech_started(interrupting))
    b.done(seg, response_id, "cancelled", [], audio=True, reason="turn_detected", zero=True)
    b.user_audio(seg, interrupting)
    b.reply(seg)
    b.emit(seg)


def _client_cancel(b: StreamBuilder) -> None:
    seg: list[Event] = []
    b.user_text(seg)
    kind = b.draw(st.sampled_from(("text", "audio")))
    response_id = b.new_id("resp")
    b.created(seg, response_id, kind == "audio")
    cut = b.draw(st.integers(0, 4))
    final, streamed, started = b.message_output(seg, response_id, 0, kind, cut=cut)
    b.done(seg, response_id, "cancelled", [final], audio=kind == "audio", reason="client_cancelled")
    if started:
        seg.append(b.buffer_event("cleared", response_id))
    if kind == "audio" and b.draw(st.booleans()):
        b.truncate(seg, final["id"], streamed)
    b.emit(seg)


def _deletion(b: StreamBuilder) -> None:
    seg: list[Event] = []
    if not b.order or b.draw(st.booleans()):
        b.user_text(seg)  # a client item, then deleted (say, added by mistake)
    victim = b.order[b.draw(st.integers(0, len(b.order) - 1))]
    seg.append(b.wire.conversation_item_deleted(victim))  # it leaves b.order
    b.emit(seg)


def _error(b: StreamBuilder) -> None:
    b.emit([b.error(b.draw(st.sampled_from(ERRORS)))])


def _buffer_clear(b: StreamBuilder) -> None:
    b.emit([b.wire.input_audio_cleared()])


def _session_update(b: StreamBuilder) -> None:
    words = "".join(b.words())
    b.emit([b.wire.session_updated(b.session(f"Be brief. {words}", True))])


def _out_of_band(b: StreamBuilder) -> None:
    seg: list[Event] = []
    b.user_text(seg)
    main: list[Event] = []
    b.answer(main, [b.draw(st.sampled_from(("text", "audio")))])
    side: list[Event] = []
    b.answer(side, ["text"], out_of_band=True)
    spots = sorted(
        b.draw(st.lists(st.integers(0, len(main)), min_size=len(side), max_size=len(side)))
    )
    b.emit(seg + spread(main, side, spots))


def _idle_timeout(b: StreamBuilder) -> None:
    seg: list[Event] = []
    item_id = b.new_id("item")
    start = b.clock + 500
    b.clock = start + 6000
    seg.append(b.wire.timeout_triggered(item_id, start, b.clock))
    b.commit(seg, item_id)
    b.answer(seg, ["audio"])
    b.emit(seg)


SEGMENTS: dict[str, Callable[[StreamBuilder], None]] = {
    "text_turn": _text_turn,
    "audio_turn": _audio_turn,
    "function_call": _function_call,
    "interruption": _interruption,
    "cancelled_response": _cancelled_response,
    "client_cancel": _client_cancel,
    "deletion": _deletion,
    "error": _error,
    "buffer_clear": _buffer_clear,
    "session_update": _session_update,
    "out_of_band": _out_of_band,
    "idle_timeout": _idle_timeout,
}
"""Feature name -> the function that draws and renders that segment."""
