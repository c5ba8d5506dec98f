"""Encryption at rest for free text members write (vents, reflections, notes, drafts)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

log = logging.getLogger(__name__)

MAKE_KEY = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


class EncryptionKeyError(RuntimeError):
    """The encryption key is missing or malformed; the message says what to set."""


class TextCipher:
    """Encrypts and decrypts short texts with Fernet (AES-128-CBC + HMAC).

    Given several keys (newest first), it encrypts with the newest and decrypts with any, so a key can be
    replaced without making stored text unreadable: see `bounceback rotate-key`.
    """

    def __init__(self, *keys: bytes) -> None:
        if not keys:
            raise EncryptionKeyError(f"ENCRYPTION_KEY is empty. Make one with: {MAKE_KEY}")
        try:
            self._fernets = [Fernet(key) for key in keys]
        except (ValueError, TypeError) as error:
            raise EncryptionKeyError(
                "ENCRYPTION_KEY is not a valid Fernet key (32 url-safe base64 bytes; several are separated by "
                f"commas, newest first). Make one with: {MAKE_KEY}"
            ) from error
        self._newest = self._fernets[0]
        self._fernet = MultiFernet(self._fernets)

    @property
    def key_count(self) -> int:
        """How many keys the cipher knows (the first encrypts, all decrypt)."""
        return len(self._fernets)

    def encrypt(self, text: str) -> str:
        """Return the ciphertext of a text, as ASCII, made with the newest key."""
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Return the plaintext; raises ValueError if the data was made with none of the keys."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as error:
            raise ValueError("stored text cannot be decrypted with the configured ENCRYPTION_KEY") from error

    def encrypt_optional(self, text: str | None) -> str | None:
        """Encrypt a text, passing None through."""
        return None if text is None else self.encrypt(text)

    def decrypt_optional(self, token: str | None) -> str | None:
        """Decrypt a text, passing None through."""
        return None if token is None else self.decrypt(token)

    def is_current(self, token: str) -> bool:
        """True when the token was made with the newest key (nothing to rotate)."""
        try:
            self._newest.decrypt(token.encode("ascii"))
        except InvalidToken:
            return False
        return True

    def rotate(self, token: str) -> str:
        """Re-encrypt a token with the newest key; raises ValueError if no key decrypts it."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as error:
            raise ValueError("stored text cannot be decrypted with any configured key") from error


def load_cipher(key: str | None, *, environment: str | None, dev_key_path: Path) -> TextCipher:
    """Build the cipher from the configured key(s), or, in development chosen on purpose, a key kept under data/."""
    if key:
        return TextCipher(*(part.strip().encode("ascii") for part in key.split(",") if part.strip()))
    require_key(key, environment)
    if dev_key_path.exists():
        warn_if_shared(dev_key_path, "the development key")
        return TextCipher(dev_key_path.read_bytes().strip())
    # Owner-only folder and file: the key unlocks every member's journal.
    dev_key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    new_key = Fernet.generate_key()
    descriptor = os.open(dev_key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(new_key)
    log.warning(
        "ENCRYPTION_KEY is not set: created a development key at %s. Set ENCRYPTION_KEY in production.",
        dev_key_path,
    )
    return TextCipher(new_key)


def require_key(key: str | None, environment: str | None) -> None:
    """Raise unless a key is set or development was chosen on purpose (checked before connecting anywhere)."""
    if key or environment == "development":
        return
    raise EncryptionKeyError(
        f"ENCRYPTION_KEY is not set. Set it to a key made with: {MAKE_KEY} "
        "(or set ENVIRONMENT=development to keep a throwaway development key under data/)"
    )


def warn_if_shared(path: Path, what: str) -> bool:
    """Log one warning (never the contents) when a file can be read by group or others; True if it can."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return False
    if not mode & 0o077:
        return False
    log.warning("%s at %s is open to other users (mode %03o); run: chmod 600 %s", what, path, mode, path)
    return True
