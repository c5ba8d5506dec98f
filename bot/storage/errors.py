"""The storage layer's one error for callers: the database cannot be used, said in plain words."""

from __future__ import annotations


class StorageError(RuntimeError):
    """The database cannot be used; the message says why in plain words."""
