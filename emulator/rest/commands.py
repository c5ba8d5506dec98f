"""REST routes for application commands, global and per guild (ids stay stable per name and type)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ..validation import ApiError, form_error, validate_command
from .http import AddRoute, RouteGroup, json_response, no_content, read_body, snowflake


class CommandRoutes(RouteGroup):
    """``/applications/{id}[/guilds/{id}]/commands``."""

    def register(self, add: AddRoute) -> None:
        """Add this group's routes (literal segments such as ``@me`` before parameters)."""
        for prefix in ("/applications/{application_id}", "/applications/{application_id}/guilds/{guild_id}"):
            add("GET", prefix + "/commands", self.list_commands)
            add("PUT", prefix + "/commands", self.bulk_overwrite_commands)
            add("POST", prefix + "/commands", self.create_command)
            add("GET", prefix + "/commands/{command_id}", self.get_command)
            add("PATCH", prefix + "/commands/{command_id}", self.edit_command)
            add("DELETE", prefix + "/commands/{command_id}", self.delete_command)

    def _command_list(self, params: dict[str, str]) -> tuple[list[dict[str, Any]], int | None]:
        state = self.state
        if snowflake(params["application_id"], "application_id") != state.application_id:
            raise ApiError(403, 50001, "Missing Access")
        if "guild_id" in params:
            gid = snowflake(params["guild_id"], "guild_id")
            guild = state.guilds.get(gid)
            if guild is None or state.bot.id not in guild.members:
                raise ApiError(403, 50001, "Missing Access")
            return state.guild_commands.setdefault(gid, []), gid
        return state.global_commands, None

    def _normalize_command(
        self, raw: dict[str, Any], existing: dict[str, Any] | None, guild_id: int | None
    ) -> dict[str, Any]:
        state = self.state
        ctype = int(raw.get("type", 1))
        perms = raw.get("default_member_permissions")
        contexts = raw.get("contexts")
        if contexts is None:
            contexts = [0, 1, 2] if raw.get("dm_permission", True) and guild_id is None else [0]
        cmd: dict[str, Any] = {
            "type": ctype,
            "name": raw["name"],
            "name_localizations": raw.get("name_localizations") or None,
            "description": raw.get("description", "") if ctype == 1 else "",
            "description_localizations": raw.get("description_localizations") or None,
            "default_member_permissions": None if perms is None else str(perms),
            "dm_permission": bool(raw.get("dm_permission", True)) if guild_id is None else None,
            "contexts": contexts if guild_id is None else None,
            "integration_types": raw.get("integration_types") or [0],
            "nsfw": bool(raw.get("nsfw", False)),
        }
        if ctype == 1:
            cmd["options"] = list(raw.get("options") or [])
        if existing is not None:
            cmd["id"] = existing["id"]
            comparable = {k: v for k, v in existing.items() if k not in ("id", "version", "application_id", "guild_id")}
            cmd["version"] = existing["version"] if comparable == cmd else str(state.ids.next())
        else:
            cmd["id"] = str(state.ids.next())
            cmd["version"] = str(state.ids.next())
        cmd["application_id"] = str(state.application_id)
        if guild_id is not None:
            cmd["guild_id"] = str(guild_id)
        return cmd

    async def list_commands(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET .../commands."""
        cmds, _ = self._command_list(params)
        return json_response(cmds)

    async def bulk_overwrite_commands(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """PUT .../commands (bulk overwrite; ids are stable per name+type)."""
        cmds, gid = self._command_list(params)
        raw = await request.read()
        body = json.loads(raw or b"[]")
        if not isinstance(body, list):
            raise ApiError(400, 50035, "Invalid Form Body")
        seen: set[tuple[int, str]] = set()
        for i, c in enumerate(body):
            validate_command(c, str(i))
            key = (int(c.get("type", 1)), str(c.get("name")))
            if key in seen:
                raise form_error(
                    f"{i}.name", "Application command names must be unique", "APPLICATION_COMMANDS_DUPLICATE_NAME"
                )
            seen.add(key)
        by_key = {(int(c["type"]), c["name"]): c for c in cmds}
        new = [self._normalize_command(c, by_key.get((int(c.get("type", 1)), c["name"])), gid) for c in body]
        cmds[:] = new
        self.emu.notify()
        return json_response(new)

    async def create_command(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """POST .../commands (upsert by name+type)."""
        cmds, gid = self._command_list(params)
        body, _ = await read_body(request)
        validate_command(body)
        key = (int(body.get("type", 1)), body["name"])
        for i, c in enumerate(cmds):
            if (int(c["type"]), c["name"]) == key:
                cmds[i] = self._normalize_command(body, c, gid)
                return json_response(cmds[i])
        cmd = self._normalize_command(body, None, gid)
        cmds.append(cmd)
        self.emu.notify()
        return json_response(cmd, 201)

    def _find_command(self, cmds: list[dict[str, Any]], command_id: str) -> int:
        for i, c in enumerate(cmds):
            if c["id"] == command_id:
                return i
        raise ApiError(404, 10063, "Unknown application command")

    async def get_command(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET .../commands/{id}."""
        cmds, _ = self._command_list(params)
        return json_response(cmds[self._find_command(cmds, params["command_id"])])

    async def edit_command(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """PATCH .../commands/{id}."""
        cmds, gid = self._command_list(params)
        i = self._find_command(cmds, params["command_id"])
        body, _ = await read_body(request)
        merged = {**cmds[i], **body}
        validate_command(merged)
        cmds[i] = self._normalize_command(merged, cmds[i], gid)
        return json_response(cmds[i])

    async def delete_command(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """DELETE .../commands/{id}."""
        cmds, _ = self._command_list(params)
        del cmds[self._find_command(cmds, params["command_id"])]
        return no_content()
