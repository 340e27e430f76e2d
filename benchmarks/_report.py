"""How every benchmark script prints what it measured."""

from __future__ import annotations

import json
import sys
from typing import Any


def emit(table: str, figures: dict[str, Any], as_json: bool) -> int:
    """Print the table; with ``--json`` (``as_json``) the figures as JSON on stdout and the
    table on stderr. Returns the exit status."""
    if as_json:
        print(table, file=sys.stderr)
        print(json.dumps(figures, indent=2))
    else:
        print(table)
    return 0
