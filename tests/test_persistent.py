"""The persistent building blocks (``realtime_state._persistent``): ``Chunks``, ``Log`` and
``make_evolver``."""

from __future__ import annotations

import copy
import pickle

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from realtime_state._persistent import EMPTY_LOG, Chunks, Log, make_evolver

LONG = 100_000

# --- Chunks --------------------------------------------------------------------------------------


def test_chunks_of_and_append() -> None:
    one = Chunks.of("ab")
    assert (one.value(), len(one), one.size, one.prev, one.piece) == ("ab", 2, 2, None, "ab")
    two = one.append("cde")
    assert two.value() == "abcde"
    assert len(two) == 5
    assert two.prev is one  # shares everything before it
    assert two.piece == "cde"
    assert one.value() == "ab"  # unchanged


def test_appending_twice_to_one_chunks_branches_without_interference() -> None:
    base = Chunks.of("x").append("y")
    left, right = base.append("L"), base.append("R")
    assert (left.value(), right.value(), base.value()) == ("xyL", "xyR", "xy")
    assert left.prev is right.prev is base


def test_chunks_of_bytes() -> None:
    audio = Chunks.of(b"\x00\x01").append(b"\x02")
    assert audio.value() == b"\x00\x01\x02"
    assert audio.size == 3
    assert Chunks.of(b"").append(b"").value() == b""


def test_value_is_memoised_and_reused_by_later_appends() -> None:
    first = Chunks.of("a").append("b")
    assert first._joined is None
    joined = first.value()
    assert first._joined == "ab"
    assert first.value() is joined  # the same object: joined once
    later = first.append("c")
    assert later.value() == "abc"
    # a piece below a memo is never read again: the walk stops at the memo
    later._piece = "X"  # type: ignore[misc]  # (private: only to show what is read)
    assert later.append("d").value() == "abcd"


def test_chunks_compare_by_value_not_by_pieces() -> None:
    assert Chunks.of("abc") == Chunks.of("a").append("bc")
    assert Chunks.of("a").append("b").append("c") == Chunks.of("ab").append("c")
    assert Chunks.of("abc") != Chunks.of("abd")
    assert Chunks.of("ab") != Chunks.of("abc")
    assert Chunks.of("abc") != "abc"
    assert Chunks.of(b"a") == Chunks.of(b"a")
    with pytest.raises(TypeError):
        hash(Chunks.of("a"))


def test_chunks_repr_shows_the_value() -> None:
    assert repr(Chunks.of("a").append("b")) == "Chunks('ab')"


def _long_chunks() -> Chunks[str]:
    chunks = Chunks.of("0")
    for i in range(1, LONG):
        chunks = chunks.append(str(i % 10))
    return chunks


def test_a_long_chain_pickles_flat_and_copies() -> None:
    chunks = _long_chunks()
    data = pickle.dumps(chunks)  # would overflow the stack if it recursed per node
    back = pickle.loads(data)
    assert back == chunks
    assert back.prev is None  # one node holding the joined value
    assert back.value() == chunks.value()
    assert len(back) == LONG
    assert copy.deepcopy(chunks) == chunks
    assert back.append("!").value() == chunks.value() + "!"


# --- Log -----------------------------------------------------------------------------------------


def test_empty_log() -> None:
    assert len(EMPTY_LOG) == 0
    assert EMPTY_LOG.to_tuple() == ()
    assert list(EMPTY_LOG) == []
    assert Log() == EMPTY_LOG


def test_log_append_to_tuple_and_iteration() -> None:
    one = EMPTY_LOG.append("a")
    two = one.append("b").append("c")
    assert two.to_tuple() == ("a", "b", "c")
    assert list(two) == ["a", "b", "c"]
    assert len(two) == 3
    assert one.to_tuple() == ("a",)  # the older log is unchanged
    assert EMPTY_LOG.to_tuple() == ()
    assert two.prev is not None and two.prev.prev is one  # shares its past


def test_log_keeps_falsy_entries() -> None:
    log = EMPTY_LOG.append(None).append(0).append("")
    assert log.to_tuple() == (None, 0, "")


def test_log_equality_by_entries() -> None:
    a = EMPTY_LOG.append(1).append(2)
    b = EMPTY_LOG.append(1).append(2)
    assert a == b
    assert a is not b
    assert a != EMPTY_LOG.append(1)
    assert a != EMPTY_LOG.append(2).append(1)
    assert a != (1, 2)
    assert hash(a) == hash(b)  # hashable when its entries are, like the tuple it reads as
    with pytest.raises(TypeError):
        hash(EMPTY_LOG.append([1]))


