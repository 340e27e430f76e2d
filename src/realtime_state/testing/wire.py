"""One builder of realistic Realtime API server events, in either dialect, as plain dicts.

:class:`WireBuilder` writes each server event the way a server sends it (the shapes, names
and quirks of ``EVENTS.md``), as a JSON-ready ``dict``: ``json.dumps`` it for wire text,
or hand the dicts to :func:`realtime_state.replay` as they are. It needs nothing beyond the
standard library (no hypothesis, no pytest).

* **Dialects.** ``WireBuilder("ga")`` (what servers send today) or ``WireBuilder("beta")``.
  Methods are named after the event; where the dialects differ the builder picks the name
  and shape: :meth:`~WireBuilder.text_delta` is ``response.output_text.delta`` in GA and
  ``response.text.delta`` in beta; :meth:`~WireBuilder.place` is
  ``conversation.item.added`` + ``.done`` in GA and ``conversation.item.created`` in beta;
  beta items carry ``"object": "realtime.item"``, GA items none; assistant content parts
  are ``output_text``/``output_audio`` in GA items and ``text``/``audio`` in beta items (the
  ``part`` of ``response.content_part.*`` says ``text``/``audio`` in both).
* **Ids.** Every event gets a fresh ``event_id``; items, responses and calls get one when
  none is given (``item_…``, ``resp_…``, ``call_…``). By default ids are sequential
  (:class:`SequentialIds`); pass ``ids=`` any ``(kind) -> str`` to make your own.
* **Conversation order.** The builder tracks the order of the conversation, as the reducer
  will: ``previous_item_id`` defaults (:data:`AUTO`) to the item before this one, so a
  stream built in order (call the methods in the order the server sends the events)
  anchors every item correctly. Pass an id, ``None`` (first) or
  :data:`OMIT` (the key left out: the item goes at the end) to say otherwise.
* **Levels.** Objects (:meth:`~WireBuilder.message`, :meth:`~WireBuilder.usage`,
  :meth:`~WireBuilder.response`, :meth:`~WireBuilder.session`, ...), single events (one
  method per server event), and whole exchanges that return lists of events:
  :meth:`~WireBuilder.user_text_turn`, :meth:`~WireBuilder.user_audio_turn`,
  :meth:`~WireBuilder.assistant_text_turn`, :meth:`~WireBuilder.assistant_audio_turn`,
  :meth:`~WireBuilder.function_call_round`.

Every event it builds decodes with :func:`realtime_state.decode` and validates with the
openai package's models of its dialect.

:class:`WireBuilder` is assembled from private modules, one level each: the markers, ids
and tracked order (``_wire_base``), objects (``_wire_objects``), session, conversation and
input events (``_wire_events``), response events (``_wire_responses``) and whole exchanges
(``_wire_turns``). Import everything from here.

Example:

```python
from realtime_state import replay
from realtime_state.testing.wire import WireBuilder

wire = WireBuilder("ga")
events = [
    wire.session_created(),
    *wire.user_text_turn("What's the weather?"),
    *wire.assistant_audio_turn(["Sunny", " and", " warm."]),
]
state = replay(events, policy="strict")
assert state.items[-1].content[0].transcript == "Sunny and warm."
```
"""

from __future__ import annotations

from ._wire_base import AUDIO_FORMATS, AUTO, OMIT, Default, SequentialIds
from ._wire_turns import WireTurns

__all__ = [
    "AUDIO_FORMATS",
    "AUTO",
    "OMIT",
    "Default",
    "SequentialIds",
    "WireBuilder",
]


class WireBuilder(WireTurns):
    """Builds server events of one dialect and keeps what later events depend on.

    :param dialect: ``"ga"`` or ``"beta"``.
    :param ids: ``(kind) -> str`` giving fresh ids; kinds are ``event``, ``webrtc_event``,
        ``item``, ``resp``, ``call``, ``sess`` and ``conv``. Default: a
        :class:`SequentialIds`.
    :param output_format: the session's output audio format by its beta name
        (:data:`AUDIO_FORMATS`); responses and :meth:`session` echo it.
    :param voice: the voice responses and :meth:`session` echo.
    :param session_id: a fixed session id (default: a fresh one).
    :param conversation_id: a fixed conversation id (default: a fresh one).

    The conversation order the builder tracks is :attr:`conversation` (item ids, in order).
    """
