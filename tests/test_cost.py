"""Cost: usage priced per response and per input transcription, with Decimal money."""

from __future__ import annotations

import datetime
import json
import pickle
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import streams as s
from helpers.readside import ALL_LINES, ga_session, log, recording, run, transcription, user_audio
from realtime_state import (
    DEFAULT_PRICES,
    ModelPrice,
    NoModelError,
    PriceTable,
    PricingError,
    UnknownModelError,
    replay,
)
from realtime_state.cost import PRICE_FIELDS, PRICES_DATE

M = Decimal(1_000_000)


def D(value: str) -> Decimal:
    return Decimal(value)


# --- the recordings and logs -------------------------------------------------------------------


def test_ga_tool_call_round_exact_amounts() -> None:
    cost = replay(recording("ga_tool_call_round")).cost()
    assert (cost.model, cost.currency, cost.prices_date) == ("gpt-realtime", "USD", PRICES_DATE)
    first, second = cost.responses
    assert first.tokens.text_input == 63 and first.tokens.text_output == 22
    assert first.total == D("0.000252") + D("0.000352")
    # 103 text input tokens of which 64 cached: 39 at $4, 64 at $0.40, never both
    assert (second.tokens.text_input, second.tokens.text_cached_input) == (39, 64)
    assert second.amounts.text_cached_input == D("0.0000256")
    assert second.total == D("0.000156") + D("0.0000256") + D("0.000208")
    assert cost.total == D("0.0009936") == cost.responses_total
    assert cost.transcription_total == 0 and cost.complete
    assert all(isinstance(v, Decimal) for v in (cost.total, first.total, second.total))


def test_ga_audio_turn_prices_audio_and_the_input_transcription() -> None:
    cost = replay(log("ga_audio_turn"), policy="strict").cost()
    (response,) = cost.responses
    assert response.amounts.audio_input == 44 * D("32") / M
    assert response.amounts.audio_output == 62 * D("64") / M
    assert response.total == D("0.006104")
    (stt,) = cost.transcriptions
    assert (stt.model, stt.billing, stt.audio_input_tokens, stt.output_tokens) == (
        "gpt-4o-mini-transcribe",
        "tokens",
        31,
        10,
    )
    assert stt.amount == 31 * D("3") / M + 10 * D("5") / M == D("0.000143")
    assert cost.transcription_model == "gpt-4o-mini-transcribe"
    assert cost.total == D("0.006247")


def test_transcription_only_session() -> None:
    cost = replay(log("ga_transcription_only"), policy="strict").cost()
    assert cost.responses == () and cost.model is None
    assert [t.amount for t in cost.transcriptions] == [D("0.00036"), D("0.00039")]
    assert cost.total == D("0.00075") and cost.complete


def test_out_of_band_responses_are_billed_too() -> None:
    cost = replay(log("ga_out_of_band"), policy="strict").cost()
    assert [(r.out_of_band, r.total) for r in cost.responses] == [
        (False, D("0.005580")),
        (True, D("0.000712")),
    ]


def test_cancelled_response_with_zero_usage_costs_nothing() -> None:
    cost = replay(log("ga_cancelled_response"), policy="strict").cost()
    assert [(r.status, r.total) for r in cost.responses[:1]] == [("cancelled", 0)]


def test_beta_recordings_are_priced_and_missing_transcription_usage_is_noted() -> None:
    cost = replay(recording("beta_webrtc_function_call_cancellations")).cost()
    assert {r.model for r in cost.responses} == {"gpt-4o-realtime-preview-2024-12-17"}
    assert len(cost.responses) == 12 and cost.total > 0
    assert not cost.complete
    assert cost.notes == (
        "11 input transcription(s) reported no usage (servers before the GA API did not send "
        "it): not priced",
    )


def test_log_without_a_session_event_needs_a_model() -> None:
    state = replay(recording("beta_text_response_fragment"))
    with pytest.raises(NoModelError, match="no model is known") as info:
        state.cost()
    assert "model='...'" in str(info.value)
    cost = state.cost(model="gpt-4o-realtime-preview")
    # the fragment's usage lost its per-modality details: left unpriced, and said so
    (response,) = cost.responses
    assert response.tokens.unattributed_input == 72
    assert response.tokens.unattributed_output == 79
    assert response.total == 0 and not cost.complete
    assert any("72 input tokens are not split by modality" in n for n in cost.notes)


