"""``python -m realtime_state``: the same as the ``realtime-state`` command."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
