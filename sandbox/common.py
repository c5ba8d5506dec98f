"""What the sandbox's parts share: the demo world's names, timings, exit codes, its own settings and logs."""

from __future__ import annotations

import logging
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from bot.config import PROJECT_ROOT, Settings

if TYPE_CHECKING:
    pass


log = logging.getLogger(__name__)

DEMO_GUILD = "Job Seekers"
WINS_CHANNEL = "wins"
DEMO_MEMBERS: tuple[tuple[str, bool], ...] = (("alex", False), ("jordan", False), ("sam", True))
# Fixed user ids (snowflakes from 2020, below anything the emulator generates now), so a database kept with
# --database recognises the same members next time.
FIXED_ID_BASE = 157_766_400_000 << 22
SCRIPT_WIDTH = 100  # transcripts wrap at a fixed width so they read the same everywhere
STEP = timedelta(minutes=30)  # well inside the nudges' lateness grace, so fast-forwarded nudges are not skipped
MAX_WAIT = timedelta(weeks=8)
QUIET_SECONDS = 0.05
SETTLE_SECONDS = 15.0
READY_SECONDS = 20.0
INTERACTION_SECONDS = 10.0
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# Tasks that carry the bot's work for an interaction or an event; the sandbox waits for them before printing.
WORK_TASK_PREFIXES = (
    "discord.py: ",
    "CommandTree-invoker",
    "discord-ui-view-dispatch",
    "discord-ui-dynamic-item",
    "discord-ui-modal-dispatch",
)
PROJECT_CODE = tuple(str(PROJECT_ROOT / package) + os.sep for package in ("bot", "cogs"))
DURATION_PART = re.compile(r"(\d+)\s*(w|d|h|m|s)", re.IGNORECASE)
DURATION_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
NUMBERS = re.compile(r"\d+(\s*,\s*\d+)*")
TRUE_WORDS = {"true", "yes", "y", "on", "1"}
FALSE_WORDS = {"false", "no", "n", "off", "0"}
TYPE_NAMES = {
    3: "text",
    4: "whole number",
    5: "yes/no",
    6: "member",
    7: "channel",
    8: "role",
    9: "member or role",
    10: "number",
    11: "file path",
}
SANDBOX_HELP = """\
Sandbox commands (everything else starting with / goes to the bot):
  /as NAME          act as another member: alex, jordan or sam (sam is a server admin)
  /wait 1d          fast-forward time (also 2h, 30m, 1w, 1d12h) and see what the bot sends meanwhile
  /wait until 9:30  fast-forward to the next 09:30 UTC
  /time             show the sandbox's date and time
  /help-sandbox, ?  this help
  /quit             leave (Ctrl-D works too)
Bot commands take name:value options; quote values with spaces: /rejected "company:Acme Corp" stage:onsite
Choices can be typed by name or value (any case). Subcommands follow the command: /nudges start time:09:00
Options the bot suggests values for work like Discord's picker: type part of a name (/reflect rejection:Acme)
and the one suggestion it matches is used; type ? (/feedback draft rejection:?) to list the suggestions and
pick one by number. Messages are numbered (#3); numbers 1, 2… press the buttons of the latest message that has
them: type 1 to press [1], 2,3 to pick two options of a menu, or type the label (a label the latest message
lacks presses it on the newest earlier message that has it). To press a button on an earlier message, name
the message: #3 Post (or #3 1). When the bot opens a form, answer each field at the >
prompt (an empty line keeps the default; /cancel closes the form). With --script, the first line that fails
(a typo, a button that isn't there, an error in the bot) stops the script with exit code 1."""


class SandboxError(Exception):
    """A line the sandbox could not run; the message says what to type instead."""


# ---------------------------------------------------------------------------------------------- settings & logs


class SandboxSettings(Settings):
    """Settings built only from what the sandbox passes: the real environment and .env are ignored."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the constructor's arguments count (a production DISCORD_TOKEN or DATABASE_PATH must not leak in)."""
        return (init_settings,)


class ErrorCounter(logging.Handler):
    """Remembers ERROR records so a script line that made the bot fail can fail too."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)


def quiet_logging(log_path: Path) -> ErrorCounter:
    """Send every log record of WARNING and above to a file instead of the terminal."""
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    counter = ErrorCounter()
    root = logging.getLogger()
    root.handlers[:] = [handler, counter]
    root.setLevel(logging.WARNING)
    for name in ("discord", "apscheduler", "aiohttp", "emulator"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return counter
