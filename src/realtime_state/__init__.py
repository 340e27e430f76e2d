"""realtime-state: the OpenAI Realtime API event stream as state you can read, snapshot and test.

The public API is flat: ``decode``/``encode`` for events, the event model in
:mod:`realtime_state.events`, and the package's errors.
"""

from __future__ import annotations

from .decoding import Event, RawEvent, decode, encode
from .errors import DecodeError, RealtimeStateError
from .events import UnknownEvent, UnknownObject
from .reducer import ProtocolViolation, history, reduce, replay
from .state import (
    ErrorRecord,
    InputAudioState,
    ItemState,
    PartState,
    RateLimitState,
    ResponseState,
    SessionState,
    UsageTotals,
    Violation,
)

__all__ = [
    "DecodeError",
    "ErrorRecord",
    "InputAudioState",
    "ItemState",
    "PartState",
    "ProtocolViolation",
    "RateLimitState",
    "ResponseState",
    "SessionState",
    "UsageTotals",
    "Violation",
    "history",
    "reduce",
    "replay",
    "Event",
    "RawEvent",
    "RealtimeStateError",
    "UnknownEvent",
    "UnknownObject",
    "decode",
    "encode",
]

__version__ = "0.1.0"
