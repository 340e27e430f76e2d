"""The package's exceptions: one base class, one subclass per kind of failure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import Violation
    from .testing._invariants import InvariantFailure

__all__ = [
    "RealtimeStateError",
    "DecodeError",
    "ProtocolViolation",
    "AudioError",
    "NoAudioError",
    "UnsupportedAudioFormatError",
    "InvariantError",
    "format_path",
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
