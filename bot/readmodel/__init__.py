"""The read model: facts one capability needs about another's records, as plain SQL over their tables.

Cogs never import each other. When nudges want to know whether a feedback follow-up is due, or progress wants
the counts of every capability, they ask here: each function reads what it needs with explicit SQL and returns
plain values or small dataclasses, so the capability that owns a table can change its code freely, and a change
to a table shows up here, in one place.
"""

from __future__ import annotations

from bot.readmodel.facts import (
    FeedbackCounts,
    HardQuestionText,
    LoggedRejection,
    ProgressFacts,
    feedback_notes_for_reflection,
    feedback_nudge_state,
    hard_question,
    hard_questions,
    latest_reflection_id,
    members_checked_in,
    progress_facts,
    reflection_went_well,
)
from bot.readmodel.journey import (
    JourneyStep,
    goal_for,
    journey_steps,
    logged_offer,
    shots_taken_count,
)
from bot.readmodel.learning import (
    JournalEntry,
    NoteText,
    ReflectionText,
    journal_page,
    member_timezone,
    pattern_texts,
)
from bot.readmodel.plan import (
    OpenPlanItem,
    PracticedQuestion,
    feedback_note,
    open_plan_items,
    plan_item_text,
    practiced_question,
)

__all__ = [
    "FeedbackCounts",
    "HardQuestionText",
    "JournalEntry",
    "JourneyStep",
    "LoggedRejection",
    "NoteText",
    "OpenPlanItem",
    "PracticedQuestion",
    "ProgressFacts",
    "ReflectionText",
    "feedback_note",
    "feedback_notes_for_reflection",
    "feedback_nudge_state",
    "goal_for",
    "hard_question",
    "hard_questions",
    "journal_page",
    "journey_steps",
    "latest_reflection_id",
    "logged_offer",
    "member_timezone",
    "members_checked_in",
    "open_plan_items",
    "pattern_texts",
    "plan_item_text",
    "practiced_question",
    "progress_facts",
    "reflection_went_well",
    "shots_taken_count",
]
