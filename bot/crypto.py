"""Encryption at rest for free text members write (vents, reflections, notes, drafts)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

log = logging.getLogger(__name__)


class EncryptionKeyError(RuntimeError):
    """The encryption key is missing or malformed; the message says what to set."""


class TextCipher:
    """Encrypts and decrypts short texts with Fernet (AES-128-CBC + HMAC)."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as error:
            raise EncryptionKeyError(
                "ENCRYPTION_KEY is not a valid Fernet key (32 url-safe base64 bytes). "
                "Make one with: python -c "
                '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
            ) from error

    def encrypt(self, text: str) -> str:
        """Return the ciphertext of a text, as ASCII."""
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Return the plaintext; raises ValueError if the data was not made with this key."""
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


def load_cipher(key: str | None, *, environment: str, dev_key_path: Path) -> TextCipher:
    """Build the cipher from the configured key, or a development key kept under data/."""
    if key:
        return TextCipher(key.encode("ascii"))
    if environment == "production":
        raise EncryptionKeyError(
            "ENCRYPTION_KEY is not set; production needs one (see .env.example for how to make it)"
        )
    if dev_key_path.exists():
        return TextCipher(dev_key_path.read_bytes().strip())
    dev_key_path.parent.mkdir(parents=True, exist_ok=True)
    new_key = Fernet.generate_key()
    # Write with owner-only permissions: the key unlocks every member's journal.
    descriptor = os.open(dev_key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(new_key)
    log.warning(
        "ENCRYPTION_KEY is not set: created a development key at %s. Set ENCRYPTION_KEY in production.",
        dev_key_path,
    )
    return TextCipher(new_key)
