"""Exceptions raised by the emulator towards tests (never sent to the bot)."""

from __future__ import annotations


class EmulatorError(Exception):
    """Base class for mistakes made by a test driving the emulator (typo, bad option, no response...)."""


class CommandNotFound(EmulatorError):
    """The slash command (or subcommand) a test invoked is not registered."""


class OptionError(EmulatorError):
    """An option given to a simulated command/component is unknown, missing or invalid."""


class CommandNotVisible(EmulatorError):
    """The Discord client would not show this command to the member (default_member_permissions/contexts)."""


class ComponentNotFound(EmulatorError):
    """No button/select matching the requested label or custom_id exists on the message."""


class InteractionNotAnswered(EmulatorError):
    """The bot did not call back an interaction within the wait timeout."""
