"""The package's exceptions: one base class, one subclass per kind of failure.

Every public error derives from :class:`RealtimeStateError`. The modules that raise them
re-export them (``realtime_state.cost.PricingError``, ``realtime_state.logs.LogError``, ...),
so either import works.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: those modules import this one
    from .prices import PriceTable
    from .state import Violation
    from .testing._invariants import InvariantFailure

__all__ = [
    "RealtimeStateError",
    "DecodeError",
    "ProtocolViolation",
    "AudioError",
    "NoAudioError",
    "AudioDroppedError",
    "UnsupportedAudioFormatError",
    "InvariantError",
    "format_path",
    "PricingError",
    "NoModelError",
    "UnknownModelError",
    "LogError",
]


class RealtimeStateError(Exception):
    """Base class of every error raised by ``realtime_state``."""


def format_path(path: Sequence[str | int]) -> str:
    """Render a field path as ``response.output[0].content[1].type``."""
    out: list[str] = []
    for step in path:
        if isinstance(step, int):
            out.append(f"[{step}]")
        elif out:
            out.append(f".{step}")
        else:
            out.append(step)
    return "".join(out)


class DecodeError(RealtimeStateError, ValueError):
    """A server event could not be decoded.

    The message names the event type (when known), the field path and what was wrong.
    Attributes:

    ``event_type``
        The event's ``type`` when it could be read, else ``None``.
    ``path``
        Field path to the offending value, e.g. ``("response", "output", 0, "status")``;
        empty when the whole input is at fault.
    ``reason``
        What was wrong, e.g. ``"expected a string, got int 5"``.
    ``index``
        Position of the event in the stream when known (set by ``reduce``/``replay``).
    ``raw``
        The input exactly as given (text, bytes or mapping): nothing fed in is lost.
    """

    def __init__(
        self,
        reason: str,
        *,
        event_type: str | None = None,
        path: Sequence[str | int] = (),
        index: int | None = None,
        raw: Any = None,
    ) -> None:
        self.reason = reason
        self.event_type = event_type
        self.path = tuple(path)
        self.index = index
        self.raw = raw
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.index is not None:
            where.append(f"event #{self.index}")
        if self.event_type is not None:
            where.append(f"{self.event_type!r}")
        head = "cannot decode " + (" ".join(where) if where else "event")
        if self.path:
            head += f", field {format_path(self.path)}"
        return f"{head}: {self.reason}"

    def at_index(self, index: int) -> DecodeError:
        """Return a copy of this error that names the event's position in the stream."""
        error = DecodeError(
            self.reason, event_type=self.event_type, path=self.path, index=index, raw=self.raw
        )
        error.__cause__ = self.__cause__
        return error

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_decode_error,
            (self.reason, self.event_type, self.path, self.index, self.raw),
        )


def _rebuild_decode_error(
    reason: str, event_type: str | None, path: tuple[str | int, ...], index: int | None, raw: Any
) -> DecodeError:
    return DecodeError(reason, event_type=event_type, path=path, index=index, raw=raw)


class ProtocolViolation(RealtimeStateError):
    """Raised by :func:`~realtime_state.reduce` in strict policy when an event breaks the
    protocol.

    Carries the same fields as a recorded :class:`~realtime_state.state.Violation`:
    ``index``, ``event_type``, ``event_id``, ``code`` and ``message``.
    """

    def __init__(self, violation: Violation) -> None:
        self.violation = violation
        self.index = violation.index
        self.event_type = violation.event_type
        self.event_id = violation.event_id
        self.code = violation.code
        self.message = violation.message
        super().__init__(
            f"event #{violation.index} {violation.event_type!r}: {violation.message} "
            f"[{violation.code}]"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (ProtocolViolation, (self.violation,))


class AudioError(RealtimeStateError, ValueError):
    """Base class of the audio errors."""


class NoAudioError(AudioError, LookupError):
    """The item, the part, or the part's audio is not in the state."""


class AudioDroppedError(NoAudioError):
    """The part's audio was dropped by the state's audio retention (``audio_retention``):
    everything else about it (byte count, duration, truncation point, transcript) is kept;
    the bytes are not. The message names the item and the part; ``item_id`` and
    ``content_index`` say which."""

    def __init__(self, item_id: str, content_index: int) -> None:
        self.item_id = item_id
        self.content_index = content_index
        super().__init__(
            f"the audio of item {item_id} part {content_index} was dropped by the audio "
            "retention of this state (audio_retention); its length, transcript and cuts are "
            "kept, its bytes are not (keep them with audio_retention='all', or take them with "
            "LiveSession's audio_sink before they are dropped)"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (AudioDroppedError, (self.item_id, self.content_index))


class UnsupportedAudioFormatError(AudioError):
    """The audio is in a format this export cannot write (G.711, or an unknown encoding)."""


class InvariantError(RealtimeStateError, AssertionError):
    """Raised by :func:`assert_invariants` and :func:`assert_invariants_over`.

    ``failures`` lists every broken invariant; ``index`` is the index of the event after
    which they were found (``None`` for a single state whose history is unknown).
    """

    def __init__(
        self,
        failures: tuple[InvariantFailure, ...],
        index: int | None = None,
        event_type: str | None = None,
    ) -> None:
        self.failures = failures
        self.index = index
        self.event_type = event_type
        self.names = tuple(dict.fromkeys(f.name for f in failures))
        count = len(self.names)
        head = f"{count} realtime-state invariant{'s' if count != 1 else ''} broken"
        if index is not None:
            head += f" after event #{index}"
            if event_type is not None:
                head += f" ({event_type})"
        lines = [f"{head}: {', '.join(self.names)}"]
        lines += [f"- {failure}" for failure in failures]
        super().__init__("\n".join(lines))

    def __reduce__(self) -> tuple[Any, ...]:
        return (InvariantError, (self.failures, self.index, self.event_type))


# ---------------------------------------------------------------------------------------------
# Pricing (raised by realtime_state.cost and realtime_state.prices)
# ---------------------------------------------------------------------------------------------


class PricingError(RealtimeStateError, ValueError):
    """A cost cannot be computed as asked (base class of the pricing errors)."""


class NoModelError(PricingError):
    """No model is known for usage that needs pricing (pass ``model=`` or
    ``transcription_model=``)."""


class UnknownModelError(PricingError, LookupError):
    """The price table has no row for ``model``."""

    def __init__(self, model: str, table: PriceTable, role: str = "model") -> None:
        self.model = model
        self.role = role
        dated = f" dated {table.date}" if table.date else ""
        super().__init__(
            f"no price for {role} {model!r} in the price table{dated}; pass "
            f"prices=DEFAULT_PRICES.with_models({{{model!r}: {{...}}}}) to add its rates to "
            "the shipped table (a plain mapping or PriceTable replaces the whole table, so "
            "it must price every model used). A dated snapshot is not priced as its base "
            "model: that would be a guess."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_unknown, (self.model, self.role, str(self)))


def _rebuild_unknown(model: str, role: str, message: str) -> UnknownModelError:
    error = UnknownModelError.__new__(UnknownModelError)
    error.model, error.role = model, role
    PricingError.__init__(error, message)
    return error


# ---------------------------------------------------------------------------------------------
# Logs (raised by realtime_state.logs and the command line)
# ---------------------------------------------------------------------------------------------


class LogError(RealtimeStateError):
    """A log that cannot be read at all (missing, a directory, binary, empty)."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
