"""The sandbox's pure parts: rendering messages as text, and parsing typed commands, choices and durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from emulator import ModalField
from sandbox.common import SandboxError
from sandbox.render import Action, format_timestamp, modal_field_lines, plain, relative_time, render_message, wrap
from sandbox.script import (
    ParsedCommand,
    choose_actions,
    command_usage,
    describe,
    field_value,
    parse_command,
    parse_duration,
)
from sandbox.session import next_step

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ALEX, WINS, HELPERS = 111, 222, 333


class DemoNames:
    """A tiny world: alex, #wins, @helpers."""

    def user(self, user_id: int) -> str | None:
        return "alex" if user_id == ALEX else None

    def channel(self, channel_id: int) -> str | None:
        return "wins" if channel_id == WINS else None

    def role(self, role_id: int) -> str | None:
        return "helpers" if role_id == HELPERS else None


class DemoResolver:
    """Looks names up the other way, as option parsing needs."""

    def user(self, name: str) -> int | None:
        return ALEX if name.casefold() == "alex" else None

    def channel(self, name: str) -> int | None:
        return WINS if name.casefold() == "wins" else None

    def role(self, name: str) -> int | None:
        return HELPERS if name.casefold() == "helpers" else None

    def user_names(self) -> list[str]:
        return ["alex", "jordan", "sam"]

    def channel_names(self) -> list[str]:
        return ["#general", "#wins"]


def option(name: str, kind: int = 3, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": kind, "description": name, **extra}


STAGES = [{"name": "Onsite / final round", "value": "onsite"}, {"name": "Recruiter / phone screen", "value": "screen"}]
COMMANDS: list[dict[str, Any]] = [
    {"name": "rejected", "type": 1, "options": [option("company"), option("stage", choices=STAGES)]},
    {"name": "win", "type": 1, "options": [option("text", required=True, max_length=20), option("anonymous", 5)]},
    {"name": "practice", "type": 1, "options": [option("questions", 4, min_value=1, max_value=5)]},
    {
        "name": "nudges",
        "type": 1,
        "options": [
            option("start", 1, options=[option("time", required=True), option("timezone", required=True)]),
            option("stop", 1),
        ],
    },
    {"name": "setup", "type": 1, "options": [option("wins-channel", 1, options=[option("channel", 7, required=True)])]},
    {"name": "thank", "type": 1, "options": [option("who", 6, required=True)]},
    {"name": "Report message", "type": 3},
]


def parse(line: str) -> ParsedCommand:
    return parse_command(line, COMMANDS, DemoResolver())


def rendered_text(**message: Any) -> str:
    return render_message(**{"content": "", "embeds": [], "components": [], "now": NOW, **message}).text()


# ---------------------------------------------------------------------------------------------- inline markup


def test_mentions_timestamps_emoji_and_markdown_become_plain_text() -> None:
    moment = int(datetime(2026, 11, 27, 9, 0, tzinfo=UTC).timestamp())
    text = (
        f"**Hi** <@{ALEX}>, see <#{WINS}> and <@&{HELPERS}>. Next: <t:{moment}:F> (<t:{moment}:R>) "
        "<:sparkle:123> </nudges start:99> [guide](https://example.org) Acme\\_Corp"
    )
    assert plain(text, DemoNames(), NOW) == (
        "Hi @alex, see #wins and @helpers. Next: Friday, 27 November 2026 09:00 UTC (in 1 day) "
        ":sparkle: /nudges start guide (https://example.org) Acme_Corp"
    )


def test_unknown_mentions_fall_back_to_ids() -> None:
    assert plain("<@999> in <#998>", DemoNames(), NOW) == "@999 in #998"


def test_jump_links_to_discord_messages_keep_only_their_text() -> None:
    assert plain("“Got a callback” [↗](https://discord.com/channels/1/2/3)", DemoNames(), NOW) == "“Got a callback” ↗"


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("t", "14:05 UTC"),
        ("T", "14:05:09 UTC"),
        ("d", "03/12/2026"),
        ("D", "3 December 2026"),
        ("f", "3 December 2026 14:05 UTC"),
        ("F", "Thursday, 3 December 2026 14:05 UTC"),
    ],
)
def test_timestamp_styles(style: str, expected: str) -> None:
    assert format_timestamp(datetime(2026, 12, 3, 14, 5, 9, tzinfo=UTC), style, NOW) == expected


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=10), "in a few seconds"),
        (timedelta(minutes=30), "in 30 minutes"),
        (timedelta(hours=1), "in 1 hour"),
        (timedelta(hours=-5), "5 hours ago"),
        (timedelta(days=3), "in 3 days"),
        (timedelta(days=-61), "2 months ago"),
        (timedelta(days=400), "in 1 year"),
    ],
)
def test_relative_times_read_like_discord(delta: timedelta, expected: str) -> None:
    assert relative_time(NOW + delta, NOW) == expected


