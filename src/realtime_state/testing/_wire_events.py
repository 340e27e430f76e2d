"""The session, conversation and input events of :class:`~realtime_state.testing.wire.WireBuilder`.

``session.*``, ``conversation.item.*`` (which place items in the tracked order), the input
audio buffer and input transcription events, ``rate_limits.updated`` and ``error``. The
``response.*`` events are in :mod:`realtime_state.testing._wire_responses`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._wire_base import AUTO, OMIT, Default, Event
from ._wire_objects import WireObjects

__all__ = ["WireEvents"]


class WireEvents(WireObjects):
    """One method per session, conversation-item, input-audio and transcription event, plus
    rate limits and errors."""

    # --- session --------------------------------------------------------------------------------

    def session_created(self, session: Mapping[str, Any] | None = None, **options: Any) -> Event:
        """``session.created``: ``session`` as given, else :meth:`session` of ``options``."""
        body = dict(session) if session is not None else self.session(**options)
        return self.event("session.created", session=body)

    def session_updated(self, session: Mapping[str, Any] | None = None, **options: Any) -> Event:
        """``session.updated`` (the whole session, not a diff); like :meth:`session_created`."""
        body = dict(session) if session is not None else self.session(**options)
        return self.event("session.updated", session=body)

    # --- conversation items ---------------------------------------------------------------------

    def _item_event(
        self, kind: str, item: Mapping[str, Any], previous_item_id: str | Default | None
    ) -> Event:
        item_id = item.get("id")
        previous = self._previous(item_id) if previous_item_id is AUTO else previous_item_id
        self._place(item_id, previous)
        if previous is OMIT:
            return self.event(kind, item=item)
        return self.event(kind, previous_item_id=previous, item=item)

    def conversation_item_added(
        self, item: Mapping[str, Any], previous_item_id: str | Default | None = AUTO
    ) -> Event:
        """GA ``conversation.item.added``: the item starts (places it, see the module doc)."""
        return self._item_event("conversation.item.added", item, previous_item_id)

    def conversation_item_done(
        self, item: Mapping[str, Any], previous_item_id: str | Default | None = AUTO
    ) -> Event:
        """GA ``conversation.item.done``: the item is final (servers sometimes send
        ``previous_item_id=None`` here for an item already placed; it does not move)."""
        return self._item_event("conversation.item.done", item, previous_item_id)

    def conversation_item_created(
        self, item: Mapping[str, Any], previous_item_id: str | Default | None = AUTO
    ) -> Event:
        """Beta ``conversation.item.created`` (in the GA union too, never sent by GA servers)."""
        return self._item_event("conversation.item.created", item, previous_item_id)

    def place(
        self, item: Mapping[str, Any], previous_item_id: str | Default | None = AUTO
    ) -> list[Event]:
        """The events that add a complete item to the conversation: GA ``added`` and
        ``done``, beta ``created``."""
        if not self.ga:
            return [self.conversation_item_created(item, previous_item_id)]
        return [
            self.conversation_item_added(item, previous_item_id),
            self.conversation_item_done(item, previous_item_id),
        ]

    def conversation_item_retrieved(self, item: Mapping[str, Any]) -> Event:
        """``conversation.item.retrieved``: the full item, audio bytes included."""
        return self.event("conversation.item.retrieved", item=item)

    def conversation_item_truncated(
        self, item_id: str, audio_end_ms: int, content_index: int = 0
    ) -> Event:
        """``conversation.item.truncated``: the part's audio cut at ``audio_end_ms``."""
        return self.event(
            "conversation.item.truncated",
            item_id=item_id,
            content_index=content_index,
            audio_end_ms=audio_end_ms,
        )

    def conversation_item_deleted(self, item_id: str) -> Event:
        """``conversation.item.deleted`` (the item leaves the tracked order)."""
        if item_id in self.conversation:
            self.conversation.remove(item_id)
        return self.event("conversation.item.deleted", item_id=item_id)

    # --- input audio buffer and transcription ------------------------------------------------

    def speech_started(self, item_id: str, audio_start_ms: int) -> Event:
        """``input_audio_buffer.speech_started`` (``item_id``: the item the turn will be)."""
        return self.event(
            "input_audio_buffer.speech_started", audio_start_ms=audio_start_ms, item_id=item_id
        )

    def speech_stopped(self, item_id: str, audio_end_ms: int) -> Event:
        """``input_audio_buffer.speech_stopped``."""
        return self.event(
            "input_audio_buffer.speech_stopped", audio_end_ms=audio_end_ms, item_id=item_id
        )

    def committed(self, item_id: str, previous_item_id: str | Default | None = AUTO) -> Event:
        """``input_audio_buffer.committed`` (``previous_item_id``: by default the last item)."""
        previous = self.last_item_id if previous_item_id is AUTO else previous_item_id
        if previous is OMIT:
            return self.event("input_audio_buffer.committed", item_id=item_id)
        return self.event(
            "input_audio_buffer.committed", previous_item_id=previous, item_id=item_id
        )

    def input_audio_cleared(self) -> Event:
        """``input_audio_buffer.cleared``."""
        return self.event("input_audio_buffer.cleared")

    def timeout_triggered(self, item_id: str, audio_start_ms: int, audio_end_ms: int) -> Event:
        """GA ``input_audio_buffer.timeout_triggered`` (server VAD ``idle_timeout_ms``)."""
        return self.event(
            "input_audio_buffer.timeout_triggered",
            audio_start_ms=audio_start_ms,
            audio_end_ms=audio_end_ms,
            item_id=item_id,
        )

    def transcription_delta(
        self,
        item_id: str,
        delta: str,
        *,
        content_index: int = 0,
        obfuscation: str | None = None,
    ) -> Event:
        """``conversation.item.input_audio_transcription.delta``."""
        event = self.event(
            "conversation.item.input_audio_transcription.delta",
            item_id=item_id,
            content_index=content_index,
            delta=delta,
        )
        return self._with(event, obfuscation=obfuscation)

    def transcription_completed(
        self,
        item_id: str,
        transcript: str,
        *,
        content_index: int = 0,
        usage: Mapping[str, Any] | Default = AUTO,
    ) -> Event:
        """``conversation.item.input_audio_transcription.completed``; ``usage`` defaults to
        token usage (``OMIT``: none, as beta-era servers sent)."""
        if usage is AUTO:
            out = max(1, len(transcript.split()))
            usage = {
                "type": "tokens",
                "total_tokens": 20 + out,
                "input_tokens": 20,
                "input_token_details": {"text_tokens": 0, "audio_tokens": 20},
                "output_tokens": out,
            }
        event = self.event(
            "conversation.item.input_audio_transcription.completed",
            item_id=item_id,
            content_index=content_index,
            transcript=transcript,
        )
        return self._with(event, usage=None if usage is OMIT else dict(usage))

    def transcription_failed(
        self,
        item_id: str,
        *,
        code: str = "audio_unintelligible",
        message: str = "Audio is unintelligible.",
        content_index: int = 0,
    ) -> Event:
        """``conversation.item.input_audio_transcription.failed``."""
        error = {"type": "transcription_error", "code": code, "message": message, "param": None}
        return self.event(
            "conversation.item.input_audio_transcription.failed",
            item_id=item_id,
            content_index=content_index,
            error=error,
        )

    # --- misc -----------------------------------------------------------------------------------

    def rate_limits_updated(self, rate_limits: Iterable[Mapping[str, Any]] | None = None) -> Event:
        """``rate_limits.updated``; by default the dialect's entries (GA: ``tokens``; beta:
        ``requests`` and ``tokens``)."""
        if rate_limits is None:
            if self.ga:
                rate_limits = [
                    {
                        "name": "tokens",
                        "limit": 40000000,
                        "remaining": 39999000,
                        "reset_seconds": 0.002,
                    },
                ]
            else:
                rate_limits = [
                    {"name": "requests", "limit": 5000, "remaining": 4999, "reset_seconds": 0.012},
                    {
                        "name": "tokens",
                        "limit": 800000,
                        "remaining": 795000,
                        "reset_seconds": 0.311,
                    },
                ]
        return self.event("rate_limits.updated", rate_limits=[dict(r) for r in rate_limits])

    def error(
        self,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        client_event_id: str | None = None,
    ) -> Event:
        """A server ``error`` (``client_event_id``: the client event it answers)."""
        return self.event(
            "error",
            error={
                "type": type,
                "code": code,
                "message": message,
                "param": param,
                "event_id": client_event_id,
            },
        )
