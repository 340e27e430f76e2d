"""``Transcript.to_markdown()``: whatever a speaker said renders as that text, in CommonMark
(markdown-it-py) and in Python-Markdown, inside the speaker's one paragraph; transcription
markers in text and Markdown.

What "renders as that text" means, precisely (``docs/transcript.md`` says the same): parse the
HTML each renderer produces; each turn is exactly one top-level ``<p>`` holding only
``<strong>`` (the speaker) and ``<br>`` elements, and its text content, HTML references
decoded, split into lines at each ``<br>``, equals the speaker label and the text split at its
line endings (``\\n``, ``\\r\\n``, ``\\r``), once both are displayed as HTML displays text: a
run of HTML whitespace (space, tab, line feed, carriage return, form feed) shows as one space
and none shows at the start or end of a line. NUL, STX and ETX, which HTML and Python-Markdown
cannot carry, render as U+FFFD. Every other character renders as itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from realtime_state import SessionState, Transcript, Turn, replay
from realtime_state.testing.wire import WireBuilder

RENDERERS: dict[str, Callable[[str], str]] = {
    "commonmark": MarkdownIt("commonmark").render,
    "python-markdown": markdown.markdown,
}
_VOID = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"})
_HTML_SPACE = "\t\n\f\r "
_HTML_SPACE_RUN = re.compile(f"[{_HTML_SPACE}]+")
_LINE_END = re.compile(r"\r\n|\r|\n")
_UNCARRIED = str.maketrans(dict.fromkeys("\x00\x02\x03", "\ufffd"))


class _Block:
    def __init__(self, tag: str | None) -> None:
        self.tag = tag
        self.tags: list[str] = []
        self.lines = [""]


class _Blocks(HTMLParser):
    """The top-level elements of rendered HTML: their tag, the tags inside, their text as
    lines (split at ``<br>``), references decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[_Block] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if self.depth == 0:
            self.blocks.append(_Block(tag))
        else:
            self.blocks[-1].tags.append(tag)
        if tag == "br":
            self.blocks[-1].lines.append("")
        elif tag not in _VOID:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: object) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth == 0:
            if data.strip(_HTML_SPACE):
                self.blocks.append(_Block(None))  # text outside any element
                self.blocks[-1].lines = [data]
            return
        self.blocks[-1].lines[-1] += data

    def handle_comment(self, data: str) -> None:
        self.blocks.append(_Block("!--"))

    def handle_pi(self, data: str) -> None:
        self.blocks.append(_Block("?"))

    def unknown_decl(self, data: str) -> None:
        self.blocks.append(_Block("!"))


def blocks(html: str) -> list[_Block]:
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    return parser.blocks


def displayed(lines: list[str]) -> list[str]:
    """Lines as HTML displays them: whitespace runs as one space, none at line ends."""
    return [_HTML_SPACE_RUN.sub(" ", line).strip(_HTML_SPACE) for line in lines]


def expected_lines(speaker: str, text: str) -> list[str]:
    said = text.rstrip().translate(_UNCARRIED)
    return displayed(_LINE_END.split(f"{speaker}: {said}"))


def conversation(text: str) -> SessionState:
    """A user text turn and an assistant text turn, each saying ``text``."""
    wire = WireBuilder("ga")
    return replay(
        [
            wire.session_created(),
            *wire.user_text_turn(text),
            *wire.assistant_text_turn(text),
        ],
        policy="strict",
    )


def check_renders_as_said(text: str) -> None:
    """Both turns of :func:`conversation` render as ``text`` in both renderers."""
    source = conversation(text).transcript().to_markdown()
    for name, render in RENDERERS.items():
        html = render(source)
        found = blocks(html)
        context = f"{name}: {text!r}\nmarkdown: {source!r}\nhtml: {html!r}"
        assert [block.tag for block in found] == ["p", "p"], context
        for block, speaker in zip(found, ("User", "Assistant"), strict=True):
            assert set(block.tags) <= {"strong", "br"}, context
            assert block.tags[:1] == ["strong"] and block.tags.count("strong") == 1, context
            assert displayed(block.lines) == expected_lines(speaker, text), context


# --- the examples of issue #12 and other hostile text ---------------------------------------

ISSUE_EXAMPLES = ["hello\n===", "\n- a", "\n\n    code", "&copy;"]

HOSTILE = [
    "a\n---",  # setext heading (level 2) or thematic break
    "a\n# heading",
    "a\n  ## heading",
    "a\n> quote",
    "a\n   > quote",
    "a\n+ item",
    "a\n* item",
    "a\n1. one",
    "a\n1) one",
    "a\n123456789. nine digits",
    "a\n***",
    "a\n_ _ _",
    "a\n```\ncode\n```",
    "a\n~~~\ncode",
    "a\n\tcode",
    "a\n    code",
    "a\n\n\n    code",
    "a\n \n  \nb",  # whitespace-only lines
    "a\n\nb",  # a blank line
    "a\r\n\r\nb\rc",
    "<div>html</div>",
    "a\n<div>\nblock\n</div>",
    "a\n<!-- comment -->",
    "a\n<script>alert(1)</script>",
    "<b>bold</b> <https://example.com> <me@example.com>",
    "&amp; &#42; &#x2A; &copy &nbsp;x",
    "[link](https://example.com) ![img](x.png) [ref]\n[ref]: https://example.com",
    "*emph* **strong** _x_ __y__ ~~strike~~ `code` ``a`b``",
    "a|b\n-|-\nc|d",
    "back\\slash \\* \\\\ \\",
    "line ends with a backslash\\\nnext",
    "trailing spaces   \nnext  ",
    "tabs\tinside\tand at the end\t",
    "nul\x00 stx\x02 etx\x03 bell\x07",
    "{: .class} {#id}",
    "unicode: héllo 你好 🎉 \u00a0 \u2028 \u3000",
]


