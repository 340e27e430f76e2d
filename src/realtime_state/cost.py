"""What a session cost: token usage turned into money, per response and for the session.

:func:`session_cost` (``state.cost()``) prices

* every response that reported usage (``response.done``), out-of-band ones included: text,
  audio and image input, cached input per modality (cached tokens are a *subset* of the
  input tokens of their modality: they are priced at the cached rate and the rest at the
  input rate, never both), text and audio output;
* every input transcription that reported usage on
  ``conversation.item.input_audio_transcription.completed`` (billed separately by the
  transcription model): in tokens (text and audio input, text output) or in seconds of audio
  (``whisper-1`` style), as the server reports it. They come from ``state.transcriptions``,
  one record per completion: each is priced once, with the transcription model of the session
  in effect when it completed (a mid-session switch is billed right), and deleting its item, or
  its item never arriving, does not take it off the bill.

Money is :class:`decimal.Decimal`, exact (no rounding is applied; quantize for display).
Prices come from a :class:`PriceTable` (``DEFAULT_PRICES`` ships with the package as
``realtime_state/data/prices.json``, dated, sources named there and in ``docs/cost.md``) or
from a plain mapping ``{model: {field: price}}``, which *replaces* the shipped table
(``DEFAULT_PRICES.with_models({...})`` adds or overrides rows).

Nothing is guessed: a model the table does not know raises :class:`UnknownModelError`
naming it (a dated snapshot is never mapped to its base model); a log with no session event
names no model and raises :class:`NoModelError` unless ``model=`` is given; usage that cannot
be attributed to a modality (old or cut usage objects) is left unpriced and reported in
``notes`` with ``complete == False``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from . import events as ev
from .errors import (
    NoModelError,
    PricingError,
    UnknownModelError,
    _rebuild_unknown,  # noqa: F401  (pickles made before errors.py held it)
)

if TYPE_CHECKING:
    from .state import SessionState, TranscriptionRecord

__all__ = [
    "PricingError",
    "NoModelError",
    "UnknownModelError",
    "ModelPrice",
    "PriceTable",
    "DEFAULT_PRICES",
    "PRICES_DATE",
    "TokenCounts",
    "CostBreakdown",
    "ResponseCost",
    "TranscriptionCost",
    "SessionCost",
    "session_cost",
    "as_price_table",
]

MILLION = Decimal(1_000_000)
SIXTY = Decimal(60)
ZERO = Decimal(0)


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


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------

_COUNT_FIELDS = (
    "text_input",
    "text_cached_input",
    "text_output",
    "audio_input",
    "audio_cached_input",
    "audio_output",
    "image_input",
    "image_cached_input",
)


@attrs.frozen(slots=True, kw_only=True)
class TokenCounts:
    """Tokens of one response by price category. ``text_input`` and the other ``*_input``
    counts exclude the cached tokens, which are in ``*_cached_input``; ``unattributed_*``
    are tokens the usage object does not split by modality (left unpriced)."""

    text_input: int = 0
    text_cached_input: int = 0
    text_output: int = 0
    audio_input: int = 0
    audio_cached_input: int = 0
    audio_output: int = 0
    image_input: int = 0
    image_cached_input: int = 0
    unattributed_input: int = 0
    unattributed_cached_input: int = 0
    unattributed_output: int = 0

    def to_dict(self) -> dict[str, int]:
        """Field name -> count."""
        return attrs.asdict(self)


@attrs.frozen(slots=True, kw_only=True)
class CostBreakdown:
    """Money by price category (exact ``Decimal``)."""

    text_input: Decimal = ZERO
    text_cached_input: Decimal = ZERO
    text_output: Decimal = ZERO
    audio_input: Decimal = ZERO
    audio_cached_input: Decimal = ZERO
    audio_output: Decimal = ZERO
    image_input: Decimal = ZERO
    image_cached_input: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        """The sum of every category."""
        return sum((getattr(self, name) for name in _COUNT_FIELDS), ZERO)

    def plus(self, other: CostBreakdown) -> CostBreakdown:
        """Category-wise sum."""
        return CostBreakdown(
            **{name: getattr(self, name) + getattr(other, name) for name in _COUNT_FIELDS}
        )

    def to_dict(self) -> dict[str, str]:
        """Category -> amount as a string (exact), plus ``total``."""
        out = {name: str(getattr(self, name)) for name in _COUNT_FIELDS}
        out["total"] = str(self.total)
        return out


@attrs.frozen(slots=True, kw_only=True)
class ResponseCost:
    """The cost of one response that reported usage."""

    response_id: str
    model: str
    status: str | None
    out_of_band: bool
    tokens: TokenCounts
    amounts: CostBreakdown
    notes: tuple[str, ...] = ()
    """Why part of the usage was left unpriced, if it was."""

    @property
    def total(self) -> Decimal:
        """The response's total."""
        return self.amounts.total

    @property
    def complete(self) -> bool:
        """Whether every token of the usage was priced."""
        return not self.notes

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (amounts as exact strings)."""
        return {
            "response_id": self.response_id,
            "model": self.model,
            "status": self.status,
            "out_of_band": self.out_of_band,
            "tokens": self.tokens.to_dict(),
            "amounts": self.amounts.to_dict(),
            "total": str(self.total),
            "notes": list(self.notes),
        }


@attrs.frozen(slots=True, kw_only=True)
class TranscriptionCost:
    """The cost of one input transcription, from the usage on its ``completed`` event."""

    item_id: str
    content_index: int
    model: str
    billing: str
    """``tokens`` or ``duration``, as the server reported the usage."""
    text_input_tokens: int = 0
    audio_input_tokens: int = 0
    output_tokens: int = 0
    unattributed_input_tokens: int = 0
    seconds: Decimal = ZERO
    amount: Decimal = ZERO
    in_conversation: bool = True
    """False when the state does not hold its item: the item never arrived (the completion is
    still pending) or was deleted since. It is billed either way."""
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (amounts as exact strings)."""
        return {
            "item_id": self.item_id,
            "content_index": self.content_index,
            "model": self.model,
            "billing": self.billing,
            "text_input_tokens": self.text_input_tokens,
            "audio_input_tokens": self.audio_input_tokens,
            "output_tokens": self.output_tokens,
            "unattributed_input_tokens": self.unattributed_input_tokens,
            "seconds": str(self.seconds),
            "amount": str(self.amount),
            "in_conversation": self.in_conversation,
            "notes": list(self.notes),
        }


