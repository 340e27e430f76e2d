"""A persistent map that keeps its old entries compressed: long sessions in bounded memory.

Theory of operation. Under an audio retention window the audio of a long session stays at
the window, but every item, response and turn is kept (the transcript, cost, carry-over and
timings must stay exact), about 1.4 KB per item as live objects. :class:`ArchivedMap`
holds the recent entries as an ``immutables.Map`` (``live``) and moves the oldest ones, a
block at a time, into **archive blocks**: ``zlib(pickle(((key, value), ...)))``, about a
tenth of their live size. A lookup reads ``live`` first; a miss looks for the key's CRC-32
in an index of 256 buckets by the hash's low byte, each a ``bytes`` of eight-byte records
(hash, position; one per archived entry, newest last) searched with ``bytes.rfind`` (a
bucket holds a 256th of the entries: about 30 records after ten hours), and decodes
that block (a small cache keeps the last blocks decoded, so walking the conversation in
order decodes each block once). An archived entry that changes again is set into ``live``
(it shadows its archived copy, and is queued to be archived anew); one deleted is named in
``gone``. Nothing is lost and every reader sees the same mapping as before: equality,
length, iteration and look-ups are those of the entries, wherever they are held.

Which entries leave ``live`` is decided by :func:`archive_oldest`: the entries arrive in
``order`` (a queue of keys in the order they were first set); a pass takes the oldest ones
that ``may_archive`` allows, always leaving the newest ``keep`` live, and only once a whole
block is due. The reducer runs passes only under an audio retention window (see
``reducer/_archive.py``); with full retention the maps stay plain ``immutables.Map``.
"""

from __future__ import annotations

import threading
import zlib
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, ItemsView, Iterable, Iterator, Mapping, ValuesView
from typing import Any, Generic, TypeAlias, TypeVar

import attrs
import immutables

from ._persistent import pack, unpack

V = TypeVar("V")

_MISSING: Any = object()
_CACHE_BLOCKS = 8
_decoded: OrderedDict[int, tuple[bytes, dict[str, Any]]] = OrderedDict()
_decoded_lock = threading.Lock()


@attrs.frozen(slots=True)
class ArchivePolicy:
    """How many entries a map keeps live, and how many go into one archive block."""

    keep: int = 64
    """The newest entries that always stay live (the ones the next events still change)."""
    block: int = 64
    """Entries per archive block (a pass runs once this many more than ``keep`` are live)."""


POLICY = ArchivePolicy()
"""The policy the reducer uses (tests swap it for a tiny one, to archive on short logs)."""


