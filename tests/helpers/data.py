"""Where the test data lives, and how to read it: recordings, written logs, catalogue fixtures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent.parent
"""The ``tests/`` directory."""
RECORDINGS = HERE / "recordings"
CATALOGUE = HERE / "fixtures" / "events"

RECORDING_FILES = sorted(RECORDINGS.glob("*.jsonl"))


def read_lines(path: Path) -> list[str]:
    """The non-blank lines of a JSONL file."""
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def catalogue(dialect: str) -> list[dict[str, Any]]:
    """The fixture catalogue of one dialect: ``[{"source": ..., "event": {...}}, ...]``."""
    entries: list[dict[str, Any]] = json.loads(
        (CATALOGUE / f"catalogue_{dialect}.json").read_text(encoding="utf-8")
    )
    return entries
