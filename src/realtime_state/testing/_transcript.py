"""``assert_transcript``: compare the message turns of a state with what a test expects."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Literal

from ..state import SessionState

__all__ = ["assert_transcript", "message_turns"]

Expected = tuple[str, str | re.Pattern[str]]
"""One expected turn: ``(role, text)``, text exact or a compiled regular expression."""

_TEXTS = ("text", "said", "heard")


def message_turns(
    state: SessionState,
    *,
    roles: Collection[str] | None = None,
    interrupted: Literal["text", "said", "heard"] = "text",
) -> list[tuple[str, str]]:
    """The ``(role, text)`` of each message turn of ``state.transcript()``, in conversation
    order (function calls, their outputs and MCP items are left out).

    ``text`` is the turn's text: text parts joined, else the audio transcript, else the input
    transcription (``""`` when none came yet). For a turn cut by truncation it is ``""``, as
    the server holds it; ``interrupted="said"`` takes what was said before the cut instead,
    ``interrupted="heard"`` the estimate of what was heard (``""`` when unknown). ``roles``
    keeps only the turns of those roles (say ``{"user", "assistant"}`` to skip ``system``).
    """
    if interrupted not in _TEXTS:
        raise ValueError(f"interrupted must be one of {', '.join(_TEXTS)}, not {interrupted!r}")
    turns = []
    for turn in state.transcript().turns:
        if turn.kind != "message":
            continue
        role = turn.role or ""
        if roles is not None and role not in roles:
            continue
        text = turn.text
        if turn.interrupted and interrupted == "said":
            text = turn.said_text or ""
        elif turn.interrupted and interrupted == "heard":
            text = turn.heard_text_estimate or ""
        turns.append((role, text))
    return turns


def _matches(expected: str | re.Pattern[str], actual: str) -> bool:
    if isinstance(expected, re.Pattern):
        return expected.search(actual) is not None
    return expected == actual


def _show(expected: str | re.Pattern[str]) -> str:
    if isinstance(expected, re.Pattern):
        flags = "" if not expected.flags & ~re.UNICODE else f", flags={expected.flags}"
        return f"re.compile({expected.pattern!r}{flags})"
    return repr(expected)


def _check_expected(expected: Sequence[Expected]) -> list[Expected]:
    if isinstance(expected, (str, bytes)):
        raise TypeError("expected must be a sequence of (role, text) pairs, not a string")
    checked = []
    for position, entry in enumerate(expected):
        if (
            not isinstance(entry, tuple)
            or len(entry) != 2
            or not isinstance(entry[0], str)
            or not isinstance(entry[1], (str, re.Pattern))
        ):
            raise TypeError(
                f"expected[{position}] must be a (role, text) pair with text a str or a "
                f"compiled regular expression, got {entry!r}"
            )
        checked.append(entry)
    return checked


def assert_transcript(
    state: SessionState,
    expected: Sequence[Expected],
    *,
    roles: Collection[str] | None = None,
    interrupted: Literal["text", "said", "heard"] = "text",
) -> None:
    """Assert that the message turns of ``state`` are exactly ``expected``, in order.

    ``expected`` is a sequence of ``(role, text)``: ``text`` is compared exactly when it is a
    ``str``, and with ``pattern.search(text)`` when it is a compiled regular expression (as
    ``pytest.raises(match=...)`` does; anchor it with ``\\A``/``\\Z`` for a full match).
    The turns are those of :func:`message_turns` (same ``roles`` and ``interrupted``
    options). On a mismatch, raises ``AssertionError`` with a turn-by-turn diff.
    """
    __tracebackhide__ = True
    wanted = _check_expected(expected)
    actual = message_turns(state, roles=roles, interrupted=interrupted)
    lines: list[str] = []
    bad = 0
    for position in range(max(len(wanted), len(actual))):
        label = f"turn {position + 1}"
        if position >= len(actual):
            role, text = wanted[position]
            lines.append(f"  {label}: missing; expected {role}: {_show(text)}")
            bad += 1
            continue
        got_role, got_text = actual[position]
        if position >= len(wanted):
            lines.append(f"  {label}: unexpected {got_role}: {got_text!r}")
            bad += 1
            continue
        role, text = wanted[position]
        role_ok = role == got_role
        text_ok = _matches(text, got_text)
        if role_ok and text_ok:
            lines.append(f"  {label}: ok {got_role}: {got_text!r}")
            continue
        bad += 1
        lines.append(f"  {label}: differs")
        lines.append(f"    expected {role}: {_show(text)}")
        lines.append(f"    actual   {got_role}: {got_text!r}")
        if not role_ok:
            lines.append(f"    (role {got_role!r} is not {role!r})")
        elif isinstance(text, re.Pattern):
            lines.append("    (the pattern does not match)")
    if not bad:
        return
    shown = f" (roles {', '.join(sorted(roles))})" if roles is not None else ""
    head = (
        f"transcript differs in {bad} of {max(len(wanted), len(actual))} message turns: "
        f"expected {len(wanted)}, got {len(actual)}{shown}"
    )
    raise AssertionError("\n".join([head, *lines]))
