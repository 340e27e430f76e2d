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

Untimed lines (a log that mixes bare and envelope lines) still move the speech stop along, so
that no response ever takes a stop it does not answer: an untimed
``input_audio_buffer.speech_stopped`` leaves no unanswered stop (the last stop's time is not
known), and an untimed in-conversation ``response.created`` still answers the unanswered stop
(it keeps it as ``speech_stopped_at``; the next response does not take it). A timed audio delta
after an untimed one of the same response stamps nothing: the first delta's time is unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import events as ev
from ..state import NO_TURN_TIMES, SessionState, TurnTimes
from ._common import Changes, canonical, evolve_input, evolve_response

Stamp = Callable[[SessionState, Any, Changes, "float | None"], None]
"""``stamp(state, event, changes, time)``: called after the event's handler; ``time`` is
``None`` only for the classes of :data:`UNTIMED_STAMPS`, on a line without a time."""


def _response(changes: Changes, state: SessionState, response_id: str, field: str) -> Any:
    """The response to stamp ``field`` on, or ``None`` (absent, or stamped already)."""
    responses = changes.get("responses", state.responses)
    response = responses.get(response_id)
    if response is None or getattr(response, field) is not None:
        return None
    return response


def _created(
    state: SessionState, event: ev.ResponseCreated, changes: Changes, time: float | None
) -> None:
    rid = event.response.id
    buf = changes.get("input_audio", state.input_audio)
    stop = buf.unanswered_stop_at
    if (time is None and stop is None) or rid is None or "responses" not in changes:
        return
    response = _response(changes, state, rid, "created_at")
    if response is None or response.speech_stopped_at is not None:
        return
    fields: dict[str, Any] = {} if time is None else {"created_at": time}
    if not response.out_of_band and stop is not None:
        fields["speech_stopped_at"] = stop
        changes["input_audio"] = evolve_input(buf, unanswered_stop_at=None)
    if fields:
        changes["responses"] = changes["responses"].set(rid, evolve_response(response, **fields))


def _first_audio(
    state: SessionState,
    event: ev.ResponseAudioDelta | ev.ResponseOutputAudioDelta,
    changes: Changes,
    time: float | None,
) -> None:
    if time is None or not changes:  # untimed, or the delta was ignored
        return
    response = _response(changes, state, event.response_id, "first_audio_at")
    if response is not None and not _had_audio(state, response, event.item_id):
        responses = changes.get("responses", state.responses)
        changes["responses"] = responses.set(
            event.response_id, evolve_response(response, first_audio_at=time)
        )


def _had_audio(state: SessionState, response: Any, item_id: str) -> bool:
    """Whether audio of ``response`` came before this delta (an untimed first delta: then no
    later delta is its first). Asked once per response in a timed log."""
    items = state.conversation.items
    for iid in (*response.output_item_ids, item_id):
        item = items.get(iid)
        if item is not None and any(part.audio_chunks is not None for part in item.content):
            return True
    return False


def _done(
    state: SessionState, event: ev.ResponseDone, changes: Changes, time: float | None
) -> None:
    rid = event.response.id
    if time is None or rid is None or "responses" not in changes:
        return
    response = _response(changes, state, rid, "done_at")
    if response is not None:
        changes["responses"] = changes["responses"].set(
            rid, evolve_response(response, done_at=time)
        )


def _turn(field: str, unanswered: bool = False) -> Stamp:
    def stamp(state: SessionState, event: Any, changes: Changes, time: float | None) -> None:
        buf = changes.get("input_audio")
        item_id = event.item_id
        if buf is None or item_id is None:
            return
        times = buf.turn_times.get(item_id, NO_TURN_TIMES)
        if getattr(times, field) is not None:
            return
        if time is None:
            if unanswered and buf.unanswered_stop_at is not None:
                # a stop of unknown time: the next response answers it, not an older stop
                changes["input_audio"] = evolve_input(buf, unanswered_stop_at=None)
            return
        fields: dict[str, Any] = {
            "turn_times": buf.turn_times.set(canonical(item_id), _evolve_turn(times, field, time))
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

UNTIMED_STAMPS: dict[type, Stamp] = {
    cls: STAMPS[cls] for cls in (ev.ResponseCreated, ev.InputAudioBufferSpeechStopped)
}
"""The stamps an untimed line still runs (with ``time=None``): they move the speech stop along
(the module docstring). The others have nothing to do without a time."""