def test_a_long_log_compares_pickles_and_copies_without_recursion() -> None:
    log = EMPTY_LOG
    for i in range(LONG):
        log = log.append(i)
    other = EMPTY_LOG
    for i in range(LONG):
        other = other.append(i)
    assert log == other
    back = pickle.loads(pickle.dumps(log))
    assert back == log
    assert len(back) == LONG
    assert back.to_tuple()[-3:] == (LONG - 3, LONG - 2, LONG - 1)
    assert copy.deepcopy(log) == log
    assert pickle.loads(pickle.dumps(EMPTY_LOG)) == EMPTY_LOG


# --- make_evolver --------------------------------------------------------------------------------


@attrs.frozen(slots=True)
class Point:
    x: int
    y: int = 0
    label: str = "p"
    tags: tuple[str, ...] = ()


evolve_point = make_evolver(Point)


def test_evolver_with_no_changes_copies_every_field() -> None:
    p = Point(1, 2, "a", ("t",))
    q = evolve_point(p)
    assert q == p
    assert q is not p
    assert type(q) is Point
    assert q.tags is p.tags


@pytest.mark.parametrize(
    "changes",
    [{"x": 9}, {"y": 9}, {"label": "z"}, {"tags": ("u",)}, {"x": 5, "label": "w"}],
)
def test_evolver_changes_only_the_named_fields(changes: dict[str, object]) -> None:
    p = Point(1, 2, "a", ("t",))
    q = evolve_point(p, **changes)
    for field in attrs.fields(Point):
        expected = changes.get(field.name, getattr(p, field.name))
        assert getattr(q, field.name) == expected, field.name
    assert p == Point(1, 2, "a", ("t",))  # the original is untouched


def test_evolver_sets_falsy_values_and_refuses_unknown_fields() -> None:
    p = Point(1, 2, "a", ("t",))
    q = evolve_point(p, x=0, label="", tags=())
    assert (q.x, q.y, q.label, q.tags) == (0, 2, "", ())
    with pytest.raises(TypeError):
        evolve_point(p, z=1)
    with pytest.raises(TypeError):
        evolve_point(p, 1)  # keyword-only


def test_evolver_does_not_run_init() -> None:
    @attrs.frozen(slots=True)
    class Checked:
        n: int = attrs.field(validator=attrs.validators.gt(0))

    evolve_checked = make_evolver(Checked)
    assert evolve_checked(Checked(1), n=-1).n == -1  # no validator: it builds directly


@pytest.mark.parametrize("name", ["prev", "piece", "size"])
def test_chunks_cannot_be_changed_through_their_public_attributes(name: str) -> None:
    first = Chunks.of("Hel")
    second = first.append("lo")
    with pytest.raises(AttributeError):
        setattr(second, name, None)
    with pytest.raises(AttributeError):
        delattr(second, name)
    assert (first.value(), second.value(), second.size) == ("Hel", "Hello", 5)
    assert second.prev is first and second.piece == "lo"


def test_a_part_shared_by_two_states_cannot_be_corrupted_through_its_chunks() -> None:
    from realtime_state import SessionState, reduce
    from realtime_state.testing.wire import WireBuilder

    wire = WireBuilder("ga")
    state = SessionState()
    for event in wire.assistant_text_turn("Hi there"):
        state = reduce(state, event)
    item = state.items[-1]
    chunks = item.content[0].text_chunks
    assert chunks is not None
    with pytest.raises(AttributeError):
        chunks.size = 0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        chunks.piece = "Bye"  # type: ignore[misc]
    assert item.content[0].text == "Hi there"


@given(
    st.lists(st.binary(max_size=7), min_size=1, max_size=8),
    st.integers(min_value=0, max_value=60),
    st.booleans(),
)
def test_prefix_is_the_joined_value_cut_and_shares_the_pieces(
    pieces: list[bytes], size: int, joined_first: bool
) -> None:
    chunks = Chunks.of(pieces[0])
    for piece in pieces[1:]:
        chunks = chunks.append(piece)
    if joined_first:
        chunks.value()
    whole = b"".join(pieces)
    cut = chunks.prefix(size)
    assert cut.value() == whole[:size]
    assert cut.size == min(size, len(whole))
    assert chunks.value() == whole  # the original is unchanged
    # the kept pieces are the very same objects (no copy of what is kept)
    node, kept = cut, []
    while node is not None:
        kept.append(node.piece)
        node = node.prev
    originals = {id(p) for p in pieces}
    assert sum(id(p) in originals for p in kept) >= len(kept) - 1


