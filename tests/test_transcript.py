"""Transcript snapshots: turns, what was said and heard, renderers, the JSON schema."""

from __future__ import annotations

import io
import json
import pickle
import wave
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import streams as s
from helpers.readside import (
    ALL_LINES,
    ga_session,
    log,
    recording,
    run,
    transcription,
    truncate,
    user_audio,
    user_text,
)
from realtime_state import (
    SessionState,
    Transcript,
    Turn,
    decode,
    estimate_heard_text,
    history,
    reduce,
    replay,
)
from realtime_state.transcript import SCHEMA, TURN_KEYS

# --- real recordings --------------------------------------------------------------------------


def test_ga_tool_call_round_turns() -> None:
    state = replay(recording("ga_tool_call_round"), policy="strict")
    transcript = state.transcript()
    assert [(t.role, t.kind) for t in transcript] == [
        ("user", "message"),
        (None, "function_call"),
        (None, "function_call_output"),
        ("assistant", "message"),
    ]
    user, call, output, answer = transcript.turns
    assert user.text == "What is the weather in London?"
    assert (user.status, user.response_id, user.truncated_at_ms) == ("completed", None, None)
    assert call.name == "get_weather"
    assert call.arguments == state.items[1].arguments  # raw, as the model wrote it
    assert call.parsed_arguments == {"city": "London"}
    assert call.output == "It is foggy and 12 degrees in London."
    assert call.paired_item_id == output.item_id
    assert call.response_id == state.items[1].response_id is not None
    assert call.text == ""
    assert (output.name, output.call_id, output.paired_item_id) == (
        "get_weather",
        call.call_id,
        call.item_id,
    )
    assert answer.text == "It is foggy and 12 degrees in London."
    assert answer.content_types == ("output_text",)
    assert transcript.turn(call.item_id) is call
    assert transcript.turn("nope") is None
    assert transcript[0] is user and transcript[1:3] == (call, output)
    assert len(transcript) == 4


def test_ga_tool_call_round_renders() -> None:
    transcript = replay(recording("ga_tool_call_round")).transcript()
    assert transcript.to_text() == (
        "user: What is the weather in London?\n"
        'function_call get_weather({"city":"London"})\n'
        "function_call_output get_weather: It is foggy and 12 degrees in London.\n"
        "assistant: It is foggy and 12 degrees in London."
    )
    markdown = transcript.to_markdown()
    assert markdown.startswith("**User:** What is the weather in London?\n\n**Function call**")
    assert '```json\n{\n  "city": "London"\n}\n```' in markdown
    assert markdown.endswith("**Assistant:** It is foggy and 12 degrees in London.")


def test_webrtc_truncation_keeps_what_was_said() -> None:
    """Beta WebRTC: no audio over the data channel, the server cuts at 1860 ms."""
    state = replay(recording("beta_webrtc_interrupt_truncate"))
    cut = state.transcript()[1]
    assert cut.role == "assistant" and cut.interrupted
    assert cut.text == ""  # what the server now holds
    assert cut.said_text is not None and cut.said_text.startswith("Hi there!")
    assert (cut.truncated_at_ms, cut.heard_ms) == (1860, 1860)
    assert cut.audio_ms is None  # WebRTC: the audio went over the media track
    assert cut.heard_text_estimate is None
    assert cut.marker == "[interrupted at 1.86 s]"
    assert cut.content_types == ("audio",)
    line = state.transcript().to_text().splitlines()[1]
    assert line == f"assistant: {cut.said_text} [interrupted at 1.86 s]"
    assert "*\\[interrupted at 1.86 s\\]*" in state.transcript().to_markdown()
    user_audio_turn = state.transcript()[2]
    assert (user_audio_turn.text, user_audio_turn.transcription_status) == ("Bye.\n", "completed")


