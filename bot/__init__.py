"""Bounceback: a Discord companion for bouncing back from job-interview rejection."""

__version__ = "0.1.0"
