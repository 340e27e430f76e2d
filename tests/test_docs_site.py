"""The documentation site builds from the pages and the docstrings, warnings as errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mkdocs_site_builds_strictly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "index.html").exists()
    api = (tmp_path / "api" / "index.html").read_text(encoding="utf-8")
    assert "replay" in api and "ProtocolViolation" in api
    lifecycles = (tmp_path / "lifecycles" / "index.html").read_text(encoding="utf-8")
    assert "stateDiagram-v2" in lifecycles


def test_every_docs_page_is_in_the_site_navigation() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in (ROOT / "docs").glob("*.md"):
        assert f" {page.name}" in config, f"{page.name} is not in mkdocs.yml nav"
