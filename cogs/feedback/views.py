"""Feedback's persistent components (the buttons under a draft or a follow-up, the request picker), its two
forms, and what each button does."""

from __future__ import annotations

from typing import Any

import discord

from bot.care import words as care_words
from bot.client import BouncebackBot, Interaction
from bot.clock import discord_timestamp
from bot.components import OwnedButton, OwnedSelect, StaticView
from bot.delete_one import delete_this_button
from bot.storage.checkins import Checkin
from bot.text import parse_id
from bot.ui import CALM, WARM, BaseModal, reply
from cogs.feedback.flow import (
    FOLLOWUP_KIND,
    REMIND_KIND,
    daytime,
    ghosted_text,
    pick,
    remind_label,
    schedule_of,
    store_of,
    transition,
)
from cogs.feedback.logic import (
    ACTIONS,
    DEFAULT_TONE,
    MAX_NAME,
    TONES,
    FeedbackRequest,
    about_phrase,
    already,
    clean_name,
    compose_draft,
    draft_message,
    fits_title,
    plain,
    state_line,
    texts,
    words,
)

MAX_NOTE = 2000
MAX_OPTIONS = 25
# How each button looks; its label comes from data/feedback.toml [buttons].
LOOKS: dict[str, tuple[str | None, discord.ButtonStyle]] = {
    "sent": ("📨", discord.ButtonStyle.success),
    "remind": ("⏰", discord.ButtonStyle.secondary),
    "notnow": (None, discord.ButtonStyle.secondary),
    "replied": ("💬", discord.ButtonStyle.success),
    "notyet": ("⏳", discord.ButtonStyle.secondary),
    "noreply": (None, discord.ButtonStyle.secondary),
}


def draft_view(bot: BouncebackBot, request_id: int, owner_id: int) -> StaticView:
    """ "I sent it", "Remind me in N days", "Not now"."""
    label = remind_label(bot)
    return StaticView(*(FeedbackAction(action, request_id, owner_id, label=label) for action in ACTIONS[:3]))


def followup_view(request_id: int, owner_id: int) -> StaticView:
    """ "They replied", "Not yet", "No reply"."""
    return StaticView(*(FeedbackAction(action, request_id, owner_id) for action in ACTIONS[3:]))


async def start_draft(
    bot: BouncebackBot,
    interaction: Interaction,
    checkin: Checkin,
    interviewer: str | None,
    tone: str,
    sign_as: str | None = None,
) -> None:
    """Write a draft for a check-in, store it as a request, and show it with its buttons.

    `sign_as` is the name to sign with, remembered for later drafts; without one the draft says `[Your name]`.
    """
    user_id, store = interaction.user.id, store_of(bot)
    assessment = await bot.care.assess(interaction, user_id, interviewer, sign_as)
    signature = clean_name(sign_as)
    if signature and not assessment.needs_care:
        await store.set_signature(user_id, signature, bot.now())
    else:
        signature = await store.signature(user_id)
    variants = words()["tones"][tone]
    numbers = [str(i) for i in range(len(variants))]
    index = int(await bot.wording.pick(user_id, f"feedback:draft:{tone}", numbers))
    draft = compose_draft(
        variants[index],
        tone=tone,
        company=checkin.company,
        role=checkin.role,
        interviewer=interviewer,
        sender=signature,
    )
    request_id = await store.create(
        user_id=user_id,
        checkin_id=checkin.id,
        tone=tone,
        interviewer_name=clean_name(interviewer),
        subject=draft.subject,
        body=draft.body,
        now=bot.now(),
    )
    if assessment.needs_care:
        # Support first; the draft is kept privately for later (see /feedback list), not pressed on them now.
        care = await bot.care.reply_parts(interaction, assessment)
        quiet = discord.Embed(description=care_words()["quiet"]["feedback_saved"], colour=WARM)
        await reply(interaction, embeds=[*care.embeds, quiet], view=care.view())
    else:
        intro = await bot.wording.pick(user_id, f"feedback:draft_intro:{tone}", words()["draft_intro"][tone])
        if signature is None:
            intro += "\n" + str(words()["sign_hint"])
        await reply(
            interaction, draft_message(intro, draft.subject, draft.body), view=draft_view(bot, request_id, user_id)
        )
    bot.dispatch("feedback_state_changed", user_id, request_id, "drafted")


