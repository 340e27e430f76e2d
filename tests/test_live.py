"""LiveSession driven for real: a local WebSocket server (``ReplayServer``, the ``websockets``
package on 127.0.0.1) plays recorded sessions, the real ``openai`` client connects to it (sync
and async), and ``LiveSession`` follows the connection, sends the client events that drive
each step and records both directions. No mock of the client or the socket."""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from helpers.data import HERE, RECORDING_FILES, read_lines
from realtime_state import (
    LiveSession,
    ProtocolViolation,
    SessionState,
    ahistory,
    areplay,
    decode,
    history,
    replay,
)
from realtime_state.envelopes import (
    INVALID_SERVER_EVENT,
    envelope_line,
    log_line_schema,
    raw_line,
)
from realtime_state.logs import check_file
from realtime_state.testing.server import ReplayServer, plan

pytest.importorskip("websockets")
openai = pytest.importorskip("openai")
jsonschema = pytest.importorskip("jsonschema")

LOGS = sorted((HERE / "logs").glob("*.jsonl"))
ALL = RECORDING_FILES + LOGS
EVENT_ID = re.compile(r"^evt_[0-9A-Za-z]{21}$")


def _drive_sync(server: ReplayServer, recording: Any, session_kw: dict[str, Any]) -> LiveSession:
    script = plan(recording)
    with server.client().realtime.connect(model="gpt-realtime") as conn:
        session = LiveSession(conn, **session_kw)
        for event in script.client_events_after(-1):
            session.send(event)
        for k, update in enumerate(session):
            assert update.previous.event_count < update.state.event_count
            for event in script.client_events_after(k):
                session.send(event)
        session.close()
    return session


async def _drive_async(
    server: ReplayServer, recording: Any, session_kw: dict[str, Any]
) -> LiveSession:
    script = plan(recording)
    async with server.async_client().realtime.connect(model="gpt-realtime") as conn:
        session = LiveSession(conn, **session_kw)
        for event in script.client_events_after(-1):
            await session.send(event)
        k = 0
        async for _update in session:
            for event in script.client_events_after(k):
                await session.send(event)
            k += 1
        session.close()
    return session


def _without_ids(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in e.items() if k != "event_id"} for e in events]


def _check_live(path: Path, session: LiveSession, server: ReplayServer, record: Path) -> None:
    script = plan(path)
    state = session.state
    assert server.failures == []
    # the recording the adapter wrote replays to the very state the live session had
    lines = read_lines(record)
    assert replay(lines) == state
    assert len(lines) == state.event_count
    validator = jsonschema.Draft202012Validator(log_line_schema())
    assert all(validator.is_valid(json.loads(line)) for line in lines)
    # ... and the server side is the recording's: same items, responses, violations
    original = replay(read_lines(path))
    assert state.items == original.items
    assert [r.status for r in state.responses_in_order] == [
        r.status for r in original.responses_in_order
    ]
    assert [(v.code, v.event_type) for v in state.violations] == [
        (v.code, v.event_type) for v in original.violations
    ]
    # every client event the script sent is tracked, with an id the session assigned
    sent = [r.event for r in state.client_events]
    assert [e.type for e in sent] == [e["type"] for e in script.client_events]
    assert all(EVENT_ID.match(e.event_id or "") for e in sent)
    assert _without_ids(server.received[-1]) == _without_ids(list(script.client_events))
    assert [e["event_id"] for e in server.received[-1]] == [e.event_id for e in sent]
    # the server confirmed everything it was asked for
    assert state.pending.empty, state.pending
    # the recording passes `realtime-state check` (strict) like the original log
    report = check_file(str(record))
    assert report["errors"] == []
    expected = check_file(str(path))["violations"]
    assert [v["code"] for v in report["violations"]] == [v["code"] for v in expected]


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_sync_live_session_follows_every_recording(path: Path, tmp_path: Path) -> None:
    record = tmp_path / "call.jsonl"
    with ReplayServer(path) as server:
        session = _drive_sync(server, path, {"record": str(record)})
    _check_live(path, session, server, record)


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_async_live_session_follows_every_recording(path: Path, tmp_path: Path) -> None:
    record = tmp_path / "call.jsonl"

    async def main() -> tuple[LiveSession, ReplayServer]:
        async with ReplayServer(path) as server:
            return await _drive_async(server, path, {"record": record}), server

    session, server = asyncio.run(main())
    _check_live(path, session, server, record)


