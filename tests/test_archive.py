"""Archiving under an audio retention window: old items, responses, turns and log entries are
held compressed (``ArchivedMap``, ``PackedLog``), and every read-side result stays the same.

The map and the log are checked against plain models (a dict, a tuple) under random
operations; the reducer is checked with a tiny policy (one entry kept live, blocks of two),
so that even short recordings archive nearly everything, against full retention, on every
recording, log and generated stream."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import immutables
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from realtime_state import _archive, replay
from realtime_state._archive import ArchivedMap, ArchivePolicy, archived
from realtime_state._persistent import EMPTY_LOG, Log, PackedLog, pack_log
from realtime_state.testing import assert_invariants
from realtime_state.testing.strategies import faulty_streams, legal_streams
from test_retention import STREAMS, read_side

TINY = ArchivePolicy(keep=0, block=1)
"""Every entry archived at the first chance, even the newest: the reducer reads back from
the archive all the time."""
WINDOWS: list[Any] = ["none", 0.35, 2]
LONGEST = "beta_webrtc_function_call_cancellations.jsonl"


@contextmanager
def tiny_policy(policy: ArchivePolicy = TINY) -> Iterator[None]:
    saved, _archive.POLICY = _archive.POLICY, policy
    try:
        yield
    finally:
        _archive.POLICY = saved


@pytest.fixture
def tiny_archive() -> Iterator[None]:
    with tiny_policy():
        yield


def _blocks(state: Any) -> int:
    maps = (
        state.conversation.items,
        state.conversation.links,
        state.responses,
        state.input_audio.turn_times,
        state.input_audio.committed,
    )
    return sum(m.archived_blocks for m in maps if isinstance(m, ArchivedMap))


# --- ArchivedMap against a dict ----------------------------------------------------------------

KEYS = st.sampled_from([f"item_{n}" for n in range(12)] + ["ü", "\ud800x"])


class ArchivedMapMachine(RuleBasedStateMachine):
    """Random sets, deletes and archive passes; the map always reads as the dict, and every
    earlier version still reads as it did."""

    def __init__(self) -> None:
        super().__init__()
        self.map: ArchivedMap[int] = ArchivedMap()
        self.model: dict[str, int] = {}
        self.versions: list[tuple[ArchivedMap[int], dict[str, int]]] = []

    def _keep(self) -> None:
        self.versions.append((self.map, dict(self.model)))

    @rule(key=KEYS, value=st.integers(0, 1000))
    def set(self, key: str, value: int) -> None:
        self._keep()
        self.map = self.map.set(key, value)
        self.model[key] = value

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.model)))
        self._keep()
        self.map = self.map.delete(key)
        del self.model[key]

    @rule(key=KEYS)
    def delete_absent(self, key: str) -> None:
        if key not in self.model:
            with pytest.raises(KeyError):
                self.map.delete(key)

    @rule(keep=st.integers(0, 3), block=st.integers(1, 3), odd_only=st.booleans())
    def archive(self, keep: int, block: int, odd_only: bool) -> None:
        self._keep()
        self.map = self.map.archive_oldest(
            (lambda v: v % 2 == 1) if odd_only else (lambda v: True), ArchivePolicy(keep, block)
        )

    @rule()
    def pickles(self) -> None:
        again = pickle.loads(pickle.dumps(self.map))
        assert again == self.model and dict(again.items()) == self.model

    @invariant()
    def reads_as_the_model(self) -> None:
        m, model = self.map, self.model
        assert len(m) == len(model)
        assert dict(m.items()) == model
        assert sorted(m) == sorted(model) and sorted(m.keys()) == sorted(model)
        assert sorted(m.values()) == sorted(model.values())
        for key in [f"item_{n}" for n in range(12)] + ["ü", "\ud800x", "other"]:
            assert m.get(key) == model.get(key)
            assert (key in m) == (key in model)
            if key in model:
                assert m[key] == model[key]
        assert m == model and m == immutables.Map(model) and immutables.Map(model) == m
        assert m != {**model, "other": 1}
        assert m != ["not", "a", "map"]
        assert m.live_count <= len(model)
        assert hash(m) == hash(immutables.Map(model))  # equal maps, equal hashes
        for odd in (None, 1, b"item_1"):
            assert m.get(odd) is None and odd not in m  # type: ignore[arg-type]
            with pytest.raises(KeyError):
                m.delete(odd)  # type: ignore[arg-type]
        if self.versions:  # what can differ from the version before is live or newly archived
            older, before = self.versions[-1]
            changed = dict(m.live_items())
            changed.update(m.archived_since(older.archived_count))
            for key, value in model.items():
                if before.get(key, object()) != value:
                    assert changed.get(key) == value, key

    def teardown(self) -> None:
        for version, model in self.versions:
            assert dict(version.items()) == model
            assert len(version) == len(model)


TestArchivedMap = ArchivedMapMachine.TestCase
TestArchivedMap.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)


def test_archiving_moves_the_oldest_entries_and_keeps_the_newest_live() -> None:
    m = ArchivedMap((f"k{n}", n) for n in range(10))
    assert m.archive_oldest(lambda v: True, ArchivePolicy(keep=4, block=7)) is m  # not due
    done = m.archive_oldest(lambda v: True, ArchivePolicy(keep=4, block=3))
    assert done.live_count == 4 and done.archived_blocks == 1
    assert sorted(done._live) == ["k6", "k7", "k8", "k9"]  # the newest four
    assert dict(done.items()) == {f"k{n}": n for n in range(10)}
    # refused entries wait at the end of the queue; the others go
    odd = m.archive_oldest(lambda v: v % 2 == 1, ArchivePolicy(keep=4, block=3))
    assert sorted(odd._live) == ["k0", "k2", "k4", "k6", "k7", "k8", "k9"]
    assert odd == done


def test_an_archived_entry_set_again_shadows_its_copy_and_is_archived_anew() -> None:
    policy = ArchivePolicy(keep=1, block=2)
    m = ArchivedMap([("a", 1), ("b", 2), ("c", 3)]).archive_oldest(lambda v: True, policy)
    assert m.archived_blocks == 1 and m._live.get("a") is None
    m = m.set("a", 10).set("d", 4).set("e", 5)
    assert m["a"] == 10 and len(m) == 5
    m = m.archive_oldest(lambda v: True, policy)
    assert m.archived_blocks == 2 and m["a"] == 10  # the newest archived copy wins
    m = m.delete("a")
    assert "a" not in m and m.get("a") is None and len(m) == 4
    m = m.set("a", 11)
    assert m["a"] == 11 and len(m) == 5
    m = m.set("f", 6).set("g", 7).archive_oldest(lambda v: True, policy)
    assert m["a"] == 11 and dict(m.items())["a"] == 11


def test_archived_maps_convert_in_the_order_given() -> None:
    plain = immutables.Map({"x": 1, "y": 2, "z": 3})
    m = archived(plain, lambda: ["z", "missing", "x"])
    assert list(m._order.values()) == ["z", "x", "y"] and m == plain
    assert archived(m, list) is m


def test_a_pickled_archive_reads_the_same_under_another_hash_seed() -> None:
    m = ArchivedMap((f"item_{n}", n) for n in range(50)).archive_oldest(
        lambda v: True, ArchivePolicy(keep=5, block=10)
    )
    assert m.archived_blocks == 1
    code = (
        "import pickle, sys; m = pickle.loads(sys.stdin.buffer.read()); "
        "print(sorted((k, m[k]) for k in [f'item_{n}' for n in range(50)]) == "
        "sorted((f'item_{n}', n) for n in range(50)), len(m))"
    )
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", code],
            input=pickle.dumps(m),
            capture_output=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert out.stdout.split() == [b"True", b"50"]


# --- PackedLog ---------------------------------------------------------------------------------


@given(
    st.lists(st.integers(), max_size=60),
    st.integers(0, 5),
    st.integers(1, 7),
    st.integers(0, 70),
)
def test_a_packed_log_reads_as_the_log(entries: list[int], keep: int, block: int, n: int) -> None:
    log: Log = EMPTY_LOG
    for i, entry in enumerate(entries):
        log = log.append(entry)
        if i % 3 == 0:
            log, through = pack_log(log, keep, block)
            assert len(log) - through < max(1, keep) + block  # nothing left due
    packed, through = pack_log(log, keep, block)
    assert through == sum(len(n.entries()) for n in _nodes(packed) if type(n) is PackedLog)
    assert packed.to_tuple() == tuple(entries) == tuple(packed)
    assert len(packed) == len(entries) and packed == log
    assert packed.since(n) == tuple(entries[n:])
    if entries:
        assert packed.entry == entries[-1]
    assert pickle.loads(pickle.dumps(packed)).to_tuple() == tuple(entries)
    plain = 0
    node: Log | None = packed
    while node is not None and node.size and type(node) is Log:
        plain, node = plain + 1, node.prev
    assert plain < max(1, keep) + block  # nothing left due
    assert not entries or type(packed) is Log  # the newest entry stays a plain node
    if len(entries) >= max(1, keep) + block:
        assert any(type(n) is PackedLog for n in _nodes(packed))


def _nodes(log: Log) -> Iterator[Log]:
    node: Log | None = log
    while node is not None:
        yield node
        node = node.prev


# --- the reducer with a tiny policy ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(STREAMS))
@pytest.mark.parametrize("retention", WINDOWS)
@pytest.mark.parametrize("policy", [TINY, ArchivePolicy(keep=1, block=2)], ids=["0-1", "1-2"])
def test_archived_states_read_as_full_retention(
    name: str, retention: Any, policy: ArchivePolicy
) -> None:
    lines = STREAMS[name]
    full = replay(lines)
    with tiny_policy(policy):
        kept = replay(lines, audio_retention=retention)
    assert read_side(kept) == read_side(full)
    assert kept.transcriptions == full.transcriptions
    assert kept.input_audio.committed_item_ids == full.input_audio.committed_item_ids
    assert dict(kept.input_audio.turn_times.items()) == dict(full.input_audio.turn_times.items())
    assert [kept.item(i.id) for i in full.items] == list(kept.items)
    assert_invariants(kept, allow_violations=bool(full.violations))
    again = pickle.loads(pickle.dumps(kept))
    assert again == kept and read_side(again) == read_side(kept)


@pytest.mark.usefixtures("tiny_archive")
def test_the_tiny_policy_archives_on_the_recordings() -> None:
    archived_logs = [
        name for name, lines in STREAMS.items() if _blocks(replay(lines, audio_retention=0)) > 0
    ]
    assert len(archived_logs) >= len(STREAMS) // 3, archived_logs


@pytest.mark.usefixtures("tiny_archive")
def test_full_retention_never_archives() -> None:
    for lines in STREAMS.values():
        state = replay(lines)
        assert _blocks(state) == 0 and not isinstance(state.responses, ArchivedMap)


def _long_session(minutes: float) -> list[str]:
    sys.path.insert(0, str(_benchmarks()))
    import synthetic

    return list(synthetic.ga_voice_two_sided(minutes, 3))


def _benchmarks() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "benchmarks"


def test_the_default_policy_archives_a_long_session_and_reads_the_same() -> None:
    lines = _long_session(20)
    full = replay(lines)
    kept = replay(lines, audio_retention=10)
    assert _blocks(kept) >= 4
    assert isinstance(kept.conversation.items, ArchivedMap)
    assert kept.conversation.items.live_count < len(kept.conversation.items) * 0.6
    assert read_side(kept) == read_side(full)
    assert kept.transcriptions == full.transcriptions
    assert_invariants(kept)


@pytest.mark.usefixtures("tiny_archive")
def test_every_intermediate_state_reads_as_under_full_retention() -> None:
    from realtime_state import history

    lines = STREAMS[LONGEST]
    full, kept = list(history(lines)), list(history(lines, audio_retention=0))
    assert len(full) == len(kept)
    assert any(_blocks(state) for _, _, state in kept)
    for (_, _, a), (_, _, b) in zip(full, kept, strict=True):
        assert read_side(a) == read_side(b)


def _event(kind: str, **fields: Any) -> str:
    return json.dumps({"type": kind, "event_id": f"evt_{kind}_{len(fields)}", **fields})


@pytest.mark.usefixtures("tiny_archive")
@pytest.mark.parametrize("late", ["delete", "truncate", "transcript"])
def test_an_archived_item_changed_late_reads_as_under_full_retention(late: str) -> None:
    lines = STREAMS[LONGEST]
    probe = replay(lines, audio_retention=0)
    assert _blocks(probe) > 0
    first = next(iter(probe.iter_items()))
    user = next(i for i in probe.iter_items() if i.role == "user")
    assert first.id not in probe.conversation.items._live
    if late == "delete":
        tail = [_event("conversation.item.deleted", item_id=first.id)]
    elif late == "truncate":
        target = next(i for i in probe.iter_items() if i.role == "assistant")
        tail = [
            _event(
                "conversation.item.truncated", item_id=target.id, content_index=0, audio_end_ms=5
            )
        ]
    else:
        tail = [
            _event(
                "conversation.item.input_audio_transcription.completed",
                item_id=user.id,
                content_index=0,
                transcript="said again, late",
            )
        ]
    full = replay([*lines, *tail])
    kept = replay([*lines, *tail], audio_retention=0)
    assert read_side(kept) == read_side(full)
    assert_invariants(kept, allow_violations=bool(full.violations))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(legal_streams(dialect="ga"))
def test_generated_streams_read_the_same_archived(events: list[Any]) -> None:
    full = replay(events)
    with tiny_policy():
        for retention in ("none", 0.2):
            kept = replay(events, audio_retention=retention)
            assert read_side(kept) == read_side(full)
            assert_invariants(kept)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(faulty_streams())
def test_faulty_streams_find_the_same_violations_archived(stream: Any) -> None:
    events = stream[0]
    full = replay(events)
    with tiny_policy():
        kept = replay(events, audio_retention="none")
    assert kept.violations == full.violations
    assert read_side(kept) == read_side(full)


def test_client_events_with_ids_are_archived_and_still_matched_by_errors() -> None:
    """Appends that carry an ``event_id`` are one record each (an error may name them): under
    a window their log is packed and their ids archived, and an error naming an old one still
    finds its record."""
    lines = STREAMS["two_sided_ga_audio_turn.jsonl"]
    with_ids: list[str] = []
    for n, line in enumerate(lines):
        event = json.loads(line)
        if event["type"] == "input_audio_buffer.append":
            event["event_id"] = f"evt_client_{n}"
        with_ids.append(json.dumps(event))
    first = next(json.loads(x)["event_id"] for x in with_ids if "evt_client_" in x)
    error = {
        "type": "error",
        "event_id": "evt_server_error",
        "error": {"type": "invalid_request_error", "message": "late", "event_id": first},
    }
    stream = [*with_ids, json.dumps(error)]
    plain = replay(stream, audio_retention=0)  # the default policy: nothing this short archived
    with tiny_policy():
        kept = replay(stream, audio_retention=0)
    assert isinstance(kept.client.ids, ArchivedMap) and kept.client.ids.archived_blocks
    assert any(type(n) is PackedLog for n in _nodes(kept.client.log))
    assert kept.client_events == plain.client_events
    assert kept.errors == plain.errors
    assert kept.errors[-1].client_event is not None
    assert kept.errors[-1].client_event.event.event_id == first
    assert read_side(kept) == read_side(plain)


def test_the_tracer_reads_only_what_changed_in_an_archiving_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Following a long session under a window gives the spans it gives without archiving,
    and decodes each archive block about once, not the whole archive at every change."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from realtime_state import history
    from realtime_state.otel import SessionTracer
    from test_otel import _shape

    lines = _long_session(20)

    def spans(policy: ArchivePolicy) -> tuple[list[Any], Any]:
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        tracer = SessionTracer(provider, clock=lambda: 0.0)
        state: Any = None
        with tiny_policy(policy):
            for _index, _event, state in history(lines, audio_retention=10):
                tracer.update(state, state.time)
        tracer.close()
        return _shape(list(exporter.get_finished_spans())), state

    plain, _ = spans(ArchivePolicy(keep=10**9, block=1))
    decoded: list[bytes] = []
    real = _archive._block_entries

    def counting(block: bytes) -> dict[str, Any]:
        decoded.append(block)
        return real(block)

    monkeypatch.setattr(_archive, "_block_entries", counting)
    archived_spans, state = spans(_archive.POLICY)
    assert _blocks(state) >= 4
    assert archived_spans == plain
    assert len(decoded) <= 3 * len({id(b) for b in decoded}) + 10
