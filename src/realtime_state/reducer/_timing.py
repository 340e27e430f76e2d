"""Times: what the reducer keeps of the envelope's ``time`` (only for logs that carry times).

``reduce`` sets ``state.time`` before the handler runs (so client event and error records take
it), then, for the few events whose time matters later, one stamp below writes it where it
belongs. Each measure is the *first* time of its event (a later duplicate never moves it):

==========================================  =============================================
event                                       time kept as
==========================================  =============================================
``response.created``                        ``ResponseState.created_at``; an
                                            in-conversation response also takes the
                                            unanswered speech stop as
                                            ``speech_stopped_at``
first ``response.(output_)audio.delta``     ``ResponseState.first_audio_at``
``response.done``                           ``ResponseState.done_at``
``input_audio_buffer.speech_started``       ``TurnTimes.speech_started_at`` of its item
``input_audio_buffer.speech_stopped``       ``TurnTimes.speech_stopped_at``; becomes the
                                            unanswered speech stop
``input_audio_buffer.committed``            ``TurnTimes.committed_at``
==========================================  =============================================

An event the reducer refused (a violation that made it ignore the event) stamps nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import events as ev
from ..state import NO_TURN_TIMES, SessionState, TurnTimes
from ._common import Changes, evolve_input, evolve_response

Stamp = Callable[[SessionState, Any, Changes, float], None]


def _response(changes: Changes, state: SessionState, response_id: str, field: str) -> Any:
    """The response to stamp ``field`` on, or ``None`` (absent, or stamped already)."""
    responses = changes.get("responses", state.responses)
    response = responses.get(response_id)
    if response is None or getattr(response, field) is not None:
        return None
    return response


def _created(state: SessionState, event: ev.ResponseCreated, changes: Changes, time: float) -> None:
    rid = event.response.id
    if rid is None or "responses" not in changes:
        return
    response = _response(changes, state, rid, "created_at")
    if response is None:
        return
    fields: dict[str, Any] = {"created_at": time}
    buf = changes.get("input_audio", state.input_audio)
    if not response.out_of_band and buf.unanswered_stop_at is not None:
        fields["speech_stopped_at"] = buf.unanswered_stop_at
        changes["input_audio"] = evolve_input(buf, unanswered_stop_at=None)
    changes["responses"] = changes["responses"].set(rid, evolve_response(response, **fields))


def _first_audio(
    state: SessionState,
    event: ev.ResponseAudioDelta | ev.ResponseOutputAudioDelta,
    changes: Changes,
    time: float,
) -> None:
    if not changes:  # the delta was ignored
        return
    response = _response(changes, state, event.response_id, "first_audio_at")
    if response is not None:
        responses = changes.get("responses", state.responses)
        changes["responses"] = responses.set(
            event.response_id, evolve_response(response, first_audio_at=time)
        )


def _done(state: SessionState, event: ev.ResponseDone, changes: Changes, time: float) -> None:
    rid = event.response.id
    if rid is None or "responses" not in changes:
        return
    response = _response(changes, state, rid, "done_at")
    if response is not None:
        changes["responses"] = changes["responses"].set(
            rid, evolve_response(response, done_at=time)
        )


def _turn(field: str, unanswered: bool = False) -> Stamp:
    def stamp(state: SessionState, event: Any, changes: Changes, time: float) -> None:
        buf = changes.get("input_audio")
        item_id = event.item_id
        if buf is None or item_id is None:
            return
        times = buf.turn_times.get(item_id, NO_TURN_TIMES)
        if getattr(times, field) is not None:
            return
        fields: dict[str, Any] = {
            "turn_times": buf.turn_times.set(item_id, _evolve_turn(times, field, time))
        }
        if unanswered:
            fields["unanswered_stop_at"] = time
        changes["input_audio"] = evolve_input(buf, **fields)

    stamp.__doc__ = f"Keep the time of a turn's ``{field}``."
    return stamp


def _evolve_turn(times: TurnTimes, field: str, time: float) -> TurnTimes:
    values = {
        "speech_started_at": times.speech_started_at,
        "speech_stopped_at": times.speech_stopped_at,
        "committed_at": times.committed_at,
    }
    values[field] = time
    return TurnTimes(**values)


STAMPS: dict[type, Stamp] = {
    ev.ResponseCreated: _created,
    ev.ResponseAudioDelta: _first_audio,
    ev.ResponseOutputAudioDelta: _first_audio,
    ev.ResponseDone: _done,
    ev.InputAudioBufferSpeechStarted: _turn("speech_started_at"),
    ev.InputAudioBufferSpeechStopped: _turn("speech_stopped_at", unanswered=True),
    ev.InputAudioBufferCommitted: _turn("committed_at"),
}
"""Event class -> what its time stamps (the table in the module docstring)."""
