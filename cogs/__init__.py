"""Bounceback's capabilities, one extension per module; each reaches the core through the bot it is given."""
