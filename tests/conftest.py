"""Shared fixtures: the real recordings (the readers live in ``helpers.data``)."""

from __future__ import annotations

import pytest

from helpers.data import CATALOGUE, HERE, RECORDING_FILES, RECORDINGS, catalogue, read_lines

__all__ = ["CATALOGUE", "HERE", "RECORDINGS", "RECORDING_FILES", "catalogue", "read_lines"]


@pytest.fixture(params=RECORDING_FILES, ids=lambda p: p.stem)
def recording(request: pytest.FixtureRequest) -> list[str]:
    """Each real recording as a list of JSON lines."""
    return read_lines(request.param)
