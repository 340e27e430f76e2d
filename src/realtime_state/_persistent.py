"""Small persistent building blocks for the state: chunked sequences and a fast evolve.

``Chunks`` is an immutable cons list of string or bytes pieces with amortised O(1) append
and a memoised join: a delta adds one node and shares everything before it, so holding
every intermediate state of a long stream costs one node per delta, not a copy of the text
or audio so far. Keyed collections use ``immutables.Map`` (a HAMT): O(log n) update with
structural sharing.
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

import attrs

T = TypeVar("T", str, bytes)
C = TypeVar("C")


class Chunks(Generic[T]):
    """An immutable sequence of ``str`` (or ``bytes``) pieces that joins to one value.

    ``append`` returns a new ``Chunks`` sharing this one. ``value()`` joins the pieces once and
    memoises the result (the memo is invisible: equal chunks compare equal by value).
    Chunks are shared between states, so their public attributes are read-only views
    (``prev``, ``piece``, ``size``): setting one raises ``AttributeError``.
    """

    __slots__ = ("_joined", "_piece", "_prev", "_size")

    _prev: Chunks[T] | None
    _piece: T
    _size: int
    _joined: T | None

    def __init__(self, prev: Chunks[T] | None, piece: T) -> None:
        self._prev = prev
        self._piece = piece
        self._size = len(piece) if prev is None else prev._size + len(piece)
        self._joined = piece if prev is None else None

    @property
    def prev(self) -> Chunks[T] | None:
        """The chunks before the last piece (``None`` for the first)."""
        return self._prev

    @property
    def piece(self) -> T:
        """The last piece."""
        return self._piece

    @property
    def size(self) -> int:
        """The length of the joined value (characters or bytes), without joining."""
        return self._size

    @classmethod
    def of(cls, value: T) -> Chunks[T]:
        """A one-piece ``Chunks`` holding ``value``."""
        return cls(None, value)

    def append(self, piece: T) -> Chunks[T]:
        """A new ``Chunks`` with ``piece`` added at the end."""
        return Chunks(self, piece)

    def prefix(self, size: int) -> Chunks[T]:
        """The first ``size`` characters or bytes, sharing the pieces before the cut (no
        join, no copy of what is kept; O(pieces after the cut)). ``size`` at or past the end
        gives these chunks."""
        if size >= self._size:
            return self
        node: Chunks[T] = self
        while node._prev is not None and node._prev._size >= size:
            node = node._prev
        prev = node._prev
        if prev is None:
            whole = node._joined if node._joined is not None else node._piece
            return Chunks.of(whole[:size])
        if prev._size == size:
            return prev
        return Chunks(prev, node._piece[: size - prev._size])

    def suffix(self, start: int) -> Chunks[T] | None:
        """What comes from ``start`` on, as new chunks of the same pieces (no join: O(pieces
        after ``start``)); ``None`` when nothing does."""
        if start >= self._size:
            return None
        if start <= 0:
            return self
        pieces: list[T] = []
        node: Chunks[T] | None = self
        while node is not None:
            begin = 0 if node._prev is None else node._prev._size
            piece = node._piece  # (a first node's piece is its whole value)
            if begin >= start:
                pieces.append(piece)
            else:
                pieces.append(piece[start - begin :])
                break
            node = node._prev
        rest: Chunks[T] = Chunks.of(pieces.pop())
        while pieces:
            rest = rest.append(pieces.pop())
        return rest

    def value(self) -> T:
        """The joined value (memoised)."""
        joined = self._joined
        if joined is not None:
            return joined
        pieces: list[T] = []
        node: Chunks[T] | None = self
        while node is not None and node._joined is None:
            pieces.append(node._piece)
            node = node._prev
        if node is not None:
            pieces.append(node._joined)  # type: ignore[arg-type]
        pieces.reverse()
        joined = pieces[0][:0].join(pieces)
        self._joined = joined
        return joined

    def __len__(self) -> int:
        return self._size

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Chunks):
            return NotImplemented
        return self._size == other._size and self.value() == other.value()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Chunks({self.value()!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle flat: a long chain would otherwise recurse once per node.
        return (Chunks.of, (self.value(),))


class DroppedChunks(Chunks[bytes]):
    """Audio whose bytes were dropped (the state's audio retention) but whose length is kept:
    ``size``/``len()`` are those of the audio that was there; ``value()`` raises
    :class:`~realtime_state.errors.AudioDroppedError` naming the part. Appending (audio in
    flight when it was dropped) adds to the length only."""

    __slots__ = ("_label",)

    _label: tuple[str, int]

    def __init__(self, size: int, label: tuple[str, int]) -> None:
        self._prev = None
        self._piece = b""
        self._size = size
        self._joined = None
        self._label = label

    @property
    def label(self) -> tuple[str, int]:
        """``(item_id, content_index)`` of the part whose audio this was."""
        return self._label

    def append(self, piece: bytes) -> Chunks[bytes]:
        return DroppedChunks(self._size + len(piece), self._label)

    def prefix(self, size: int) -> Chunks[bytes]:
        return self if size >= self._size else DroppedChunks(max(0, size), self._label)

    def suffix(self, start: int) -> Chunks[bytes] | None:
        if start >= self._size:
            return None
        return self if start <= 0 else DroppedChunks(self._size - start, self._label)

    def value(self) -> bytes:
        from .errors import AudioDroppedError

        raise AudioDroppedError(*self._label)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Chunks):
            return NotImplemented
        return isinstance(other, DroppedChunks) and self._size == other._size

    __hash__ = None

    def __repr__(self) -> str:
        return f"DroppedChunks({self._size} bytes of {self._label[0]}[{self._label[1]}])"

    def __reduce__(self) -> tuple[Any, ...]:
        return (DroppedChunks, (self._size, self._label))


class Log:
    """An immutable, append-only sequence with O(1) append (a cons list), read as a tuple.

    A plain slotted class, not an ``attrs`` one, so that ``attrs.asdict`` of a state keeps a
    log as one value instead of walking its nodes (a long log would exhaust the stack); its
    attributes are read-only views, like :class:`Chunks`'.
    """

    __slots__ = ("_entry", "_prev", "_size")

    _prev: Log | None
    _entry: Any
    _size: int

    def __init__(self, prev: Log | None = None, entry: Any = None, size: int = 0) -> None:
        self._prev = prev
        self._entry = entry
        self._size = size

    @property
    def prev(self) -> Log | None:
        """The log before the last entry (``None`` for the empty log)."""
        return self._prev

    @property
    def entry(self) -> Any:
        """The last entry (``None`` for the empty log)."""
        return self._entry

    @property
    def size(self) -> int:
        """The number of entries."""
        return self._size

    def append(self, entry: Any) -> Log:
        """A new log with ``entry`` at the end."""
        return Log(self, entry, self._size + 1)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.to_tuple())

    def __len__(self) -> int:
        return self._size

    def __eq__(self, other: object) -> bool:
        # Compared entry by entry without recursion (a long chain would overflow the stack).
        if not isinstance(other, Log):
            return NotImplemented
        return self is other or (self._size == other._size and self.to_tuple() == other.to_tuple())

    def __hash__(self) -> int:
        return hash(self.to_tuple())

    def __repr__(self) -> str:
        return f"Log({self.to_tuple()!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle (and deep-copy) flat: a long chain would otherwise recurse once per entry.
        return (_log_of, (self.to_tuple(),))

    def since(self, count: int) -> tuple[Any, ...]:
        """The entries after the first ``count``, oldest first (O(entries returned): a
        reader that follows a growing log reads only what is new)."""
        return self.after(None, max(0, count))

    def after(self, older: Log | None, count: int = 0) -> tuple[Any, ...]:
        """The entries appended since ``older`` when this log grew from it by appends (found
        by identity, walking back from the end: O(entries returned)); else (another log, or
        ``None``) those after the first ``count``; oldest first."""
        out: list[Any] = []
        node: Log | None = self
        while node is not None and node._size > count and node is not older:
            if node.__class__ is PackedLog:
                entries = node.entries()
                first = node._size - len(entries)
                out.extend(reversed(entries[max(0, count - first) :]))
            else:
                out.append(node._entry)
            node = node._prev
        out.reverse()
        return tuple(out)

    def to_tuple(self) -> tuple[Any, ...]:
        """The entries, oldest first."""
        return self.since(0)


def pack(value: Any) -> bytes:
    """``value`` held compressed: ``zlib`` of its pickle (what :class:`PackedLog` and the
    archive blocks of :class:`~realtime_state._archive.ArchivedMap` keep)."""
    return zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 6)


def unpack(packed: bytes) -> Any:
    """The value :func:`pack` made ``packed`` from (a new, equal object on each call)."""
    return pickle.loads(zlib.decompress(packed))


class PackedLog(Log):
    """A log node that stands for a run of entries, held compressed (``zlib`` of their
    pickle): :func:`pack_log` replaces a long log's old nodes by a few of these. It reads as
    the entries it stands for (``entry`` is the run's last; ``prev`` is the log before the
    whole run)."""

    __slots__ = ("_packed",)

    _packed: bytes

    def __init__(self, prev: Log | None, entries: tuple[Any, ...]) -> None:
        super().__init__(prev, entries[-1], (0 if prev is None else prev._size) + len(entries))
        self._packed = pack(entries)

    def entries(self) -> tuple[Any, ...]:
        """The entries of the run, oldest first (decoded on each call)."""
        entries: tuple[Any, ...] = unpack(self._packed)
        return entries


def pack_log(log: Log, keep: int, block: int) -> tuple[Log, int]:
    """``log`` with its plain nodes, beyond the newest ``keep`` (at least one), packed
    ``block`` at a time into :class:`PackedLog` nodes once a whole ``block`` is due (the
    same entries; the newest ``keep`` are rebuilt as plain nodes on top), and how many
    entries are packed below its plain nodes now (a caller that keeps it calls again only
    once ``log.size`` is ``keep + block`` past it). Costs the plain run on top."""
    keep = max(1, keep)  # the newest entry stays a plain node (the client log replaces it)
    plain: list[Log] = []
    node: Log | None = log
    while node is not None and node._size and node.__class__ is Log:
        plain.append(node)
        node = node._prev
    runs = (len(plain) - keep) // block
    if runs <= 0:
        return log, 0 if node is None else node._size
    plain.reverse()  # oldest first
    packed = runs * block
    below: Log = EMPTY_LOG if node is None else node
    for start in range(0, packed, block):
        below = PackedLog(below, tuple(n._entry for n in plain[start : start + block]))
    through = below._size
    for kept in plain[packed:]:
        below = below.append(kept._entry)
    return below, through


EMPTY_LOG = Log()


def _log_of(entries: tuple[Any, ...]) -> Log:
    log = EMPTY_LOG
    for entry in entries:
        log = log.append(entry)
    return log


def slot_filler(cls: type) -> type:
    """A subclass of the frozen, slotted class ``cls`` that adds no slot and takes plain
    attribute stores, to fill a new instance before it gets its real class.

    ``Filler()`` makes an empty instance (``object``'s ``__init__``); ``inst.x = v`` on it is
    a slot write the interpreter specialises (the frozen class's ``__setattr__``, or a slot
    descriptor's ``__set__`` called from Python, cost several times more); the filled
    instance then gets its real class by ``inst.__class__ = cls``, which CPython allows
    between classes of the same layout. Both ``__setattr__`` and ``__delattr__`` must be
    ``object``'s for the type's setattr slot to be the generic one the specialisation needs.
    Used by :func:`make_evolver` and by the generated structure functions of ``decoding``;
    the subclass never escapes them.
    """
    return type(
        f"_Filling{cls.__name__}",
        (cls,),
        {
            "__slots__": (),
            "__setattr__": object.__setattr__,
            "__delattr__": object.__delattr__,
            "__init__": object.__init__,
            "__module__": __name__,
            "__qualname__": f"slot_filler.<{cls.__qualname__}>",
        },
    )


def make_evolver(cls: type[C]) -> Callable[..., C]:
    """Return ``evolve(obj, **changes)`` for a frozen slotted attrs class without running
    ``__init__``: validators and converters are skipped (``SessionState`` validates its
    ``policy`` in ``__init__`` only; the reducer never changes it), so use it only for
    values the caller has already checked.

    The function is generated with one keyword-only parameter per field (defaulting to a
    sentinel). It fills the new instance through :func:`slot_filler` (a plain slot store
    per field, several times cheaper than a descriptor's ``__set__`` called from Python),
    then gives it its real class.
    """
    names = [a.name for a in attrs.fields(cls)]  # type: ignore[arg-type]
    building = slot_filler(cls)
    ns: dict[str, Any] = {"_B": building, "_cls": cls, "_M": _MISSING}
    params = ", ".join(f"{name}=_M" for name in names)
    lines = [f"def evolve(obj, *, {params}):", "    new = _B()"]
    for name in names:
        lines.append(f"    new.{name} = obj.{name} if {name} is _M else {name}")
    lines.append("    new.__class__ = _cls")
    lines.append("    return new")
    exec("\n".join(lines), ns)
    fn: Callable[..., C] = ns["evolve"]
    return fn


_MISSING = object()
