"""The read model: facts one capability needs about another's records, as plain SQL over their tables.

Cogs never import each other. When nudges want to know whether a feedback follow-up is due, or progress wants
the counts of every capability, they ask here: each function reads what it needs with explicit SQL and returns
plain values or small dataclasses, so the capability that owns a table can change its code freely, and a change
to a table shows up here, in one place.
"""

from __future__ import annotations