def test_log_since_gives_only_what_is_new() -> None:
    log = EMPTY_LOG
    for entry in "abcde":
        log = log.append(entry)
    assert log.since(0) == ("a", "b", "c", "d", "e") == log.to_tuple()
    assert log.since(3) == ("d", "e")
    assert log.since(5) == log.since(9) == ()
    assert EMPTY_LOG.since(0) == ()


def test_committed_ids_are_a_log_with_their_membership() -> None:
    # The reducer appends a commit in O(1); a state built by hand from a tuple reads the
    # same and knows the same members (first position of an id committed twice).
    from realtime_state import InputAudioState

    by_hand = InputAudioState(committed_item_ids=("a", "b", "a"))
    assert by_hand.committed_item_ids == ("a", "b", "a")
    assert dict(by_hand.committed) == {"a": 0, "b": 1}
    assert by_hand == InputAudioState(committed_item_ids=by_hand.committed_log)
    assert by_hand != InputAudioState(committed_item_ids=("a", "b"))
    assert "committed_item_ids=('a', 'b', 'a')" in repr(by_hand)


def test_input_audio_state_repr_reads_back() -> None:
    import realtime_state.state as state_module
    from realtime_state import InputAudioState

    buf = InputAudioState(committed_item_ids=("a", "b"), cleared=2)
    assert eval(repr(buf), vars(state_module)) == buf


def test_input_audio_state_without_buffered_audio_is_hashable() -> None:
    from realtime_state import InputAudioState

    assert hash(InputAudioState()) == hash(InputAudioState())
    one, same = (InputAudioState(committed_item_ids=("a",)) for _ in range(2))
    assert hash(one) == hash(same)


def test_asdict_keeps_a_long_log_as_one_value() -> None:
    # Logs are not attrs classes: attrs.asdict of a state does not walk them node by node
    # (which exhausted the stack past about 500 entries).
    import attrs

    from realtime_state import InputAudioState

    ids = [f"item_{n}" for n in range(2000)]
    as_dict = attrs.asdict(InputAudioState(committed_item_ids=ids))
    assert list(as_dict["committed_log"]) == ids


def test_committed_ids_must_be_a_sequence_of_ids() -> None:
    from realtime_state import InputAudioState

    with pytest.raises(TypeError, match="sequence of item ids"):
        InputAudioState(committed_item_ids="item_1")
    with pytest.raises(TypeError, match="sequence of item ids"):
        InputAudioState(committed_item_ids=None)  # type: ignore[arg-type]


def test_log_after_reads_what_was_appended_since_an_older_log() -> None:
    old = EMPTY_LOG.append("a").append("b")
    new = old.append("c").append("d")
    assert new.after(old) == ("c", "d")
    assert new.after(new) == ()
    assert new.after(None) == new.after(EMPTY_LOG.append("x")) == ("a", "b", "c", "d")
    assert new.since(-3) == ("a", "b", "c", "d")
    assert repr(new) == "Log(('a', 'b', 'c', 'd'))"
    assert hash(new) == hash(EMPTY_LOG.append("a").append("b").append("c").append("d"))


@given(st.lists(st.binary(min_size=0, max_size=6), min_size=1, max_size=12), st.integers(-2, 80))
def test_a_cut_without_a_join_gives_the_prefix_and_the_suffix(pieces: list[bytes], at: int) -> None:
    chunks = Chunks.of(pieces[0])
    for piece in pieces[1:]:
        chunks = chunks.append(piece)
    whole = b"".join(pieces)
    head, tail = chunks.prefix(max(0, at)), chunks.suffix(at)
    assert head.value() == whole[: max(0, at)]
    assert (tail.value() if tail is not None else b"") == whole[max(0, at) :]
    assert tail is None or tail.size == len(whole) - max(0, at)
    assert chunks.value() == whole  # unchanged


def test_dropped_chunks_cut_keep_their_length() -> None:
    from realtime_state._persistent import DroppedChunks

    dropped = DroppedChunks(10, ("item_1", 0))
    assert dropped.suffix(4) == DroppedChunks(6, ("item_1", 0))
    assert dropped.suffix(10) is None and dropped.suffix(0) is dropped
