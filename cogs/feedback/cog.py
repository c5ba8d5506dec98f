"""`/feedback`: a polite request for feedback to copy, a reminder to send it, and gentle follow-ups by DM."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.care import words as care_words
from bot.client import BouncebackBot, Interaction
from bot.clock import discord_timestamp
from bot.content import load_content
from bot.delete_one import delete_this_button
from bot.delivery import DeliveryOutcome
from bot.scheduling import Timer
from bot.storage.checkins import Checkin
from bot.storage.feedback import (
    TONES,
    FeedbackRequest,
    FeedbackSchedule,
    add_note,
    count_by_state,
    create_request,
    get_request,
    list_requests,
    open_requests,
    record_ask,
    set_state,
)
from bot.text import parse_id
from bot.ui import (
    CALM,
    WARM,
    BaseModal,
    NextStep,
    guarded,
    refuse_if_not_owner,
    reply,
    untracked,
)

log = logging.getLogger(__name__)

REMIND_KIND = "feedback_remind"
FOLLOWUP_KIND = "feedback_followup"
DEFAULT_TONE = "warm"
TONE_LABELS = {"brief": "Brief", "warm": "Warm", "formal": "Formal"}
MAX_NAME = 80
MAX_NOTE = 2000
MAX_CHOICES = 25
MAX_MESSAGE = 2000
MINUTE, HOUR, DAY, WEEK = 60, 3600, 86_400, 7 * 86_400
ACTION_ID = (
    r"feedback:(?P<action>sent|remind|notnow|replied|notyet|noreply):(?P<request_id>\d+):(?P<owner_id>\d+)"
)
PICK_ID = r"feedback:pick:(?P<owner_id>\d+)"
UNESCAPE = re.compile(r"\\([\\*_`~|>#\[\]()-])")
NOT_FOUND = "I couldn't find that feedback request any more (it may have been deleted). `/feedback list` shows yours."
NO_CHECKIN = (
    "I couldn't find that rejection. Pick one from the list, or log it first with `/rejected` "
    "(it only takes a moment), then come back to `/feedback draft`."
)
STATE_LINES = {
    "drafted": "📝 Draft ready, not sent yet",
    "remind": "⏰ I'll remind you {next}",
    "sent": "📨 Sent {sent}; I'll ask whether they replied {next}",
    "replied": "💬 They replied",
    "no_reply": "🔕 No reply",
    "ghosted": "🌫️ Closed after no reply",
    "dismissed": "💤 Set aside",
}
STATE_NAMES = {
    "drafted": "Draft ready, not sent yet",
    "remind": "Reminder set",
    "sent": "Sent, waiting to hear back",
    "replied": "They replied",
    "no_reply": "No reply",
    "ghosted": "Closed after no reply",
    "dismissed": "Set aside",
}


class DeliveryDeferred(RuntimeError):
    """A DM could not go out right now; raising lets the timer service retry it with backoff."""


@dataclass(frozen=True)
class Draft:
    """A ready-to-copy feedback request."""

    subject: str
    body: str


def words() -> dict[str, Any]:
    """Drafts and messages, from data/feedback_templates.toml."""
    return load_content("feedback_templates")


def plain(text: str | None) -> str:
    """Undo Discord markdown escaping and drop backticks, so text reads right inside a code block."""
    return UNESCAPE.sub(r"\1", text or "").replace("`", "'")


def clean_name(text: str | None) -> str | None:
    """An interviewer's name fit for a greeting: one line, no backticks, not too long."""
    collapsed = " ".join((text or "").replace("`", "'").split())[:MAX_NAME]
    return collapsed or None


def humanize_delay(seconds: float) -> str:
    """A delay in words: "2 days", "3 weeks", "4 hours", "30 seconds"."""
    total = max(1, round(seconds))
    if total >= 2 * WEEK and total % WEEK == 0:
        count, unit = total // WEEK, "week"
    elif total >= DAY:
        count, unit = round(total / DAY), "day"
    elif total >= HOUR:
        count, unit = round(total / HOUR), "hour"
    elif total >= MINUTE:
        count, unit = round(total / MINUTE), "minute"
    else:
        count, unit = total, "second"
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def _role_phrase(role: str) -> str:
    return f"the {role}" if role.casefold().endswith(("role", "position", "job")) else f"the {role} role"


