"""ReplayServer against the real ``openai`` client (sync and async): real sockets, no mocks.

Every recording and written log is played to a client that follows the plan's script; the
client must receive the recording's frames byte for byte and the server must receive the
script. No assertion here depends on timing.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK

from realtime_state.testing import TRIGGER_RULES, ReplayServer
from realtime_state.testing.server import TIMEOUT_CLOSE_CODE, ReplayPlan, plan

pytest.importorskip("openai")

TESTS = Path(__file__).parent
FILES = sorted((TESTS / "recordings").glob("*.jsonl")) + sorted((TESTS / "logs").glob("*.jsonl"))
IDS = [f"{p.parent.name}/{p.stem}" for p in FILES]


def _frames(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def drive(server: ReplayServer, replay: ReplayPlan, *, script: bool = True) -> list[str]:
    """Connect with the sync openai client, follow the script, return the frames received."""
    got: list[str] = []
    with server.client().realtime.connect(model="gpt-realtime") as conn:
        for event in replay.client_events_after(-1) if script else []:
            conn.send(event)  # type: ignore[arg-type]
        try:
            while True:
                got.append(conn.recv_bytes().decode("utf-8"))
                for event in replay.client_events_after(len(got) - 1) if script else []:
                    conn.send(event)  # type: ignore[arg-type]
        except ConnectionClosedOK:
            pass
    return got


async def drive_async(server: ReplayServer, replay: ReplayPlan) -> list[str]:
    """The same with ``AsyncOpenAI``."""
    got: list[str] = []
    async with server.async_client().realtime.connect(model="gpt-realtime") as conn:
        for event in replay.client_events_after(-1):
            await conn.send(event)  # type: ignore[arg-type]
        try:
            while True:
                got.append((await conn.recv_bytes()).decode("utf-8"))
                for event in replay.client_events_after(len(got) - 1):
                    await conn.send(event)  # type: ignore[arg-type]
        except ConnectionClosedOK:
            pass
    return got


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_the_sync_client_receives_the_recording_and_the_server_its_script(path: Path) -> None:
    replay = plan(path)
    assert replay.inferred
    with ReplayServer(path, timeout=3.0) as server:
        got = drive(server, replay)
    assert got == _frames(path)
    assert list(replay.frames) == _frames(path)
    assert server.received == [list(replay.client_events)]
    assert server.failures == []
    assert server.paths == ["/realtime?model=gpt-realtime"]


def test_the_async_client_receives_every_recording_on_one_server_per_recording() -> None:
    async def main() -> None:
        for path in FILES:
            replay = plan(path)
            async with ReplayServer(replay, timeout=3.0) as server:
                got = await drive_async(server, replay)
            assert got == _frames(path), path.name
            assert server.received == [list(replay.client_events)], path.name
            assert server.failures == [], path.name

    asyncio.run(main())


def _adapter(dialect: str) -> TypeAdapter[Any]:
    if dialect == "ga":
        from openai.types.realtime import RealtimeClientEvent
    else:
        from openai.types.beta.realtime import RealtimeClientEvent  # type: ignore[assignment]
    return TypeAdapter(RealtimeClientEvent)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_every_inferred_client_event_validates_with_the_openai_models(path: Path) -> None:
    dialect = path.stem.split("_")[0]
    adapter = _adapter(dialect)
    for event in plan(path).client_events:
        model = adapter.validate_python(event)
        assert model.type == event["type"]
        if event["type"].endswith("session.update"):
            # nothing the server fills in (id, object, expires_at, ...) goes back
            fields = set(type(model.session).model_fields)
            assert set(event["session"]) <= fields, set(event["session"]) - fields


def test_the_rules_infer_what_the_client_did() -> None:
    def ev(kind: str, **fields: Any) -> dict[str, Any]:
        return {"type": kind, **fields}

    recording = [
        ev("session.created", session={"id": "s"}),
        ev("input_audio_buffer.committed", item_id="item_1", previous_item_id=None),
        ev("conversation.item.created", item={"id": "item_1", "type": "message"}),
        ev("response.created", response={"id": "r1", "conversation_id": "c"}),
        ev(
            "response.done",
            response={
                "id": "r1",
                "status": "cancelled",
                "status_details": {"reason": "client_cancelled"},
            },
        ),
        ev("input_audio_buffer.speech_stopped", audio_end_ms=5, item_id="item_2"),
        ev("input_audio_buffer.committed", item_id="item_2"),
        ev("response.created", response={"id": "r2"}),
        ev("output_audio_buffer.cleared", response_id="r2"),
        ev("conversation.item.truncated", item_id="item_3", content_index=0, audio_end_ms=9),
        ev("conversation.item.truncated", item_id="item_3", content_index=0, audio_end_ms=7),
        ev("conversation.item.retrieved", item={"id": "item_1"}),
        ev("input_audio_buffer.cleared"),
        ev("error", error={"type": "invalid_request_error"}),
    ]
    replay = plan(recording)
    assert [s.first_frame for s in replay.steps] == [0, 1, 3, 4, 10, 11, 12]
    sent = {k: e for k in range(-1, 14) for e in replay.client_events_after(k)}
    assert sent == {
        0: {"type": "input_audio_buffer.commit"},
        2: {"type": "response.create"},  # a client commit does not create a response
        # none at 5: VAD committed (speech_stopped came before) and created the response
        3: {"type": "response.cancel", "response_id": "r1"},
        # the first truncation followed output_audio_buffer.cleared: the server's own
        9: {
            "type": "conversation.item.truncate",
            "item_id": "item_3",
            "content_index": 0,
            "audio_end_ms": 7,
        },
        10: {"type": "conversation.item.retrieve", "item_id": "item_1"},
        11: {"type": "input_audio_buffer.clear"},
    }


def test_an_out_of_band_response_is_asked_for_outside_the_conversation() -> None:
    creates = [
        e
        for e in plan(TESTS / "logs" / "ga_out_of_band.jsonl").client_events
        if e["type"] == "response.create"
    ]
    assert creates == [
        {"type": "response.create"},
        {
            "type": "response.create",
            "response": {"conversation": "none", "metadata": {"purpose": "sentiment"}},
        },
    ]


def _envelope_recording() -> list[str]:
    def line(source: str, event: dict[str, Any], time: float) -> str:
        return json.dumps({"time": time, "source": source, "event": event})

    return [
        line("server", {"type": "session.created", "event_id": "e1", "session": {"id": "s"}}, 1.0),
        line("client", {"type": "session.update", "session": {"instructions": "Hi é"}}, 1.01),
        line("client", {"type": "input_audio_buffer.append", "audio": "AAAA"}, 1.02),
        line("server", {"type": "session.updated", "event_id": "e2", "session": {"id": "s"}}, 1.03),
        json.dumps({"time": 1.04, "source": "server", "raw": "not json {"}),
        "",
        line("client", {"type": "response.create"}, 1.05),
        line("server", {"type": "response.created", "event_id": "e3", "response": {}}, 1.06),
        line("client", {"type": "response.cancel"}, 1.07),
    ]


def test_an_envelope_recording_is_honoured_with_its_client_events_and_raw_frames(
    tmp_path: Path,
) -> None:
    path = tmp_path / "envelope.jsonl"
    path.write_text("\n".join(_envelope_recording()) + "\n", encoding="utf-8")
    replay = plan(path)
    assert not replay.inferred
    assert [s.awaited_types for s in replay.steps] == [
        (),
        ("session.update", "input_audio_buffer.append"),
        ("response.create",),
        ("response.cancel",),
    ]
    expected = [
        '{"type":"session.created","event_id":"e1","session":{"id":"s"}}',
        '{"type":"session.updated","event_id":"e2","session":{"id":"s"}}',
        "not json {",
        '{"type":"response.created","event_id":"e3","response":{}}',
    ]
    assert list(replay.frames) == expected
    with ReplayServer(path, timeout=3.0, realtime=True, max_gap=0.05) as server:
        got = drive(server, replay)
    assert got == expected
    assert server.received == [list(replay.client_events)]
    assert [e["type"] for e in server.received[0]] == [
        "session.update",
        "input_audio_buffer.append",
        "response.create",
        "response.cancel",
    ]
    assert server.failures == []


def test_a_client_that_does_not_send_the_awaited_event_is_closed_with_the_timeout_code() -> None:
    path = TESTS / "logs" / "ga_text_turn.jsonl"
    replay = plan(path)
    with ReplayServer(path, timeout=0.2) as server, pytest.raises(ConnectionClosedError) as closed:
        drive(server, replay, script=False)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == TIMEOUT_CLOSE_CODE
    assert "session.update" in closed.value.rcvd.reason
    [failure] = server.failures
    assert (failure.connection, failure.step, failure.awaited, failure.reason) == (
        0,
        1,
        "session.update",
        "timeout",
    )
    assert server.received == [[]]


def test_other_client_events_are_recorded_and_ignored_while_the_server_waits() -> None:
    recording = [{"type": "session.created"}, {"type": "input_audio_buffer.cleared"}]
    with ReplayServer(recording, timeout=3.0) as server:
        got: list[str] = []
        with server.client().realtime.connect(model="gpt-realtime") as conn:
            got.append(conn.recv_bytes().decode())
            conn.send({"type": "input_audio_buffer.append", "audio": "AAAA"})
            conn.send({"type": "input_audio_buffer.clear"})
            with pytest.raises(ConnectionClosedOK):
                while True:
                    got.append(conn.recv_bytes().decode())
    assert got == ['{"type":"session.created"}', '{"type":"input_audio_buffer.cleared"}']
    assert [e["type"] for e in server.received[0]] == [
        "input_audio_buffer.append",
        "input_audio_buffer.clear",
    ]
    assert server.received_raw[0][0].startswith("{")


def test_several_recordings_are_played_one_per_connection_and_then_refused() -> None:
    first = [{"type": "session.created", "event_id": "a"}]
    second = [{"type": "session.created", "event_id": "b"}]
    with ReplayServer(first, second, timeout=3.0) as server:
        assert drive(server, plan(first)) == ['{"type":"session.created","event_id":"a"}']
        assert drive(server, plan(second)) == ['{"type":"session.created","event_id":"b"}']
        with pytest.raises(ConnectionClosedError) as closed:
            drive(server, plan(second))
    assert closed.value.rcvd is not None and closed.value.rcvd.code == TIMEOUT_CLOSE_CODE
    assert [f.reason for f in server.failures] == ["no recording"]


def test_with_close_false_the_server_waits_for_the_client_to_close() -> None:
    recording = [{"type": "session.created"}]
    server = ReplayServer(recording, close=False)
    with server, server.client().realtime.connect(model="gpt-realtime") as conn:
        assert conn.recv_bytes() == b'{"type":"session.created"}'
    assert server.failures == []


def test_the_docs_table_lists_every_rule() -> None:
    page = (TESTS.parent / "docs" / "testing.md").read_text(encoding="utf-8")
    section = page.split("## Testing an agent against a recording")[1].split("\n## ")[0]
    rows = re.findall(r"^\| `([a-z_.]+)` \| `([a-z_.]+)` \|", section, re.M)
    assert rows == [(r.server_event, r.client_event) for r in TRIGGER_RULES]


def test_a_client_that_leaves_early_is_a_failure() -> None:
    recording = [{"type": "session.created"}, {"type": "input_audio_buffer.cleared"}]
    with ReplayServer(recording, timeout=3.0) as server:
        with server.client().realtime.connect(model="gpt-realtime") as conn:
            conn.recv_bytes()
        for _ in range(300):  # the server notices the close on its own loop
            if server.failures:
                break
            threading.Event().wait(0.01)
    assert [(f.step, f.awaited, f.reason) for f in server.failures] == [
        (1, "input_audio_buffer.clear", "closed")
    ]