def test_the_sdk_helpers_on_session_connection_are_tracked() -> None:
    path = HERE / "logs" / "ga_text_turn.jsonl"
    script = plan(path)
    update, create, respond = script.client_events
    with ReplayServer(path) as server, server.client().realtime.connect(model="m") as conn:
        session = LiveSession(conn)
        tracked = session.connection
        for k, _ in enumerate(session):
            for event in script.client_events_after(k):
                if event["type"] == "session.update":
                    tracked.session.update(session=event["session"])
                elif event["type"] == "conversation.item.create":
                    tracked.conversation.item.create(item=event["item"])
                else:
                    tracked.response.create()
    state = session.state
    assert [r.event.type for r in state.client_events] == [
        update["type"],
        create["type"],
        respond["type"],
    ]
    assert state.pending.empty
    assert [e["type"] for e in server.received[0]] == [e["type"] for e in script.client_events]
    # the server got exactly what the state holds
    assert [e["event_id"] for e in server.received[0]] == [
        r.event.event_id for r in state.client_events
    ]
    assert tracked.parse_event is conn.parse_event or callable(tracked.parse_event)


def test_async_sdk_helpers_are_tracked() -> None:
    path = HERE / "logs" / "ga_function_call.jsonl"
    script = plan(path)

    async def main() -> SessionState:
        async with (
            ReplayServer(path) as server,
            server.async_client().realtime.connect(model="m") as conn,
        ):
            session = LiveSession(conn)
            tracked = session.connection
            k = 0
            async for _ in session:
                for event in script.client_events_after(k):
                    kind = event["type"]
                    if kind == "session.update":
                        await tracked.session.update(session=event["session"])
                    elif kind == "conversation.item.create":
                        await tracked.conversation.item.create(item=event["item"])
                    elif kind == "response.create":
                        await tracked.response.create()
                    else:
                        await session.send(event)
                k += 1
            assert server.failures == []
            return session.state

    state = asyncio.run(main())
    assert [r.event.type for r in state.client_events] == [e["type"] for e in script.client_events]
    assert state.pending.empty


def _with_client_errors() -> list[str]:
    """A GA text turn whose first response.create the server refuses (naming its event_id),
    then a second one that works."""
    lines = read_lines(HERE / "logs" / "ga_text_turn.jsonl")
    created = next(i for i, line in enumerate(lines) if '"response.created"' in line)
    refused = {"type": "response.create", "event_id": "evt_refused00000000000001"}
    error = {
        "type": "error",
        "event_id": "event_err1",
        "error": {
            "type": "invalid_request_error",
            "code": "conversation_already_has_active_response",
            "message": "Conversation already has an active response",
            "param": None,
            "event_id": refused["event_id"],
        },
    }
    before = [envelope_line("server", 1.0 + i, frame=line) for i, line in enumerate(lines)]
    script = before[:created]
    script.append(envelope_line("client", 50.0, event=refused))
    script.append(envelope_line("server", 50.5, event=error))
    script.append(envelope_line("client", 51.0, event={"type": "response.create"}))
    return script + before[created:]


def test_errors_name_the_client_event_they_refuse(tmp_path: Path) -> None:
    recording = _with_client_errors()
    record = tmp_path / "call.jsonl"
    with ReplayServer(recording) as server:
        session = _drive_sync(server, recording, {"record": record})
    assert server.failures == []
    state = session.state
    (error,) = state.errors
    assert error.client_event is not None
    assert error.client_event.event.event_id == "evt_refused00000000000001"
    assert error.client_event.event.type == "response.create"
    assert error.client_event.time is not None and error.time is not None
    assert state.pending.empty  # one refused, one confirmed by response.created
    assert replay(read_lines(record)) == state