# --- the price table -------------------------------------------------------------------------


def test_unknown_model_and_dated_snapshot_are_errors_not_guesses() -> None:
    state = run(ga_session(model="gpt-realtime-2099-01-01"), *_priced_response())
    with pytest.raises(UnknownModelError, match="'gpt-realtime-2099-01-01'") as info:
        state.cost()
    error = info.value
    assert error.model == "gpt-realtime-2099-01-01" and isinstance(error, LookupError)
    assert "snapshot is not priced as its base model" in str(error)
    assert pickle.loads(pickle.dumps(error)).model == error.model
    assert state.cost(model="gpt-realtime").total > 0


def test_shipped_table_is_dated_and_covers_current_models() -> None:
    assert DEFAULT_PRICES.date == PRICES_DATE and DEFAULT_PRICES.currency == "USD"
    for model in (
        "gpt-realtime",
        "gpt-realtime-2025-08-28",
        "gpt-realtime-1.5",
        "gpt-realtime-2",
        "gpt-realtime-2.1",
        "gpt-realtime-mini",
        "gpt-realtime-2.1-mini",
        "gpt-4o-transcribe",
        "gpt-4o-mini-transcribe",
        "whisper-1",
        "gpt-realtime-whisper",
    ):
        assert model in DEFAULT_PRICES
        assert DEFAULT_PRICES.price(model).source
    realtime = DEFAULT_PRICES.price("gpt-realtime")
    assert (realtime.audio_input, realtime.audio_cached_input, realtime.audio_output) == (
        D("32.00"),
        D("0.40"),
        D("64.00"),
    )
    assert DEFAULT_PRICES.price("whisper-1").per_minute == D("0.006")