@pytest.mark.parametrize("text", ISSUE_EXAMPLES + HOSTILE)
def test_markdown_renders_what_was_said(text: str) -> None:
    check_renders_as_said(text)


def test_ordinary_text_stays_readable() -> None:
    text = "Hi, it's 5 o'clock. Where's the 2nd stop? (A-B) - ok! 50% off: yes; #1 fan"
    markdown_text = conversation(text).transcript().to_markdown()
    assert markdown_text.startswith(f"**User:** {text}\n\n")


# --- any text ------------------------------------------------------------------------------

_MARKDOWN_ALPHABET = "\\`*_{}[]()<>#+-.!|~=&;:\"' \t\n\r0123456789"
_ODD_CHARACTERS = "\x00\x02\x03\x0b\x0c\x1c\x85\u2028\u2029\u00a0\u3000\ufeff"
RICH = st.characters(codec="utf-8") | st.sampled_from(
    [
        *_MARKDOWN_ALPHABET,
        *_ODD_CHARACTERS,
        *("&amp;", "&#42;", "&#x2A;", "&copy;", "    ", "\n\n", "1.", "1)", "---", "===", "```"),
    ]
)
"""Any character, with Markdown punctuation, whitespace, line endings, characters some
renderer treats specially, and a few ready-made pieces of Markdown syntax often."""


@settings(max_examples=400, deadline=None)
@given(st.lists(RICH, max_size=40).map("".join))
def test_property_any_text_renders_as_said(text: str) -> None:
    check_renders_as_said(text)


# --- transcription markers -----------------------------------------------------------------


def _failed(wire: WireBuilder, item_id: str, **error: str | None) -> dict[str, object]:
    return wire.event(
        "conversation.item.input_audio_transcription.failed",
        item_id=item_id,
        content_index=0,
        error={"type": None, "code": None, "message": None, "param": None, **error},
    )


def voice_turn(*after: str, failure: dict[str, str | None] | None = None) -> SessionState:
    """A user voice turn whose transcription streamed the deltas ``after`` (then failed with
    ``failure`` when given)."""
    wire = WireBuilder("ga")
    events = [wire.session_created(), *wire.user_audio_turn(item_id="item_v")]
    events += [wire.transcription_delta("item_v", delta) for delta in after]
    if failure is not None:
        events.append(_failed(wire, "item_v", **failure))
    return replay(events, policy="strict")


MARKED = [
    (voice_turn("partial", " wor"), "user: partial wor [audio; transcribing]"),
    (voice_turn(), "user: [audio; no transcription]"),
    (
        voice_turn(failure={"type": "transcription_error", "message": "Audio is unclear."}),
        "user: [audio; transcription failed: Audio is unclear.]",
    ),
    (
        voice_turn(failure={"type": "transcription_error", "code": "audio_unintelligible"}),
        "user: [audio; transcription failed: audio_unintelligible]",
    ),
    (
        voice_turn(failure={"type": "transcription_error", "message": ""}),
        "user: [audio; transcription failed: transcription_error]",
    ),
    (
        voice_turn("half", failure={"type": "t", "message": "*gone* <now>"}),
        "user: half [audio; transcription failed: *gone* <now>]",
    ),
]


@pytest.mark.parametrize(("state", "line"), MARKED, ids=[line for _, line in MARKED])
def test_transcription_markers_in_text_and_markdown(state: SessionState, line: str) -> None:
    check_marked(state.transcript(), line)


def test_a_transcription_in_progress_without_words_yet_is_marked() -> None:
    waiting = Turn(
        item_id="item_v",
        role="user",
        kind="message",
        text="",
        status="completed",
        content_types=("input_audio",),
        transcription_status="in_progress",
    )
    check_marked(Transcript((waiting,)), "user: [audio; transcribing]")


def check_marked(transcript: Transcript, line: str) -> None:
    """``transcript`` (one user turn) reads ``line`` as text, and its Markdown renders as
    that line in both renderers."""
    assert transcript.to_text() == line
    source = transcript.to_markdown()
    assert "[audio;" in source.replace("\\[", "[")
    for name, render in RENDERERS.items():
        (block,) = blocks(render(source))
        context = f"{name}: {source!r}"
        assert block.tag == "p" and set(block.tags) <= {"strong", "em", "br"}, context
        assert displayed(block.lines) == ["User" + line[4:]], context


def test_in_progress_is_marked_in_markdown_and_completed_is_not() -> None:
    source = voice_turn("partial", " wor").transcript().to_markdown()
    assert source == "**User:** partial wor *\\[audio; transcribing\\]*"
    wire = WireBuilder("ga")
    state = replay(
        [wire.session_created(), *wire.user_audio_turn("all words", item_id="item_v")],
        policy="strict",
    )
    assert state.transcript().to_text() == "user: all words"
    assert state.transcript().to_markdown() == "**User:** all words"
