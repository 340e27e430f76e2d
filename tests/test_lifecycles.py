"""The lifecycle tables: totality, agreement with `transitions`, diagrams, and the reducer
following them for every (state, trigger) pair (in the style of h2's test_state_machines)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import transitions
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.lifecycle_drivers import DRIVERS, Driver, base_state
from realtime_state import ProtocolViolation, SessionState, diagrams, reduce
from realtime_state import lifecycles as lc

ROOT = Path(__file__).resolve().parent.parent
PAIRS = [
    (lifecycle, state, trigger)
    for lifecycle in lc.LIFECYCLES
    for state in lifecycle.states
    for trigger in lifecycle.triggers
]


def _pair_id(pair: tuple[lc.Lifecycle, str, str]) -> str:
    return f"{pair[0].name}:{pair[1]}:{pair[2]}"


# --- the tables -------------------------------------------------------------------------------


@pytest.mark.parametrize("lifecycle", lc.LIFECYCLES, ids=lambda lifecycle: lifecycle.name)
def test_table_is_total_and_consistent(lifecycle: lc.Lifecycle) -> None:
    legal, refused, recover = lc.compile_rules(lifecycle)
    assert lifecycle.initial in lifecycle.states
    for rule in lifecycle.rules:
        assert rule.trigger in lifecycle.triggers
        assert rule.dest in lifecycle.states
        assert set(rule.sources) <= set(lifecycle.states)
    for trigger in lifecycle.triggers:
        for state in lifecycle.states:
            # exactly one of: a legal destination, or a refusal with a documented code
            assert (state in legal[trigger]) != (state in refused[trigger]), (state, trigger)
            if state in refused[trigger]:
                assert refused[trigger][state] in lc.VIOLATION_CODES
            if state in recover[trigger]:
                assert state in refused[trigger]
                assert recover[trigger][state] in lifecycle.states


def test_no_rule_is_given_twice() -> None:
    for lifecycle in lc.LIFECYCLES:
        seen = set()
        for rule in lifecycle.rules:
            for source in rule.sources:
                assert (source, rule.trigger) not in seen, (lifecycle.name, source, rule.trigger)
                seen.add((source, rule.trigger))


@pytest.mark.parametrize("pair", PAIRS, ids=_pair_id)
def test_compiled_lookup_agrees_with_the_transitions_machine(
    pair: tuple[lc.Lifecycle, str, str],
) -> None:
    lifecycle, state, trigger = pair
    machine = lc.machine(lifecycle)
    machine.set_state(state)
    expected = lc.compile_rules(lifecycle)[0][trigger].get(state)
    if expected is None:
        with pytest.raises(transitions.MachineError):
            machine.trigger(trigger)
        assert machine.state == state
    else:
        assert machine.trigger(trigger) is True
        assert machine.state == expected


def test_machines_are_built_once_per_process() -> None:
    for lifecycle in lc.LIFECYCLES:
        assert lc.machine(lifecycle) is lc.machine(lifecycle)
        assert lc.compile_rules(lifecycle) is lc.compile_rules(lifecycle)


def _codes_named_in_the_reducer() -> set[str]:
    """Every violation code the reducer package names: ``Code.X`` references (resolved) and
    string literals given to ``report(found, CODE, ...)`` or appended as ``(CODE, message)``."""
    named: set[str] = set()
    for path in (ROOT / "src" / "realtime_state" / "reducer").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, (ast.Name, ast.Attribute))
                and (getattr(node.value, "id", None) or getattr(node.value, "attr", None)) == "Code"
            ):
                named.add(getattr(lc.Code, node.attr))
            elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "report":
                if isinstance(node.args[1], ast.Constant):
                    named.add(node.args[1].value)
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", None) == "append"
                and node.args
                and isinstance(node.args[0], ast.Tuple)
                and isinstance(node.args[0].elts[0], ast.Constant)
            ):
                named.add(node.args[0].elts[0].value)
    return named


def test_the_code_finder_sees_the_reducer() -> None:
    named = _codes_named_in_the_reducer()
    assert {"unknown_item", "unknown_anchor", "invalid_audio", "not_a_call"} <= named


def test_every_code_the_reducer_reports_is_documented_and_every_documented_code_is_used() -> None:
    from_tables = {
        code
        for lifecycle in lc.LIFECYCLES
        for table in lifecycle.refusals.values()
        for code in table.values()
    }
    named = _codes_named_in_the_reducer()
    codes = {value for name, value in vars(lc.Code).items() if name.isupper()}
    # nothing filtered: a code emitted under another name than the documented one fails here
    assert named | from_tables == set(lc.VIOLATION_CODES) == codes
    assert set(lc.VIOLATION_CODES) <= set(lc.MESSAGES)
    documented = (ROOT / "docs" / "lifecycles.md").read_text()
    for code in lc.VIOLATION_CODES:
        assert f"`{code}`" in documented


# --- the diagrams -----------------------------------------------------------------------------


def test_checked_in_lifecycle_docs_are_not_stale() -> None:
    path = ROOT / "docs" / "lifecycles.md"
    assert path.read_text(encoding="utf-8") == diagrams.render_docs(), (
        "docs/lifecycles.md is stale: run `python -m realtime_state.diagrams docs/lifecycles.md`"
    )


@pytest.mark.parametrize("lifecycle", lc.LIFECYCLES, ids=lambda lifecycle: lifecycle.name)
def test_diagram_has_every_rule_and_no_other_edge(lifecycle: lc.Lifecycle) -> None:
    text = diagrams.mermaid(lifecycle)
    assert text.startswith("stateDiagram-v2\n")
    edges = set()
    for line in text.splitlines():
        match = re.fullmatch(r"\s*(\w+) --> (\w+): (.+)", line)
        if match:
            for trigger in match.group(3).split(" | "):
                edges.add((match.group(1), match.group(2), trigger.strip()))
    expected = {
        (source, rule.dest, rule.trigger) for rule in lifecycle.rules for source in rule.sources
    }
    assert edges == expected
    assert f"[*] --> {lifecycle.initial}" in text


def test_module_entry_point_writes_the_page(tmp_path: Path) -> None:
    out = tmp_path / "lifecycles.md"
    assert diagrams.main([str(out)]) == 0
    assert out.read_text(encoding="utf-8") == diagrams.render_docs()


# --- the reducer follows the tables for every (state, trigger) pair ----------------------------


def _step(driver: Driver, state: SessionState, trigger: str) -> tuple[SessionState | None, str]:
    """Fire ``trigger`` in ``state`` (lenient or strict); check the outcome against the
    table and return the state after it (``None`` in strict policy after a refusal)."""
    lifecycle = driver.lifecycle
    legal, refused, recover = lc.compile_rules(lifecycle)
    phase = driver.read(state)
    event = driver.event(state, trigger)
    assert event is not None
    raw = json.dumps(event)
    dest = legal[trigger].get(phase)
    if state.policy == "strict" and dest is None:
        before = state
        snapshot = repr(before), before.event_count, before.violations
        with pytest.raises(ProtocolViolation) as info:
            reduce(state, raw)
        assert (info.value.code, info.value.index) == (refused[trigger][phase], state.event_count)
        assert info.value.event_type == event["type"]
        assert info.value.event_id == event["event_id"]
        assert (repr(before), before.event_count, before.violations) == snapshot
        assert driver.read(before) == phase
        return None, phase
    after = reduce(state, raw)
    new = after.violations[len(state.violations) :]
    assert after.event_count == state.event_count + 1
    if dest is not None:
        assert new == (), (lifecycle.name, phase, trigger, new)
        assert driver.read(after) == dest
        return after, dest
    assert new, (lifecycle.name, phase, trigger)
    assert (new[0].code, new[0].index) == (refused[trigger][phase], state.event_count)
    assert new[0].event_type == event["type"]
    expected = recover[trigger].get(phase, phase)
    assert driver.read(after) == expected
    if trigger not in recover or phase not in recover[trigger]:
        # a refusal without recovery is ignored: nothing but the count and the log moves
        assert after.conversation == state.conversation
        assert after.responses == state.responses
        assert after.input_audio == state.input_audio
    return after, expected


REACHABLE = [
    (lifecycle, state, trigger)
    for lifecycle, state, trigger in PAIRS
    if not (lifecycle.name == "conversation" and state == "idle" and trigger == "response_done")
]


@pytest.mark.parametrize("policy", ["strict", "lenient"])
@pytest.mark.parametrize("pair", REACHABLE, ids=_pair_id)
def test_every_state_and_trigger_lands_in_a_legal_state_or_yields_a_violation(
    pair: tuple[lc.Lifecycle, str, str], policy: str
) -> None:
    lifecycle, phase, trigger = pair
    driver = DRIVERS[lifecycle.name]
    state = driver.put(base_state(policy), phase)
    assert driver.read(state) == phase
    _step(driver, state, trigger)


def test_the_only_pair_left_out_cannot_be_fired() -> None:
    # `response_done` fires only for the running response, so it never fires while idle.
    driver = DRIVERS["conversation"]
    state = driver.put(base_state("strict"), "idle")
    assert driver.event(state, "response_done") is None
    assert len(PAIRS) - len(REACHABLE) == 1


@st.composite
def _walks(draw: st.DrawFn) -> tuple[str, str, list[str]]:
    name = draw(st.sampled_from(sorted(DRIVERS)))
    lifecycle = DRIVERS[name].lifecycle
    start = draw(st.sampled_from(lifecycle.states))
    triggers = draw(st.lists(st.sampled_from(sorted(lifecycle.triggers)), max_size=12))
    return name, start, triggers


@settings(max_examples=300, deadline=None)
@given(walk=_walks(), policy=st.sampled_from(["strict", "lenient"]))
def test_random_walks_follow_the_tables(walk: tuple[str, str, list[str]], policy: str) -> None:
    name, start, triggers = walk
    driver = DRIVERS[name]
    state: SessionState | None = driver.put(base_state(policy), start)
    for trigger in triggers:
        assert state is not None
        if driver.event(state, trigger) is None:
            continue
        state, _ = _step(driver, state, trigger)
        if state is None:  # strict policy stopped at the refused event
            return
