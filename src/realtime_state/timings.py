"""Turn timing: how long each response took to start speaking and to finish, in milliseconds.

:func:`timings_of` (``state.timings()``) reads the times the reducer keeps on each
:class:`~realtime_state.state.ResponseState` (only logs that carry times have them: a live
session, an envelope log; see ``reducer/_timing.py``) and gives, per response in stream order
(:attr:`~realtime_state.state.SessionState.responses_in_order`):

* ``speech_end_to_first_audio_ms``: ``first_audio_at - speech_stopped_at``, from the
  ``input_audio_buffer.speech_stopped`` the response answers (the last speech stop before its
  ``response.created`` that no earlier response answered) to its first audio delta
  (``response.output_audio.delta``; beta ``response.audio.delta``): the latency the user
  hears, as far as the server's events show it;
* ``created_to_first_audio_ms``: ``first_audio_at - created_at``, from ``response.created``
  to the first audio delta;
* ``created_to_done_ms``: ``done_at - created_at``, from ``response.created`` to
  ``response.done``.

A measure is ``None`` when either of its ends is missing: no time in the log (or on that
line), no audio (a text response, a response cancelled before any audio: its first-audio
measures are ``None``, its ``created_to_done_ms`` is still measured), no speech to answer
(a response the app asked for, an out-of-band response), a response still running. Values
are differences of the envelopes' times as they are (never clamped: a negative value means
the clock that stamped the log went backwards).

For the session, each measure has a :class:`TimingStats`: ``count`` (the responses that have
the measure), ``p50`` and ``p95`` over those, ``None`` when ``count`` is 0. Percentiles are
:func:`statistics.quantiles` ``(values, n=100, method="inclusive")`` (linear interpolation
between the closest ranks, numpy's default ``linear`` method; ``p50`` is the median), the
49th and 94th cut points; a single value is its own ``p50`` and ``p95``.

Out-of-band responses are included and flagged (``ResponseTiming.out_of_band``): they answer
no speech, so their speech measure is ``None``, but their other measures count.
:meth:`Timings.where` recomputes the statistics over the responses a predicate keeps (say,
``lambda r: not r.out_of_band``). Timings are of *this* session: a stream that holds several
``session.created`` keeps the earlier sessions in ``state.sessions``, each with its own
``timings()``.

Cost: O(responses log responses) (the stream-order sort); no audio is touched.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from .state import ResponseState, SessionState

__all__ = [
    "MEASURES",
    "ResponseTiming",
    "TimingStats",
    "Timings",
    "timings_of",
    "percentiles",
]

MEASURES = ("speech_end_to_first_audio_ms", "created_to_first_audio_ms", "created_to_done_ms")
"""The measure names, in the order they are shown: the field names of :class:`ResponseTiming`
and of :class:`Timings`."""


def _ms(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else (end - start) * 1000.0


@attrs.frozen(slots=True, kw_only=True)
class ResponseTiming:
    """The measures of one response, in milliseconds (``None`` where an end is missing)."""

    response_id: str
    status: str | None
    """The response's status (``completed``, ``cancelled``, ...; ``None`` while it runs)."""
    out_of_band: bool
    speech_end_to_first_audio_ms: float | None
    """User stopped speaking (``input_audio_buffer.speech_stopped``) to the first audio delta."""
    created_to_first_audio_ms: float | None
    """``response.created`` to the first audio delta."""
    created_to_done_ms: float | None
    """``response.created`` to ``response.done``."""

    @classmethod
    def of(cls, response: ResponseState) -> ResponseTiming:
        """The measures of one response, from the times it keeps."""
        created, audio = response.created_at, response.first_audio_at
        return cls(
            response_id=response.id,
            status=response.status,
            out_of_band=response.out_of_band,
            speech_end_to_first_audio_ms=_ms(response.speech_stopped_at, audio),
            created_to_first_audio_ms=_ms(created, audio),
            created_to_done_ms=_ms(created, response.done_at),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return attrs.asdict(self)


def percentiles(values: Sequence[float]) -> tuple[float, float] | None:
    """``(p50, p95)`` of ``values``: :func:`statistics.quantiles` with ``n=100`` and
    ``method="inclusive"``, cut points 50 and 95; one value is both; ``None`` for none."""
    if not values:
        return None
    if len(values) == 1:
        return values[0], values[0]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94]


@attrs.frozen(slots=True, kw_only=True)
class TimingStats:
    """One measure over the session: how many responses have it, its median and 95th
    percentile (milliseconds; ``None`` when ``count`` is 0)."""

    count: int = 0
    p50: float | None = None
    p95: float | None = None

    @classmethod
    def of(cls, values: Sequence[float]) -> TimingStats:
        """The statistics of these values (see :func:`percentiles`)."""
        got = percentiles(values)
        if got is None:
            return cls()
        return cls(count=len(values), p50=got[0], p95=got[1])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"count": self.count, "p50": self.p50, "p95": self.p95}


NO_STATS = TimingStats()


@attrs.frozen(slots=True, kw_only=True)
class Timings:
    """The timing of a session: every response's measures, in stream order, and each
    measure's statistics over the responses that have it."""

    responses: tuple[ResponseTiming, ...] = ()
    speech_end_to_first_audio_ms: TimingStats = NO_STATS
    created_to_first_audio_ms: TimingStats = NO_STATS
    created_to_done_ms: TimingStats = NO_STATS

    @classmethod
    def of(cls, responses: Iterable[ResponseTiming]) -> Timings:
        """The timings of these responses (their order is kept)."""
        rows = tuple(responses)
        stats = {}
        for name in MEASURES:
            values = [v for v in (getattr(r, name) for r in rows) if v is not None]
            stats[name] = TimingStats.of(values)
        return cls(responses=rows, **stats)

    @property
    def measured(self) -> bool:
        """Whether any measure is known (``False`` for a log without times)."""
        return any(getattr(self, name).count for name in MEASURES)

    def where(self, keep: Callable[[ResponseTiming], bool]) -> Timings:
        """The timings of the responses ``keep`` accepts (statistics recomputed)."""
        return Timings.of(r for r in self.responses if keep(r))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"responses": [...], "<measure>": {"count", "p50", "p95"},
        ...}``."""
        out: dict[str, Any] = {"responses": [r.to_dict() for r in self.responses]}
        for name in MEASURES:
            out[name] = getattr(self, name).to_dict()
        return out


def timings_of(state: SessionState) -> Timings:
    """The :class:`Timings` of ``state``'s session (``state.timings()``): one
    :class:`ResponseTiming` per response of :attr:`SessionState.responses_in_order`
    (out-of-band ones included), and each measure's count, p50 and p95 (see the module)."""
    return Timings.of(ResponseTiming.of(r) for r in state.responses_in_order)