@pytest.mark.parametrize("policy", ["lenient", "strict"])
def test_a_malformed_server_frame_never_ends_the_loop(policy: str, tmp_path: Path) -> None:
    lines = read_lines(HERE / "logs" / "ga_text_turn.jsonl")
    recording = [
        lines[0],
        raw_line(None, "<html>502</html>"),
        '{"type":"response.created","event_id":"e","response":{"id":42}}',  # JSON, bad field
        *lines[1:],
    ]
    record = tmp_path / "call.jsonl"
    with ReplayServer(recording) as server:
        session = _drive_sync(server, recording, {"record": record, "policy": policy})
    state = session.state
    bad = [e for e in state.errors if e.type == INVALID_SERVER_EVENT]
    assert [e.frame for e in bad] == ["<html>502</html>", recording[2]]
    assert "response.id" in bad[1].message
    assert state.items == replay(lines).items
    written = read_lines(record)
    assert [json.loads(written[e.index])["raw"] for e in bad] == [e.frame for e in bad]
    assert replay(written, policy=policy) == state


def test_strict_policy_raises_a_violation_after_recording_the_frame(tmp_path: Path) -> None:
    lines = read_lines(HERE / "logs" / "ga_text_turn.jsonl")
    done = next(i for i, line in enumerate(lines) if '"response.done"' in line)
    recording = [*lines[: done + 1], lines[done]]  # response.done twice
    record = tmp_path / "call.jsonl"
    with ReplayServer(recording) as server, pytest.raises(ProtocolViolation) as info:
        _drive_sync(server, recording, {"record": record, "policy": "strict"})
    assert info.value.violation.index == len(read_lines(record)) - 1
    assert json.loads(read_lines(record)[-1])["event"] == json.loads(lines[done])


def test_record_to_an_open_text_file_and_updates() -> None:
    path = HERE / "logs" / "ga_audio_turn.jsonl"
    buffer = io.StringIO()
    times = iter(float(t) for t in range(1_000_000, 2_000_000))
    script = plan(path)
    with ReplayServer(path) as server, server.client().realtime.connect(model="m") as conn:
        session = LiveSession(conn, record=buffer, clock=lambda: next(times))
        for event in script.client_events_after(-1):
            session.send(event)
        updates = []
        for k, update in enumerate(session):
            updates.append(update)
            for event in script.client_events_after(k):
                sent = session.send(event)
                assert sent.source == "client" and sent.state is session.state
        session.close()
    assert not buffer.closed  # the app's file stays open
    lines = buffer.getvalue().splitlines()
    assert replay(lines) == session.state
    # updates carry the decoded event, the state after it and the one before
    frames = list(script.frames)
    assert [u.event for u in updates] == [decode(f) for f in frames]
    for before, after in itertools.pairwise(updates):
        assert after.previous.event_count >= before.state.event_count
    # times: the clock of each event, response times in the state
    response = session.state.responses_in_order[-1]
    assert response.created_at is not None and response.first_audio_at is not None
    assert response.created_at < response.first_audio_at < response.done_at


def test_send_refuses_what_is_not_a_client_event() -> None:
    path = HERE / "logs" / "ga_text_turn.jsonl"
    with (
        ReplayServer(path, timeout=0.5) as server,
        server.client().realtime.connect(model="m") as conn,
    ):
        session = LiveSession(conn)
        with pytest.raises(TypeError, match="server event"):
            session.send({"type": "response.done", "event_id": "e", "response": {}})
        with pytest.raises(TypeError, match="client event"):
            session.send(42)
        with pytest.raises(TypeError, match="a sync connection: iterate with `for"):
            asyncio.run(_aiter_once(session))
        # an openai model and an explicit event_id are accepted as they are
        from openai.types.realtime import ResponseCancelEvent

        update = session.send(ResponseCancelEvent(type="response.cancel", event_id="evt_mine"))
        assert update.event.event_id == "evt_mine"
        assert session.state.client_events[-1].event.type == "response.cancel"


async def _aiter_once(session: LiveSession) -> None:
    async for _ in session:  # a sync connection
        break


def test_unknown_client_events_are_sent_and_kept() -> None:
    path = HERE / "logs" / "ga_text_turn.jsonl"
    with (
        ReplayServer(path, timeout=0.5) as server,
        server.client().realtime.connect(model="m") as conn,
    ):
        session = LiveSession(conn)
        session.send({"type": "future.client_thing", "x": [1, 2]})
        record = session.state.client_events[-1]
        assert record.event.type == "future.client_thing"
        assert record.event.payload["x"] == (1, 2)


# --- async replay and history ----------------------------------------------------------------


