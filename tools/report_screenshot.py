"""Write ``docs/assets/report.png``: the HTML report of a generated 6-minute GA voice session
(times, function calls, cut turns; ``benchmarks/synthetic.py``), in Debian's headless Chromium.

    .venv/bin/python tools/report_screenshot.py [PNG]

Needs ``playwright`` (the ``test`` extra) and ``/usr/bin/chromium``; never downloads a browser.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    from realtime_state import replay
    from realtime_state.report import html

    spec = importlib.util.spec_from_file_location("synthetic", ROOT / "benchmarks" / "synthetic.py")
    assert spec is not None and spec.loader is not None
    synthetic = importlib.util.module_from_spec(spec)
    sys.modules["synthetic"] = synthetic  # dataclasses look their module up
    spec.loader.exec_module(synthetic)
    target = Path(argv[0]) if argv else ROOT / "docs" / "assets" / "report.png"
    state = replay(synthetic.ga_voice_envelopes(6, seed=3))
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as tmp:
        page_path = Path(tmp) / "report.html"
        page_path.write_text(html(state, title="realtime-state report: call.jsonl"), "utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, args=FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.goto(page_path.as_uri())
            page.wait_for_selector("html[data-rendered]")
            page.locator(".tl-item.cut").first.focus()  # show a cut turn's details
            page.screenshot(path=str(target))
            browser.close()
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