def about_phrase(company: str | None, role: str | None) -> str:
    """What the request is about, for messages: "the Data Analyst role at Acme", "your interview at Acme"."""
    company, role = plain(company) or None, plain(role) or None
    if company and role:
        return f"{_role_phrase(role)} at {company}"
    if company:
        return f"your interview at {company}"
    return _role_phrase(role) if role else "your recent interview"


def placeholders(
    company: str | None, role: str | None, interviewer: str | None, sender: str, tone: str
) -> dict[str, str]:
    """The values a draft template is filled with."""
    company, role = plain(company) or None, plain(role) or None
    greetings = words()["greetings"][tone]
    name = clean_name(interviewer)
    if company and role:
        position, subject_position = f"{_role_phrase(role)} at {company}", f"{role} at {company}"
    elif company:
        position, subject_position = f"the role at {company}", company
    elif role:
        position, subject_position = _role_phrase(role), role
    else:
        position, subject_position = "the role", "the open role"
    return {
        "greeting": greetings["named"].format(name=name) if name else greetings["unnamed"],
        "position": position,
        "subject_position": subject_position,
        "team": f"the team at {company}" if company else "your team",
        "sender": clean_name(sender) or "",
    }


def compose_draft(
    variant: dict[str, str], *, tone: str, company: str | None, role: str | None, interviewer: str | None, sender: str
) -> Draft:
    """Fill one template variant with the rejection's details."""
    values = placeholders(company, role, interviewer, sender, tone)
    return Draft(subject=variant["subject"].format(**values), body=variant["body"].format(**values).strip())


def draft_message(intro: str, subject: str, body: str) -> str:
    """The draft as a message: a line of intro, then subject and body in code blocks so they copy cleanly."""
    text = f"{intro}\n\n**Subject**\n```\n{subject}\n```\n**Message**\n```\n{body}\n```"
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 4] + "\n```"


def choice_label(checkin: Checkin) -> str:
    """How a check-in appears in the autocomplete list."""
    day = checkin.created_at
    label = f"{plain(checkin.describe())} · {day.day} {day:%b %Y}"
    return label if len(label) <= 100 else label[:99] + "…"


def state_line(request: FeedbackRequest) -> str:
    """One line saying where a request stands."""
    def stamp(moment: datetime | None, style: str) -> str:
        return discord_timestamp(moment, style) if moment else "soon"

    return STATE_LINES[request.state].format(
        next=stamp(request.next_action_at, "R"), sent=stamp(request.sent_at, "d")
    )


def action_button(
    action: str, request_id: int, owner_id: int, *, remind_label: str = "Remind me later"
) -> FeedbackAction:
    """One of the persistent buttons under a draft or a follow-up."""
    return FeedbackAction(action, request_id, owner_id, remind_label=remind_label)


def draft_view(bot: BouncebackBot, request_id: int, owner_id: int) -> discord.ui.View:
    """"I sent it", "Remind me in N days", "Not now"."""
    view = discord.ui.View(timeout=None)
    label = remind_label(bot)
    for action in ("sent", "remind", "notnow"):
        view.add_item(action_button(action, request_id, owner_id, remind_label=label))
    return untracked(view)


def followup_view(request_id: int, owner_id: int) -> discord.ui.View:
    """"They replied", "Not yet", "No reply"."""
    view = discord.ui.View(timeout=None)
    for action in ("replied", "notyet", "noreply"):
        view.add_item(action_button(action, request_id, owner_id))
    return untracked(view)


def remind_label(bot: BouncebackBot) -> str:
    """The reminder button's label, from the configured delay."""
    return f"Remind me in {humanize_delay(bot.settings.feedback_remind_delay_seconds)}"


def schedule_of(bot: BouncebackBot) -> FeedbackSchedule:
    """The feedback due-time rules with this bot's settings."""
    return FeedbackSchedule.from_settings(bot.settings)


async def pick(bot: BouncebackBot, user_id: int, key: str) -> str:
    """A wording variant from the data file, never the same twice in a row."""
    return await bot.wording.pick(user_id, f"feedback:{key}", words()[key])