def test_recording_with_five_cuts_and_an_unanswered_call() -> None:
    state = replay(recording("beta_webrtc_function_call_cancellations"))
    turns = state.transcript().turns
    cuts = [t for t in turns if t.interrupted]
    assert [t.heard_ms for t in cuts] == [4000, 2460, 1680, 0, 20]
    assert all(t.text == "" and t.said_text for t in cuts)
    at_zero = cuts[3]
    # WebRTC: no audio came over the connection, so no estimate, even for a cut at 0 ms
    assert (at_zero.audio_ms, at_zero.heard_text_estimate) == (None, None)
    assert at_zero.marker == "[interrupted at 0.00 s]"
    assert at_zero.said_text == "I'm going to transfer"
    assert all(t.heard_text_estimate is None for t in cuts)
    markdown = state.transcript().to_markdown()
    assert "I'm going to transfer *\\[interrupted at 0.00 s\\]* *(incomplete)*" in markdown
    assert "heard about" not in markdown and "heard about" not in state.transcript().to_text()
    assert [t.status for t in cuts] == ["completed", "completed", *["incomplete"] * 3]
    call = turns[-1]
    assert (call.kind, call.name, call.output, call.paired_item_id) == (
        "function_call",
        "transferToSupervisor",
        None,
        None,
    )
    assert call.parsed_arguments["destination_agent_name"] == "marco_supervisor_biller"
    users = [t for t in turns if t.role == "user"]
    assert len(users) == 12  # a text greeting, then 11 VAD turns transcribed by whisper-1
    assert all(t.transcription_status == "completed" for t in users[1:])


def test_fragment_and_transcription_only_recordings() -> None:
    text = replay(recording("beta_text_response_fragment")).transcript()
    assert [t.role for t in text] == ["assistant"] and text[0].text.startswith("{")
    stt = replay(recording("beta_transcription_fragment")).transcript()
    assert [t.role for t in stt] == ["user"]
    assert stt[0].transcription_status == "completed" and stt[0].text


# --- written GA logs ----------------------------------------------------------------------


def test_ga_audio_turn() -> None:
    state = replay(log("ga_audio_turn"), policy="strict")
    user, answer = state.transcript()
    assert (user.text, user.content_types, user.audio_ms) == (
        "What time does the museum open tomorrow?",
        ("input_audio",),
        None,  # the server does not echo user audio
    )
    assert answer.text == "The museum opens at nine tomorrow morning and closes at six."
    assert answer.audio_ms == 500.0
    assert answer.said_text is None and answer.heard_text_estimate is None


def test_ga_interruption_cut_turn() -> None:
    state = replay(log("ga_interruption"), policy="strict")
    cut = state.transcript()[1]
    assert (cut.text, cut.status, cut.truncated_at_ms) == ("", "incomplete", 150)
    assert cut.said_text == "Sure! There are three ways to get to the station"
    # 300 ms came, 150 ms are kept; the part remembers what came before the cut
    assert (cut.heard_ms, cut.audio_ms) == (150, 300.0)
    assert cut.marker == "[interrupted at 0.15 s of 0.30 s]"
    # 24 of the 48 characters were heard: the words that end within them
    assert cut.heard_text_estimate == "Sure! There are three"
    assert state.transcript().to_text().splitlines()[1] == (
        "assistant: Sure! There are three ways to get to the station "
        '[interrupted at 0.15 s of 0.30 s; heard about "Sure! There are three"] [incomplete]'
    )


SAID = "Sure! There are three ways to get to the station"
SAID_WORDS = ["Sure! ", "There ", "are three ", "ways ", "to get to ", "the station"]


def _six_hundred_ms_turn() -> list[dict[str, Any]]:
    """An assistant audio turn of 600 ms (six 100 ms deltas), each with a piece of SAID."""
    chunks = [s.pcm(100, n) for n in range(1, 7)]
    return s.assistant_audio_turn("resp_1", "item_a", SAID_WORDS, chunks)


def test_the_estimate_follows_the_audio_received() -> None:
    """Cut at 150 ms of 600 ms received: a quarter of the characters (12 of 48)."""
    state = run(ga_session(), *_six_hundred_ms_turn(), truncate("item_a", 150))
    cut = state.transcript()[0]
    assert (cut.text, cut.said_text) == ("", SAID)
    assert (cut.heard_ms, cut.audio_ms) == (150, 600.0)
    assert cut.heard_text_estimate == "Sure! There"
    assert cut.marker == "[interrupted at 0.15 s of 0.60 s]"


