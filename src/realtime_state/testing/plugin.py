"""The pytest plugin of realtime-state, registered through the ``pytest11`` entry point.

Installing the package makes it available in every pytest run:

* the fixture ``realtime_replay``: a factory, ``realtime_replay(path, policy=None)``, that
  replays a JSONL log (one server event per line, blank lines skipped) and returns the
  final :class:`~realtime_state.SessionState`;
* the option ``--realtime-strict``: the fixture's replays are strict unless the call names
  a policy (it does not touch direct :func:`~realtime_state.replay` calls).

This module imports nothing beyond pytest and the standard library at import time (the
replay code is imported when the fixture is first used), and never hypothesis.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ..state import SessionState

__all__ = ["realtime_replay", "pytest_addoption", "pytest_report_header", "STRICT_OPTION"]

STRICT_OPTION = "--realtime-strict"
"""The command-line option that makes the fixture's replays strict."""

Replayer = Callable[..., "SessionState"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--realtime-strict`` (also settable as the ini option ``realtime_strict``)."""
    group = parser.getgroup("realtime-state")
    group.addoption(
        STRICT_OPTION,
        action="store_true",
        default=None,
        dest="realtime_strict",
        help="replays of the realtime_replay fixture use policy='strict' unless the call "
        "names a policy (protocol violations raise ProtocolViolation).",
    )
    parser.addini(
        "realtime_strict",
        type="bool",
        default=False,
        help="like --realtime-strict, for every run of this project.",
    )


def _strict(config: pytest.Config) -> bool:
    option = config.getoption("realtime_strict")
    if option is not None:
        return bool(option)
    return bool(config.getini("realtime_strict"))


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say in the run's header when the fixture's replays are strict."""
    if not _strict(config):
        return None
    source = STRICT_OPTION if config.getoption(STRICT_OPTION, False) else "ini realtime_strict"
    return f"realtime-state: realtime_replay is strict ({source})"


def _resolve(path: str | os.PathLike[str], base: Path) -> Path:
    candidate = Path(path)
    tried = [candidate] if candidate.is_absolute() else [base / candidate, Path.cwd() / candidate]
    for place in tried:
        if place.is_file():
            return place
    raise FileNotFoundError(
        f"realtime_replay: no file {os.fspath(path)!r} (tried "
        + ", ".join(str(place) for place in dict.fromkeys(tried))
        + ")"
    )


def _replay_file(path: Path, policy: str) -> SessionState:
    from ..errors import DecodeError
    from ..reducer import ProtocolViolation, reduce
    from ..state import SessionState

    state = SessionState(policy=policy)
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                state = reduce(state, line)
            except (ProtocolViolation, DecodeError) as exc:
                if hasattr(exc, "add_note"):  # Python 3.11+
                    exc.add_note(f"in {path}, line {number}")
                raise
    return state


@pytest.fixture
def realtime_replay(request: pytest.FixtureRequest) -> Replayer:
    """A factory: ``realtime_replay(path, policy=None)`` replays the JSONL log at ``path``
    (one server event per line, blank lines skipped) and returns the final state.

    A relative ``path`` is looked up next to the test file first, then in the current
    directory. ``policy`` is ``"strict"`` or ``"lenient"``; ``None`` means strict under
    ``--realtime-strict`` (or the ini option ``realtime_strict = true``) and lenient (the
    library's default) otherwise. A strict replay raises
    :class:`~realtime_state.ProtocolViolation` at the first violation (on Python 3.11+ a
    note names the file and line).
    """
    strict = _strict(request.config)
    base = Path(request.path).parent

    def replay_file(path: str | os.PathLike[str], policy: str | None = None) -> SessionState:
        chosen = policy if policy is not None else ("strict" if strict else "lenient")
        if chosen not in ("strict", "lenient"):
            raise ValueError(f"policy must be 'strict', 'lenient' or None, not {policy!r}")
        return _replay_file(_resolve(path, base), chosen)

    return replay_file