async def on_sent(bot: BouncebackBot, interaction: Interaction, request: FeedbackRequest) -> None:
    """ "I sent it": wait, then ask whether they replied."""
    now = bot.now()
    due = await daytime(bot, request.user_id, schedule_of(bot).first_followup_at(now), interaction)
    if not await transition(
        bot,
        request,
        "sent",
        allowed_from=("drafted", "remind", "dismissed"),
        sent_at=now,
        next_action_at=due,
        cancel=(REMIND_KIND,),
        schedule=(FOLLOWUP_KIND, due),
    ):
        await reply(interaction, already(request))
        return
    text = (await pick(bot, request.user_id, "sent_confirm")).format(when=discord_timestamp(due, "R"))
    await reply(interaction, embed=discord.Embed(description=text, colour=WARM))


async def on_remind(bot: BouncebackBot, interaction: Interaction, request: FeedbackRequest) -> None:
    """ "Remind me": send the draft again after the configured delay."""
    due = await daytime(bot, request.user_id, schedule_of(bot).remind_at(bot.now()), interaction)
    if not await transition(
        bot,
        request,
        "remind",
        allowed_from=("drafted", "remind", "dismissed"),
        next_action_at=due,
        cancel=(REMIND_KIND,),
        schedule=(REMIND_KIND, due),
    ):
        await reply(interaction, already(request))
        return
    text = (await pick(bot, request.user_id, "remind_confirm")).format(when=discord_timestamp(due, "R"))
    await reply(interaction, embed=discord.Embed(description=text, colour=CALM))


async def on_not_now(bot: BouncebackBot, interaction: Interaction, request: FeedbackRequest) -> None:
    """ "Not now": set it aside, no reminders."""
    if not await transition(bot, request, "dismissed", allowed_from=("drafted", "remind"), cancel=(REMIND_KIND,)):
        await reply(interaction, already(request))
        return
    await reply(interaction, embed=discord.Embed(description=await pick(bot, request.user_id, "not_now"), colour=CALM))


async def on_not_yet(bot: BouncebackBot, interaction: Interaction, request: FeedbackRequest) -> None:
    """ "Not yet": ask again later; at the cut-off the request is closed as ghosted."""
    if request.state != "sent" or request.sent_at is None:
        await reply(interaction, already(request))
        return
    rules, now = schedule_of(bot), bot.now()
    about = about_phrase(request.company, request.role)
    if rules.is_ghosted(request.sent_at, now):
        if await transition(bot, request, "ghosted", allowed_from=("sent",), cancel=(FOLLOWUP_KIND,)):
            text = await ghosted_text(bot, request)
            await reply(interaction, embed=discord.Embed(description=text, colour=CALM))
        else:
            await reply(interaction, already(request))
        return
    due = await daytime(bot, request.user_id, rules.next_followup_at(request.sent_at, now), interaction)
    if not await transition(
        bot,
        request,
        "sent",
        allowed_from=("sent",),
        next_action_at=due,
        cancel=(FOLLOWUP_KIND,),
        schedule=(FOLLOWUP_KIND, due),
    ):
        await reply(interaction, already(request))
        return
    final = due >= rules.ghosted_at(request.sent_at)
    text = (await pick(bot, request.user_id, "not_yet_final" if final else "not_yet")).format(
        when=discord_timestamp(due, "R"), about=about
    )
    await reply(interaction, embed=discord.Embed(description=text, colour=CALM))


async def on_no_reply(bot: BouncebackBot, interaction: Interaction, request: FeedbackRequest) -> None:
    """ "No reply": close it, gently."""
    if not await transition(bot, request, "no_reply", allowed_from=("sent",), cancel=(FOLLOWUP_KIND,)):
        await reply(interaction, already(request))
        return
    await reply(interaction, embed=discord.Embed(description=await pick(bot, request.user_id, "no_reply"), colour=CALM))


async def on_replied(bot: BouncebackBot, interaction: Interaction, request: FeedbackRequest) -> None:
    """ "They replied": a modal to note what they said."""
    if request.state not in ("sent", "replied", "no_reply", "ghosted"):
        await reply(interaction, texts()["send_first"])
        return
    await interaction.response.send_modal(FeedbackNoteModal(request.id, request.user_id, request.describe()))


HANDLERS = {
    "sent": on_sent,
    "remind": on_remind,
    "notnow": on_not_now,
    "replied": on_replied,
    "notyet": on_not_yet,
    "noreply": on_no_reply,
}


