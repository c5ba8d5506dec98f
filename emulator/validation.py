"""Discord's request-body limits for messages, components, modals and application commands."""

from __future__ import annotations

import logging
import re
from typing import Any

log = logging.getLogger(__name__)

COMMAND_NAME_RE = re.compile(r"^[-_'\w]{1,32}$")


class ApiError(Exception):
    """An error response in Discord's JSON shape."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON body Discord would send."""
        out: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            out["errors"] = self.errors
        return out


def form_error(path: str, message: str, code: str = "BASE_TYPE_INVALID") -> ApiError:
    """A 400 "Invalid Form Body" (50035) pointing at ``path`` (dotted)."""
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".")):
        errors = {part: errors}
    return ApiError(400, 50035, "Invalid Form Body", errors=errors)


def _check_len(value: Any, limit: int, path: str, *, minimum: int = 0) -> None:
    if value is None:
        return
    n = len(str(value))
    if n > limit or n < minimum:
        raise form_error(path, f"Must be between {minimum} and {limit} in length.", "BASE_TYPE_BAD_LENGTH")


def validate_embeds(embeds: list[dict[str, Any]]) -> None:
    """Enforce Discord's embed limits."""
    if len(embeds) > 10:
        raise form_error("embeds", "Must be 10 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    total = 0
    for i, e in enumerate(embeds):
        base = f"embeds.{i}"
        _check_len(e.get("title"), 256, f"{base}.title")
        _check_len(e.get("description"), 4096, f"{base}.description")
        fields = e.get("fields") or []
        if len(fields) > 25:
            raise form_error(f"{base}.fields", "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
        for j, f in enumerate(fields):
            _check_len(f.get("name"), 256, f"{base}.fields.{j}.name", minimum=1)
            _check_len(f.get("value"), 1024, f"{base}.fields.{j}.value", minimum=1)
            if "name" not in f or "value" not in f:
                raise form_error(f"{base}.fields.{j}", "This field is required", "BASE_TYPE_REQUIRED")
        footer = e.get("footer") or {}
        author = e.get("author") or {}
        _check_len(footer.get("text"), 2048, f"{base}.footer.text")
        _check_len(author.get("name"), 256, f"{base}.author.name")
        for text in (e.get("title"), e.get("description"), footer.get("text"), author.get("name")):
            total += len(str(text or ""))
        for f in fields:
            total += len(str(f.get("name") or "")) + len(str(f.get("value") or ""))
    if total > 6000:
        raise form_error("embeds", "Embed size exceeds maximum size of 6000", "MAX_EMBED_SIZE_EXCEEDED")


def _validate_select(c: dict[str, Any], path: str) -> None:
    _check_len(c.get("custom_id"), 100, f"{path}.custom_id", minimum=1)
    _check_len(c.get("placeholder"), 150, f"{path}.placeholder")
    if c.get("type") == 3:
        options = c.get("options") or []
        if not 1 <= len(options) <= 25:
            raise form_error(f"{path}.options", "Must be between 1 and 25 in length.", "BASE_TYPE_BAD_LENGTH")
        values = [o.get("value") for o in options]
        if len(set(values)) != len(values):
            raise form_error(
                f"{path}.options", "Select option values must be unique", "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED"
            )
        for k, o in enumerate(options):
            _check_len(o.get("label"), 100, f"{path}.options.{k}.label", minimum=1)
            _check_len(o.get("value"), 100, f"{path}.options.{k}.value", minimum=1)
            _check_len(o.get("description"), 100, f"{path}.options.{k}.description")
        max_values = int(c.get("max_values", 1))
        if max_values > len(options):
            raise form_error(f"{path}.max_values", "max_values must not exceed the number of options", "BASE_TYPE_MAX")
    min_values = int(c.get("min_values", 1))
    max_values = int(c.get("max_values", 1))
    if not 0 <= min_values <= max_values <= 25:
        raise form_error(f"{path}.min_values", "Invalid min/max values", "BASE_TYPE_BAD_VALUE")


def validate_components(components: list[dict[str, Any]], *, v2: bool) -> None:
    """Enforce the component limits Discord rejects with 50035 (rows, widths, ids, labels)."""
    seen: set[str] = set()

    def check_interactive(c: dict[str, Any], path: str) -> None:
        ctype = c.get("type")
        cid = c.get("custom_id")
        if cid is not None:
            if cid in seen:
                raise form_error(
                    f"{path}.custom_id", "Component custom id cannot be duplicated", "COMPONENT_CUSTOM_ID_DUPLICATED"
                )
            seen.add(cid)
        if ctype == 2:
            style = c.get("style")
            if style == 5:
                if not c.get("url"):
                    raise form_error(f"{path}.url", "This field is required", "BASE_TYPE_REQUIRED")
            elif style == 6:
                if not c.get("sku_id"):
                    raise form_error(f"{path}.sku_id", "This field is required", "BASE_TYPE_REQUIRED")
            else:
                if not cid:
                    raise form_error(f"{path}.custom_id", "This field is required", "BASE_TYPE_REQUIRED")
                _check_len(cid, 100, f"{path}.custom_id", minimum=1)
            _check_len(c.get("label"), 80, f"{path}.label")
            if not c.get("label") and not c.get("emoji"):
                raise form_error(
                    f"{path}", "Button must have a label or emoji", "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED"
                )
        elif ctype in (3, 5, 6, 7, 8):
            _validate_select(c, path)

    def visit(comps: list[dict[str, Any]], path: str, top: bool) -> None:
        for i, c in enumerate(comps):
            here = f"{path}.{i}"
            ctype = c.get("type")
            if ctype == 1:
                children = c.get("components") or []
                if not 1 <= len(children) <= 5:
                    raise form_error(f"{here}.components", "Must be between 1 and 5 in length.", "BASE_TYPE_BAD_LENGTH")
                selects = [x for x in children if x.get("type") in (3, 5, 6, 7, 8)]
                if selects and len(children) > 1:
                    raise form_error(
                        f"{here}.components", "A select must be alone in its row", "COMPONENT_LAYOUT_WIDTH_EXCEEDED"
                    )
                for j, child in enumerate(children):
                    check_interactive(child, f"{here}.components.{j}")
            elif ctype in (9, 17):
                if not v2:
                    raise form_error(here, "Components v2 require the IS_COMPONENTS_V2 flag", "COMPONENT_INVALID_TYPE")
                visit(c.get("components") or [], f"{here}.components", False)
                if isinstance(c.get("accessory"), dict):
                    check_interactive(c["accessory"], f"{here}.accessory")
            elif ctype in (10, 11, 12, 13, 14):
                if not v2:
                    raise form_error(here, "Components v2 require the IS_COMPONENTS_V2 flag", "COMPONENT_INVALID_TYPE")
            elif top and not v2:
                raise form_error(f"{here}.type", "Top-level components must be action rows", "COMPONENT_INVALID_TYPE")
            else:
                check_interactive(c, here)

    if not v2 and len(components) > 5:
        raise form_error("components", "Must be 5 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    visit(components, "components", True)


def validate_modal(data: dict[str, Any]) -> None:
    """Enforce modal limits (title, 1-5 inputs, custom ids, labels, lengths)."""
    _check_len(data.get("title"), 45, "data.title", minimum=1)
    _check_len(data.get("custom_id"), 100, "data.custom_id", minimum=1)
    comps = data.get("components") or []
    if not 1 <= len(comps) <= 5:
        raise form_error("data.components", "Must be between 1 and 5 in length.", "BASE_TYPE_BAD_LENGTH")
    seen: set[str] = set()
    for i, row in enumerate(comps):
        path = f"data.components.{i}"
        if row.get("type") == 1:
            inner = row.get("components") or []
            label = None
        elif row.get("type") == 18:
            inner = [row.get("component") or {}]
            label = row.get("label")
            _check_len(label, 45, f"{path}.label", minimum=1)
        elif row.get("type") == 10:
            continue
        else:
            raise form_error(f"{path}.type", "Invalid modal component", "COMPONENT_INVALID_TYPE")
        for c in inner:
            cid = c.get("custom_id")
            _check_len(cid, 100, f"{path}.custom_id", minimum=1)
            if cid in seen:
                raise form_error(
                    f"{path}.custom_id", "Component custom id cannot be duplicated", "COMPONENT_CUSTOM_ID_DUPLICATED"
                )
            seen.add(str(cid))
            if c.get("type") == 4:
                if label is None:
                    _check_len(c.get("label"), 45, f"{path}.components.0.label", minimum=1)
                lo, hi = c.get("min_length"), c.get("max_length")
                if lo is not None and not 0 <= lo <= 4000:
                    raise form_error(f"{path}.min_length", "Invalid min_length", "BASE_TYPE_BAD_VALUE")
                if hi is not None and not 1 <= hi <= 4000:
                    raise form_error(f"{path}.max_length", "Invalid max_length", "BASE_TYPE_BAD_VALUE")
                _check_len(c.get("value"), 4000, f"{path}.value")
                _check_len(c.get("placeholder"), 100, f"{path}.placeholder")
            elif c.get("type") in (3, 5, 6, 7, 8):
                _validate_select(c, path)


def validate_command_options(options: list[dict[str, Any]], path: str, depth: int) -> None:
    """Validate application command options (names, descriptions, ordering, nesting, choices)."""
    if len(options) > 25:
        raise form_error(path, "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    names: set[str] = set()
    seen_optional = False
    for i, opt in enumerate(options):
        here = f"{path}.{i}"
        name = str(opt.get("name", ""))
        if not COMMAND_NAME_RE.match(name) or name != name.lower():
            raise form_error(f"{here}.name", "Command name is invalid", "APPLICATION_COMMAND_INVALID_NAME")
        if name in names:
            raise form_error(
                f"{here}.name", "Option names must be unique", "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS"
            )
        names.add(name)
        _check_len(opt.get("description"), 100, f"{here}.description", minimum=1)
        otype = int(opt.get("type", 0))
        if otype in (1, 2):
            if (otype == 2 and depth > 0) or (otype == 1 and depth > 1):
                raise form_error(
                    f"{here}.type", "Subcommands nested too deep", "APPLICATION_COMMAND_OPTION_TYPE_INVALID"
                )
            validate_command_options(opt.get("options") or [], f"{here}.options", depth + 1)
            continue
        if not 3 <= otype <= 11:
            raise form_error(f"{here}.type", "Invalid option type", "APPLICATION_COMMAND_OPTION_TYPE_INVALID")
        if opt.get("required"):
            if seen_optional:
                raise form_error(
                    f"{here}.required",
                    "Required options must be placed before non-required options",
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                )
        else:
            seen_optional = True
        choices = opt.get("choices") or []
        if len(choices) > 25:
            raise form_error(f"{here}.choices", "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
        if choices and opt.get("autocomplete"):
            raise form_error(f"{here}.autocomplete", "Autocomplete and choices are exclusive", "BASE_TYPE_BAD_VALUE")
        for k, ch in enumerate(choices):
            _check_len(ch.get("name"), 100, f"{here}.choices.{k}.name", minimum=1)


def validate_command(raw: dict[str, Any], path: str = "") -> None:
    """Validate a command body as Discord does on create/overwrite."""
    prefix = f"{path}." if path else ""
    ctype = int(raw.get("type", 1))
    name = str(raw.get("name", ""))
    if ctype == 1:
        if not COMMAND_NAME_RE.match(name) or name != name.lower():
            raise form_error(f"{prefix}name", "Command name is invalid", "APPLICATION_COMMAND_INVALID_NAME")
        _check_len(raw.get("description"), 100, f"{prefix}description", minimum=1)
        validate_command_options(raw.get("options") or [], f"{prefix}options", 0)
    else:
        _check_len(name, 32, f"{prefix}name", minimum=1)
        if raw.get("description"):
            raise form_error(
                f"{prefix}description", "Context menu commands cannot have a description", "BASE_TYPE_BAD_VALUE"
            )
