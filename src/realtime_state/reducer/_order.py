"""Conversation order: a doubly linked list of item ids kept in a persistent map.

An item is placed once, by the first event that carries it (CONTRACT.md, "Where an item
goes"): after ``previous_item_id`` when the state holds it, first when it is ``null``, last
when the key is absent or names an item the state does not hold (``unknown_anchor``).
"""

from __future__ import annotations

from typing import Any

from .. import lifecycles as lc
from ..state import _Conversation
from ._common import Found, canonical, evolve_conv, report

AT_END = object()
"""Anchor: after the last item."""
FIRST = object()
"""Anchor: before the first item (``previous_item_id: null``)."""


def anchor(event: Any) -> Any:
    """Where a ``conversation.item.*`` event asks its item to go."""
    if not hasattr(event, "previous_item_id"):  # conversation.item.retrieved
        return AT_END
    prev = event.previous_item_id
    if prev is not None:
        return prev
    if "previous_item_id" in event.explicit_nulls:
        return FIRST
    return AT_END


def link(conv: _Conversation, item_id: str, where: Any, found: Found) -> _Conversation:
    """Place ``item_id`` after ``where`` (an item id, :data:`FIRST` or :data:`AT_END`)."""
    item_id, where = canonical(item_id), canonical(where)
    links = conv.links
    head, tail = conv.head, conv.tail
    if where is not AT_END and where is not FIRST and where not in links:
        report(found, lc.Code.UNKNOWN_ANCHOR, item_id=item_id, anchor=where)
        where = AT_END
    if where is AT_END:
        where = tail
    if where is FIRST or where is None:
        after: str | None = head
        links = links.set(item_id, (None, after))
        if after is not None:
            links = links.set(after, (item_id, links[after][1]))
        else:
            tail = item_id
        head = item_id
    else:
        before_prev, after = links[where]
        links = links.set(where, (before_prev, item_id))
        links = links.set(item_id, (where, after))
        if after is not None:
            links = links.set(after, (item_id, links[after][1]))
        else:
            tail = item_id
    return evolve_conv(conv, links=links, head=head, tail=tail, size=conv.size + 1)


def unlink(conv: _Conversation, item_id: str) -> _Conversation:
    """Take ``item_id`` out of the order."""
    links = conv.links
    prev, nxt = links[item_id]
    head, tail = conv.head, conv.tail
    if prev is not None:
        links = links.set(prev, (links[prev][0], nxt))
    else:
        head = nxt
    if nxt is not None:
        links = links.set(nxt, (prev, links[nxt][1]))
    else:
        tail = prev
    links = links.delete(item_id)
    return evolve_conv(conv, links=links, head=head, tail=tail, size=conv.size - 1)
