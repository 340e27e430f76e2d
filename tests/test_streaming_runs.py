"""Runs of deltas kept outside their item (``state._StreamingConversation``), event by
event: what ends a run and what does not, cuts and bad audio in the middle of one, and
reading one state from several threads. (The first three came from a review of the change.)
"""

from __future__ import annotations

import base64
import pickle
import threading
from typing import Any

from realtime_state import SessionState, reduce
from realtime_state.reducer._common import SWITCHES
from realtime_state.state import _Conversation, _StreamingPart
from realtime_state.testing import check_invariants

R, A = "resp_1", "item_A"
AUDIO = base64.b64encode(b"\x01\x02" * 240).decode()

ASSISTANT_ITEM = {
    "id": A,
    "type": "message",
    "status": "in_progress",
    "role": "assistant",
    "content": [],
}

SETUP: list[dict[str, Any]] = [
    {
        "type": "session.created",
        "event_id": "e0",
        "session": {
            "type": "realtime",
            "object": "realtime.session",
            "id": "sess_1",
            "model": "gpt-realtime",
            "output_modalities": ["audio"],
        },
    },
    {
        "type": "response.created",
        "event_id": "e1",
        "response": {
            "object": "realtime.response",
            "id": R,
            "status": "in_progress",
            "output": [],
            "conversation_id": "conv_1",
        },
    },
    {
        "type": "response.output_item.added",
        "event_id": "e2",
        "response_id": R,
        "output_index": 0,
        "item": ASSISTANT_ITEM,
    },
    {
        "type": "conversation.item.added",
        "event_id": "e3",
        "previous_item_id": None,
        "item": ASSISTANT_ITEM,
    },
    {
        "type": "response.content_part.added",
        "event_id": "e4",
        "response_id": R,
        "item_id": A,
        "output_index": 0,
        "content_index": 0,
        "part": {"type": "audio", "transcript": ""},
    },
]


def _audio_delta(n: int) -> dict[str, Any]:
    return {
        "type": "response.output_audio.delta",
        "event_id": f"d{n}",
        "response_id": R,
        "item_id": A,
        "output_index": 0,
        "content_index": 0,
        "delta": AUDIO,
    }


def _transcript_delta(n: int, text: str) -> dict[str, Any]:
    return {
        "type": "response.output_audio_transcript.delta",
        "event_id": f"t{n}",
        "response_id": R,
        "item_id": A,
        "output_index": 0,
        "content_index": 0,
        "delta": text,
    }


APPEND = {"type": "input_audio_buffer.append", "audio": base64.b64encode(b"\0" * 480).decode()}
CUT = {
    "type": "conversation.item.truncated",
    "event_id": "cut",
    "item_id": A,
    "content_index": 0,
    "audio_end_ms": 5,
}


def _states(events: list[dict[str, Any]], **kw: Any) -> list[SessionState]:
    state = SessionState(**kw)
    out = []
    for event in events:
        state = reduce(state, event)
        out.append(state)
    return out


def _both(events: list[dict[str, Any]], **kw: Any) -> None:
    fast = _states(events, **kw)
    SWITCHES.fast_path = False
    try:
        slow = _states(events, **kw)
    finally:
        SWITCHES.fast_path = True
    assert fast == slow
    assert [s.violations for s in fast] == [s.violations for s in slow]
    for s in fast:
        assert pickle.loads(pickle.dumps(s)) == s


def test_a_client_event_does_not_end_the_run() -> None:
    # The user's microphone streams while the model speaks: an append must not fold the
    # part into its item (that would cost what the run saves, ten times a second).
    events = [*SETUP, _audio_delta(0), _audio_delta(1), _audio_delta(2), APPEND]
    states = _states(events)
    before, after = states[-2], states[-1]
    assert isinstance(before.conversation, _StreamingPart)
    assert after.conversation is before.conversation  # an append changes no item
    assert after.input_audio.buffered_bytes == 480
    more = reduce(after, _audio_delta(3))
    assert isinstance(more.conversation, _StreamingPart)
    assert more.conversation.base is before.conversation.base  # the same run goes on
    _both([*events, _audio_delta(3), APPEND, _transcript_delta(3, "hi")])


def test_an_event_that_reads_the_conversation_ends_the_run() -> None:
    states = _states([*SETUP, _audio_delta(0), _audio_delta(1)])
    assert isinstance(states[-1].conversation, _StreamingPart)
    done = {
        "type": "response.output_audio.done",
        "event_id": "ad",
        "response_id": R,
        "item_id": A,
        "output_index": 0,
        "content_index": 0,
    }
    after = reduce(states[-1], done)
    assert after.conversation.__class__ is _Conversation
    assert after.item(A).content[0].audio_bytes == 2 * 480


def test_the_streaming_item_is_one_object_however_it_is_read() -> None:
    events = [*SETUP, _audio_delta(0), _transcript_delta(0, "h"), _audio_delta(1)]
    state = _states([*events, _transcript_delta(1, "i")])[-1]
    assert isinstance(state.conversation, _StreamingPart)
    item = state.item(A)
    assert item is state.item(A)
    assert state.conversation.items[A] is item
    assert state.items[0] is item
    assert item.content[0].transcript == "hi"
    assert item.content[0].audio_bytes == 2 * 480


def test_threads_reading_one_state_see_one_item() -> None:
    # The memo is filled under a lock: a live session's reader thread and the app's thread
    # reading the same state get the same objects (check_invariants compares identities).
    states = _states([*SETUP, *(_audio_delta(n) for n in range(40))])
    for state in states[len(SETUP) + 1 :]:
        assert isinstance(state.conversation, _StreamingPart)
        assert _read_together(state)
        assert not check_invariants(state)


def _read_together(state: SessionState) -> bool:
    """Whether four threads reading the streaming item at once all got one object."""
    seen: list[Any] = []
    barrier = threading.Barrier(4)

    def read() -> None:
        barrier.wait()
        seen.append((state.item(A), state.conversation.items[A]))

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len({id(obj) for pair in seen for obj in pair}) == 1


def test_a_cut_mid_run_then_more_deltas_matches_the_full_path() -> None:
    events = [
        *SETUP,
        _transcript_delta(0, "Hel"),
        _audio_delta(0),
        _audio_delta(1),
        _transcript_delta(1, "lo"),
        CUT,
        _audio_delta(2),
        _transcript_delta(2, " there"),
        _audio_delta(3),
    ]
    _both(events)
    _both(events, audio_retention="none")


def test_invalid_and_empty_audio_mid_run_match_the_full_path() -> None:
    bad = {**_audio_delta(9), "delta": "!!"}
    empty = {**_audio_delta(8), "delta": ""}
    events = [*SETUP, _audio_delta(0), _audio_delta(1), bad, empty, _audio_delta(2)]
    _both(events)
    _both(events, audio_retention=0.01)