async def start_draft(
    bot: BouncebackBot, interaction: Interaction, checkin: Checkin, interviewer: str | None, tone: str
) -> None:
    """Write a draft for a check-in, store it as a request, and show it with its buttons."""
    variants = words()["tones"][tone]
    numbers = [str(i) for i in range(len(variants))]
    index = int(await bot.wording.pick(interaction.user.id, f"feedback:draft:{tone}", numbers))
    draft = compose_draft(
        variants[index], tone=tone, company=checkin.company, role=checkin.role, interviewer=interviewer,
        sender=interaction.user.display_name,
    )
    request_id = await create_request(
        bot.database, bot.cipher, user_id=interaction.user.id, checkin_id=checkin.id, tone=tone,
        interviewer_name=clean_name(interviewer), subject=draft.subject, body=draft.body, now=bot.now(),
    )
    intro = await pick(bot, interaction.user.id, "draft_intro")
    assessment = await bot.care.assess(interaction, interaction.user.id, interviewer)
    if assessment.needs_care:
        # Support first; the draft is kept privately for later (see /feedback list), not pressed on them now.
        care = await bot.care.reply_parts(interaction, assessment)
        quiet = discord.Embed(description=care_words()["quiet"]["feedback_saved"], colour=WARM)
        await reply(interaction, embeds=[*care.embeds, quiet], view=care.view())
    else:
        await reply(
            interaction, draft_message(intro, draft.subject, draft.body),
            view=draft_view(bot, request_id, interaction.user.id),
        )
    bot.dispatch("feedback_state_changed", interaction.user.id, request_id, "drafted")


async def checkin_choices(bot: BouncebackBot, user_id: int, current: str) -> list[app_commands.Choice[str]]:
    """The member's recent check-ins for autocomplete, newest first, filtered by what they typed."""
    needle = current.casefold().strip()
    choices = [
        app_commands.Choice(name=choice_label(checkin), value=str(checkin.id))
        for checkin in await bot.checkins.recent(user_id, limit=50)
    ]
    if needle:
        choices = [choice for choice in choices if needle in choice.name.casefold()]
    return choices[:MAX_CHOICES]


async def _transition(
    bot: BouncebackBot, request: FeedbackRequest, state: str, *, allowed_from: tuple[str, ...],
    next_action_at: datetime | None = None, sent_at: datetime | None = None,
    cancel: tuple[str, ...] = (), schedule: tuple[str, datetime] | None = None,
) -> bool:
    """Change a request's state, cancel and schedule its timers, all in one transaction."""
    now = bot.now()
    async with bot.database.transaction() as tx:
        changed = await set_state(
            tx, request.id, request.user_id, state, now, allowed_from=allowed_from,
            next_action_at=next_action_at, sent_at=sent_at,
        )
        if not changed:
            return False
        for kind in cancel:
            await bot.timers.cancel(kind, user_id=request.user_id, payload_match={"request_id": request.id}, tx=tx)
        if schedule is not None:
            kind, due = schedule
            await bot.timers.schedule(kind, due, user_id=request.user_id, payload={"request_id": request.id}, tx=tx)
    bot.dispatch("feedback_state_changed", request.user_id, request.id, state)
    return True


def already(request: FeedbackRequest) -> str:
    """A kind reply for a button pressed after the request moved on."""
    if request.state == "sent":
        return "You've already told me you sent this one. I'll check in about a reply " + (
            f"{discord_timestamp(request.next_action_at, 'R')}." if request.next_action_at else "soon."
        )
    if request.state in ("replied", "no_reply", "ghosted"):
        return "This one's already closed. You'll find it in `/feedback list`."
    if request.state == "dismissed":
        return "You set this one aside. No need to do anything more."
    return "That's already noted. `/feedback list` shows where each request stands."


async def on_sent(bot: BouncebackBot, interaction: Interaction, request: FeedbackRequest) -> None:
    """"I sent it": wait, then ask whether they replied."""
    now = bot.now()
    due = schedule_of(bot).first_followup_at(now)
    if not await _transition(
        bot, request, "sent", allowed_from=("drafted", "remind", "dismissed"), sent_at=now, next_action_at=due,
        cancel=(REMIND_KIND,), schedule=(FOLLOWUP_KIND, due),
    ):
        await reply(interaction, already(request))
        return
    text = (await pick(bot, request.user_id, "sent_confirm")).format(when=discord_timestamp(due, "R"))
    await reply(interaction, embed=discord.Embed(description=text, colour=WARM))