def test_deltas_in_flight_after_the_cut_are_said_and_received_but_not_heard() -> None:
    """The client truncates while the response still streams (200 ms and two pieces of the
    transcript had come): the rest arrives after the cut. It counts as said and received, the
    kept audio stays as cut, and the turn's text stays as the server holds it."""
    events = _six_hundred_ms_turn()
    deltas = [
        i for i, e in enumerate(events) if e["type"] == "response.output_audio_transcript.delta"
    ]
    at = deltas[1] + 1  # after two audio deltas and two transcript deltas
    state = run(ga_session(), *events[:at], truncate("item_a", 150), *events[at:])
    assert state.violations == ()
    cut = state.transcript()[0]
    assert cut.text == ""
    assert cut.said_text == SAID  # the words that came after the cut too
    assert (cut.heard_ms, cut.audio_ms) == (150, 600.0)  # all 600 ms received count
    assert cut.heard_text_estimate == "Sure! There"
    assert state.transcript().to_text() == (
        f'assistant: {SAID} [interrupted at 0.15 s of 0.60 s; heard about "Sure! There"]'
    )
    heard = s.pcm(100, 1) + s.pcm(50, 2)  # the audio up to the cut, nothing that came later
    assert state.audio("item_a") == heard
    assert _wav_frames(state.wav("item_a")) == heard
    assert _wav_frames(state.conversation_wav()) == heard


def _wav_frames(data: bytes) -> bytes:
    with wave.open(io.BytesIO(data), "rb") as wav:
        return wav.readframes(wav.getnframes())


def test_g711_audio_ms_counts_eight_bytes_per_ms() -> None:
    """GA session with audio/pcmu output: 1600 bytes of mu-law are 200 ms."""
    ulaw = bytes(range(200)) * 8
    state = run(
        ga_session(output_format={"type": "audio/pcmu"}),
        *s.assistant_audio_turn("resp_1", "item_a", ["Hello ", "there"], [ulaw[:800], ulaw[800:]]),
    )
    (turn,) = state.transcript()
    assert turn.audio_ms == 200.0
    assert state.item("item_a").content[0].duration_ms == 200.0
    cut = run(
        ga_session(output_format={"type": "audio/pcmu"}),
        *s.assistant_audio_turn("resp_1", "item_a", ["Hello ", "there"], [ulaw[:800], ulaw[800:]]),
        truncate("item_a", 50),
    ).transcript()[0]
    assert (cut.heard_ms, cut.audio_ms, cut.marker) == (
        50,
        200.0,
        "[interrupted at 0.05 s of 0.20 s]",
    )


def test_cut_beyond_the_audio_received_keeps_it_all_and_knows_its_length() -> None:
    chunks = [s.pcm(100, 1), s.pcm(100, 2), s.pcm(100, 3)]
    state = run(
        s.session_created(),
        *s.assistant_audio_turn("resp_1", "item_a", ["I was ", "saying ", "this"], chunks),
        truncate("item_a", 1000),
    )
    cut = state.transcript()[0]
    assert (cut.audio_ms, cut.heard_ms) == (300.0, 1000)
    assert cut.heard_text_estimate == "I was saying this"


def test_ga_mcp_turns() -> None:
    transcript = replay(log("ga_mcp"), policy="strict").transcript()
    tools, user, call, answer = transcript
    assert (user.role, answer.text) == (
        "user",
        "It uses WebSockets, through the websockets package.",
    )
    assert (tools.kind, tools.server_label, tools.tools) == (
        "mcp_list_tools",
        "deepwiki",
        ("read_wiki_structure", "ask_question"),
    )
    assert (call.kind, call.name, call.server_label) == ("mcp_call", "ask_question", "deepwiki")
    assert call.parsed_arguments == {
        "repoName": "openai/openai-python",
        "question": "Which transport does the realtime client use?",
    }
    assert call.output is not None and call.output.startswith("The realtime client")
    assert call.error is None and call.status == "completed"
    lines = transcript.to_text().splitlines()
    assert lines[0] == "mcp_list_tools deepwiki: read_wiki_structure, ask_question"
    assert lines[2].startswith('mcp_call deepwiki.ask_question({"repoName"')
    assert "**MCP call** `deepwiki.ask_question`" in transcript.to_markdown()