class FeedbackAction(OwnedButton, prefix="feedback", fields=(("action", "|".join(ACTIONS)), "request_id", "owner_id")):
    """Every button under a draft or a follow-up DM; its state lives in the custom id, so it survives restarts."""

    action: str
    request_id: int
    owner_id: int

    def __init__(self, action: str, request_id: int, owner_id: int, *, label: str | None = None) -> None:
        self._label = label if action == "remind" else None  # "Remind me in 2 days", from the configured delay
        super().__init__(action, request_id, owner_id)

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """The button for this action, labelled from data/feedback.toml."""
        emoji, style = LOOKS[self.action]
        label = self._label or str(texts()["buttons"][self.action])
        return discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=custom_id)

    async def pressed(self, interaction: Interaction) -> None:
        """Look the request up and do what the button says."""
        bot = interaction.client
        request = await store_of(bot).get(self.request_id, self.owner_id)
        if request is None:
            await reply(interaction, texts()["not_found"])
            return
        await HANDLERS[self.action](bot, interaction, request)


class FeedbackNoteModal(BaseModal):
    """What the company said, in the member's words; it joins the reflection on that rejection."""

    def __init__(self, request_id: int, owner_id: int, about: str) -> None:
        text = texts()["note_modal"]
        title = fits_title(text["title"].format(about=plain(about)))
        super().__init__(title=title, custom_id=f"feedback:note:{request_id}:{owner_id}")
        self.request_id = request_id
        self.owner_id = owner_id
        self.note: discord.ui.TextInput[Any] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            custom_id="note",
            required=True,
            max_length=MAX_NOTE,
            placeholder=text["placeholder"],
        )
        self.add_item(discord.ui.Label(text=text["label"], description=text["description"], component=self.note))

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        """Keep the note, close the request as replied, and say where the note went."""
        bot: BouncebackBot = interaction.client  # typed here: Modal.on_submit takes any client
        text = self.note.value.strip()
        store = store_of(bot)
        request = await store.get(self.request_id, self.owner_id)
        if request is None:
            await reply(interaction, texts()["not_found"])
            return
        now = bot.now()
        async with bot.database.transaction() as tx:
            changed = await store.set_state(
                tx, request.id, self.owner_id, "replied", now, allowed_from=("sent", "replied", "no_reply", "ghosted")
            )
            reflection_id: int | None = None
            note_id = 0
            if changed:
                await bot.scheduler.cancel_timers(
                    FOLLOWUP_KIND, user_id=self.owner_id, payload_match={"request_id": request.id}, tx=tx
                )
                note_id, reflection_id = await store.add_note(
                    tx,
                    user_id=self.owner_id,
                    request_id=request.id,
                    checkin_id=request.checkin_id,
                    text=text,
                    now=now,
                )
        if not changed:
            await reply(interaction, already(request))
            return
        bot.dispatch("feedback_state_changed", self.owner_id, request.id, "replied")
        assessment = await bot.care.assess(interaction, self.owner_id, text)
        if assessment.needs_care:
            care = await bot.care.reply_parts(interaction, assessment)
            quiet = discord.Embed(description=care_words()["quiet"]["feedback_saved"], colour=WARM)
            await reply(interaction, embeds=[*care.embeds, quiet], view=care.view())
            return
        about = about_phrase(request.company, request.role)
        key = "replied_joined" if reflection_id is not None else "replied_kept"
        embed = discord.Embed(description=(await pick(bot, self.owner_id, key)).format(about=about), colour=WARM)
        view = StaticView()  # "Reflect now" is answered by core's next-step button, by its custom id
        reflect = next((step for step in bot.next_steps if step.key == "reflect"), None)
        if reflection_id is None and reflect is not None and request.checkin_id is not None:
            view.add_item(
                discord.ui.Button(
                    label=reflect.label,
                    emoji=reflect.emoji,
                    style=discord.ButtonStyle.primary,
                    custom_id=reflect.custom_id(request.checkin_id, self.owner_id),
                )
            )
        # One "Add to my plan" per line the reply gives to act on, if a capability offers it; it answers them.
        for offer in await bot.offer_items("plan", "feedback", note_id, self.owner_id):
            view.add_item(offer)
        await reply(interaction, embed=embed, view=view)


async def ask_for_feedback(interaction: Interaction, checkin_id: int, owner_id: int) -> None:
    """ "Ask for feedback" after /rejected: a small "who and how" modal, then the draft."""
    checkin = await interaction.client.checkins.get(checkin_id, owner_id)
    if checkin is None:
        await reply(interaction, texts()["no_checkin"])
        return
    signature = await store_of(interaction.client).signature(owner_id)
    await interaction.response.send_modal(DraftOptionsModal(checkin.id, owner_id, signature))