@attrs.frozen(slots=True, kw_only=True)
class SessionCost:
    """What a session cost so far: per response, per transcription, and in total."""

    currency: str
    model: str | None
    """The model the responses were priced as (``None`` when there were none to price)."""
    transcription_model: str | None
    """The model the latest input transcription was priced as (``None`` when none was);
    each :class:`TranscriptionCost` names its own, since a session can switch models."""
    prices_date: str | None
    """The date of the price table used."""
    responses: tuple[ResponseCost, ...]
    """Responses with usage, in creation order."""
    transcriptions: tuple[TranscriptionCost, ...]
    """Input transcriptions with usage, in the order they completed (stream order)."""
    amounts: CostBreakdown
    """The responses' amounts summed by category."""
    notes: tuple[str, ...] = ()
    """Everything left unpriced, and why."""

    @property
    def responses_total(self) -> Decimal:
        """The sum over responses."""
        return self.amounts.total

    @property
    def transcription_total(self) -> Decimal:
        """The sum over input transcriptions."""
        return sum((t.amount for t in self.transcriptions), ZERO)

    @property
    def total(self) -> Decimal:
        """Responses plus transcriptions."""
        return self.responses_total + self.transcription_total

    @property
    def complete(self) -> bool:
        """Whether all reported usage was priced (no notes)."""
        return not self.notes

    def response(self, response_id: str) -> ResponseCost | None:
        """The cost of one response, or ``None`` (unknown, or no usage yet)."""
        for cost in self.responses:
            if cost.response_id == response_id:
                return cost
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (amounts as exact strings)."""
        return {
            "currency": self.currency,
            "model": self.model,
            "transcription_model": self.transcription_model,
            "prices_date": self.prices_date,
            "total": str(self.total),
            "responses_total": str(self.responses_total),
            "transcription_total": str(self.transcription_total),
            "amounts": self.amounts.to_dict(),
            "responses": [cost.to_dict() for cost in self.responses],
            "transcriptions": [cost.to_dict() for cost in self.transcriptions],
            "notes": list(self.notes),
            "complete": self.complete,
        }


# ---------------------------------------------------------------------------------------------
# Pricing
# ---------------------------------------------------------------------------------------------


def _session_model(session: Any) -> str | None:
    if isinstance(session, (ev.RealtimeSession, ev.BetaSession)):
        return session.model
    return None


def _transcription_model(session: Any) -> str | None:
    config: ev.AudioTranscriptionConfig | None = None
    if isinstance(session, (ev.RealtimeSession, ev.TranscriptionSession)):
        audio = session.audio
        config = audio.input.transcription if audio and audio.input else None
    elif isinstance(session, (ev.BetaSession, ev.BetaTranscriptionSession)):
        config = session.input_audio_transcription
    return None if config is None else config.model


def _charge(tokens: int, rate: Decimal | None, model: str, what: str, where: str) -> Decimal:
    if not tokens:
        return ZERO
    if rate is None:
        raise PricingError(
            f"the price table has no {what} rate for {model!r}, but {where} used {tokens} "
            f"{what} tokens"
        )
    return Decimal(tokens) * rate / MILLION


def _split_cached(
    cached: int, counts: dict[str, int], price: ModelPrice, notes: list[str]
) -> dict[str, int]:
    """Cached tokens when the usage gives no per-modality detail (2024-era usage)."""
    if not cached:
        return {"text": 0, "audio": 0, "image": 0}
    rates = {
        rate
        for modality, rate in (
            ("text", price.text_cached_input),
            ("audio", price.audio_cached_input),
            ("image", price.image_cached_input),
        )
        if counts[modality]
    }
    if len(rates) == 1:
        # one cached rate for every modality present: the amount is exact whatever the
        # split, so fill the modalities in order
        split = {"text": 0, "audio": 0, "image": 0}
        left = cached
        for modality in ("text", "audio", "image"):
            take = min(left, counts[modality])
            split[modality] = take
            left -= take
        if left:
            split["text"] += left  # more cached than input tokens: reported as excess below
        return split
    notes.append(
        f"{cached} cached input tokens come without a per-modality split and the cached "
        "rates differ: left unpriced"
    )
    return {"text": 0, "audio": 0, "image": 0, "unattributed": cached}


def _price_response(
    response_id: str, usage: ev.Usage, model: str, price: ModelPrice
) -> tuple[TokenCounts, CostBreakdown, tuple[str, ...]]:
    notes: list[str] = []
    inp = usage.input_token_details
    out = usage.output_token_details
    counts = {
        "text": (inp.text_tokens or 0) if inp else 0,
        "audio": (inp.audio_tokens or 0) if inp else 0,
        "image": (inp.image_tokens or 0) if inp else 0,
    }
    cached_total = (inp.cached_tokens or 0) if inp else 0
    details = inp.cached_tokens_details if inp else None
    if details is not None:
        cached = {
            "text": details.text_tokens or 0,
            "audio": details.audio_tokens or 0,
            "image": details.image_tokens or 0,
        }
        unsplit = cached_total - sum(cached.values())
        if unsplit > 0:
            notes.append(
                f"{unsplit} of {cached_total} cached input tokens are not split by modality: "
                "left unpriced"
            )
            cached["unattributed"] = unsplit
    else:
        cached = _split_cached(cached_total, counts, price, notes)
    unattributed_in = (usage.input_tokens or 0) - sum(counts.values())
    if unattributed_in > 0:
        notes.append(
            f"{unattributed_in} input tokens are not split by modality in the usage: left unpriced"
        )
    output_text = (out.text_tokens or 0) if out else 0
    output_audio = (out.audio_tokens or 0) if out else 0
    unattributed_out = (usage.output_tokens or 0) - output_text - output_audio
    if unattributed_out > 0:
        notes.append(
            f"{unattributed_out} output tokens are not split by modality in the usage: "
            "left unpriced"
        )
    for modality in ("text", "audio", "image"):
        if cached[modality] > counts[modality]:
            notes.append(
                f"usage reports {cached[modality]} cached {modality} tokens but only "
                f"{counts[modality]} {modality} input tokens: the excess is left unpriced"
            )
            cached[modality] = counts[modality]
    tokens = TokenCounts(
        text_input=counts["text"] - cached["text"],
        text_cached_input=cached["text"],
        text_output=output_text,
        audio_input=counts["audio"] - cached["audio"],
        audio_cached_input=cached["audio"],
        audio_output=output_audio,
        image_input=counts["image"] - cached["image"],
        image_cached_input=cached["image"],
        unattributed_input=max(0, unattributed_in),
        unattributed_cached_input=cached.get("unattributed", 0),
        unattributed_output=max(0, unattributed_out),
    )
    where = f"response {response_id}"
    amounts = CostBreakdown(
        **{
            name: _charge(
                getattr(tokens, name),
                getattr(price, name),
                model,
                name.replace("_", " "),
                where,
            )
            for name in _COUNT_FIELDS
        }
    )
    return tokens, amounts, tuple(notes)


def _price_transcription(
    item_id: str,
    content_index: int,
    usage: ev.TranscriptionUsageTokens | ev.TranscriptionUsageDuration,
    model: str,
    price: ModelPrice,
    in_conversation: bool,
) -> TranscriptionCost:
    where = f"the transcription of item {item_id}"
    if isinstance(usage, ev.TranscriptionUsageDuration):
        seconds = Decimal(repr(usage.seconds))
        if price.per_minute is None:
            raise PricingError(
                f"{where} is billed by duration ({usage.seconds} s) but the price table has "
                f"no per_minute rate for {model!r}"
            )
        return TranscriptionCost(
            item_id=item_id,
            content_index=content_index,
            model=model,
            billing="duration",
            seconds=seconds,
            amount=seconds * price.per_minute / SIXTY,
            in_conversation=in_conversation,
        )
    details = usage.input_token_details
    text = (details.text_tokens or 0) if details else 0
    audio = (details.audio_tokens or 0) if details else 0
    unattributed = usage.input_tokens - text - audio
    notes: tuple[str, ...] = ()
    if unattributed > 0:
        notes = (
            f"{unattributed} input tokens of {where} are not split into text and audio: "
            "left unpriced",
        )
    amount = (
        _charge(text, price.text_input, model, "text input", where)
        + _charge(audio, price.audio_input, model, "audio input", where)
        + _charge(usage.output_tokens, price.text_output, model, "text output", where)
    )
    return TranscriptionCost(
        item_id=item_id,
        content_index=content_index,
        model=model,
        billing="tokens",
        text_input_tokens=text,
        audio_input_tokens=audio,
        output_tokens=usage.output_tokens,
        unattributed_input_tokens=max(0, unattributed),
        amount=amount,
        in_conversation=in_conversation,
        notes=notes,
    )


def _transcription_model_of(record: TranscriptionRecord, override: str | None) -> str:
    """The model to bill ``record`` with: ``override``, else the transcription model of the
    session in effect when it completed."""
    stt_model = override or _transcription_model(record.session)
    if stt_model is None:
        raise NoModelError(
            f"cannot price the input transcription of item {record.item_id} (event "
            f"{record.index}): no transcription model is known (the session in effect names "
            "none); pass transcription_model='...' to name it"
        )
    return stt_model


def _sorted_responses(state: SessionState) -> Iterable[Any]:
    def key(response: Any) -> tuple[int, int, str]:
        created = response.created_index
        done = response.done_index
        return (
            created if created is not None else (done if done is not None else 1 << 62),
            done if done is not None else 1 << 62,
            response.id,
        )

    return sorted(state.responses.values(), key=key)


def session_cost(
    state: SessionState,
    prices: PriceTable | Mapping[str, ModelPrice | Mapping[str, Any]] | None = None,
    *,
    model: str | None = None,
    transcription_model: str | None = None,
) -> SessionCost:
    """Price every response and input transcription of ``state`` that reported usage.

    ``prices``: ``None`` (the shipped :data:`DEFAULT_PRICES`), a :class:`PriceTable`, or a
    mapping ``{model: ModelPrice | {field: price}}``, which replaces the shipped table (use
    ``DEFAULT_PRICES.with_models({...})`` to add or override one model). ``model`` overrides
    the model the session names; ``transcription_model`` the one each transcription's session
    named when it completed (both needed for logs that start without a session event). Raises
    :class:`NoModelError` or :class:`UnknownModelError` rather than guess.
    """
    table = as_price_table(prices)
    session = state.session
    notes: list[str] = []
    response_model = model or _session_model(session)
    response_costs: list[ResponseCost] = []
    running = 0
    amounts = CostBreakdown()
    for response in _sorted_responses(state):
        usage = response.usage
        if usage is None:
            running += 1
            continue
        if response_model is None:
            raise NoModelError(
                "cannot price this session: no model is known (the log has no session event "
                "naming one, e.g. it starts mid-session); pass model='...' to name it"
            )
        price = table.price(response_model)
        tokens, breakdown, response_notes = _price_response(
            response.id, usage, response_model, price
        )
        response_costs.append(
            ResponseCost(
                response_id=response.id,
                model=response_model,
                status=response.status,
                out_of_band=response.out_of_band,
                tokens=tokens,
                amounts=breakdown,
                notes=response_notes,
            )
        )
        amounts = amounts.plus(breakdown)
        notes.extend(f"response {response.id}: {note}" for note in response_notes)
    if running:
        notes_running = f"{running} response(s) without usage yet (still running): not priced"
        notes.append(notes_running)

    stt_model: str | None = None
    transcription_costs: list[TranscriptionCost] = []
    without_usage = 0
    for record in state.transcriptions:
        usage = record.usage
        if not isinstance(usage, (ev.TranscriptionUsageTokens, ev.TranscriptionUsageDuration)):
            without_usage += 1
            continue
        stt_model = _transcription_model_of(record, transcription_model)
        cost = _price_transcription(
            record.item_id,
            record.content_index,
            usage,
            stt_model,
            table.price(stt_model, "transcription model"),
            state.item(record.item_id) is not None,
        )
        transcription_costs.append(cost)
        notes.extend(cost.notes)
    if without_usage:
        notes.append(
            f"{without_usage} input transcription(s) reported no usage (servers before the "
            "GA API did not send it): not priced"
        )
    return SessionCost(
        currency=table.currency,
        model=response_model if response_costs else None,
        transcription_model=stt_model if transcription_costs else None,
        prices_date=table.date,
        responses=tuple(response_costs),
        transcriptions=tuple(transcription_costs),
        amounts=amounts,
        notes=tuple(notes),
    )