async def _lines(lines: list[str]) -> AsyncIterator[str]:
    for line in lines:
        await asyncio.sleep(0)
        yield line


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_async_replay_and_history_match_the_sync_ones(path: Path) -> None:
    lines = read_lines(path)

    async def main() -> tuple[SessionState, list[Any], SessionState]:
        steps = [(i, e, s) async for i, e, s in ahistory(_lines(lines))]
        return await areplay(_lines(lines)), steps, await areplay(_lines(lines), upto=3)

    state, steps, first3 = asyncio.run(main())
    assert state == replay(lines)
    assert steps == list(history(lines))
    assert first3 == replay(lines, upto=3)


def test_async_replay_takes_envelope_lines() -> None:
    lines = read_lines(HERE / "logs" / "ga_function_call.jsonl")
    timed = [envelope_line("server", 10.0 + i, frame=line) for i, line in enumerate(lines)]
    state = asyncio.run(areplay(_lines(timed)))
    assert state == replay(timed)
    assert state.time == 10.0 + len(lines) - 1


# --- session rollover ------------------------------------------------------------------------


def _echo_recording(carried: list[dict[str, Any]], *, session: dict[str, Any]) -> list[str]:
    """What a new GA session answers to a carry: session.created, session.updated, and each
    carried item added then done, where the client put it."""
    out = [
        {"type": "session.created", "event_id": "event_new_1", "session": session},
        {"type": "session.updated", "event_id": "event_new_2", "session": session},
    ]
    for n, event in enumerate(carried):
        item = {**event["item"], "status": "completed"}
        if item["type"] == "message":
            item["object"] = "realtime.item"
        previous = event.get("previous_item_id")
        for kind in ("conversation.item.added", "conversation.item.done"):
            out.append(
                {
                    "type": kind,
                    "event_id": f"event_new_{kind[-5:]}_{n}",
                    "previous_item_id": previous,
                    "item": item,
                }
            )
    return [json.dumps(e) for e in out]


ROLLOVER_LOGS = [HERE / "logs" / n for n in ("ga_function_call.jsonl", "ga_interruption.jsonl")]


def _rollover_case(path: Path) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    lines = read_lines(path)
    carried = replay(lines).to_client_events()
    first = json.loads(lines[0])
    session = {**first["session"], "id": "sess_new"}
    return lines, _echo_recording(carried, session=session), carried


def _same_conversation(new: SessionState, old: SessionState) -> None:
    new_turns = new.transcript().turns
    old_turns = [t for t in old.transcript().turns if t.item_id in {i.id for i in new.items}]
    assert [(t.role, t.kind, t.text or t.heard_text_estimate) for t in new_turns] == [
        (t.role, t.kind, t.text or t.heard_text_estimate) for t in old_turns
    ]
    calls = {i.call_id: (i.name, i.arguments) for i in new.items if i.type == "function_call"}
    outputs = {i.call_id: i.output for i in new.items if i.type == "function_call_output"}
    assert set(calls) == set(outputs)
    assert calls == {
        i.call_id: (i.name, i.arguments) for i in old.items if i.type == "function_call"
    }
    cut = [t for t in old.transcript().turns if t.marker and t.heard_text_estimate]
    for turn in cut:  # a cut turn goes on as what was heard
        assert new.transcript().turn(turn.item_id).text == turn.heard_text_estimate


@pytest.mark.parametrize("path", ROLLOVER_LOGS, ids=lambda p: p.name)
def test_rollover_carries_the_conversation_into_a_new_connection(
    path: Path, tmp_path: Path
) -> None:
    lines, second, carried = _rollover_case(path)
    record = tmp_path / "call.jsonl"
    script = plan(lines)
    with ReplayServer(lines, second) as server:
        client = server.client()
        with client.realtime.connect(model="gpt-realtime") as conn:
            session = LiveSession(conn, record=record)
            for k, _ in enumerate(session):
                for event in script.client_events_after(k):
                    session.send(event)
        with client.realtime.connect(model="gpt-realtime") as conn2:
            updates = session.rollover(conn2)
            assert session.state.pending.empty
            rest = list(session)  # goes on following the new connection until it closes
        session.close()
    assert server.failures == []
    old, new = session.sessions
    _same_conversation(new, old)
    kinds = [u.event.type for u in updates if u.source == "client"]
    assert kinds == ["session.update"] + ["conversation.item.create"] * len(carried)
    assert [e["type"] for e in server.received[1]] == kinds
    assert rest == [] or all(u.source == "server" for u in rest)
    # the recording holds both sessions and replays to the same state
    assert replay(read_lines(record)) == session.state