def _shipped_json() -> dict[str, Any]:
    from importlib.resources import files

    text = (files("realtime_state") / "data" / "prices.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def test_shipped_json_has_the_documented_shape() -> None:
    data = _shipped_json()
    assert set(data) == {"date", "currency", "unit", "source", "sources", "models"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["date"])
    assert datetime.date.fromisoformat(data["date"]).isoformat() == data["date"]
    assert data["currency"] == "USD" and data["source"]
    assert data["sources"] and all(url.startswith("https://") for url in data["sources"])
    assert data["models"]
    for model, row in data["models"].items():
        assert isinstance(row["source"], str) and row["source"], model
        rates = {name: value for name, value in row.items() if name != "source"}
        assert rates and set(rates) <= set(PRICE_FIELDS), model
        for name, value in rates.items():
            # money is exact: a decimal string, never a JSON number (a float)
            assert isinstance(value, str) and re.fullmatch(r"\d+\.\d+", value), (model, name)
            price = Decimal(value)
            assert price.is_finite() and price >= 0 and str(price) == value, (model, name)


def test_default_prices_are_the_shipped_json_exactly() -> None:
    data = _shipped_json()
    assert PRICES_DATE == DEFAULT_PRICES.date == data["date"]
    assert (DEFAULT_PRICES.currency, DEFAULT_PRICES.source) == (data["currency"], data["source"])
    assert list(DEFAULT_PRICES.models) == list(data["models"])  # the file's order
    for model, row in data["models"].items():
        price = DEFAULT_PRICES.price(model)
        assert price.source == row["source"]
        for name in PRICE_FIELDS:
            rate = getattr(price, name)
            assert (None if rate is None else str(rate)) == row.get(name), (model, name)


def test_default_prices_are_the_table_docs_cost_md_shows() -> None:
    page = (Path(__file__).resolve().parent.parent / "docs" / "cost.md").read_text("utf-8")
    section = page.split("## The shipped price table", 1)[1].split("\n#", 1)[0]
    assert f"checked on **{PRICES_DATE}**" in section
    rows = re.findall(r"^\| `([^`]+)`[^|]*((?:\|[^|\n]*)+)\|$", section, re.M)
    shown = {model: [c.strip() for c in cells.split("|")[1:]] for model, cells in rows}
    assert list(shown) == list(DEFAULT_PRICES.models)
    for model, cells in shown.items():
        price = DEFAULT_PRICES.price(model)
        rates = [getattr(price, name) for name in PRICE_FIELDS]
        assert cells == ["" if r is None else f"${r}" for r in rates], model


def test_user_prices_as_mapping_table_or_model_price() -> None:
    state = replay(recording("ga_tool_call_round"))
    flat = {"text_input": 1, "text_cached_input": "0.1", "text_output": 2.5}
    by_mapping = state.cost({"gpt-realtime": flat})
    assert by_mapping.responses[0].total == (63 * D("1") + 22 * D("2.5")) / M
    assert by_mapping.responses[1].amounts.text_cached_input == 64 * D("0.1") / M
    table = PriceTable(models={"gpt-realtime": ModelPrice(**flat)}, date="2030-01-01")
    assert state.cost(table).total == by_mapping.total
    assert state.cost(table).prices_date == "2030-01-01"
    assert state.cost({"gpt-realtime": ModelPrice(**flat)}).total == by_mapping.total
    extended = DEFAULT_PRICES.with_models({"my-model": flat})
    assert "my-model" in extended and "gpt-realtime" in extended
    assert ModelPrice(text_input=0.1).text_input == D("0.1")  # floats go through str
    with pytest.raises(ValueError, match="unknown price field"):
        state.cost({"gpt-realtime": {"txt_input": 1}})
    with pytest.raises(ValueError, match=">= 0"):
        ModelPrice(text_input=-1)


def test_a_missing_rate_is_an_error_naming_it() -> None:
    state = replay(recording("ga_tool_call_round"))
    with pytest.raises(PricingError, match="no text output rate for 'gpt-realtime'"):
        state.cost({"gpt-realtime": {"text_input": 4, "text_cached_input": "0.4"}})


# --- cached tokens, transcription billing, odd usage ---------------------------------------------


def _usage(**details: Any) -> dict[str, Any]:
    text_in = details.get("text_in", 0)
    audio_in = details.get("audio_in", 0)
    image_in = details.get("image_in", 0)
    text_out = details.get("text_out", 0)
    audio_out = details.get("audio_out", 0)
    input_details: dict[str, Any] = {
        "text_tokens": text_in,
        "audio_tokens": audio_in,
        "image_tokens": image_in,
        "cached_tokens": details.get("cached", 0),
    }
    if "cached_details" in details:
        input_details["cached_tokens_details"] = details["cached_details"]
    return {
        "total_tokens": text_in + audio_in + image_in + text_out + audio_out,
        "input_tokens": text_in + audio_in + image_in,
        "output_tokens": text_out + audio_out,
        "input_token_details": input_details,
        "output_token_details": {"text_tokens": text_out, "audio_tokens": audio_out},
    }


def _priced_response(response_id: str = "resp_1", **usage: Any) -> list[dict[str, Any]]:
    return [
        s.response_created(response_id),
        s.response_done(response_id, [], use=_usage(**(usage or {"text_in": 10}))),
    ]


def test_cached_tokens_are_a_subset_per_modality() -> None:
    state = run(
        ga_session(),
        *_priced_response(
            text_in=1000,
            audio_in=2000,
            image_in=300,
            text_out=10,
            audio_out=20,
            cached=1800,
            cached_details={"text_tokens": 800, "audio_tokens": 900, "image_tokens": 100},
        ),
    )
    (response,) = state.cost().responses
    tokens = response.tokens
    assert (tokens.text_input, tokens.text_cached_input) == (200, 800)
    assert (tokens.audio_input, tokens.audio_cached_input) == (1100, 900)
    assert (tokens.image_input, tokens.image_cached_input) == (200, 100)
    expected = (
        200 * D("4") + 800 * D("0.4") + 1100 * D("32") + 900 * D("0.4") + 200 * D("5")
        + 100 * D("0.5") + 10 * D("16") + 20 * D("64")
    ) / M  # fmt: skip
    assert response.total == expected
    assert sum(tokens.to_dict().values()) == 3330  # every token counted once


def test_cached_tokens_without_details() -> None:
    """2024-era usage had no cached_tokens_details: exact when one rate applies, else noted."""
    usage = {"text_in": 100, "audio_in": 200, "cached": 150}
    same_rate = run(ga_session(model="gpt-4o-realtime-preview"), *_priced_response(**usage))
    (response,) = same_rate.cost().responses
    assert (response.tokens.text_cached_input, response.tokens.audio_cached_input) == (100, 50)
    assert response.complete
    assert response.amounts.text_cached_input + response.amounts.audio_cached_input == (
        150 * D("2.50") / M
    )
    differing = run(
        ga_session(model="gpt-4o-realtime-preview-2024-10-01"), *_priced_response(**usage)
    )
    cost = differing.cost()
    assert cost.responses[0].tokens.unattributed_cached_input == 150
    assert not cost.complete and "cached rates differ" in cost.notes[0]


def test_duration_billed_transcription() -> None:
    state = run(
        ga_session(transcription_model="whisper-1"),
        *user_audio("item_u", previous=None),
        transcription(
            "completed", "item_u", transcript="hi", usage={"type": "duration", "seconds": 2.5}
        ),
    )
    (stt,) = state.cost().transcriptions
    assert (stt.billing, stt.seconds, stt.model) == ("duration", D("2.5"), "whisper-1")
    assert stt.amount == D("2.5") * D("0.006") / 60 == D("0.00025")
    with pytest.raises(PricingError, match="no per_minute rate"):
        state.cost(transcription_model="gpt-4o-transcribe")


def test_pending_transcription_is_billed_and_named() -> None:
    state = run(
        ga_session(transcription_model="gpt-4o-transcribe"),
        transcription(
            "completed",
            "item_never",
            transcript="lost",
            usage={
                "type": "tokens",
                "input_tokens": 12,
                "output_tokens": 3,
                "total_tokens": 15,
                "input_token_details": {"text_tokens": 2, "audio_tokens": 10},
            },
        ),
    )
    (stt,) = state.cost().transcriptions
    assert (stt.item_id, stt.in_conversation) == ("item_never", False)
    assert stt.amount == (2 * D("2.5") + 10 * D("6") + 3 * D("10")) / M


STT_USAGE = {
    "type": "tokens",
    "input_tokens": 10,
    "output_tokens": 3,
    "total_tokens": 13,
    "input_token_details": {"text_tokens": 0, "audio_tokens": 10},
}
STT_4O = (10 * D("6") + 3 * D("10")) / M  # gpt-4o-transcribe
STT_4O_MINI = (10 * D("3") + 3 * D("5")) / M  # gpt-4o-mini-transcribe


def _deleted(item_id: str) -> dict[str, Any]:
    return {"type": "conversation.item.deleted", "event_id": s.eid(), "item_id": item_id}


def test_deleting_an_item_never_lowers_the_cost() -> None:
    """The server billed the transcription when it completed; deleting the item after that
    does not take it off the bill."""
    spoken = [
        ga_session(transcription_model="gpt-4o-transcribe"),
        *user_audio("item_u", previous=None),
        transcription("completed", "item_u", transcript="hello", usage=STT_USAGE),
    ]
    kept = run(*spoken).cost()
    gone = run(*spoken, _deleted("item_u")).cost()
    assert kept.total == gone.total == STT_4O
    (stt,) = gone.transcriptions
    assert (stt.item_id, stt.amount, stt.in_conversation) == ("item_u", STT_4O, False)
    assert kept.transcriptions[0].in_conversation and gone.complete


def test_a_mid_session_transcription_model_switch_is_billed_right() -> None:
    switched = ga_session(transcription_model="gpt-4o-mini-transcribe")
    switched["type"] = "session.updated"
    state = run(
        ga_session(transcription_model="gpt-4o-transcribe"),
        *user_audio("item_u", previous=None),
        transcription("completed", "item_u", transcript="one", usage=STT_USAGE),
        switched,
        *user_audio("item_v", previous="item_u"),
        transcription("completed", "item_v", transcript="two", usage=STT_USAGE),
    )
    cost = state.cost()
    assert [(t.item_id, t.model, t.amount) for t in cost.transcriptions] == [
        ("item_u", "gpt-4o-transcribe", STT_4O),
        ("item_v", "gpt-4o-mini-transcribe", STT_4O_MINI),
    ]
    assert cost.transcription_total == STT_4O + STT_4O_MINI
    assert cost.transcription_model == "gpt-4o-mini-transcribe"  # the latest
    # an explicit model still overrides every session's
    forced = state.cost(transcription_model="gpt-4o-transcribe")
    assert {t.model for t in forced.transcriptions} == {"gpt-4o-transcribe"}
    assert forced.transcription_total == 2 * STT_4O


def test_a_transcription_before_its_item_is_billed_once() -> None:
    state = run(
        ga_session(transcription_model="gpt-4o-transcribe"),
        transcription("completed", "item_u", transcript="early", usage=STT_USAGE),
        *user_audio("item_u", previous=None),
    )
    assert state.item("item_u").content[0].transcript == "early"  # applied on arrival
    (stt,) = state.cost().transcriptions
    assert (stt.item_id, stt.amount, stt.in_conversation) == ("item_u", STT_4O, True)


def test_transcription_without_a_model_and_running_responses() -> None:
    state = run(
        ga_session(transcription_model=None),
        *user_audio("item_u", previous=None),
        transcription(
            "completed",
            "item_u",
            transcript="x",
            usage={"type": "tokens", "input_tokens": 1, "output_tokens": 1, "total_tokens": 2},
        ),
    )
    with pytest.raises(NoModelError, match="transcription_model="):
        state.cost()
    cost = state.cost(transcription_model="gpt-4o-transcribe")
    assert cost.transcriptions[0].unattributed_input_tokens == 1 and not cost.complete
    running = run(ga_session(), s.response_created("resp_1"))
    assert running.cost().notes == ("1 response(s) without usage yet (still running): not priced",)


def test_to_dict_is_json_ready_and_exact() -> None:
    cost = replay(log("ga_audio_turn")).cost()
    data = json.loads(json.dumps(cost.to_dict()))
    assert data["total"] == "0.006247"
    assert data["responses"][0]["amounts"]["audio_output"] == str(62 * D("64") / M)
    assert data["transcriptions"][0]["amount"] == "0.000143"
    assert data["complete"] is True
    assert cost.response(cost.responses[0].response_id) is cost.responses[0]
    assert cost.response("nope") is None


# --- property: every token of every usage is priced once ---------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(sorted(k for k in ALL_LINES if k.startswith("log:"))).flatmap(
        lambda name: st.integers(0, len(ALL_LINES[name])).map(lambda n: ALL_LINES[name][:n])
    )
)
def test_property_totals_are_usage_times_rates(prefix: list[str]) -> None:
    state = replay(prefix)
    try:
        cost = state.cost()
    except NoModelError:
        assert state.session is None
        return
    rates = DEFAULT_PRICES.price(cost.model) if cost.model else None
    for response in cost.responses:
        usage = state.responses[response.response_id].usage
        assert usage is not None
        assert sum(response.tokens.to_dict().values()) == (usage.total_tokens or 0)
        assert rates is not None
        assert response.total == sum(
            (
                getattr(response.tokens, name) * (getattr(rates, name) or 0) / M
                for name in PRICE_FIELDS[:-1]
            ),
            Decimal(0),
        )
    assert cost.total == cost.responses_total + cost.transcription_total
    assert cost.responses_total == sum((r.total for r in cost.responses), Decimal(0))


def test_patching_the_default_table_changes_the_default_price(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import realtime_state.cost as cost_module
    from realtime_state.examples import example_lines

    state = replay(example_lines("ga_tool_call_round"))
    shipped = state.cost().total
    model = state.session.model  # type: ignore[union-attr]
    doubled = {
        name: ModelPrice(
            **{f: None if getattr(p, f) is None else getattr(p, f) * 2 for f in PRICE_FIELDS}
        )
        for name, p in DEFAULT_PRICES.models.items()
    }
    monkeypatch.setattr(cost_module, "DEFAULT_PRICES", PriceTable(models=doubled))
    assert model in doubled
    assert state.cost().total == 2 * shipped
