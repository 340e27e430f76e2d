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

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from . import events as ev
from . import prices as _prices
from .errors import (
    NoModelError,
    PricingError,
    UnknownModelError,
    _rebuild_unknown,  # noqa: F401  (pickles made before errors.py held it)
)
from .prices import PRICE_FIELDS, ModelPrice, PriceTable, as_price_table

if TYPE_CHECKING:
    from .prices import DEFAULT_PRICES, PRICES_DATE  # read on first use (__getattr__ below)
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
    "PRICE_FIELDS",
]

MILLION = Decimal(1_000_000)
SIXTY = Decimal(60)
ZERO = Decimal(0)


def __getattr__(name: str) -> Any:
    # PEP 562: DEFAULT_PRICES and PRICES_DATE are read from the package data on first access,
    # by realtime_state.prices; set on this module (say, by a test's monkeypatch), a
    # DEFAULT_PRICES is a module global instead, and session_cost's default (see _price_table)
    if name in ("DEFAULT_PRICES", "PRICES_DATE"):
        return getattr(_prices, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _price_table(
    prices: PriceTable | Mapping[str, ModelPrice | Mapping[str, Any]] | None,
) -> PriceTable:
    """:func:`as_price_table`, except that a ``DEFAULT_PRICES`` set on this module (as before
    the price model moved to :mod:`realtime_state.prices`) is still the default."""
    if prices is None:
        shipped: PriceTable | None = globals().get("DEFAULT_PRICES")
        if shipped is not None:
            return shipped
    return as_price_table(prices)


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
    table = _price_table(prices)
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
