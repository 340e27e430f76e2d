"""realtime-state: the OpenAI Realtime API event stream as state you can read, snapshot and test.

The public API is flat: ``decode``/``encode`` for events, the event model in
:mod:`realtime_state.events`, and the package's errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports

_EXPORTS = {
    "AudioError": ".errors",
    "AudioSpec": ".formats",
    "NoAudioError": ".errors",
    "UnsupportedAudioFormatError": ".errors",
    "pcm_to_wav": ".audio",
    "CarryOver": ".carry",
    "Skipped": ".carry",
    "carry_over": ".carry",
    "truncation_events": ".barge_in",
    "DEFAULT_PRICES": ".prices",
    "CostBreakdown": ".cost",
    "ModelPrice": ".prices",
    "NoModelError": ".errors",
    "PriceTable": ".prices",
    "PricingError": ".errors",
    "ResponseCost": ".cost",
    "SessionCost": ".cost",
    "TokenCounts": ".cost",
    "TranscriptionCost": ".cost",
    "UnknownModelError": ".errors",
    "Event": ".decoding",
    "RawEvent": ".decoding",
    "decode": ".decoding",
    "encode": ".decoding",
    "DecodeError": ".errors",
    "RealtimeStateError": ".errors",
    "UnknownEvent": ".events",
    "UnknownObject": ".events",
    "ProtocolViolation": ".errors",
    "history": ".reducer",
    "ahistory": ".reducer",
    "areplay": ".reducer",
    "Envelope": ".envelopes",
    "LiveSession": ".live",
    "Update": ".live",
    "reduce": ".reducer",
    "replay": ".reducer",
    "ClientEventRecord": ".state",
    "PendingWork": ".state",
    "ErrorRecord": ".state",
    "InputAudioState": ".state",
    "OutputAudioBufferState": ".state",
    "ItemState": ".state",
    "PartState": ".state",
    "RateLimitState": ".state",
    "ResponseState": ".state",
    "SessionState": ".state",
    "TurnTimes": ".state",
    "TranscriptionRecord": ".state",
    "UsageTotals": ".state",
    "Violation": ".state",
    "ResponseTiming": ".timings",
    "TimingStats": ".timings",
    "Timings": ".timings",
    "Transcript": ".transcript",
    "Turn": ".transcript",
    "TurnError": ".transcript",
    "estimate_heard_text": ".transcript",
}
"""Public name -> the module that defines it (imported on first use)."""

__all__ = [
    "AudioError",
    "AudioSpec",
    "NoAudioError",
    "UnsupportedAudioFormatError",
    "pcm_to_wav",
    "CarryOver",
    "Skipped",
    "carry_over",
    "truncation_events",
    "DEFAULT_PRICES",
    "CostBreakdown",
    "ModelPrice",
    "NoModelError",
    "PriceTable",
    "PricingError",
    "ResponseCost",
    "SessionCost",
    "TokenCounts",
    "TranscriptionCost",
    "UnknownModelError",
    "Event",
    "RawEvent",
    "decode",
    "encode",
    "DecodeError",
    "RealtimeStateError",
    "UnknownEvent",
    "UnknownObject",
    "ProtocolViolation",
    "history",
    "ahistory",
    "areplay",
    "Envelope",
    "LiveSession",
    "Update",
    "reduce",
    "replay",
    "ClientEventRecord",
    "PendingWork",
    "ErrorRecord",
    "InputAudioState",
    "OutputAudioBufferState",
    "ItemState",
    "PartState",
    "RateLimitState",
    "ResponseState",
    "SessionState",
    "TurnTimes",
    "TranscriptionRecord",
    "UsageTotals",
    "Violation",
    "ResponseTiming",
    "TimingStats",
    "Timings",
    "Transcript",
    "Turn",
    "TurnError",
    "estimate_heard_text",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

if TYPE_CHECKING:  # what type checkers and IDEs see
    from .audio import pcm_to_wav
    from .barge_in import truncation_events
    from .carry import CarryOver, Skipped, carry_over
    from .cost import CostBreakdown, ResponseCost, SessionCost, TokenCounts, TranscriptionCost
    from .decoding import Event, RawEvent, decode, encode
    from .envelopes import Envelope
    from .errors import (
        AudioError,
        DecodeError,
        NoAudioError,
        NoModelError,
        PricingError,
        ProtocolViolation,
        RealtimeStateError,
        UnknownModelError,
        UnsupportedAudioFormatError,
    )
    from .events import UnknownEvent, UnknownObject
    from .formats import AudioSpec
    from .live import LiveSession, Update
    from .prices import DEFAULT_PRICES, ModelPrice, PriceTable
    from .reducer import ahistory, areplay, history, reduce, replay
    from .state import (
        ClientEventRecord,
        ErrorRecord,
        InputAudioState,
        ItemState,
        OutputAudioBufferState,
        PartState,
        PendingWork,
        RateLimitState,
        ResponseState,
        SessionState,
        TranscriptionRecord,
        TurnTimes,
        UsageTotals,
        Violation,
    )
    from .timings import ResponseTiming, Timings, TimingStats
    from .transcript import Transcript, Turn, TurnError, estimate_heard_text

__version__ = "0.1.0"