def test_async_rollover() -> None:
    lines, second, carried = _rollover_case(ROLLOVER_LOGS[0])
    script = plan(lines)

    async def main() -> LiveSession:
        async with ReplayServer(lines, second) as server:
            client = server.async_client()
            async with client.realtime.connect(model="gpt-realtime") as conn:
                session = LiveSession(conn)
                k = 0
                async for _ in session:
                    for event in script.client_events_after(k):
                        await session.send(event)
                    k += 1
            async with client.realtime.connect(model="gpt-realtime") as conn2:
                updates = await session.rollover(conn2)
                assert len([u for u in updates if u.source == "client"]) == len(carried) + 1
                async for _ in session:
                    pass
            assert server.failures == []
            return session

    session = asyncio.run(main())
    old, new = session.sessions
    _same_conversation(new, old)


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_the_carried_session_update_validates_with_the_openai_models(path: Path) -> None:
    from pydantic import TypeAdapter

    from realtime_state.carry import session_update

    state = replay(read_lines(path))
    event = session_update(state)
    if state.session is None:
        assert event is None
        return
    assert event is not None
    if path.name.startswith("ga"):
        from openai.types.realtime import RealtimeClientEvent
    else:
        from openai.types.beta.realtime import RealtimeClientEvent  # type: ignore[assignment]
    model = TypeAdapter(RealtimeClientEvent).validate_python(event)
    assert model.type == event["type"]
    fields = set(type(model.session).model_fields)
    assert set(event["session"]) <= fields, set(event["session"]) - fields
    # the server's own keys never go back
    assert not {"id", "object", "expires_at", "client_secret"} & set(event["session"])


def test_one_thread_reads_another_sends(tmp_path: Path) -> None:
    import queue
    import threading

    path = HERE / "logs" / "ga_function_call.jsonl"
    script = plan(path)
    record = tmp_path / "call.jsonl"
    seen: queue.Queue[int | None] = queue.Queue()
    with ReplayServer(path) as server, server.client().realtime.connect(model="m") as conn:
        session = LiveSession(conn, record=record)

        def read() -> None:
            for k, _ in enumerate(session):
                seen.put(k)
            seen.put(None)

        reader = threading.Thread(target=read)
        reader.start()
        while (k := seen.get(timeout=10)) is not None:
            for event in script.client_events_after(k):
                session.send(event)
        reader.join(timeout=10)
        session.close()
    assert server.failures == []
    assert session.state.pending.empty
    assert replay(read_lines(record)) == session.state
    assert session.state.items == replay(read_lines(path)).items


# --- barge-in ----------------------------------------------------------------------------------


INTERRUPTION = HERE / "logs" / "ga_interruption.jsonl"


def _recorded_cut() -> int:
    for line in read_lines(INTERRUPTION):
        event = json.loads(line)
        if event["type"] == "conversation.item.truncated":
            return int(event["audio_end_ms"])
    raise AssertionError("no truncation in the log")


@pytest.mark.parametrize("how", ["played_ms", "reported", "clock"])
def test_interrupt_sends_the_cut_at_what_was_heard(how: str, tmp_path: Path) -> None:
    cut = _recorded_cut()
    script = plan(INTERRUPTION)
    record = tmp_path / "call.jsonl"
    now = [1_800_000_000.0]
    sent: list[Any] = []
    with ReplayServer(INTERRUPTION) as server, server.client().realtime.connect(model="m") as conn:
        session = LiveSession(conn, record=record, clock=lambda: now[0])
        for k, _update in enumerate(session):
            now[0] += 0.001
            for event in script.client_events_after(k):
                if event["type"] != "conversation.item.truncate":
                    session.send(event)
                    continue
                item_id = event["item_id"]
                if how == "played_ms":
                    sent = session.interrupt(played_ms=cut + 0.7)
                elif how == "reported":
                    session.playback.played(item_id, bytes=48 * cut)
                    sent = session.interrupt()
                else:  # the clock since the item's first audio delta
                    started = session.playback.item(item_id).started_at
                    assert started is not None
                    now[0] = started + cut / 1000
                    sent = session.interrupt()
        session.close()
    assert server.failures == []
    truncates = [u.event for u in sent if u.event.type == "conversation.item.truncate"]
    assert len(truncates) == 1 and truncates[0].audio_end_ms == cut
    state = session.state
    assert state.pending.empty and state.violations == ()
    part = next(i for i in state.items if i.role == "assistant").content[0]
    assert part.truncated_at_ms == cut
    assert replay(read_lines(record)) == state


