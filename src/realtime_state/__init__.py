"""realtime-state: the OpenAI Realtime API event stream as state you can read, snapshot and test.

The public API is flat: ``decode``/``encode`` for events, the event model in
:mod:`realtime_state.events`, and the package's errors.
"""

from __future__ import annotations

from .decoding import Event, RawEvent, decode, encode
from .errors import DecodeError, RealtimeStateError
from .events import UnknownEvent, UnknownObject

__all__ = [
    "DecodeError",
    "Event",
    "RawEvent",
    "RealtimeStateError",
    "UnknownEvent",
    "UnknownObject",
    "decode",
    "encode",
]

__version__ = "0.1.0"