def test_out_of_band_items_are_not_turns() -> None:
    state = replay(log("ga_out_of_band"), policy="strict")
    transcript = state.transcript()
    assert [t.item_id for t in transcript] == [i.id for i in state.items]
    assert len(transcript) == 2 and transcript[1].audio_ms == 300.0


def test_deleted_items_leave_the_transcript() -> None:
    state = replay(log("ga_item_deletion"), policy="strict")
    assert [t.item_id for t in state.transcript()] == [i.id for i in state.items]
    assert len(state.transcript()) == 4


# --- text rules ---------------------------------------------------------------------------


def test_text_prefers_text_parts_then_transcripts_then_input_transcription() -> None:
    state = run(
        ga_session(),
        *user_text("item_u", "typed"),
        *user_audio("item_v", previous="item_u"),
        transcription("delta", "item_v", delta="spo"),
        transcription("delta", "item_v", delta="ken"),
        s.item_added(
            s.message(
                "item_s", "system", {"type": "input_text", "text": "a"}, {"type": "input_text"}
            ),
            "item_v",
        ),
    )
    typed, spoken, system = state.transcript()
    assert typed.text == "typed"
    assert (spoken.text, spoken.transcription_status) == ("spoken", "in_progress")
    assert (system.role, system.text, system.content_types) == (
        "system",
        "a",
        ("input_text", "input_text"),
    )
    assert state.transcript().to_text().splitlines()[1] == "user: spoken [audio; transcribing]"


def test_user_audio_without_words_is_marked() -> None:
    base = [ga_session(), *user_audio("item_v")]
    quiet = run(*base).transcript()[0]
    assert quiet.text == "" and quiet.transcription_status is None
    assert Transcript((quiet,)).to_text() == "user: [audio; no transcription]"
    failed = run(
        *base,
        transcription(
            "failed",
            "item_v",
            error={"type": "transcription_error", "code": "audio_unintelligible", "message": "?"},
        ),
    ).transcript()[0]
    assert failed.transcription_status == "failed"
    assert failed.error is not None and failed.error.code == "audio_unintelligible"
    assert Transcript((failed,)).to_text() == "user: [audio; transcription failed: ?]"
    assert failed.to_dict()["error"] == {
        "type": "transcription_error",
        "code": "audio_unintelligible",
        "message": "?",
    }


def test_streaming_assistant_turn_and_invalid_arguments() -> None:
    state = run(
        s.session_created(),
        s.response_created("resp_1"),
        s.output_item(
            "added",
            "resp_1",
            0,
            {
                "id": "item_f",
                "type": "function_call",
                "call_id": "c1",
                "name": "f",
                "arguments": "",
            },
        ),
        {
            "type": "response.function_call_arguments.delta",
            "event_id": s.eid(),
            "response_id": "resp_1",
            "item_id": "item_f",
            "output_index": 0,
            "call_id": "c1",
            "delta": '{"a": ',
        },
    )
    call = state.transcript()[0]
    assert (call.arguments, call.parsed_arguments, call.status) == ('{"a": ', None, None)
    assert Transcript((call,)).to_text() == 'function_call f({"a": )'
    assert '```\n{"a": \n```' in Transcript((call,)).to_markdown()


def test_markdown_escapes_text_and_fences_code() -> None:
    call = {"id": "item_c", "type": "function_call", "call_id": "c", "name": "f", "arguments": ""}
    state = run(
        ga_session(),
        *user_text("item_u", "*bold* and `code` <b> [x]\nnext"),
        *[
            s.item_added(item, previous, kind=kind)
            for item, previous in (
                (call, "item_u"),
                (
                    {
                        "id": "item_o",
                        "type": "function_call_output",
                        "call_id": "c",
                        "output": "a```b",
                    },
                    "item_c",
                ),
            )
            for kind in ("conversation.item.added", "conversation.item.done")
        ],
    )
    markdown = state.transcript().to_markdown()
    assert "**User:** \\*bold\\* and \\`code\\` &lt;b&gt; \\[x\\]  \nnext" in markdown
    assert "````\na```b\n````" in markdown


