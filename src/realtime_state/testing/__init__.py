"""Helpers for testing code built on realtime-state (and for our own tests).

* :func:`assert_invariants` / :func:`check_invariants`: the named invariants of one state
  (:data:`INVARIANTS`); :func:`assert_invariants_over` / :func:`check_invariants_over` check
  every state of a history and every consecutive pair (:data:`CROSS_STATE_INVARIANTS`).
* :func:`assert_transcript` / :func:`message_turns`: compare the message turns of a state
  with ``[("user", "..."), ("assistant", re.compile("..."))]``, with a readable diff.
* :func:`inject_fault` / :func:`fault_positions`: break a legal stream (a recording of
  yours, or a generated one) in one of the known ways (:data:`FAULT_KINDS`) and get the
  :class:`Fault`: the violation a replay must report first, and where.
* :mod:`realtime_state.testing.plugin`: the pytest plugin (fixture ``realtime_replay``,
  option ``--realtime-strict``), registered through the ``pytest11`` entry point.
* :class:`WireBuilder` (:mod:`realtime_state.testing.wire`): realistic server events of
  either dialect as plain dicts, one method per event, plus whole turns.
* :class:`ReplayServer` (:mod:`realtime_state.testing.server`): a local WebSocket server that
  plays a recording to a real client (the ``openai`` one, say), waiting for the client
  events that drive each step (needs ``websockets``).
* :mod:`realtime_state.testing.strategies`: hypothesis strategies of legal and faulty
  server event streams (needs ``pip install 'realtime-state[testing]'``).

Importing this package is cheap: it needs neither pytest nor hypothesis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {
    "FAULT_KINDS": "._faults",
    "Fault": "._faults",
    "fault_positions": "._faults",
    "inject_fault": "._faults",
    "CROSS_STATE_INVARIANTS": "._invariants",
    "EXCUSES": "._invariants",
    "INVARIANTS": "._invariants",
    "InvariantError": "._invariants",
    "InvariantFailure": "._invariants",
    "assert_invariants": "._invariants",
    "assert_invariants_over": "._invariants",
    "check_invariants": "._invariants",
    "check_invariants_over": "._invariants",
    "assert_transcript": "._transcript",
    "message_turns": "._transcript",
    "WireBuilder": ".wire",
    "ReplayFailure": ".server",
    "ReplayPlan": ".server",
    "ReplayServer": ".server",
    "ReplayStep": ".server",
    "TRIGGER_RULES": ".server",
}

__all__ = [
    "CROSS_STATE_INVARIANTS",
    "EXCUSES",
    "FAULT_KINDS",
    "Fault",
    "INVARIANTS",
    "InvariantError",
    "InvariantFailure",
    "assert_invariants",
    "assert_invariants_over",
    "assert_transcript",
    "check_invariants",
    "check_invariants_over",
    "fault_positions",
    "inject_fault",
    "message_turns",
    "WireBuilder",
    "ReplayFailure",
    "ReplayPlan",
    "ReplayServer",
    "ReplayStep",
    "TRIGGER_RULES",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

if TYPE_CHECKING:
    from ._faults import FAULT_KINDS, Fault, fault_positions, inject_fault
    from ._invariants import (
        CROSS_STATE_INVARIANTS,
        EXCUSES,
        INVARIANTS,
        InvariantError,
        InvariantFailure,
        assert_invariants,
        assert_invariants_over,
        check_invariants,
        check_invariants_over,
    )
    from ._transcript import assert_transcript, message_turns
    from .server import TRIGGER_RULES, ReplayFailure, ReplayPlan, ReplayServer, ReplayStep
    from .wire import WireBuilder