# ---------------------------------------------------------------------------------------------- messages


def test_embed_shows_author_title_description_fields_and_footer() -> None:
    embed = {
        "author": {"name": "alex"},
        "title": "That's a hard one",
        "description": "First line.\nSecond line.",
        "fields": [{"name": "What happened", "value": "Acme · onsite"}, {"name": "Next", "value": "one\ntwo"}],
        "footer": {"text": "Only you can see this."},
    }
    assert rendered_text(content="Hello", embeds=[embed]).splitlines() == [
        "  Hello",
        "  │ from alex",
        "  │ That's a hard one",
        "  │ First line.",
        "  │ Second line.",
        "  │ What happened: Acme · onsite",
        "  │ Next:",
        "  │   one",
        "  │   two",
        "  │ — Only you can see this.",
    ]


def test_buttons_and_select_options_are_numbered_in_order() -> None:
    components = [
        {
            "type": 1,
            "components": [
                {
                    "type": 3,
                    "custom_id": "checkin:feeling:1:2",
                    "placeholder": "How are you feeling?",
                    "options": [
                        {"label": "Sad", "value": "sad", "emoji": {"name": "😢"}},
                        {"label": "Angry", "value": "angry", "description": "It feels unfair"},
                    ],
                }
            ],
        },
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 1, "label": "Post", "custom_id": "win:post:1", "emoji": {"name": "🎉"}},
                {"type": 2, "style": 2, "label": "Edit", "custom_id": "win:edit:1", "disabled": True},
                {"type": 2, "style": 5, "label": "Guide", "url": "https://example.org"},
                {"type": 2, "style": 4, "label": "Cancel", "custom_id": "win:cancel:1"},
            ],
        },
    ]
    result = render_message(content="", embeds=[], components=components, now=NOW)
    assert result.lines == [
        "  ▾ How are you feeling?",
        "    [1] 😢 Sad",
        "    [2] Angry — It feels unfair",
        "  [3] 🎉 Post  [Edit (not available)]  [Guide → https://example.org]  [4] Cancel",
    ]
    assert result.actions == [
        Action(1, "option", "😢 Sad", "checkin:feeling:1:2", "sad"),
        Action(2, "option", "Angry", "checkin:feeling:1:2", "angry"),
        Action(3, "button", "🎉 Post", "win:post:1"),
        Action(4, "button", "Cancel", "win:cancel:1"),
    ]


def test_unnumbered_rendering_offers_no_actions() -> None:
    components = [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Helpful", "custom_id": "n:1"}]}]
    result = render_message(content="", embeds=[], components=components, now=NOW, numbered=False)
    assert result.lines == ["  [Helpful]"] and result.actions == []


def test_multi_select_says_how_many_can_be_picked() -> None:
    select = {
        "type": 3,
        "custom_id": "s",
        "placeholder": "Topics",
        "max_values": 3,
        "options": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}],
    }
    result = render_message(content="", embeds=[], components=[{"type": 1, "components": [select]}], now=NOW)
    assert result.lines[0] == "  ▾ Topics (pick up to 3, e.g. 1,2)"
    assert {action.max_values for action in result.actions} == {3}


def test_empty_message_and_attachments() -> None:
    assert rendered_text() == "  (an empty message)"
    assert rendered_text(attachments=["chart.png (12 KB), saved as /tmp/x/chart.png"]) == (
        "  📎 chart.png (12 KB), saved as /tmp/x/chart.png"
    )


