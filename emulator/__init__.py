"""A local Discord emulator (REST v10 + gateway v10) that runs the real discord.py client in tests."""

from .errors import (
    CommandNotFound,
    CommandNotVisible,
    ComponentNotFound,
    EmulatorError,
    InteractionNotAnswered,
    OptionError,
)
from .interactions import InteractionResult, ModalField, ModalPrompt
from .member import SimulatedMember
from .messages import ButtonInfo, EmulatedAttachment, EmulatedMessage, SelectInfo
from .server import DiscordEmulator
from .stats import EmulatorStats

__all__ = [
    "ButtonInfo",
    "CommandNotFound",
    "CommandNotVisible",
    "ComponentNotFound",
    "DiscordEmulator",
    "EmulatedAttachment",
    "EmulatedMessage",
    "EmulatorError",
    "EmulatorStats",
    "InteractionNotAnswered",
    "InteractionResult",
    "ModalField",
    "ModalPrompt",
    "OptionError",
    "SelectInfo",
    "SimulatedMember",
]
