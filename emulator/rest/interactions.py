"""REST routes that answer interactions: the callback, then follow-ups and edits through the interaction webhook."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..interactions import (
    ALLOWED_CALLBACKS,
    APPLICATION_COMMAND,
    APPLICATION_COMMAND_AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_UPDATE_MESSAGE,
    MODAL,
    PONG,
    UPDATE_MESSAGE,
    ModalPrompt,
    PendingInteraction,
)
from ..messages import EPHEMERAL, LOADING, EmulatedMessage
from ..validation import ApiError, form_error, validate_modal
from .http import AddRoute, RouteGroup, json_response, no_content, read_body, snowflake, truthy


class InteractionRoutes(RouteGroup):
    """``/interactions/{id}/{token}/callback`` and ``/webhooks/{app}/{token}/...``."""

    def register(self, add: AddRoute) -> None:
        """Add this group's routes (literal segments such as ``@me`` before parameters)."""
        add(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            self.interaction_callback,
            bot_auth=False,
        )
        add("POST", "/webhooks/{webhook_id}/{webhook_token}", self.execute_webhook, bot_auth=False)
        add(
            "GET",
            "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
            self.get_webhook_message,
            bot_auth=False,
        )
        add(
            "PATCH",
            "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
            self.edit_webhook_message,
            bot_auth=False,
        )
        add(
            "DELETE",
            "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
            self.delete_webhook_message,
            bot_auth=False,
        )

    async def interaction_callback(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """POST /interactions/{id}/{token}/callback."""
        emu = self.emu
        pending = emu.pending_interactions.get(snowflake(params["interaction_id"], "interaction_id"))
        if pending is None or pending.token != params["interaction_token"]:
            raise ApiError(404, 10062, "Unknown interaction")
        if pending.callback_type is not None:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        age = pending.age()
        if age > emu.interaction_timeout:
            emu.stats.late_interaction_callbacks += 1
            if pending.result is not None:
                pending.result.error = f"callback arrived after {age:.2f}s (limit {emu.interaction_timeout}s)"
            emu.notify()
            raise ApiError(404, 10062, "Unknown interaction")
        body, files = await read_body(request)
        ctype = body.get("type")
        if not isinstance(ctype, int) or ctype not in ALLOWED_CALLBACKS.get(pending.type, set()):
            if ctype == PONG:
                raise ApiError(400, 50035, "PONG is only valid for HTTP PING interactions")
            raise form_error("type", f"Callback type {ctype} is not valid for interaction type {pending.type}")
        data = body.get("data") or {}
        state = emu.state
        message: EmulatedMessage | None = None
        result = pending.result
        chan = state.channels.get(pending.channel_id)
        if chan is None:
            raise ApiError(404, 10003, "Unknown Channel")
        if ctype in (CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE):
            if ctype == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
                flags = int(data.get("flags") or 0)
                message = EmulatedMessage(
                    id=state.ids.next(),
                    channel_id=chan.id,
                    guild_id=chan.guild_id,
                    author_id=state.bot.id,
                    author=state.bot.payload(),
                    flags=(flags & EPHEMERAL) | LOADING,
                    type=20 if pending.type == APPLICATION_COMMAND else 0,
                    webhook_id=state.application_id,
                    application_id=state.application_id,
                    interaction_id=pending.id,
                    interaction_metadata=self.api.compose.interaction_metadata(pending),
                )
            else:
                message = self.api.compose.build_message(
                    chan,
                    data,
                    files,
                    author_id=state.bot.id,
                    interaction=pending,
                    ephemeral_allowed=True,
                    message_type=20 if pending.type == APPLICATION_COMMAND else 0,
                )
            pending.original_message_id = message.id
            state.add_message(message)
        elif ctype in (UPDATE_MESSAGE, DEFERRED_UPDATE_MESSAGE):
            source = state.messages.get(pending.source_message_id or 0)
            if source is None or source.deleted:
                raise ApiError(400, 50035, "Interaction has no message to update")
            pending.original_message_id = source.id
            message = source
            if ctype == UPDATE_MESSAGE:
                self.api.compose.apply_edit(source, data, files)
        elif ctype == MODAL:
            validate_modal(data)
            if result is not None:
                result.modal = ModalPrompt.from_payload(data, pending)
        elif ctype == APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
            choices = list(data.get("choices") or [])
            if len(choices) > 25:
                raise form_error("data.choices", "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
            if result is not None:
                result.choices = choices

        pending.callback_type = ctype
        emu.stats.interaction_latencies.append(age)
        if result is not None:
            result._set(ctype, age)
            result.message = message
        pending.acked.set()
        emu.notify()
        if message is not None and ctype in (CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE):
            await self.api.emit_message("MESSAGE_CREATE", message)
        elif message is not None and ctype == UPDATE_MESSAGE:
            await self.api.emit_message("MESSAGE_UPDATE", message)

        if not truthy(request.query.get("with_response")):
            return no_content()
        interaction_info: dict[str, Any] = {"id": str(pending.id), "type": pending.type}
        resource: dict[str, Any] = {"type": ctype}
        if message is not None:
            interaction_info["response_message_id"] = str(message.id)
            interaction_info["response_message_loading"] = ctype == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
            interaction_info["response_message_ephemeral"] = message.ephemeral
            if ctype != DEFERRED_UPDATE_MESSAGE:
                resource["message"] = state.rest_message_payload(message)
        return json_response({"interaction": interaction_info, "resource": resource})

    def _webhook_interaction(self, params: dict[str, str]) -> PendingInteraction:
        emu = self.emu
        if snowflake(params["webhook_id"], "webhook_id") != emu.state.application_id:
            raise ApiError(404, 10015, "Unknown Webhook")
        pending = emu.interactions_by_token.get(params["webhook_token"])
        if pending is None or pending.callback_type is None or pending.age() > emu.webhook_token_ttl:
            raise ApiError(404, 10015, "Unknown Webhook")
        return pending

    def _webhook_message(self, pending: PendingInteraction, message_id: str) -> EmulatedMessage:
        state = self.state
        if message_id == "@original":
            if pending.original_message_id is None:
                raise ApiError(404, 10008, "Unknown Message")
            mid = pending.original_message_id
        else:
            mid = snowflake(message_id, "message_id")
            if mid != pending.original_message_id and mid not in pending.followup_ids:
                raise ApiError(404, 10008, "Unknown Message")
        msg = state.messages.get(mid)
        if msg is None or msg.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    async def execute_webhook(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """POST /webhooks/{app}/{token} — interaction follow-up (the first one after a defer edits the placeholder)."""
        pending = self._webhook_interaction(params)
        state = self.state
        body, files = await read_body(request)
        chan = state.channels.get(pending.channel_id)
        if chan is None:
            raise ApiError(404, 10003, "Unknown Channel")
        original = state.messages.get(pending.original_message_id or 0)
        if (
            original is not None
            and original.loading
            and not original.deleted
            and pending.callback_type == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
        ):
            self.api.compose.apply_edit(original, body, files)
            msg = original
            event = "MESSAGE_UPDATE"
        else:
            msg = self.api.compose.build_message(
                chan,
                body,
                files,
                author_id=state.bot.id,
                interaction=pending,
                ephemeral_allowed=True,
                message_type=20 if pending.type == APPLICATION_COMMAND else 0,
            )
            state.add_message(msg)
            pending.followup_ids.append(msg.id)
            event = "MESSAGE_CREATE"
        pending.events.put_nowait(msg)
        self.emu.notify()
        await self.api.emit_message(event, msg)
        if truthy(request.query.get("wait")):
            return json_response(state.rest_message_payload(msg))
        return no_content()

    async def get_webhook_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /webhooks/{app}/{token}/messages/{id|@original}."""
        pending = self._webhook_interaction(params)
        msg = self._webhook_message(pending, params["message_id"])
        return json_response(self.state.rest_message_payload(msg))

    async def edit_webhook_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """PATCH /webhooks/{app}/{token}/messages/{id|@original}."""
        pending = self._webhook_interaction(params)
        msg = self._webhook_message(pending, params["message_id"])
        body, files = await read_body(request)
        self.api.compose.apply_edit(msg, body, files)
        pending.events.put_nowait(msg)
        self.emu.notify()
        await self.api.emit_message("MESSAGE_UPDATE", msg)
        return json_response(self.state.rest_message_payload(msg))

    async def delete_webhook_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """DELETE /webhooks/{app}/{token}/messages/{id|@original}."""
        pending = self._webhook_interaction(params)
        msg = self._webhook_message(pending, params["message_id"])
        msg.deleted = True
        self.emu.notify()
        await self.api.emit_delete(msg)
        return no_content()
