"""The pure reducer: ``reduce(state, event) -> new state``, ``replay(events)``, ``history``.

Theory of operation
-------------------
``reduce`` looks the event's class up in ``HANDLERS`` (a dict, about 100 ns) and calls the
handler with the current state. A handler never mutates anything: it returns the attributes
of ``SessionState`` that change, built from persistent pieces that share everything they
do not change (``immutables.Map`` for items and responses, cons lists for streamed text,
audio and logs). ``reduce`` then makes the new state with ``event_count`` advanced.

What is legal is decided in one place, :mod:`realtime_state.lifecycles`: a handler asks
``step(lifecycle, phase, trigger, ...)`` for every lifecycle an event drives, and gets the
destination of a legal transition, or (a violation recorded) the lenient recovery or
``None`` (the event is ignored). Problems are collected as ``(code, message)`` pairs with the
codes and messages of that module. In strict policy the first one is raised as
:class:`~realtime_state.ProtocolViolation` and the caller keeps the state it passed in; in
lenient policy they are appended to ``state.violations`` and the event is applied as far as
is safe.

The package, one concern per module:

* ``_dispatch``: ``reduce``, ``replay``, ``history`` (and async ``areplay``, ``ahistory``)
  and the handler table;
* ``_timing``: what an event's time stamps (response and turn times);
* ``_common``: what every handler shares (``step``, reporting, evolvers);
* ``_order``: conversation order (a doubly linked list in a persistent map);
* ``_merge``: from the wire to the state (new items and parts, later copies merged);
* ``_responses``: responses, output items, content parts and the checks streamed events make;
* ``_channels``: streamed text, audio and transcript (one generic handler) and arguments;
* ``_conversation``: ``conversation.item.*`` (added, done, truncated, deleted, ...);
* ``_input``: the input audio buffer, VAD turns and input transcription;
* ``_session``: session configuration, rate limits and errors;
* ``_pending``: client events, and the work they request until the server confirms it.
"""

from __future__ import annotations

from ..errors import ProtocolViolation
from ..formats import output_bytes_per_ms as bytes_per_ms
from ._dispatch import ahistory, areplay, history, reduce, replay

__all__ = [
    "ProtocolViolation",
    "reduce",
    "replay",
    "history",
    "areplay",
    "ahistory",
    "bytes_per_ms",
]
