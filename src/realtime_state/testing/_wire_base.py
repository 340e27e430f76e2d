"""What every part of :class:`~realtime_state.testing.wire.WireBuilder` shares: the markers
(:data:`AUTO`, :data:`OMIT`), the audio formats, the ids, and the builder's state.

:class:`WireBase` holds the dialect, the id source and the conversation order the builder
tracks, and builds a bare event (:meth:`WireBase.event`); the objects, events and whole
exchanges are added on top of it, one module each (``_wire_objects``, ``_wire_events``,
``_wire_responses``, ``_wire_turns``). Import the public names from
:mod:`realtime_state.testing.wire`.
"""

from __future__ import annotations

import base64
import enum
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Literal

__all__ = [
    "AUDIO_FORMATS",
    "AUTO",
    "OMIT",
    "Default",
    "Dialect",
    "Event",
    "SequentialIds",
    "WireBase",
    "as_b64",
    "deltas_of",
]


Event = dict[str, Any]
"""A server event as a JSON-ready ``dict``."""
Dialect = Literal["ga", "beta"]
"""The two dialects: ``ga`` (what servers send today) and ``beta``."""


class Default(enum.Enum):
    """The two markers a parameter may take besides a value."""

    AUTO = "auto"
    """Let the builder choose (the tracked previous item, the dialect's usual value)."""
    OMIT = "omit"
    """Leave the key out of the event."""

    def __repr__(self) -> str:
        return self.name


AUTO: Final = Default.AUTO
"""Let the builder choose the value (see :class:`Default`)."""
OMIT: Final = Default.OMIT
"""Leave the key out (see :class:`Default`)."""

AUDIO_FORMATS: Mapping[str, tuple[dict[str, Any], str, int]] = {
    "pcm16": ({"type": "audio/pcm", "rate": 24000}, "pcm16", 48),
    "g711_ulaw": ({"type": "audio/pcmu"}, "g711_ulaw", 8),
    "g711_alaw": ({"type": "audio/pcma"}, "g711_alaw", 8),
}
"""Audio formats by their beta name: ``(GA format object, beta name, bytes per ms)``."""

_ID_WIDTH = {"call": 16}


class SequentialIds:
    """Ids in the server's shapes from a counter shared by all kinds: ``kind_`` plus
    ``tag`` and the zero-padded count, 21 characters after the prefix (16 for ``call``);
    kind ``webrtc_event`` (``output_audio_buffer.*``) gives ``event_`` plus 16 hex digits,
    as WebRTC servers send.

    ``count`` is the last number given out; ``start`` the first.
    """

    def __init__(self, tag: str = "", start: int = 1) -> None:
        self.tag = tag
        self.count = start - 1

    def __call__(self, kind: str) -> str:
        self.count += 1
        if kind == "webrtc_event":
            return f"event_{self.count:016x}"
        width = _ID_WIDTH.get(kind, 21) - len(self.tag)
        return f"{kind}_{self.tag}{self.count:0>{width}}"


def as_b64(data: bytes) -> str:
    """``data`` as base64 text (audio deltas and item audio)."""
    return base64.b64encode(data).decode("ascii")


def deltas_of(text: str | Sequence[str]) -> list[str]:
    """A ``str`` is one delta; a sequence is the deltas."""
    return [text] if isinstance(text, str) else list(text)


class WireBase:
    """The state of a builder: its dialect, its id source, its output format and voice, the
    conversation order it tracks and its out-of-band responses (the parameters are those of
    :class:`~realtime_state.testing.wire.WireBuilder`)."""

    def __init__(
        self,
        dialect: Dialect | str = "ga",
        *,
        ids: Callable[[str], str] | None = None,
        output_format: str = "pcm16",
        voice: str = "alloy",
        session_id: str | None = None,
        conversation_id: str | None = None,
    ) -> None:
        if dialect not in ("ga", "beta"):
            raise ValueError(f"dialect must be 'ga' or 'beta', not {dialect!r}")
        if output_format not in AUDIO_FORMATS:
            raise ValueError(f"output_format must be one of {sorted(AUDIO_FORMATS)}")
        self.dialect = dialect
        self.ga = dialect == "ga"
        self.ids: Callable[[str], str] = ids if ids is not None else SequentialIds()
        self.output_format = output_format
        self.voice = voice
        self.conversation: list[str] = []
        """Item ids of the conversation, in order: what ``previous_item_id`` names."""
        self.out_of_band: set[str] = set()
        """Ids of the out-of-band responses created (their items stay out of the order)."""
        self.session_id = session_id if session_id is not None else self.ids("sess")
        self.conversation_id = conversation_id if conversation_id is not None else self.ids("conv")

    # --- ids and the conversation order ----------------------------------------------------

    def new_id(self, kind: str) -> str:
        """A fresh id of ``kind`` (``item``, ``resp``, ``call``, ``event``, ...)."""
        return self.ids(kind)

    @property
    def last_item_id(self) -> str | None:
        """The last item of the tracked conversation, ``None`` when it is empty."""
        return self.conversation[-1] if self.conversation else None

    def _previous(self, item_id: str | None) -> str | None:
        """The item before ``item_id`` if placed, else the last one."""
        if item_id is not None and item_id in self.conversation:
            at = self.conversation.index(item_id)
            return self.conversation[at - 1] if at else None
        return self.last_item_id

    def _place(self, item_id: str | None, previous: str | Default | None) -> None:
        """Track where an item goes, as the reducer places it (``CONTRACT.md``)."""
        if item_id is None or item_id in self.conversation:
            return
        if previous is None:
            self.conversation.insert(0, item_id)
        elif isinstance(previous, str) and previous in self.conversation:
            self.conversation.insert(self.conversation.index(previous) + 1, item_id)
        else:
            self.conversation.append(item_id)

    def _name(self, beta: str, ga: str) -> str:
        return ga if self.ga else beta

    # --- events: generic ----------------------------------------------------------------------

    def event(self, kind: str, **fields: Any) -> Event:
        """Any server event: ``type``, a fresh ``event_id``, then ``fields`` in order."""
        return {"type": kind, "event_id": self.ids("event"), **fields}

    @staticmethod
    def _with(event: Event, **optional: Any) -> Event:
        for key, value in optional.items():
            if value is not None and value is not OMIT:
                event[key] = value
        return event
