"""Answer the interactions nothing else will: a form sent twice, a form or button from before a restart, a
tampered or expired custom id. Without this, discord.py drops them silently and the member sees "interaction
failed" — and, for a form, loses what they typed.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any

import discord

from bot.support import crisis_embeds
from bot.ui import reply

if TYPE_CHECKING:
    from bot.client import BouncebackBot

log = logging.getLogger(__name__)

# Answers interactions whose custom id matched a route, given the match.
RouteHandler = Callable[[discord.Interaction[Any], re.Match[str]], Coroutine[Any, Any, None]]

REMEMBERED_FORMS = 5_000
ECHO_LIMIT = 1_500  # what is shown back of a lost form, so the reply stays under Discord's 2,000 characters
ALREADY_DONE = "That form was already sent, so there's nothing more to do — you're all set. 🌱"
FORM_LOST = (
    "Sorry — I couldn't receive that form: it was opened before I restarted (or it's no longer available), "
    "so nothing from it was saved. Please open it again from the button or command you started with."
)
FORM_ECHO = "\n\nHere's what you wrote, so you can paste it back in:\n"
BUTTON_EXPIRED = (
    "That button doesn't work any more (it may be from an older message). Nothing was changed — running the "
    "command again gives you fresh ones."
)


class UnclaimedInteractions:
    """Notices, as each interaction arrives, whether anything will handle it; answers kindly when nothing will."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot
        self.routes: dict[re.Pattern[str], RouteHandler] = {}
        self._submitted: OrderedDict[str, None] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()

    def register_route(self, pattern: re.Pattern[str] | str, handler: RouteHandler) -> None:
        """Have `handler` answer the components and forms whose custom id matches `pattern` in full."""
        self.routes[re.compile(pattern)] = handler

    def unregister_route(self, pattern: re.Pattern[str] | str) -> None:
        """Withdraw a route (cog unload)."""
        self.routes.pop(re.compile(pattern), None)

    def observe(self, interaction: discord.Interaction[Any]) -> None:
        """Called synchronously as the interaction is dispatched, when discord.py has just routed it (or not)."""
        kind = interaction.type
        if kind not in (discord.InteractionType.component, discord.InteractionType.modal_submit):
            return
        data: dict[str, Any] = dict(interaction.data) if isinstance(interaction.data, dict) else {}
        custom_id = str(data.get("custom_id", ""))
        for route, handler in self.routes.items():
            match = route.fullmatch(custom_id)
            if match is not None:
                self._spawn(handler(interaction, match), "routed-interaction")
                return
        if kind is discord.InteractionType.modal_submit:
            if self._modal_is_open(custom_id):
                self._remember(custom_id)
                return
            answer = self._answer_form(interaction, custom_id, data)
        else:
            if self._component_is_handled(interaction, custom_id, int(data.get("component_type", 0))):
                return
            answer = self._answer_button(interaction, custom_id)
        self._spawn(answer, "unclaimed-interaction")

    def _spawn(self, answer: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(answer, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Handlers answer the member themselves; this only keeps an escaped error from vanishing.
            log.error("%s failed", task.get_name(), exc_info=task.exception())

    # discord.py keeps no public record of what its view store will route, so these read it directly; they
    # only run synchronously inside dispatch, before any handler has had a chance to change it.

    def _store(self) -> Any:
        return self.bot._connection._view_store

    def _modal_is_open(self, custom_id: str) -> bool:
        return custom_id in self._store()._modals

    def _component_is_handled(self, interaction: discord.Interaction[Any], custom_id: str, component_type: int) -> bool:
        store = self._store()
        if any(pattern.fullmatch(custom_id) for pattern in store._dynamic_items) and _on_message(
            interaction.message, custom_id, component_type
        ):
            return True
        key = (component_type, custom_id)
        message_id = interaction.message.id if interaction.message is not None else None
        views: dict[Any, dict[Any, Any]] = store._views
        return key in views.get(message_id, {}) or key in views.get(None, {})

    def _remember(self, custom_id: str) -> None:
        self._submitted[custom_id] = None
        self._submitted.move_to_end(custom_id)
        while len(self._submitted) > REMEMBERED_FORMS:
            self._submitted.popitem(last=False)

    async def _answer_form(self, interaction: discord.Interaction[Any], custom_id: str, data: dict[str, Any]) -> None:
        if custom_id in self._submitted:
            log.info("a form was sent again after it was handled (%s)", _shape(custom_id))
            await self._send(interaction, ALREADY_DONE)
            return
        log.info("a form arrived that no open form matches (%s): restart or tampered id", _shape(custom_id))
        texts = [text for text in _text_values(data.get("components", [])) if text.strip()]
        content = FORM_LOST
        if texts:
            escaped = (discord.utils.escape_markdown(text) for text in texts)
            quoted = "\n".join(f"> {line}" for text in escaped for line in text.splitlines() or [""])
            content += FORM_ECHO + _clip(quoted, ECHO_LIMIT)  # mentions in it never ping (reply() turns them off)
        embeds = crisis_embeds() if texts and self.bot.safety.assess(*texts).is_crisis else []
        await self._send(interaction, content, embeds=embeds)

    async def _answer_button(self, interaction: discord.Interaction[Any], custom_id: str) -> None:
        log.info("a component arrived that nothing handles (%s): expired or tampered id", _shape(custom_id))
        await self._send(interaction, BUTTON_EXPIRED)

    async def _send(self, interaction: discord.Interaction[Any], content: str, **kwargs: Any) -> None:
        try:
            await reply(interaction, content, **kwargs)
        except discord.HTTPException as error:
            log.warning("could not answer an unclaimed interaction: %s", error)


def _on_message(message: discord.Message | None, custom_id: str, component_type: int) -> bool:
    """Whether the message carries this component: discord.py silently drops a dynamic item's interaction when it
    doesn't (a tampered custom id), so that case must be answered here."""
    if message is None:
        return False
    view_cls = discord.ui.LayoutView if message.flags.components_v2 else discord.ui.View
    view = view_cls.from_message(message, timeout=None)
    return any(
        item.type.value == component_type and getattr(item, "custom_id", None) == custom_id
        for item in view.walk_children()
    )


def _text_values(components: Any) -> Iterator[str]:
    """Every text input's value in a raw modal submission (inside action rows or labels)."""
    if not isinstance(components, list):
        return
    for component in components:
        if not isinstance(component, dict):
            continue
        if isinstance(component.get("value"), str):
            yield component["value"]
        yield from _text_values(component.get("components"))
        if isinstance(component.get("component"), dict):
            yield from _text_values([component["component"]])


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shape(custom_id: str) -> str:
    """A custom id without its numbers, for the log (ids can identify members)."""
    return ":".join(part if not part.isdigit() else "#" for part in custom_id.split(":"))[:80]