def test_an_item_of_an_unknown_type_keeps_its_status_and_renders_without_a_trailing_space() -> None:
    future = {"id": "item_x", "type": "future_thing", "status": "completed", "foo": 1}
    state = run(ga_session(), s.item_added(future, None), policy="lenient")
    (turn,) = state.transcript()
    assert (turn.kind, turn.text, turn.status) == ("future_thing", "", "completed")
    assert state.transcript().to_text() == "future_thing:"
    assert state.transcript().to_markdown() == "**future\\_thing**"
    cut_short = {"id": "item_y", "type": "future_thing", "status": "incomplete"}
    other = run(ga_session(), s.item_added(cut_short, None), policy="lenient").transcript()
    assert other[0].status == "incomplete"
    assert other.to_text() == "future_thing: [incomplete]"
    assert other.to_markdown() == "**future\\_thing** *(incomplete)*"


def test_an_empty_message_renders_without_a_trailing_space() -> None:
    state = run(
        ga_session(),
        s.item_added(s.message("item_e", "user"), None),
        *user_text("item_u", "hi", previous="item_e"),
    )
    assert state.transcript().to_text() == "user:\nuser: hi"
    assert state.transcript().to_markdown() == "**User:**\n\n**User:** hi"
    assert all(line == line.rstrip() for line in state.transcript().to_text().splitlines())


def test_turns_are_hashable_and_parsed_arguments_are_fresh_each_time() -> None:
    state = replay(recording("ga_tool_call_round"))
    transcript = state.transcript()
    assert hash(transcript) == hash(state.transcript())
    assert len({*transcript}) == len(transcript)
    call = transcript[1]
    parsed = call.parsed_arguments
    assert parsed == {"city": "London"}
    parsed["city"] = "Paris"  # the caller's copy; the turn is unchanged
    assert call.parsed_arguments == {"city": "London"}
    assert call.parsed_arguments is not call.parsed_arguments
    assert transcript == state.transcript()
    assert transcript.to_dict()["turns"][1]["parsed_arguments"] == {"city": "London"}
    assert "parsed_arguments" not in {a.name for a in attrs.fields(Turn)}


# --- the JSON form --------------------------------------------------------------------------


def test_to_dict_schema_and_round_trip() -> None:
    for name in ("recording:ga_tool_call_round", "log:ga_mcp", "log:ga_interruption"):
        transcript = replay(ALL_LINES[name]).transcript()
        data = transcript.to_dict()
        assert list(data) == ["schema", "turns"] and data["schema"] == SCHEMA
        assert all(tuple(turn) == TURN_KEYS for turn in data["turns"])
        text = json.dumps(data)
        assert Transcript.from_dict(json.loads(text)) == transcript


def test_turn_keys_are_the_documented_ones() -> None:
    assert TURN_KEYS == (
        "item_id",
        "role",
        "kind",
        "text",
        "status",
        "response_id",
        "truncated_at_ms",
        "said_text",
        "heard_ms",
        "audio_ms",
        "heard_text_estimate",
        "name",
        "call_id",
        "arguments",
        "parsed_arguments",
        "output",
        "paired_item_id",
        "server_label",
        "tools",
        "approval_request_id",
        "approve",
        "error",
        "content_types",
        "transcription_status",
    )


def test_from_dict_checks_the_schema_and_required_keys() -> None:
    with pytest.raises(ValueError, match="schema"):
        Transcript.from_dict({"schema": "realtime-state/transcript@2", "turns": []})
    with pytest.raises(ValueError, match="item_id"):
        Transcript.from_dict({"schema": SCHEMA, "turns": [{"kind": "message", "text": ""}]})
    minimal = Transcript.from_dict(
        {"schema": SCHEMA, "turns": [{"item_id": "i", "kind": "message", "text": "hi"}]}
    )
    assert minimal[0] == Turn(item_id="i", role=None, kind="message", text="hi", status=None)


