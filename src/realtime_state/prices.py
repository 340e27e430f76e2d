"""Prices: the rates of each model, and the table shipped with the package.

A :class:`ModelPrice` holds the rates of one model (per 1M tokens by category, or per minute
of audio); a :class:`PriceTable` maps model ids to them, with the date the rates were checked,
their source and the currency. :func:`as_price_table` turns what ``state.cost(prices=...)``
accepts into a table.

``DEFAULT_PRICES`` (and its date, ``PRICES_DATE``) is package data,
``realtime_state/data/prices.json``, read once on first use (module ``__getattr__``), so that
importing this module (or :mod:`realtime_state.cost`, which re-exports every name here) does
not pay for ``importlib.resources``. Costing, the use of these tables, is
:mod:`realtime_state.cost`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from .errors import UnknownModelError

__all__ = [
    "PRICE_FIELDS",
    "ModelPrice",
    "PriceTable",
    "DEFAULT_PRICES",
    "PRICES_DATE",
    "as_price_table",
]


def _money(value: Any) -> Decimal | None:
    """A price as ``Decimal`` (``None`` stays ``None``); floats go through ``str``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("a price cannot be a bool")
    if isinstance(value, float):
        value = repr(value)
    price = Decimal(value)
    if not price.is_finite() or price < 0:
        raise ValueError(f"a price must be a finite number >= 0, not {value!r}")
    return price


PRICE_FIELDS = (
    "text_input",
    "text_cached_input",
    "text_output",
    "audio_input",
    "audio_cached_input",
    "audio_output",
    "image_input",
    "image_cached_input",
    "per_minute",
)
"""The fields of a :class:`ModelPrice` (all but ``per_minute`` are per 1M tokens)."""


@attrs.frozen(slots=True, kw_only=True)
class ModelPrice:
    """The rates of one model, in the table's currency: per 1M tokens, except
    ``per_minute`` (per minute of audio, for models billed by duration).

    Any field may be ``None`` (the model has no such rate); pricing usage that needs a
    missing rate raises :class:`PricingError`. Values may be given as ``Decimal``, ``str``,
    ``int`` or ``float`` (converted through ``str``).
    """

    text_input: Decimal | None = attrs.field(default=None, converter=_money)
    text_cached_input: Decimal | None = attrs.field(default=None, converter=_money)
    text_output: Decimal | None = attrs.field(default=None, converter=_money)
    audio_input: Decimal | None = attrs.field(default=None, converter=_money)
    audio_cached_input: Decimal | None = attrs.field(default=None, converter=_money)
    audio_output: Decimal | None = attrs.field(default=None, converter=_money)
    image_input: Decimal | None = attrs.field(default=None, converter=_money)
    image_cached_input: Decimal | None = attrs.field(default=None, converter=_money)
    per_minute: Decimal | None = attrs.field(default=None, converter=_money)
    source: str | None = attrs.field(default=None, eq=False)
    """Where the rates come from (a URL or a note), for the reader."""

    @classmethod
    def from_mapping(cls, rates: Mapping[str, Any]) -> ModelPrice:
        """Build from ``{"text_input": "4.00", ...}``; unknown keys raise ``ValueError``."""
        unknown = set(rates) - {*PRICE_FIELDS, "source"}
        if unknown:
            raise ValueError(
                f"unknown price field(s) {sorted(unknown)}; known: {', '.join(PRICE_FIELDS)}"
            )
        return cls(**rates)


@attrs.frozen(slots=True, kw_only=True)
class PriceTable:
    """Model id -> :class:`ModelPrice`, with the date the rates were read, their source and
    the currency."""

    models: Mapping[str, ModelPrice] = attrs.field(factory=dict)
    date: str | None = None
    """ISO date the rates were checked, or ``None``."""
    source: str | None = None
    currency: str = "USD"

    def price(self, model: str, role: str = "model") -> ModelPrice:
        """The rates of ``model`` (exact id); :class:`UnknownModelError` if absent."""
        found = self.models.get(model)
        if found is None:
            raise UnknownModelError(model, self, role)
        return found

    def __contains__(self, model: object) -> bool:
        return model in self.models

    def with_models(self, models: Mapping[str, ModelPrice | Mapping[str, Any]]) -> PriceTable:
        """A copy with ``models`` added (or replacing rows of the same id)."""
        merged = dict(self.models)
        merged.update(as_price_table(models).models)
        return attrs.evolve(self, models=merged)


def as_price_table(
    prices: PriceTable | Mapping[str, ModelPrice | Mapping[str, Any]] | None,
) -> PriceTable:
    """A :class:`PriceTable` from what ``state.cost(prices=...)`` accepts (``None`` gives
    :data:`DEFAULT_PRICES`)."""
    if prices is None:
        # the module attribute, as before the table moved to package data: a DEFAULT_PRICES
        # set on this module (say, by a test's monkeypatch) is still the default
        shipped: PriceTable | None = globals().get("DEFAULT_PRICES")
        return shipped if shipped is not None else _shipped_table()
    if isinstance(prices, PriceTable):
        return prices
    models: dict[str, ModelPrice] = {}
    for model, rates in prices.items():
        models[model] = rates if isinstance(rates, ModelPrice) else ModelPrice.from_mapping(rates)
    return PriceTable(models=models)


# ---------------------------------------------------------------------------------------------
# The shipped table
# ---------------------------------------------------------------------------------------------

_PRICES_RESOURCE = "data/prices.json"  # inside the package, read with importlib.resources

if TYPE_CHECKING:  # both are read from _PRICES_RESOURCE on first use (module __getattr__ below)
    DEFAULT_PRICES: PriceTable
    """The rates shipped with the package (USD, per 1M tokens or per minute), checked on
    :data:`PRICES_DATE`, read from ``realtime_state/data/prices.json``."""

    PRICES_DATE: str
    """When the shipped rates were last checked against the sources named in ``docs/cost.md``
    (ISO date; the ``date`` of ``data/prices.json``)."""


@functools.cache
def _shipped_table() -> PriceTable:
    """``data/prices.json`` as a :class:`PriceTable`, read once, on first use.

    Not at import: ``importlib.resources`` alone costs more to import than the file to read.
    """
    import json
    from importlib.resources import files

    resource = files(__package__ or "realtime_state")
    for part in _PRICES_RESOURCE.split("/"):
        resource = resource / part
    data = json.loads(resource.read_text(encoding="utf-8"))
    return PriceTable(
        models={model: ModelPrice.from_mapping(rates) for model, rates in data["models"].items()},
        date=data["date"],
        source=data["source"],
        currency=data["currency"],
    )


def __getattr__(name: str) -> Any:
    # PEP 562: DEFAULT_PRICES and PRICES_DATE come from the package data on first access
    if name == "DEFAULT_PRICES":
        value: Any = _shipped_table()
    elif name == "PRICES_DATE":
        value = _shipped_table().date
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value