def test_long_lines_wrap_under_their_own_indentation() -> None:
    text = "— " + "word " * 30
    lines = wrap("  │ ", text.strip(), 40)
    assert all(len(line) <= 40 for line in lines)
    assert lines[0].startswith("  │ — word") and lines[1].startswith("  │   word")
    assert wrap("  ", "short", 40) == ["  short"] and wrap("  │ ", "", 40) == ["  │"]


def test_a_long_button_row_breaks_between_buttons() -> None:
    buttons = [{"type": 2, "style": 1, "label": f"Button number {n}", "custom_id": f"b{n}"} for n in range(1, 5)]
    result = render_message(content="", embeds=[], components=[{"type": 1, "components": buttons}], now=NOW, width=60)
    assert len(result.lines) == 2 and all(len(line) <= 60 for line in result.lines)
    assert [a.number for a in result.actions] == [1, 2, 3, 4]


def test_modal_field_prompts_say_required_length_and_default() -> None:
    text = ModalField(custom_id="vent", label="What's on your mind?", max_length=4000)
    assert modal_field_lines(text, 1, 2) == ["  Field 1/2: What's on your mind? (required; up to 4000 characters)"]
    keep = ModalField(
        custom_id="keep",
        label="Keep it?",
        type=3,
        required=False,
        options=[{"label": "No", "value": "no", "default": True}, {"label": "Yes", "value": "yes"}],
    )
    assert modal_field_lines(keep, 2, 2) == [
        "  Field 2/2: Keep it? (optional; keep: No)",
        "    [1] No",
        "    [2] Yes",
    ]


# ---------------------------------------------------------------------------------------------- typed input


def test_options_are_name_value_pairs_with_quotes_and_choices_in_any_case() -> None:
    assert parse('/rejected "company:Acme Corp" stage:ONSITE') == ParsedCommand(
        "rejected", {"company": "Acme Corp", "stage": "onsite"}
    )
    assert parse('/rejected company:"Initech Ltd" stage:"recruiter / phone screen"').options == {
        "company": "Initech Ltd",
        "stage": "screen",
    }
    assert parse("/rejected") == ParsedCommand("rejected", {})


def test_subcommands_and_values_containing_colons() -> None:
    assert parse("/nudges start time:09:00 timezone:Europe/London") == ParsedCommand(
        "nudges start", {"time": "09:00", "timezone": "Europe/London"}
    )


def test_typed_values_become_booleans_numbers_channels_and_members() -> None:
    assert parse("/win text:yay anonymous:yes").options == {"text": "yay", "anonymous": True}
    assert parse("/practice questions:3").options == {"questions": 3}
    assert parse("/setup wins-channel channel:#wins").options == {"channel": WINS}
    assert parse("/thank who:@Alex").options == {"who": ALEX}
    assert parse(f"/thank who:<@{ALEX}>").options == {"who": ALEX}


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("/nope", "There's no /nope. The bot's commands: /nudges, /practice, /rejected, /setup, /thank, /win."),
        ("/rejected compny:Acme", "has no option 'compny' (options: company, stage)"),
        ("/rejected stage:final", "stage can be: Onsite / final round (onsite), Recruiter / phone screen (screen)"),
        ("/rejected Acme", "'Acme' should be name:value. Usage: /rejected [company:<text>] [stage:<onsite|screen>]"),
        ("/win", "/win needs text:…"),
        ("/win text:this-is-far-too-long-for-it", "text takes 0 to 20 characters"),
        ("/win text:ok anonymous:maybe", "anonymous is yes or no"),
        ("/practice questions:9", "questions should be between 1 and 5"),
        ("/practice questions:two", "questions should be a whole number"),
        ("/nudges", "/nudges needs one of: start, stop"),
        ("/nudges begin", "/nudges has no 'begin'; it has: start, stop"),
        ("/setup wins-channel channel:#random", "there's no #random; channels: #general, #wins"),
        ("/thank who:robin", "I don't know 'robin'; members: alex, jordan, sam"),
        ('/rejected "company:Acme', "check the quotes"),
        ("/rejected company:A company:B", "'company' is given twice"),
        ("rejected", "A command starts with /"),
    ],
)
def test_mistakes_get_a_helpful_message(line: str, says: str) -> None:
    with pytest.raises(SandboxError) as caught:
        parse(line)
    assert says in str(caught.value)