# --- purity and cost --------------------------------------------------------------------------


def test_snapshot_never_changes_the_state_and_never_joins_audio() -> None:
    chunks = [s.pcm(100, n) for n in range(1, 6)]
    state = run(
        s.session_created(),
        *s.assistant_audio_turn("resp_1", "item_a", ["one ", "two"], chunks),
    )
    first = state.transcript()
    assert first.to_dict() and first.to_text() and first.to_markdown()
    audio = state.item("item_a").content[0].audio_chunks
    assert audio is not None and audio._joined is None  # five chunks, never joined
    assert first[0].audio_ms == 500.0
    frozen = pickle.dumps(state)  # (pickling joins the chunks, so it comes last)
    assert state.transcript() == first
    assert pickle.dumps(state) == frozen


def test_estimate_heard_text() -> None:
    said = "Sure! There are three ways to get to the station"
    assert estimate_heard_text(said, 150, 300) == "Sure! There are three"
    assert estimate_heard_text(said, 0, 300) == ""
    assert estimate_heard_text(said, 0, None) is None  # no audio known: no estimate at all
    assert estimate_heard_text(said, 0, 0) is None
    assert estimate_heard_text(said, 10, 300) == ""
    assert estimate_heard_text(said, 300, 300) == said
    assert estimate_heard_text(said, 900, 300) == said
    assert estimate_heard_text(said, 150, None) is None
    assert estimate_heard_text(said, 150, 0) is None
    assert estimate_heard_text("  spaced   words  ", 1, 1) == "spaced   words"


# --- properties -------------------------------------------------------------------------------


def _random_stream(name: str, picks: list[int]) -> list[str]:
    return [ALL_LINES[name][i] for i in sorted(picks)]


streams_from_logs = st.sampled_from(sorted(ALL_LINES)).flatmap(
    lambda name: st.lists(
        st.sampled_from(range(len(ALL_LINES[name]))), unique=True, max_size=70
    ).map(lambda picks: _random_stream(name, picks))
)


def _check_matches_items(state: SessionState) -> None:
    transcript = state.transcript()
    items = state.items
    assert [t.item_id for t in transcript] == [i.id for i in items]
    for turn, item in zip(transcript, items, strict=True):
        status = item.status
        if status is None and item.unknown is not None:
            status = item.unknown.payload.get("status")
        assert (turn.role, turn.kind, turn.status, turn.response_id) == (
            item.role,
            item.type,
            status,
            item.response_id,
        )
        assert turn.content_types == tuple(p.type or "" for p in item.content)
        cut = [p.truncated_at_ms for p in item.content if p.truncated_at_ms is not None]
        assert turn.truncated_at_ms == (cut[0] if cut else None)
        if turn.interrupted:
            assert turn.text == "" or any(p.text for p in item.content)
        if item.type == "message" and any(p.text for p in item.content):
            assert turn.text == "".join(p.text for p in item.content)
        if turn.kind == "function_call":
            assert turn.arguments == item.arguments
    data: dict[str, Any] = json.loads(json.dumps(transcript.to_dict()))
    assert Transcript.from_dict(data) == transcript
    lines = transcript.to_text().split("\n") if transcript.turns else []
    assert len([line for line in lines if not line.startswith("  ")]) == len(transcript)
    hash(transcript)
    for turn in transcript:
        if turn.heard_text_estimate is not None:
            assert turn.audio_ms is not None


@settings(max_examples=60, deadline=None)
@given(streams_from_logs)
def test_property_turns_always_match_the_items(stream: list[str]) -> None:
    """On every state of a random (possibly broken) stream, one turn per item, in order."""
    state = SessionState()
    for line in stream:
        state = reduce(state, decode(line))
        _check_matches_items(state)


def test_every_state_of_every_recording_and_log() -> None:
    for lines in ALL_LINES.values():
        for _, _, state in history(lines):
            _check_matches_items(state)