class DraftOptionsModal(BaseModal):
    """Interviewer name (optional), tone and the name to sign with, for a draft started after /rejected."""

    def __init__(self, checkin_id: int, owner_id: int, signature: str | None = None) -> None:
        text = texts()
        super().__init__(title=fits_title(text["ask_step"]), custom_id=f"feedback:options:{checkin_id}:{owner_id}")
        self.checkin_id = checkin_id
        self.owner_id = owner_id
        self.name: discord.ui.TextInput[Any] = discord.ui.TextInput(
            style=discord.TextStyle.short,
            custom_id="interviewer",
            required=False,
            max_length=MAX_NAME,
            placeholder=text["options_modal"]["name_placeholder"],
        )
        self.tone: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="tone",
            min_values=1,
            max_values=1,
            required=True,
            options=[
                discord.SelectOption(label=text["tones"][tone], value=tone, default=tone == DEFAULT_TONE)
                for tone in TONES
            ],
        )
        labels = text["options_modal"]
        self.sign_as: discord.ui.TextInput[Any] = discord.ui.TextInput(
            style=discord.TextStyle.short,
            custom_id="sign_as",
            required=False,
            max_length=MAX_NAME,
            placeholder=labels["sign_placeholder"],
            default=signature,
        )
        self.add_item(
            discord.ui.Label(text=labels["name_label"], description=labels["name_description"], component=self.name)
        )
        self.add_item(discord.ui.Label(text=labels["tone_label"], component=self.tone))
        self.add_item(
            discord.ui.Label(text=labels["sign_label"], description=labels["sign_description"], component=self.sign_as)
        )

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        """Write the draft."""
        bot: BouncebackBot = interaction.client  # typed here: Modal.on_submit takes any client
        checkin = await bot.checkins.get(self.checkin_id, self.owner_id)
        if checkin is None:
            await reply(interaction, texts()["no_checkin"])
            return
        tone = (self.tone.values or [DEFAULT_TONE])[0]
        tone = tone if tone in TONES else DEFAULT_TONE
        await start_draft(bot, interaction, checkin, self.name.value, tone, self.sign_as.value or None)


class RequestPicker(OwnedSelect, prefix="feedback:pick", fields=("owner_id",)):
    """The select under /feedback list: open one request to act on it."""

    owner_id: int

    def __init__(self, owner_id: int, requests: list[FeedbackRequest] | None = None) -> None:
        self._requests = requests or []  # none when rebuilt from a custom id: only the choice matters then
        super().__init__(owner_id)

    def build(self, custom_id: str) -> discord.ui.Select[Any]:
        """One option per request, with where it stands."""
        words_ = texts()
        options = [
            discord.SelectOption(
                label=plain(request.describe())[:100],
                value=str(request.id),
                description=words_["state_names"][request.state],
            )
            for request in self._requests[:MAX_OPTIONS]
        ] or [discord.SelectOption(label=words_["list"]["picker_empty"], value="0")]
        return discord.ui.Select(placeholder=words_["list"]["picker"], options=options, custom_id=custom_id)

    async def pressed(self, interaction: Interaction) -> None:
        """Show the chosen request with the buttons that fit its state."""
        bot = interaction.client
        request_id = parse_id(self.values[0] if self.values else "0")
        request = None if request_id is None else await store_of(bot).get(request_id, self.owner_id)
        if request is None:
            await reply(interaction, texts()["not_found"])
            return
        delete = delete_this_button("feedback", request.id, self.owner_id)
        if request.state == "sent":
            text = (await pick(bot, self.owner_id, "followup_dm")).format(
                about=about_phrase(request.company, request.role),
                sent=discord_timestamp(request.sent_at or request.updated_at, "R"),
            )
            view = followup_view(request.id, self.owner_id).add_item(delete)
            await reply(interaction, embed=discord.Embed(description=text, colour=CALM), view=view)
            return
        if request.state in ("drafted", "remind", "dismissed"):
            view = draft_view(bot, request.id, self.owner_id).add_item(delete)
            message = draft_message(state_line(request), request.subject or "", request.body or "")
            await reply(interaction, message, view=view)
            return
        await reply(interaction, already(request), view=StaticView(delete))