async def on_remind(bot: BouncebackBot, interaction: Interaction, request: FeedbackRequest) -> None:
    """"Remind me": send the draft again after the configured delay."""
    due = schedule_of(bot).remind_at(bot.now())
    if not await _transition(
        bot, request, "remind", allowed_from=("drafted", "remind", "dismissed"), next_action_at=due,
        cancel=(REMIND_KIND,), schedule=(REMIND_KIND, due),
    ):
        await reply(interaction, already(request))
        return
    text = (await pick(bot, request.user_id, "remind_confirm")).format(when=discord_timestamp(due, "R"))
    await reply(interaction, embed=discord.Embed(description=text, colour=CALM))


async def on_not_now(bot: BouncebackBot, interaction: Interaction, request: FeedbackRequest) -> None:
    """"Not now": set it aside, no reminders."""
    if not await _transition(
        bot, request, "dismissed", allowed_from=("drafted", "remind"), cancel=(REMIND_KIND,)
    ):
        await reply(interaction, already(request))
        return
    await reply(interaction, embed=discord.Embed(description=await pick(bot, request.user_id, "not_now"), colour=CALM))


async def on_not_yet(bot: BouncebackBot, interaction: Interaction, request: FeedbackRequest) -> None:
    """"Not yet": ask again later; at the cut-off the request is closed as ghosted."""
    if request.state != "sent" or request.sent_at is None:
        await reply(interaction, already(request))
        return
    rules, now = schedule_of(bot), bot.now()
    about = about_phrase(request.company, request.role)
    if rules.is_ghosted(request.sent_at, now):
        if await _transition(bot, request, "ghosted", allowed_from=("sent",), cancel=(FOLLOWUP_KIND,)):
            text = await ghosted_text(bot, request)
            await reply(interaction, embed=discord.Embed(description=text, colour=CALM))
        else:
            await reply(interaction, already(request))
        return
    due = rules.next_followup_at(request.sent_at, now)
    if not await _transition(
        bot, request, "sent", allowed_from=("sent",), next_action_at=due,
        cancel=(FOLLOWUP_KIND,), schedule=(FOLLOWUP_KIND, due),
    ):
        await reply(interaction, already(request))
        return
    final = due >= rules.ghosted_at(request.sent_at)
    text = (await pick(bot, request.user_id, "not_yet_final" if final else "not_yet")).format(
        when=discord_timestamp(due, "R"), about=about
    )
    await reply(interaction, embed=discord.Embed(description=text, colour=CALM))


async def on_no_reply(bot: BouncebackBot, interaction: Interaction, request: FeedbackRequest) -> None:
    """"No reply": close it, gently."""
    if not await _transition(bot, request, "no_reply", allowed_from=("sent",), cancel=(FOLLOWUP_KIND,)):
        await reply(interaction, already(request))
        return
    await reply(interaction, embed=discord.Embed(description=await pick(bot, request.user_id, "no_reply"), colour=CALM))


async def on_replied(bot: BouncebackBot, interaction: Interaction, request: FeedbackRequest) -> None:
    """"They replied": a modal to note what they said."""
    if request.state not in ("sent", "replied", "no_reply", "ghosted"):
        await reply(interaction, "Mark the request as sent first (the \"I sent it\" button), then note their reply.")
        return
    await interaction.response.send_modal(FeedbackNoteModal(request.id, request.user_id, request.describe()))


async def ghosted_text(bot: BouncebackBot, request: FeedbackRequest) -> str:
    """The gentle note that closes a request nobody answered."""
    return (await pick(bot, request.user_id, "ghosted_dm")).format(
        about=about_phrase(request.company, request.role),
        elapsed=humanize_delay(bot.settings.feedback_ghosted_after_seconds),
    )


HANDLERS = {
    "sent": on_sent,
    "remind": on_remind,
    "notnow": on_not_now,
    "replied": on_replied,
    "notyet": on_not_yet,
    "noreply": on_no_reply,
}
LABELS: dict[str, tuple[str, str | None, discord.ButtonStyle]] = {
    "sent": ("I sent it", "📨", discord.ButtonStyle.success),
    "remind": ("Remind me later", "⏰", discord.ButtonStyle.secondary),
    "notnow": ("Not now", None, discord.ButtonStyle.secondary),
    "replied": ("They replied", "💬", discord.ButtonStyle.success),
    "notyet": ("Not yet", "⏳", discord.ButtonStyle.secondary),
    "noreply": ("No reply", None, discord.ButtonStyle.secondary),
}


