"""Discord permission bits and the permission-resolution algorithm."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_AUDIT_LOG = 1 << 7
STREAM = 1 << 9
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
SEND_TTS_MESSAGES = 1 << 12
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CONNECT = 1 << 20
SPEAK = 1 << 21
CHANGE_NICKNAME = 1 << 26
MANAGE_ROLES = 1 << 28
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
USE_EXTERNAL_APPS = 1 << 50

ALL_PERMISSIONS = (1 << 53) - 1

#: What a fresh guild's @everyone role gets (close to Discord's defaults).
DEFAULT_EVERYONE = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | STREAM
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CONNECT
    | SPEAK
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
    | USE_EXTERNAL_APPS
)

#: The bot's managed role: what the invite link of a typical bot asks for (no Manage Messages).
DEFAULT_BOT_ROLE = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | ADD_REACTIONS
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | SEND_MESSAGES_IN_THREADS
)

OVERWRITE_ROLE = 0
OVERWRITE_MEMBER = 1


@dataclass
class Overwrite:
    """A channel permission overwrite for a role (type 0) or a member (type 1)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0

    def payload(self) -> dict[str, object]:
        """Return the Discord JSON shape of this overwrite."""
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


def base_permissions(
    *, guild_id: int, owner_id: int, user_id: int, member_role_ids: Iterable[int], role_perms: dict[int, int]
) -> int:
    """Compute guild-level permissions (Discord's `compute_base_permissions`)."""
    if user_id == owner_id:
        return ALL_PERMISSIONS
    perms = role_perms.get(guild_id, 0)
    for rid in member_role_ids:
        perms |= role_perms.get(rid, 0)
    if perms & ADMINISTRATOR:
        return ALL_PERMISSIONS
    return perms


def apply_overwrites(
    base: int, *, guild_id: int, user_id: int, member_role_ids: Iterable[int], overwrites: dict[int, Overwrite]
) -> int:
    """Apply a channel's overwrites to base permissions (Discord's `compute_overwrites`)."""
    if base & ADMINISTRATOR:
        return ALL_PERMISSIONS
    perms = base
    everyone = overwrites.get(guild_id)
    if everyone is not None:
        perms &= ~everyone.deny
        perms |= everyone.allow
    allow = deny = 0
    for rid in member_role_ids:
        ow = overwrites.get(rid)
        if ow is not None and ow.type == OVERWRITE_ROLE:
            allow |= ow.allow
            deny |= ow.deny
    perms &= ~deny
    perms |= allow
    member_ow = overwrites.get(user_id)
    if member_ow is not None and member_ow.type == OVERWRITE_MEMBER:
        perms &= ~member_ow.deny
        perms |= member_ow.allow
    if not perms & VIEW_CHANNEL:
        # Without View Channel every other channel permission is implicitly denied.
        return 0
    return perms
