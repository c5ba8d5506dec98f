"""Typed settings, read from the environment and an optional `.env` file."""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.claims import owner_name

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DAY = 86_400.0


class StorageSettings(BaseSettings):
    """What the operator commands (rotate-key, backup) need: the database and its key, no token."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_path: Path = DATA_DIR / "bounceback.sqlite3"
    # postgresql://user:password@host:port/dbname switches storage to PostgreSQL; unset, SQLite at DATABASE_PATH.
    database_url: SecretStr | None = None
    # Unset is neither: a missing ENCRYPTION_KEY only falls back to a development key when someone chose
    # development on purpose, so a forgotten setting on a server never writes a key beside the database.
    environment: Literal["development", "production"] | None = None
    encryption_key: SecretStr | None = None
    encryption_key_path: Path = DATA_DIR / ".dev-encryption-key"

    @field_validator("database_url")
    @classmethod
    def _postgresql_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not value.get_secret_value().strip().startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql:// URL, e.g. postgresql://bounceback:secret@localhost/bounceback")
        return SecretStr(value.get_secret_value().strip())

    def encryption_keys(self) -> list[str]:
        """The configured keys, newest first (ENCRYPTION_KEY may hold several, comma-separated)."""
        if self.encryption_key is None:
            return []
        return split_keys(self.encryption_key.get_secret_value())


class Settings(StorageSettings):
    """Every knob the bot has; `.env.example` documents each one."""

    discord_token: SecretStr = Field(description="Bot token from the Discord developer portal")
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    dev_guild_id: int | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    timer_tick_seconds: float = Field(default=30.0, gt=0)
    timer_max_attempts: int = Field(default=5, ge=1)
    timer_retry_base_seconds: float = Field(default=60.0, gt=0)

    feedback_remind_delay_seconds: float = Field(default=2 * DAY, gt=0)
    feedback_followup_delay_seconds: float = Field(default=7 * DAY, gt=0)
    feedback_ghosted_after_seconds: float = Field(default=21 * DAY, gt=0)

    nudge_rate_per_second: float = Field(default=40.0, gt=0)
    nudge_concurrency: int = Field(default=20, ge=1)
    nudge_late_grace_seconds: float = Field(default=3 * 3600.0, ge=0)

    vent_retention_days: int = Field(default=30, ge=1)
    win_cooldown_seconds: float = Field(default=300.0, ge=0)
    guild_ready_timeout: float = Field(default=2.0, gt=0)

    # Sharding across processes: every process of the bot gets the same SHARD_COUNT and its own SHARD_IDS.
    # Unset, the bot is one unsharded connection, as it always was.
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = None
    # The name this process claims timers and nudges under (bot/claims.py); it must stay the same across restarts
    # and differ between processes. Unset: derived from SHARD_IDS/SHARD_COUNT, which already are.
    claim_owner: str | None = Field(default=None, min_length=1, max_length=100)

    # Benchmarks only: a file the event-loop stall probe (bot/loop_probe.py) appends to each second. Unset: no probe.
    loop_probe_file: Path | None = None

    @field_validator("discord_token")
    @classmethod
    def _token_not_blank(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if not token or token.lower() in {"changeme", "your-token-here", "replace-me"}:
            raise ValueError("DISCORD_TOKEN is empty or still the placeholder")
        return SecretStr(token)

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_shard_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",")]
            if not any(parts):
                return None
            if not all(part.isdigit() for part in parts):
                raise ValueError(f"must be shard numbers separated by commas, such as 0,1 (got {value!r})")
            return tuple(int(part) for part in parts)
        return value

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        ids, count = self.shard_ids, self.shard_count
        if ids is None:
            return self
        if count is None:
            raise ValueError("SHARD_IDS needs SHARD_COUNT (the total number of shards across every process)")
        if len(set(ids)) != len(ids):
            raise ValueError(f"SHARD_IDS lists a shard twice ({','.join(map(str, ids))})")
        outside = [shard for shard in ids if not 0 <= shard < count]
        if outside:
            raise ValueError(f"SHARD_IDS {','.join(map(str, outside))} not within 0..{count - 1} (SHARD_COUNT={count})")
        return self

    @property
    def sharded(self) -> bool:
        """Whether this process runs gateway shards (SHARD_COUNT is set) rather than one unsharded connection."""
        return self.shard_count is not None

    def process_shards(self) -> tuple[int, ...]:
        """The shard ids this process runs: SHARD_IDS, or every shard of SHARD_COUNT, or () unsharded."""
        if self.shard_count is None:
            return ()
        return self.shard_ids if self.shard_ids is not None else tuple(range(self.shard_count))

    def claim_owner_name(self) -> str:
        """This process's stable name for its claims on due work: CLAIM_OWNER, else its shards."""
        return owner_name(self.claim_owner, self.process_shards(), self.shard_count)

    def rate_share(self) -> float:
        """This process's share of the bot's one request budget: its shards over all shards (1 unsharded)."""
        if self.shard_count is None:
            return 1.0
        return len(self.process_shards()) / self.shard_count

    @field_validator("discord_api_base", "discord_gateway_url")
    @classmethod
    def _url_scheme(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://", "ws://", "wss://")):
            raise ValueError("must be a full URL such as https://proxy.example/api/v10")
        return value.rstrip("/")


def split_keys(value: str) -> list[str]:
    """Split a comma-separated key list, newest first, dropping blanks."""
    return [part.strip() for part in value.split(",") if part.strip()]


def cleartext_endpoints(settings: Settings) -> list[str]:
    """Warnings for proxy URLs that would carry the token unencrypted over a network (http:// or ws:// off loopback)."""
    warnings = []
    endpoints = {"DISCORD_API_BASE": settings.discord_api_base, "DISCORD_GATEWAY_URL": settings.discord_gateway_url}
    for name, url in endpoints.items():
        if url is None:
            continue
        parts = urlsplit(url)
        if parts.scheme in {"http", "ws"} and not _is_loopback(parts.hostname or ""):
            warnings.append(
                f"{name} uses {parts.scheme}:// to {parts.hostname}: the bot token would travel unencrypted; "
                f"use {parts.scheme}s:// unless that host is on this machine"
            )
    return warnings


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def describe_settings_error(error: ValidationError) -> str:
    """Turn a pydantic error into one line a person can act on."""
    parts = []
    for problem in error.errors():
        if not problem["loc"]:
            # A rule over several settings (SHARD_IDS with SHARD_COUNT): its message names them itself.
            parts.append(str(problem["msg"]).removeprefix("Value error, "))
            continue
        name = str(problem["loc"][0]).upper()
        if problem["type"] == "missing":
            parts.append(f"{name} is not set")
        else:
            parts.append(f"{name}: {problem['msg']}")
    return "; ".join(parts)