def test_interrupt_sends_nothing_when_nothing_plays() -> None:
    path = HERE / "logs" / "ga_text_turn.jsonl"
    script = plan(path)
    with ReplayServer(path) as server, server.client().realtime.connect(model="m") as conn:
        session = LiveSession(conn)
        assert session.interrupt() == []
        for k, _ in enumerate(session):
            for event in script.client_events_after(k):
                session.send(event)
        assert session.interrupt() == []  # a text answer: no audio to cut
        assert session.interrupt(played_ms=500) == []


def test_async_interrupt() -> None:
    cut = _recorded_cut()
    script = plan(INTERRUPTION)

    async def main() -> SessionState:
        async with (
            ReplayServer(INTERRUPTION) as server,
            server.async_client().realtime.connect(model="m") as conn,
        ):
            session = LiveSession(conn)
            k = 0
            async for _ in session:
                for event in script.client_events_after(k):
                    if event["type"] == "conversation.item.truncate":
                        updates = await session.interrupt(played_ms=cut)
                        assert [u.source for u in updates] == ["client"] * len(updates)
                    else:
                        await session.send(event)
                k += 1
            assert server.failures == []
            return session.state

    state = asyncio.run(main())
    part = next(i for i in state.items if i.role == "assistant").content[0]
    assert part.truncated_at_ms == cut


def test_observers_see_every_update_in_stream_order(tmp_path: Path) -> None:
    path = HERE / "logs" / "ga_function_call.jsonl"
    script = plan(path)
    seen: list[Any] = []
    with ReplayServer(path) as server, server.client().realtime.connect(model="m") as conn:
        session = LiveSession(conn)
        assert session.observe(seen.append) == seen.append
        for k, _ in enumerate(session):
            for event in script.client_events_after(k):
                session.send(event)
    assert [u.state.event_count for u in seen] == list(range(1, session.state.event_count + 1))
    assert {u.source for u in seen} == {"server", "client"}
    assert seen[-1].state is session.state


# --- review findings ---------------------------------------------------------------------------


def test_a_server_frame_with_a_client_events_type_is_an_error_not_a_client_event(
    tmp_path: Path,
) -> None:
    lines = read_lines(HERE / "logs" / "ga_text_turn.jsonl")
    odd = '{"type":"response.create","event_id":"x1"}'
    recording = [lines[0], raw_line(None, odd), *lines[1:]]
    record = tmp_path / "call.jsonl"
    with ReplayServer(recording) as server:
        session = _drive_sync(server, recording, {"record": record})
    state = session.state
    (bad,) = [e for e in state.errors if e.type == INVALID_SERVER_EVENT]
    assert bad.frame == odd and "client event" in bad.message
    assert all(r.event.event_id != "x1" for r in state.client_events)
    assert state.pending.empty
    assert replay(read_lines(record)) == state
    assert check_file(str(record))["errors"] == []


def test_strict_send_refuses_before_sending(tmp_path: Path) -> None:
    path = HERE / "logs" / "ga_text_turn.jsonl"
    record = tmp_path / "call.jsonl"
    with (
        ReplayServer(path, timeout=0.5) as server,
        server.client().realtime.connect(model="m") as conn,
    ):
        session = LiveSession(conn, record=record, policy="strict")
        with pytest.raises(ProtocolViolation):
            session.send({"type": "input_audio_buffer.append", "audio": "!!not base64"})
        assert session.state.client_events == ()
        session.close()
    assert record.read_text(encoding="utf-8") == ""
    received = [e for per_connection in server.received for e in per_connection]
    assert all(e.get("type") != "input_audio_buffer.append" for e in received)
