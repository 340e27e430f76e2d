"""What a lifecycle table is, and how it is compiled: :class:`Rule`, :class:`Step`,
:class:`Lifecycle`, the O(1) look-ups the reducer uses and the ``transitions`` machine.

The tables themselves, and everything else that decides what is legal, are in
:mod:`realtime_state.lifecycles`; this module knows no lifecycle.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = [
    "ANY",
    "Rule",
    "Step",
    "Lifecycle",
    "Compiled",
    "compile_rules",
    "transitions_spec",
    "machine",
]

ANY = "*"
"""In a refusal or recovery table: every state not named explicitly."""


@attrs.frozen(slots=True)
class Step:
    """The answer to "``trigger`` in ``phase``?", compiled once per pair.

    A legal transition has ``code is None`` and its destination in ``dest``. A refused one
    has the violation ``code`` and ``dest`` is the lenient recovery (where the object goes so
    that the event still applies), or ``None`` when the event is ignored.
    """

    dest: str | None
    code: str | None = None

    @property
    def legal(self) -> bool:
        """Whether the trigger is legal in the phase."""
        return self.code is None


@attrs.frozen
class Rule:
    """A legal transition: ``trigger`` moves an object from any of ``sources`` to ``dest``."""

    trigger: str
    sources: tuple[str, ...]
    dest: str


@attrs.frozen(eq=False)
class Lifecycle:
    """One lifecycle: states, triggers (with the events that fire them), rules, refusals.

    ``refusals[trigger][source]`` is the violation code for a trigger that is not legal in
    ``source`` (``"*"`` covers every source not named). ``recoveries[trigger][source]`` is
    where lenient policy moves the object after that refusal so that the event still applies;
    a refusal without a recovery leaves the object as it was and the event is ignored.
    """

    name: str
    title: str
    summary: str
    states: tuple[str, ...]
    initial: str
    triggers: Mapping[str, str]
    rules: tuple[Rule, ...]
    refusals: Mapping[str, Mapping[str, str]]
    recoveries: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict)
    entries: Mapping[str, str] = attrs.field(factory=dict)
    """Ways into the lifecycle other than the initial state: how -> the state it starts in."""
    steps: Mapping[str, Mapping[str, Step]] = attrs.field(init=False, repr=False)
    """``steps[trigger][phase]``: the compiled :class:`Step` of every pair."""

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "steps", _compile_steps(self))

    def step(self, phase: str, trigger: str) -> Step:
        """Whether ``trigger`` is legal in ``phase``: its destination, or the violation code
        and the lenient recovery (one dictionary look-up per level)."""
        return self.steps[trigger][phase]

    def enter(self, how: str) -> str:
        """The state an object starts in when it enters ``how`` (see ``entries``)."""
        return self.entries[how]

    def refusal(self, source: str, trigger: str) -> str:
        """The violation code for ``trigger`` refused in ``source``."""
        table = self.refusals[trigger]
        return table.get(source, table.get(ANY, ""))

    def recovery(self, source: str, trigger: str) -> str | None:
        """Where lenient policy puts the object after ``trigger`` was refused in ``source``."""
        table = self.recoveries.get(trigger, {})
        return table.get(source, table.get(ANY))


def _compile_steps(lifecycle: Lifecycle) -> dict[str, dict[str, Step]]:
    """``{trigger: {phase: Step}}`` for every pair of a (total) table."""
    legal: dict[str, dict[str, str]] = {trigger: {} for trigger in lifecycle.triggers}
    for rule in lifecycle.rules:
        for source in rule.sources:
            legal[rule.trigger][source] = rule.dest
    steps: dict[str, dict[str, Step]] = {}
    for trigger in lifecycle.triggers:
        row: dict[str, Step] = {}
        for state in lifecycle.states:
            dest = legal[trigger].get(state)
            if dest is not None:
                row[state] = Step(dest)
            else:
                row[state] = Step(
                    lifecycle.recovery(state, trigger), lifecycle.refusal(state, trigger)
                )
        steps[trigger] = row
    return steps


Compiled = tuple[dict[str, dict[str, str]], dict[str, dict[str, str]], dict[str, dict[str, str]]]


@functools.cache
def compile_rules(lifecycle: Lifecycle) -> Compiled:
    """The O(1) look-ups the reducer uses, built from the table.

    Returns ``(legal, refused, recover)``, each ``{trigger: {source: value}}``: ``legal``
    gives the destination, ``refused`` the violation code, ``recover`` the lenient recovery
    destination. Every state appears for every trigger in ``legal`` or ``refused``.
    """
    legal: dict[str, dict[str, str]] = {trigger: {} for trigger in lifecycle.triggers}
    for rule in lifecycle.rules:
        for source in rule.sources:
            legal[rule.trigger][source] = rule.dest
    refused: dict[str, dict[str, str]] = {trigger: {} for trigger in lifecycle.triggers}
    recover: dict[str, dict[str, str]] = {trigger: {} for trigger in lifecycle.triggers}
    for trigger in lifecycle.triggers:
        for state in lifecycle.states:
            if state in legal[trigger]:
                continue
            code = lifecycle.refusal(state, trigger)
            if code:
                refused[trigger][state] = code
            back = lifecycle.recovery(state, trigger)
            if back is not None:
                recover[trigger][state] = back
    return legal, refused, recover


def transitions_spec(lifecycle: Lifecycle) -> list[dict[str, Any]]:
    """The rules in the form `transitions.Machine(transitions=...)` takes."""
    return [
        {"trigger": rule.trigger, "source": list(rule.sources), "dest": rule.dest}
        for rule in lifecycle.rules
    ]


@functools.cache
def machine(lifecycle: Lifecycle) -> Any:
    """The ``transitions.Machine`` of a lifecycle, built once per process from its table.

    The machine is its own model; invalid triggers raise ``transitions.MachineError``.
    Use it to explore a lifecycle; the reducer uses :func:`compile_rules` instead.
    """
    from transitions import Machine

    return Machine(
        states=list(lifecycle.states),
        transitions=transitions_spec(lifecycle),
        initial=lifecycle.initial,
        auto_transitions=False,
        ignore_invalid_triggers=False,
        name=lifecycle.name,
    )