def key_hash(key: str) -> int:
    """The hash that stands for ``key`` in the archive's index (CRC-32: the same in every
    process, so pickled maps stay valid)."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass"))


NO_INDEX: tuple[bytes, ...] = (b"",) * 256


def _block_entries(block: bytes) -> dict[str, Any]:
    """The entries of an archive block (decoded once for the last few blocks read)."""
    key = id(block)
    with _decoded_lock:
        hit = _decoded.get(key)
        if hit is not None and hit[0] is block:
            _decoded.move_to_end(key)
            return hit[1]
    entries = dict(unpack(block))
    with _decoded_lock:
        _decoded[key] = (block, entries)
        _decoded.move_to_end(key)
        while len(_decoded) > _CACHE_BLOCKS:
            _decoded.popitem(last=False)
    return entries


class ArchivedMap(Mapping[str, V], Generic[V]):
    """A persistent ``str``-keyed map with the read and update API of ``immutables.Map``
    (``get``, ``[]``, ``in``, ``len``, iteration, ``keys``/``values``/``items``, ``set``,
    ``delete``) whose old entries are held compressed (see the module's docstring). Equal to
    any mapping with the same entries."""

    __slots__ = (
        "_blocks",
        "_count",
        "_gone",
        "_head",
        "_index",
        "_live",
        "_order",
        "_size",
        "_starts",
        "_tail",
    )

    _live: immutables.Map[str, V]
    _order: immutables.Map[int, str]
    _head: int
    _tail: int
    _blocks: tuple[bytes, ...]
    _starts: tuple[int, ...]
    _index: tuple[bytes, ...]
    _count: int
    _gone: immutables.Map[str, None]
    _size: int

    def __init__(self, entries: Iterable[tuple[str, V]] = ()) -> None:
        """A map of ``entries`` (in the order given: the order they will be archived in)."""
        live: immutables.Map[str, V] = immutables.Map()
        order: immutables.Map[int, str] = immutables.Map()
        tail = 0
        with live.mutate() as building, order.mutate() as queue:
            for key, value in entries:
                if key not in building:
                    queue[tail] = key
                    tail += 1
                building[key] = value
            live, order = building.finish(), queue.finish()
        self._set(live, order, 0, tail, (), (), NO_INDEX, 0, immutables.Map(), len(live))

    def _set(
        self,
        live: immutables.Map[str, V],
        order: immutables.Map[int, str],
        head: int,
        tail: int,
        blocks: tuple[bytes, ...],
        starts: tuple[int, ...],
        index: tuple[bytes, ...],
        count: int,
        gone: immutables.Map[str, None],
        size: int,
    ) -> None:
        self._live, self._order, self._head, self._tail = live, order, head, tail
        self._blocks, self._starts, self._index, self._count = blocks, starts, index, count
        self._gone, self._size = gone, size

    def _with(self, **changes: Any) -> ArchivedMap[V]:
        new: ArchivedMap[V] = ArchivedMap.__new__(ArchivedMap)
        new._set(
            changes.get("live", self._live),
            changes.get("order", self._order),
            changes.get("head", self._head),
            changes.get("tail", self._tail),
            changes.get("blocks", self._blocks),
            changes.get("starts", self._starts),
            changes.get("index", self._index),
            changes.get("count", self._count),
            changes.get("gone", self._gone),
            changes.get("size", self._size),
        )
        return new

    # -- reading ---------------------------------------------------------------------------

    def _archived(self, key: str, default: Any) -> Any:
        """The newest archived copy of ``key`` (``default``: none, or it was deleted)."""
        if key in self._gone:
            return default
        code = key_hash(key)
        wanted = code.to_bytes(4, "little")
        bucket = self._index[code & 0xFF]
        end = len(bucket)
        while True:
            at = bucket.rfind(wanted, 0, end)
            if at < 0:
                return default
            end = at + 3  # the next search ends before this match
            if at % 8:
                continue  # not a record's hash
            position = int.from_bytes(bucket[at + 4 : at + 8], "little")
            block = self._blocks[bisect_right(self._starts, position) - 1]
            value = _block_entries(block).get(key, _MISSING)
            if value is not _MISSING:
                return value

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key`` (``default`` if absent). An archived value is decoded from its
        block: equal to the value stored, not the same object on every read."""
        value = self._live.get(key, _MISSING)
        if value is not _MISSING:
            return value
        if not self._blocks or key.__class__ is not str:
            return default  # (only ``str`` keys are ever stored)
        return self._archived(key, default)

    def __getitem__(self, key: str) -> V:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value  # type: ignore[no-any-return]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _MISSING) is not _MISSING

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[str]:
        for key, _value in self._entries():
            yield key

    def _entries(self) -> Iterator[tuple[str, V]]:
        live, gone = self._live, self._gone
        yield from live.items()
        seen: set[str] = set()
        for block in reversed(self._blocks):
            for key, value in _block_entries(block).items():
                if key not in seen and key not in live and key not in gone:
                    seen.add(key)
                    yield key, value

    def items(self) -> ItemsView[str, V]:
        """The entries (live ones first, then the archived ones, newest block first)."""
        return _Items(self)

    def values(self) -> ValuesView[V]:
        """The values (in the order of :meth:`items`)."""
        return _Values(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        if len(self) != len(other):
            return False
        for key, value in self.items():
            found = other.get(key, _MISSING)
            if found is _MISSING or found != value:
                return False
        return True

    def __hash__(self) -> int:
        # the hash of the plain map with the same entries, as equality says they are equal
        return hash(immutables.Map(self._entries()))

    def __repr__(self) -> str:
        return f"ArchivedMap({dict(self.items())!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        state = (
            self._live,
            self._order,
            self._head,
            self._tail,
            self._blocks,
            self._starts,
            self._index,
            self._count,
            self._gone,
            self._size,
        )
        return (_restore, state)

    def live_items(self) -> Iterator[tuple[str, V]]:
        """The entries held live (the recent ones, and any changed since it was archived)."""
        return iter(self._live.items())

    @property
    def archived_count(self) -> int:
        """How many entries have been moved into archive blocks so far (an entry archived
        twice counts twice): pass it to :meth:`archived_since` later."""
        return self._count

    def archived_since(self, count: int) -> Iterator[tuple[str, V]]:
        """The entries archived after the first ``count`` (:attr:`archived_count` of an
        earlier version of this map) and still held there: with :meth:`live_items`, every
        entry that can differ from that earlier version, without decoding older blocks."""
        live, gone = self._live, self._gone
        seen: set[str] = set()
        end = self._count
        for block, start in zip(reversed(self._blocks), reversed(self._starts), strict=True):
            if end <= count:
                break  # this block and the older ones were archived before
            for offset, (key, value) in enumerate(_block_entries(block).items()):
                if start + offset < count or key in seen or key in live or key in gone:
                    continue
                seen.add(key)
                yield key, value
            end = start

    @property
    def live_count(self) -> int:
        """How many entries are held live (the rest are in archive blocks)."""
        return len(self._live)

    @property
    def archived_blocks(self) -> int:
        """How many archive blocks the map holds."""
        return len(self._blocks)

    # -- updating --------------------------------------------------------------------------

    def set(self, key: str, value: V) -> ArchivedMap[V]:
        """A map with ``key`` set to ``value``."""
        live = self._live
        if key in live:
            return self._with(live=live.set(key, value))
        present = bool(self._blocks) and self._archived(key, _MISSING) is not _MISSING
        gone = self._gone
        if key in gone:
            gone = gone.delete(key)
        return self._with(
            live=live.set(key, value),
            order=self._order.set(self._tail, key),
            tail=self._tail + 1,
            gone=gone,
            size=self._size + (0 if present else 1),
        )

    def delete(self, key: str) -> ArchivedMap[V]:
        """A map without ``key`` (``KeyError`` if absent)."""
        live, gone = self._live, self._gone
        archived = (
            bool(self._blocks)
            and key.__class__ is str
            and self._archived(key, _MISSING) is not _MISSING  # (not already gone)
        )
        if key in live:
            live = live.delete(key)
        elif not archived:
            raise KeyError(key)
        if archived:
            gone = gone.set(key, None)
        return self._with(live=live, gone=gone, size=self._size - 1)

    def archive_oldest(
        self, may_archive: Callable[[V], bool], policy: ArchivePolicy
    ) -> ArchivedMap[V]:
        """This map with its oldest live entries (beyond the newest ``policy.keep``) moved
        into one new archive block, if a whole ``policy.block`` of them is due. An entry
        ``may_archive`` refuses goes back to the end of the queue."""
        live, order, head, tail = self._live, self._order, self._head, self._tail
        if tail - head < policy.keep + policy.block:
            return self
        taken: list[tuple[str, V]] = []
        # the queued entries older than the newest ``keep``, a few blocks' worth at most (so
        # that entries refused again and again cost a bounded amount per pass)
        look = min(tail - head - policy.keep, 4 * policy.block)
        for _ in range(look):
            key = order[head]
            order = order.delete(head)
            head += 1
            value = live.get(key, _MISSING)
            if value is _MISSING:
                continue  # deleted, or queued twice and already taken
            if not may_archive(value):
                order = order.set(tail, key)
                tail += 1
                continue
            taken.append((key, value))
            live = live.delete(key)
        if not taken:
            return self._with(order=order, head=head, tail=tail)
        start = self._count
        buckets = list(self._index)
        for offset, (key, _value) in enumerate(taken):
            code = key_hash(key)
            record = code.to_bytes(4, "little") + (start + offset).to_bytes(4, "little")
            buckets[code & 0xFF] += record
        return self._with(
            live=live,
            order=order,
            head=head,
            tail=tail,
            blocks=(*self._blocks, pack(tuple(taken))),
            starts=(*self._starts, start),
            index=tuple(buckets),
            count=start + len(taken),
        )


class _Items(ItemsView[str, V]):
    _mapping: ArchivedMap[V]

    def __iter__(self) -> Iterator[tuple[str, V]]:
        return self._mapping._entries()


class _Values(ValuesView[V]):
    _mapping: ArchivedMap[V]

    def __iter__(self) -> Iterator[V]:
        for _key, value in self._mapping._entries():
            yield value


def _restore(*state: Any) -> ArchivedMap[Any]:
    new: ArchivedMap[Any] = ArchivedMap.__new__(ArchivedMap)
    new._set(*state)
    return new


def archived(
    entries: Mapping[str, V] | ArchivedMap[V], order: Callable[[], Iterable[str]]
) -> ArchivedMap[V]:
    """``entries`` as an :class:`ArchivedMap` (itself if it is one); a plain map's keys are
    queued in ``order()`` first (the order to archive them in), then any it left out."""
    if isinstance(entries, ArchivedMap):
        return entries
    keys = [key for key in order() if key in entries]
    named = set(keys)
    keys.extend(key for key in entries if key not in named)
    return ArchivedMap((key, entries[key]) for key in dict.fromkeys(keys))


KeptMap: TypeAlias = "immutables.Map[str, V] | ArchivedMap[V]"
"""A map the state keeps: a plain ``immutables.Map``, or under an audio retention window
an :class:`ArchivedMap` once it grows (the same read API)."""