class FeedbackAction(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ACTION_ID):
    """Every button under a draft or a follow-up DM; its state lives in the custom id, so it survives restarts."""

    def __init__(self, action: str, request_id: int, owner_id: int, *, remind_label: str = "Remind me later") -> None:
        label, emoji, style = LABELS[action]
        super().__init__(
            discord.ui.Button(
                label=remind_label if action == "remind" else label, emoji=emoji, style=style,
                custom_id=f"feedback:{action}:{request_id}:{owner_id}",
            )
        )
        self.action = action
        self.request_id = request_id
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FeedbackAction:
        """Rebuild from a custom id."""
        return cls(match["action"], int(match["request_id"]), int(match["owner_id"]))

    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Look the request up and do what the button says."""
        if await refuse_if_not_owner(interaction, self.owner_id):
            return
        bot = interaction.client
        request = await get_request(bot.database, bot.cipher, self.request_id, self.owner_id)
        if request is None:
            await reply(interaction, NOT_FOUND)
            return
        await HANDLERS[self.action](bot, interaction, request)


class FeedbackNoteModal(BaseModal):
    """What the company said, in the member's words; it joins the reflection on that rejection."""

    def __init__(self, request_id: int, owner_id: int, about: str) -> None:
        title = f"Their feedback: {plain(about)}"
        super().__init__(
            title=title if len(title) <= 45 else title[:44] + "…",
            custom_id=f"feedback:note:{request_id}:{owner_id}",
        )
        self.request_id = request_id
        self.owner_id = owner_id
        self.note: discord.ui.TextInput[Any] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, custom_id="note", required=True, max_length=MAX_NOTE,
            placeholder="e.g. Strong on SQL; they went with someone with more stakeholder experience",
        )
        self.add_item(
            discord.ui.Label(
                text="What did they say?",
                description="In your own words is fine. It stays private, with your reflection.",
                component=self.note,
            )
        )

    async def on_submit(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Keep the note, close the request as replied, and say where the note went."""
        bot = interaction.client
        text = self.note.value.strip()
        request = await get_request(bot.database, bot.cipher, self.request_id, self.owner_id)
        if request is None:
            await reply(interaction, NOT_FOUND)
            return
        now = bot.now()
        async with bot.database.transaction() as tx:
            changed = await set_state(
                tx, request.id, self.owner_id, "replied", now, allowed_from=("sent", "replied", "no_reply", "ghosted")
            )
            reflection_id: int | None = None
            if changed:
                await bot.timers.cancel(
                    FOLLOWUP_KIND, user_id=self.owner_id, payload_match={"request_id": request.id}, tx=tx
                )
                _, reflection_id = await add_note(
                    tx, bot.cipher, user_id=self.owner_id, request_id=request.id, checkin_id=request.checkin_id,
                    text=text, now=now,
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
        view = discord.ui.View(timeout=None)
        reflect = next((step for step in bot.next_steps if step.key == "reflect"), None)
        if reflection_id is None and reflect is not None and request.checkin_id is not None:
            view.add_item(
                discord.ui.Button(
                    label=reflect.label, emoji=reflect.emoji, style=discord.ButtonStyle.primary,
                    custom_id=reflect.custom_id(request.checkin_id, self.owner_id),
                )
            )
        await reply(interaction, embed=embed, view=untracked(view))


async def ask_for_feedback(interaction: Interaction, checkin_id: int, owner_id: int) -> None:
    """"Ask for feedback" after /rejected: a small "who and how" modal, then the draft."""
    checkin = await interaction.client.checkins.get(checkin_id, owner_id)
    if checkin is None:
        await reply(interaction, NO_CHECKIN)
        return
    await interaction.response.send_modal(DraftOptionsModal(checkin.id, owner_id))


FEEDBACK_STEP = NextStep("feedback", "Ask for feedback", "✉️", 20, ask_for_feedback)


class DraftOptionsModal(BaseModal):
    """Interviewer name (optional) and tone, for a draft started from the button after /rejected."""

    def __init__(self, checkin_id: int, owner_id: int) -> None:
        super().__init__(title="Ask for feedback", custom_id=f"feedback:options:{checkin_id}:{owner_id}")
        self.checkin_id = checkin_id
        self.owner_id = owner_id
        self.name: discord.ui.TextInput[Any] = discord.ui.TextInput(
            style=discord.TextStyle.short, custom_id="interviewer", required=False, max_length=MAX_NAME,
            placeholder="e.g. Sam Rivera",
        )
        self.tone: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="tone", min_values=1, max_values=1, required=True,
            options=[
                discord.SelectOption(label=TONE_LABELS[tone], value=tone, default=tone == DEFAULT_TONE)
                for tone in TONES
            ],
        )
        self.add_item(
            discord.ui.Label(
                text="Interviewer's name (optional)", description="Used in the greeting.", component=self.name
            )
        )
        self.add_item(discord.ui.Label(text="Tone", component=self.tone))

    async def on_submit(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Write the draft."""
        bot = interaction.client
        checkin = await bot.checkins.get(self.checkin_id, self.owner_id)
        if checkin is None:
            await reply(interaction, NO_CHECKIN)
            return
        tone = (self.tone.values or [DEFAULT_TONE])[0]
        await start_draft(bot, interaction, checkin, self.name.value, tone if tone in TONES else DEFAULT_TONE)


class RequestPicker(discord.ui.DynamicItem[discord.ui.Select[Any]], template=PICK_ID):
    """The select under /feedback list: open one request to act on it."""

    def __init__(self, owner_id: int, requests: list[FeedbackRequest] | None = None) -> None:
        options = [
            discord.SelectOption(
                label=f"{plain(request.describe())}"[:100], value=str(request.id),
                description=STATE_NAMES[request.state],
            )
            for request in (requests or [])[:MAX_CHOICES]
        ] or [discord.SelectOption(label="(none)", value="0")]
        super().__init__(
            discord.ui.Select(
                placeholder="Open one to update it", options=options, custom_id=f"feedback:pick:{owner_id}"
            )
        )
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RequestPicker:
        """Rebuild from a custom id."""
        return cls(int(match["owner_id"]))

    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Show the chosen request with the buttons that fit its state."""
        if await refuse_if_not_owner(interaction, self.owner_id):
            return
        bot = interaction.client
        value = self.item.values[0] if self.item.values else "0"
        request_id = parse_id(value)
        request = None if request_id is None else await get_request(bot.database, bot.cipher, request_id, self.owner_id)
        if request is None:
            await reply(interaction, NOT_FOUND)
            return
        about = about_phrase(request.company, request.role)
        if request.state == "sent":
            text = (await pick(bot, self.owner_id, "followup_dm")).format(
                about=about, sent=discord_timestamp(request.sent_at or request.updated_at, "R")
            )
            view = followup_view(request.id, self.owner_id)
            view.add_item(delete_this_button("feedback", request.id, self.owner_id))
            await reply(interaction, embed=discord.Embed(description=text, colour=CALM), view=view)
            return
        if request.state in ("drafted", "remind", "dismissed"):
            view = draft_view(bot, request.id, self.owner_id)
            view.add_item(delete_this_button("feedback", request.id, self.owner_id))
            await reply(
                interaction, draft_message(state_line(request), request.subject or "", request.body or ""), view=view,
            )
            return
        closed = discord.ui.View(timeout=None).add_item(delete_this_button("feedback", request.id, self.owner_id))
        await reply(interaction, already(request), view=untracked(closed))


class FeedbackCog(commands.Cog):
    """`/feedback draft`, `/feedback list`, the "Ask for feedback" next step, and the feedback timers."""

    feedback = app_commands.Group(name="feedback", description="Ask an interviewer for feedback and keep track of it")

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register persistent components, the next step after /rejected, and the timer handlers."""
        self.bot.add_dynamic_items(FeedbackAction, RequestPicker)
        self.bot.register_next_step(FEEDBACK_STEP)
        self.bot.register_deleter("feedback", self.delete_request)
        self.bot.timers.register(REMIND_KIND, self.remind_due)
        self.bot.timers.register(FOLLOWUP_KIND, self.followup_due)

    async def cog_unload(self) -> None:
        """Withdraw them; pending timers wait in the table."""
        self.bot.remove_dynamic_items(FeedbackAction, RequestPicker)
        self.bot.unregister_next_step(FEEDBACK_STEP.key)
        self.bot.unregister_deleter("feedback")
        self.bot.timers.unregister(REMIND_KIND)
        self.bot.timers.unregister(FOLLOWUP_KIND)

    async def delete_request(self, request_id: int, owner_id: int) -> tuple[bool, list[str]]:
        """"Delete this" on a feedback request: its notes go too, and no reminder or follow-up arrives about it."""
        async with self.bot.database.transaction() as tx:
            await tx.execute("DELETE FROM feedback_notes WHERE request_id = ? AND user_id = ?", (request_id, owner_id))
            found = await tx.execute(
                "DELETE FROM feedback_requests WHERE id = ? AND user_id = ?", (request_id, owner_id)
            ) > 0
            for kind in (REMIND_KIND, FOLLOWUP_KIND):
                await self.bot.timers.cancel(kind, user_id=owner_id, payload_match={"request_id": request_id}, tx=tx)
        return found, []

    @feedback.command(name="draft", description="Write a polite request for feedback after a rejection")
    @app_commands.describe(
        rejection="Which rejection? Your recent ones are listed",
        interviewer="The interviewer's name, for the greeting (optional)",
        tone="How it should sound (warm if you don't pick)",
    )
    @app_commands.choices(tone=[app_commands.Choice(name=TONE_LABELS[tone], value=tone) for tone in TONES])
    async def draft(
        self,
        interaction: Interaction,
        rejection: str,
        interviewer: app_commands.Range[str, 1, MAX_NAME] | None = None,
        tone: app_commands.Choice[str] | None = None,
    ) -> None:
        """Show a draft for the chosen rejection, with its three buttons."""
        value = rejection.strip()
        checkin_id = parse_id(value)
        checkin = None if checkin_id is None else await self.bot.checkins.get(checkin_id, interaction.user.id)
        if checkin is None:
            await reply(interaction, NO_CHECKIN)
            return
        await start_draft(self.bot, interaction, checkin, interviewer, tone.value if tone else DEFAULT_TONE)

    @draft.autocomplete("rejection")
    async def draft_rejection(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """The member's recent check-ins."""
        return await checkin_choices(self.bot, interaction.user.id, current)

    @feedback.command(name="list", description="Your feedback requests and where each one stands")
    async def list_requests(self, interaction: Interaction) -> None:
        """Open requests with their state and next date; closed ones as a count."""
        user_id = interaction.user.id
        waiting = await open_requests(self.bot.database, self.bot.cipher, user_id)
        counts = await count_by_state(self.bot.database, user_id)
        if not counts:
            await reply(
                interaction,
                "You haven't asked for feedback yet. Whenever you feel ready, `/feedback draft` writes one with you.",
            )
            return
        embed = discord.Embed(title="Your feedback requests", colour=CALM)
        if waiting:
            embed.description = "\n".join(
                f"**{request.describe()}** · {state_line(request)}" for request in waiting[:MAX_CHOICES]
            )
        else:
            embed.description = "Nothing open right now."
        closed = [
            f"{counts[state]} {label}"
            for state, label in (("replied", "replied"), ("no_reply", "no reply"), ("ghosted", "closed after silence"),
                                 ("dismissed", "set aside"))
            if counts.get(state)
        ]
        if closed:
            embed.add_field(name="Closed", value=" · ".join(closed), inline=False)
        if waiting:
            recent = waiting
        else:
            everything = await list_requests(self.bot.database, self.bot.cipher, user_id)
            recent = [request for request in everything if request.state == "dismissed"]
        view = discord.ui.View(timeout=None)
        if recent:
            view.add_item(RequestPicker(user_id, recent))
        await reply(interaction, embed=embed, view=view)

    async def remind_due(self, timer: Timer) -> None:
        """The reminder: the draft again by DM, with the same buttons."""
        bot = self.bot
        request = await self._request_for(timer)
        if request is None or request.state != "remind":
            return
        if not await bot.delivery.is_unreachable(request.user_id):
            intro = (await pick(bot, request.user_id, "remind_dm")).format(
                about=about_phrase(request.company, request.role)
            )
            result = await bot.delivery.send_dm(
                request.user_id, content=draft_message(intro, request.subject or "", request.body or ""),
                view=draft_view(bot, request.id, request.user_id), nonce=f"fbr{timer.id}", record="feedback_reminder",
            )
            if result.outcome is DeliveryOutcome.RETRY_LATER:
                raise DeliveryDeferred(f"reminder DM not delivered: {result.error}")
        async with bot.database.transaction() as tx:
            await set_state(tx, request.id, request.user_id, "drafted", bot.now(), allowed_from=("remind",))
        bot.dispatch("feedback_state_changed", request.user_id, request.id, "drafted")

    async def followup_due(self, timer: Timer) -> None:
        """Ask whether they replied; at the cut-off, close the request as ghosted instead."""
        bot = self.bot
        request = await self._request_for(timer)
        if request is None or request.state != "sent" or request.sent_at is None:
            return
        if request.last_ask_timer_id == timer.id:
            return  # this ask went out before a crash; the next one is already scheduled
        rules, now = schedule_of(bot), bot.now()
        reachable = not await bot.delivery.is_unreachable(request.user_id)
        if rules.is_ghosted(request.sent_at, now):
            if reachable:
                await self._send(request.user_id, f"fbg{timer.id}", embed=discord.Embed(
                    description=await ghosted_text(bot, request), colour=CALM))
            async with bot.database.transaction() as tx:
                await set_state(tx, request.id, request.user_id, "ghosted", now, allowed_from=("sent",))
            bot.dispatch("feedback_state_changed", request.user_id, request.id, "ghosted")
            return
        if reachable:
            text = (await pick(bot, request.user_id, "followup_dm")).format(
                about=about_phrase(request.company, request.role), sent=discord_timestamp(request.sent_at, "R")
            )
            reachable = await self._send(
                request.user_id, f"fbf{timer.id}", embed=discord.Embed(description=text, colour=CALM),
                view=followup_view(request.id, request.user_id),
            )
        # Unanswered asks repeat; with DMs closed, only the quiet close at the cut-off remains.
        due = rules.next_followup_at(request.sent_at, now) if reachable else rules.ghosted_at(request.sent_at)
        async with bot.database.transaction() as tx:
            await record_ask(tx, request.id, timer.id, due, now)
            await bot.timers.schedule(
                FOLLOWUP_KIND, due, user_id=request.user_id, payload={"request_id": request.id}, tx=tx
            )

    @commands.Cog.listener()
    async def on_feedback_remind_timer_failed(self, timer: Timer) -> None:
        """The reminder could not be delivered after every retry: stop promising it."""
        request = await self._request_for(timer)
        if request is None:
            return
        async with self.bot.database.transaction() as tx:
            changed = await set_state(
                tx, request.id, request.user_id, "drafted", self.bot.now(), allowed_from=("remind",)
            )
        if changed:
            self.bot.dispatch("feedback_state_changed", request.user_id, request.id, "drafted")

    @commands.Cog.listener()
    async def on_feedback_followup_timer_failed(self, timer: Timer) -> None:
        """A follow-up could not be delivered after every retry: try the next one, or close quietly at the cut-off."""
        bot = self.bot
        request = await self._request_for(timer)
        if request is None or request.state != "sent" or request.sent_at is None:
            return
        rules, now = schedule_of(bot), bot.now()
        ghosted = rules.is_ghosted(request.sent_at, now)
        due = rules.next_followup_at(request.sent_at, now)
        async with bot.database.transaction() as tx:
            if ghosted:
                changed = await set_state(tx, request.id, request.user_id, "ghosted", now, allowed_from=("sent",))
            else:
                changed = await set_state(
                    tx, request.id, request.user_id, "sent", now, allowed_from=("sent",), next_action_at=due
                )
                if changed:
                    await bot.timers.schedule(
                        FOLLOWUP_KIND, due, user_id=request.user_id, payload={"request_id": request.id}, tx=tx
                    )
        if changed:
            bot.dispatch("feedback_state_changed", request.user_id, request.id, "ghosted" if ghosted else "sent")

    async def _request_for(self, timer: Timer) -> FeedbackRequest | None:
        if timer.user_id is None or "request_id" not in timer.payload:
            log.warning("feedback timer %d has no member or request; skipping", timer.id)
            return None
        return await get_request(self.bot.database, self.bot.cipher, int(timer.payload["request_id"]), timer.user_id)

    async def _send(self, user_id: int, nonce: str, **kwargs: Any) -> bool:
        """DM a member; True if it went out, False if their DMs are closed; raises to retry later."""
        result = await self.bot.delivery.send_dm(user_id, nonce=nonce, record="feedback_followup", **kwargs)
        if result.outcome is DeliveryOutcome.RETRY_LATER:
            raise DeliveryDeferred(f"DM not delivered: {result.error}")
        return result.outcome is DeliveryOutcome.SENT


async def setup(bot: BouncebackBot) -> None:
    """Load the feedback cog."""
    await bot.add_cog(FeedbackCog(bot))
