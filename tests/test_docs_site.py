"""The documentation site builds from the pages and the docstrings, warnings as errors, and
works with no network: every script and style sheet is part of the site, every diagram is
markup mermaid renders, and code is highlighted when the site is built."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return folder


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_mkdocs_site_builds_strictly(site: Path) -> None:
    assert (site / "index.html").exists()
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert "replay" in api and "ProtocolViolation" in api
    lifecycles = (site / "lifecycles" / "index.html").read_text(encoding="utf-8")
    assert "stateDiagram-v2" in lifecycles


# what a page loads by itself: scripts, style sheets, icons, images, frames, fonts
LOADS = re.compile(
    r"<(?:script|img|iframe|source|embed)\b[^>]*?\bsrc\s*=\s*[\"']?([^\"'\s>]+)"
    r"|<link\b[^>]*?\bhref\s*=\s*[\"']?([^\"'\s>]+)"
    r"|@import\s+(?:url\()?[\"']?([^\"')\s;]+)"
    r"|url\(\s*[\"']?([^\"')\s]+)",
    re.I,
)


def test_the_site_loads_nothing_from_outside_itself(site: Path) -> None:
    outside = []
    files = [*pages(site), *site.rglob("*.css")]
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in LOADS.finditer(text):
            url = next(group for group in match.groups() if group)
            if re.match(r"(?i)([a-z][a-z0-9+.-]*:)?//", url) and not url.startswith("data:"):
                outside.append((str(path.relative_to(site)), url))
    assert not outside, outside
    for path in pages(site):  # what it points at is in the site
        text = path.read_text(encoding="utf-8")
        for url in re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", text):
            base = site if url.startswith("/") else path.parent  # 404.html: from the root
            assert (base / url.split("?")[0].lstrip("/")).resolve().is_file(), (path, url)


def test_every_diagram_is_markup_mermaid_renders(site: Path) -> None:
    text = (site / "lifecycles" / "index.html").read_text(encoding="utf-8")
    source = (ROOT / "docs" / "lifecycles.md").read_text(encoding="utf-8")
    fences = re.findall(r"```mermaid\n(.*?)```", source, re.S)
    # mermaid reads the element's own text: a <code> inside it is a syntax error
    divs = re.findall(r"<(div|pre) class=\"mermaid\">(.*?)</\1>", text, re.S)
    assert len(divs) == len(fences) == 8
    for (_, body), fence in zip(divs, fences, strict=True):
        assert "<" not in body, body[:80]
        assert html.unescape(body).strip() == fence.strip()
        assert body.startswith("stateDiagram-v2")
    assert "mermaid" in re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", text)[-2]


def test_code_is_highlighted_when_the_site_is_built(site: Path) -> None:
    text = (site / "cli" / "index.html").read_text(encoding="utf-8")
    blocks = re.findall(r"<div class=\"highlight\"><pre>.*?</pre></div>", text, re.S)
    assert len(blocks) >= 4
    python = next(block for block in blocks if "replay_log" in block)
    assert '<span class="kn">from</span>' in python  # Pygments' token classes
    assert '<span class="s2">&quot;' in python or '<span class="s2">"' in python
    css = [p.name for p in site.rglob("*.css")]
    assert "pygments.css" in css
    assert ".highlight .kn" in (site / "assets" / "pygments.css").read_text()
    assert "highlight.js" not in text and "hljs" not in text


def test_every_docs_page_is_in_the_site_navigation() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in (ROOT / "docs").glob("*.md"):
        assert f" {page.name}" in config, f"{page.name} is not in mkdocs.yml nav"


def test_performance_counts_its_scripts() -> None:
    text = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    reproduce = text[text.index("## Reproduce") : text.index("## Figures")]
    scripts = set(re.findall(r"benchmarks/(bench_\w+)\.py", reproduce))
    assert scripts == {path.stem for path in (ROOT / "benchmarks").glob("bench_*.py")}
    count = {3: "three", 4: "four", 5: "five", 6: "six", 7: "seven"}[len(scripts)]
    assert f"All {count} scripts print a table" in reproduce and "Both scripts" not in text


def test_state_page_says_duration_is_in_the_format_the_audio_came_in() -> None:
    text = (ROOT / "docs" / "state.md").read_text(encoding="utf-8")
    (sentence,) = re.findall(r"`duration_ms` \(([^)]*(?:\([^)]*\)[^)]*)*)\)", text)
    assert "audio_spec" in sentence and "G.711" in sentence
    assert "does not know" in sentence  # PCM16 at 24 kHz only then