def test_usage_marks_required_options() -> None:
    nudges_start = COMMANDS[3]["options"][0]["options"]
    assert command_usage("nudges start", nudges_start) == "/nudges start time:<text> timezone:<text>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1d", timedelta(days=1)),
        ("2h", timedelta(hours=2)),
        ("30m", timedelta(minutes=30)),
        ("1w", timedelta(weeks=1)),
        ("1d12h", timedelta(days=1, hours=12)),
        (" 2H ", timedelta(hours=2)),
        ("90s", timedelta(seconds=90)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "isn't a duration"),
        ("3x", "isn't a duration"),
        ("1 day", "isn't a duration"),
        ("0h", "above zero"),
        ("9w", "at most 8 weeks"),
    ],
)
def test_bad_durations(text: str, says: str) -> None:
    with pytest.raises(SandboxError, match=says):
        parse_duration(text)


def test_describe_and_the_step_grid() -> None:
    assert describe(timedelta(days=1)) == "1 day"
    assert describe(timedelta(weeks=1, hours=2, minutes=30)) == "1 week 2 hours 30 minutes"
    assert next_step(datetime(2026, 11, 26, 7, 33, tzinfo=UTC)) == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert next_step(datetime(2026, 11, 26, 8, 0, tzinfo=UTC)) == datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
    assert next_step(datetime(2026, 11, 26, 23, 45, tzinfo=UTC)) == datetime(2026, 11, 27, 0, 0, tzinfo=UTC)


BUTTONS = [Action(1, "button", "🎉 Post", "win:post"), Action(2, "button", "✏️ Edit", "win:edit")]
OPTIONS = [
    Action(n, "option", label, "topics", label.lower(), max_values=2)
    for n, label in enumerate(["Sad", "Angry", "Anxious"], start=1)
]


def test_choosing_by_number_label_or_several_options() -> None:
    assert choose_actions("2", BUTTONS) == [BUTTONS[1]]
    assert choose_actions("post", BUTTONS) == [BUTTONS[0]]
    assert choose_actions("🎉 Post", BUTTONS) == [BUTTONS[0]]
    assert choose_actions("1, 3", OPTIONS) == [OPTIONS[0], OPTIONS[2]]
    assert choose_actions("angry", OPTIONS) == [OPTIONS[1]]


@pytest.mark.parametrize(
    ("text", "actions", "says"),
    [
        ("1", [], "nothing to press"),
        ("7", BUTTONS, "There's no 7 here. Choose from: 1 🎉 Post, 2 ✏️ Edit."),
        ("share", BUTTONS, "Nothing here is called 'share'"),
        ("an", OPTIONS, "could be Angry or Anxious"),
        ("1,2", BUTTONS, "one button at a time"),
        ("1,2,3", OPTIONS, "at most 2"),
    ],
)
def test_choosing_mistakes(text: str, actions: list[Action], says: str) -> None:
    with pytest.raises(SandboxError, match=says):
        choose_actions(text, actions)


def test_form_answers_keep_defaults_and_check_limits() -> None:
    vent = ModalField(custom_id="vent", label="Vent", max_length=10)
    assert field_value(vent, " hello ") == "hello"
    with pytest.raises(SandboxError, match="required"):
        field_value(vent, "")
    with pytest.raises(SandboxError, match="at most 10"):
        field_value(vent, "x" * 11)
    edit = ModalField(custom_id="text", label="Your win", value="Old text")
    assert field_value(edit, "") == "Old text"
    keep = ModalField(
        custom_id="keep",
        label="Keep?",
        type=3,
        options=[
            {"label": "No", "value": "no", "default": True},
            {"label": "Yes", "value": "yes"},
        ],
    )
    assert field_value(keep, "") == ["no"]
    assert field_value(keep, "2") == ["yes"]
    assert field_value(keep, "yes") == ["yes"]
