"""How a transcript reads: one text line per turn, one Markdown block per turn.

The Markdown escaping makes whatever a speaker said render as that text in CommonMark and in
Python-Markdown (docs/transcript.md says what that means for whitespace). Used by
:class:`realtime_state.transcript.Transcript`; nothing here reads a state.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .transcript import Turn, TurnError

__all__ = ["parse_arguments", "text_line", "markdown_block"]

_LINE_END = re.compile(r"\r\n|\r|\n")
_LEADING_BLANKS = re.compile(r"[ \t]+")
_LIST_NUMBER = re.compile(r"([0-9]+)([.)])")
# Characters with a meaning in CommonMark or Python-Markdown anywhere in a line. Both honour
# a backslash before ``\ ` * _ { } [ ]``; the others get a character reference, which
# CommonMark never reads as structure and Python-Markdown passes through.
_MD_INLINE = {
    **{char: "\\" + char for char in "\\`*_{}[]"},
    "<": "&lt;",
    ">": "&gt;",
    "|": "&#124;",
    "~": "&#126;",
    # HTML has no NUL; Python-Markdown removes STX and ETX (its own placeholders' marks).
    "\x00": "\ufffd",
    "\x02": "\ufffd",
    "\x03": "\ufffd",
}
_MD_INLINE_RE = re.compile("[" + re.escape("".join(_MD_INLINE)) + "]|&(?=[#A-Za-z0-9])")
# First characters that open a block (heading, quote, list, thematic break, setext underline)
# at the start of a line; ``*``, ``_``, backticks, ``~``, ``<``, ``>`` and ``|`` are escaped
# everywhere already.
_MD_LINE_START = {"#": "\\#", "+": "\\+", "-": "\\-", "=": "&#61;"}
_STATUS_MARK = {"in_progress": "in progress", "incomplete": "incomplete", "failed": "failed"}


def parse_arguments(arguments: str | None) -> Any:
    """``arguments`` as a JSON value, or ``None`` when absent or not valid JSON."""
    if not arguments:
        return None
    try:
        return json.loads(arguments)
    except ValueError:
        return None


def _one_line(value: str) -> str:
    return value.replace("\r", "\\r").replace("\n", "\\n")


def _compact_arguments(turn: Turn) -> str:
    parsed = turn.parsed_arguments
    if parsed is not None:
        return json.dumps(parsed, ensure_ascii=False, separators=(",", ":"))
    return _one_line(turn.arguments or "")


def _failure_reason(error: TurnError | None) -> str:
    """Why a transcription failed: the error's message, else its code, else its type."""
    if error is not None:
        for reason in (error.message, error.code, error.type):
            if reason is not None and str(reason) != "":
                return str(reason)
    return "no reason"


def _audio_marker(turn: Turn) -> str | None:
    """``[audio; transcribing]`` while user audio is transcribed (also after partial words),
    ``[audio; transcription failed: reason]``, ``[audio; no transcription]`` for user audio
    without words; ``None`` otherwise (a completed transcription has no marker)."""
    status = turn.transcription_status
    if status == "in_progress":
        return "[audio; transcribing]"
    if status == "failed":
        return f"[audio; transcription failed: {_failure_reason(turn.error)}]"
    if not turn.text and not turn.interrupted and "input_audio" in turn.content_types:
        return "[audio; no transcription]"
    return None


def _spoken(turn: Turn) -> str:
    """The words of a message and its markers, without the speaker."""
    words = turn.text
    marks: list[str] = []
    if turn.interrupted:
        words = turn.said_text or ""
        marker = turn.marker or ""
        if turn.heard_text_estimate is not None:
            marker = f'{marker[:-1]}; heard about "{turn.heard_text_estimate}"]'
        marks.append(marker)
    audio = _audio_marker(turn)
    if audio is not None:
        marks.append(audio)
    status = _STATUS_MARK.get(turn.status or "")
    if status is not None:
        marks.append(f"[{status}]")
    return " ".join(part for part in (words.strip(), *marks) if part)


def _tool_name(turn: Turn) -> str:
    name = turn.name or "?"
    return f"{turn.server_label}.{name}" if turn.server_label else name


def text_line(turn: Turn) -> str:
    kind = turn.kind
    status = _STATUS_MARK.get(turn.status or "")
    tail = f" [{status}]" if status else ""
    if kind == "message":
        return _labelled(turn.role or "message", _spoken(turn))
    if kind == "function_call":
        return f"function_call {_tool_name(turn)}({_compact_arguments(turn)}){tail}"
    if kind == "function_call_output":
        who = turn.name or turn.call_id or "?"
        return _labelled(f"function_call_output {who}", _one_line(turn.output or "")) + tail
    if kind in ("mcp_call", "mcp_approval_request"):
        line = f"{kind} {_tool_name(turn)}({_compact_arguments(turn)})"
        if turn.error is not None:
            line += f" -> error: {turn.error.message or turn.error.type}"
        elif turn.output is not None:
            line += f" -> {_one_line(turn.output)}"
        return line + tail
    if kind == "mcp_list_tools":
        label = f"mcp_list_tools {turn.server_label or '?'}"
        return _labelled(label, ", ".join(turn.tools or ())) + tail
    if kind == "mcp_approval_response":
        verdict = "approved" if turn.approve else "denied"
        return f"mcp_approval_response {turn.approval_request_id or '?'}: {verdict}{tail}"
    return _labelled(kind or "item", _one_line(turn.text)) + tail


