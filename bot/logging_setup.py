"""Logging set-up with a filter that keeps secrets out of every log line."""

from __future__ import annotations

import logging
from collections.abc import Iterable


class RedactSecrets(logging.Filter):
    """Replaces any configured secret that appears in a record's text with a placeholder."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret and len(secret) >= 8]

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message and traceback text if a secret is in it."""
        if not self._secrets:
            return True
        message = record.getMessage()
        cleaned = self._scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._scrub(record.exc_text)
        return True

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Log to stderr with timestamps; secrets never printed."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, floor in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(logging.getLevelName(level), floor))


# Libraries whose DEBUG output would carry members' words: aiosqlite prints every call with its bound SQL
# parameters, discord.http and discord.gateway print request and event bodies (message text, form answers),
# asyncio prints slow callbacks with their arguments. LOG_LEVEL=DEBUG is for the bot's own logs, so these stay
# at INFO (or WARNING, for the merely noisy) whatever it says.
QUIET_LOGGERS: dict[str, int] = {
    "aiosqlite": logging.INFO,
    "asyncpg": logging.INFO,  # the same care for the PostgreSQL driver
    "discord": logging.INFO,
    "aiohttp": logging.INFO,
    "asyncio": logging.INFO,
    "apscheduler": logging.WARNING,
    "matplotlib": logging.WARNING,
    "PIL": logging.WARNING,
}
