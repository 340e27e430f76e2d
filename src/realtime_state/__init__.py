"""realtime-state: the OpenAI Realtime API event stream as state you can read, snapshot and test.

The public API is flat: ``decode``/``encode`` for events, the event model in
:mod:`realtime_state.events`, and the package's errors.
"""

from __future__ import annotations

from .audio import AudioError, AudioSpec, NoAudioError, UnsupportedAudioFormatError, pcm_to_wav
from .carry import CarryOver, Skipped, carry_over
from .cost import (
    DEFAULT_PRICES,
    CostBreakdown,
    ModelPrice,
    NoModelError,
    PriceTable,
    PricingError,
    ResponseCost,
    SessionCost,
    TokenCounts,
    TranscriptionCost,
    UnknownModelError,
)
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
    TranscriptionRecord,
    UsageTotals,
    Violation,
)
from .transcript import Transcript, Turn, TurnError, estimate_heard_text

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
    "TranscriptionRecord",
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

__all__ += [
    "AudioError",
    "AudioSpec",
    "CarryOver",
    "CostBreakdown",
    "DEFAULT_PRICES",
    "ModelPrice",
    "NoAudioError",
    "NoModelError",
    "PriceTable",
    "PricingError",
    "ResponseCost",
    "SessionCost",
    "Skipped",
    "TokenCounts",
    "Transcript",
    "TranscriptionCost",
    "Turn",
    "TurnError",
    "UnknownModelError",
    "UnsupportedAudioFormatError",
    "carry_over",
    "estimate_heard_text",
    "pcm_to_wav",
]

__version__ = "0.1.0"