def _labelled(label: str, words: str) -> str:
    """``label: words``, or ``label:`` when there are no words (no trailing space)."""
    return f"{label}: {words}" if words else f"{label}:"


def _escape_inline(match: re.Match[str]) -> str:
    char = match.group()
    return _MD_INLINE.get(char, "&amp;")


def _escape_line(line: str) -> str:
    """One line of text as Markdown that renders as that line, wherever it stands."""
    blanks = _LEADING_BLANKS.match(line)
    lead = ""
    if blanks is not None:
        # Leading spaces and tabs as references: no indented code, no stripped indentation.
        lead = "".join(f"&#{ord(char)};" for char in blanks.group())
        line = line[blanks.end() :]
    if not lead and (not line or line.isspace()):
        # Python-Markdown drops a line of (Unicode) whitespace between two line breaks.
        lead = "&#32;"
    body = _MD_INLINE_RE.sub(_escape_inline, line)
    if not lead:
        number = _LIST_NUMBER.match(body)
        if number is not None:
            body = f"{number.group(1)}\\{number.group(2)}{body[number.end() :]}"
        elif body[0] in _MD_LINE_START:
            body = _MD_LINE_START[body[0]] + body[1:]
    return lead + body


def _escape_markdown(text: str) -> str:
    """``text`` as Markdown that renders as that very text, inside a paragraph, in CommonMark
    and in Python-Markdown: no emphasis, link, code, HTML, entity, heading, list, quote or
    break of the paragraph comes from it. Each line ending (``\\n``, ``\\r\\n``, ``\\r``)
    becomes a hard line break (two trailing spaces), an empty line a line holding one space
    (``&#32;``). NUL, STX and ETX, which HTML and Python-Markdown cannot carry, become
    U+FFFD."""
    if not text:
        return ""
    return "  \n".join(_escape_line(line) for line in _LINE_END.split(text))


def _fenced(body: str, language: str = "") -> str:
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{body}\n{fence}"


def _json_block(raw: str | None, parsed: Any) -> str:
    if parsed is not None:
        return _fenced(json.dumps(parsed, ensure_ascii=False, indent=2), "json")
    return _fenced(raw or "")


def markdown_block(turn: Turn) -> str:
    kind = turn.kind
    status = _STATUS_MARK.get(turn.status or "")
    tail = f" *({status})*" if status else ""
    if kind == "message":
        speaker = (turn.role or "message").capitalize()
        # Trailing whitespace is left out (CommonMark trims a paragraph's end).
        words = _escape_markdown((turn.said_text or "" if turn.interrupted else turn.text).rstrip())
        marks: list[str] = []
        if turn.interrupted:
            marks.append(f"*{_escape_markdown(turn.marker or '')}*")
            if turn.heard_text_estimate is not None:
                marks.append(f"*(heard about: “{_escape_markdown(turn.heard_text_estimate)}”)*")
        audio = _audio_marker(turn)
        if audio is not None:
            marks.append(f"*{_escape_markdown(audio)}*")
        body = " ".join(part for part in (words, *marks, tail.strip()) if part)
        return f"**{speaker}:** {body}" if body else f"**{speaker}:**"
    if kind == "function_call":
        head = f"**Function call** `{_tool_name(turn)}` (call `{turn.call_id or '?'}`){tail}"
        return f"{head}\n\n{_json_block(turn.arguments, turn.parsed_arguments)}"
    if kind == "function_call_output":
        head = f"**Function output** `{turn.name or '?'}` (call `{turn.call_id or '?'}`){tail}"
        return f"{head}\n\n{_json_block(turn.output, parse_arguments(turn.output))}"
    if kind in ("mcp_call", "mcp_approval_request"):
        label = "MCP call" if kind == "mcp_call" else "MCP approval request"
        parts = [f"**{label}** `{_tool_name(turn)}`{tail}"]
        parts.append(_json_block(turn.arguments, turn.parsed_arguments))
        if turn.error is not None:
            reason = turn.error.message or turn.error.type or ""
            parts.append(f"Error: {_escape_markdown(reason)}")
        elif turn.output is not None:
            parts.append(_fenced(turn.output))
        return "\n\n".join(parts)
    if kind == "mcp_list_tools":
        tools = ", ".join(f"`{name}`" for name in turn.tools or ())
        return f"**MCP tools** `{turn.server_label or '?'}`: {tools}{tail}"
    if kind == "mcp_approval_response":
        verdict = "approved" if turn.approve else "denied"
        return f"**MCP approval** `{turn.approval_request_id or '?'}`: {verdict}{tail}"
    head = f"**{_escape_markdown(kind or 'item')}**"
    body = " ".join(part for part in (_escape_markdown(turn.text), tail.strip()) if part)
    return f"{head} {body}" if body else head
