"""Recognise faults that are not bugs — storage refusing writes, Discord failing on its side — and word them."""

from __future__ import annotations

import enum
import logging
import sqlite3

import aiohttp
import discord

log = logging.getLogger(__name__)


class Fault(enum.Enum):
    """An outside problem the member should hear about plainly, instead of as the bot's own bug."""

    STORAGE_READ_ONLY = "the database is read-only"
    STORAGE_FULL = "the database or its disk is full"
    DISCORD_UNAVAILABLE = "Discord failed on its side"


STORAGE_TEXT = (
    "Sorry — I couldn't save that just now: my storage isn't accepting changes at the moment. "
    "What you wrote was **not** saved, so please keep a copy and try again a little later. Nothing was shared."
)
DISCORD_TEXT = (
    "Sorry — Discord had a problem on its side just now, so that didn't go through. It wasn't anything you did; "
    "please try again in a moment."
)
READ_ONLY_CODES = {
    "SQLITE_READONLY",
    "SQLITE_READONLY_DBMOVED",
    "SQLITE_READONLY_DIRECTORY",
    "SQLITE_READONLY_ROLLBACK",
    "SQLITE_READONLY_RECOVERY",
    "SQLITE_READONLY_CANTINIT",
    "SQLITE_READONLY_CANTLOCK",
}


def classify(error: BaseException) -> Fault | None:
    """The outside fault behind an error (looking through its causes), or None for anything else."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        fault = _classify_one(current)
        if fault is not None:
            return fault
        current = current.__cause__ or current.__context__
    return None


def _classify_one(error: BaseException) -> Fault | None:
    if isinstance(error, sqlite3.DatabaseError):
        name = getattr(error, "sqlite_errorname", "") or ""
        text = str(error).lower()
        if name in READ_ONLY_CODES or "readonly database" in text or "read-only" in text:
            return Fault.STORAGE_READ_ONLY
        if name == "SQLITE_FULL" or "database or disk is full" in text:
            return Fault.STORAGE_FULL
        return None
    if isinstance(error, discord.DiscordServerError | aiohttp.ClientConnectionError):
        return Fault.DISCORD_UNAVAILABLE
    return None


def member_text(fault: Fault) -> str:
    """What to tell the member about a fault."""
    if fault is Fault.DISCORD_UNAVAILABLE:
        return DISCORD_TEXT
    return STORAGE_TEXT


def log_fault(fault: Fault, error: BaseException, where: str) -> None:
    """One clear line for the operator (no traceback: the cause is outside the code)."""
    if fault is Fault.DISCORD_UNAVAILABLE:
        log.warning("%s while handling %s: %s: %s", fault.value, where, type(error).__name__, error)
        return
    log.error(
        "storage fault: %s, so %s could not be saved (%s: %s); the member was told to try again later",
        fault.value,
        where,
        type(error).__name__,
        error,
    )
