"""Helpers shared by the test modules (not tests themselves).

``tests/`` is on ``sys.path`` when pytest collects the suite (rootdir-relative, prepend
import mode), so test modules import these as ``from helpers import streams as s`` or
``from helpers.readside import ...``.

* :mod:`helpers.data`: the paths of the recordings, logs and catalogue fixtures, and readers.
* :mod:`helpers.streams`: short GA/beta wire events for scenario tests (over
  :class:`realtime_state.testing.wire.WireBuilder`).
* :mod:`helpers.readside`: the logs and builders the read-side tests share.
* :mod:`helpers.event_payloads`: hypothesis strategies of wire payloads derived from the
  event model's field types.
* :mod:`helpers.lifecycle_drivers`: drive each lifecycle's object into any phase.
"""
