"""The funnel (cogs/progress/funnel.py) and the shots-taken rule (bot/readmodel/shots.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.content import load_content
from bot.readmodel import JourneyStep
from bot.readmodel.shots import name_key, shots_taken
from cogs.progress.funnel import Funnel, funnel, funnel_text

START = datetime(2026, 3, 2, 9, tzinfo=UTC)


Spec = tuple[str, ...] | tuple[str, str | None, str | None, str]


def steps(*specs: Spec) -> list[JourneyStep]:
    """('applied', 'Acme') ... oldest first, a day apart; a third item is the role, a fourth a rejection's stage."""
    made = []
    for day, spec in enumerate(specs):
        kind, company, role, stage = (*spec, None, None, None)[:4]
        assert kind is not None
        made.append(JourneyStep(kind, START + timedelta(days=day), company, role, stage))
    return made


def test_nothing_logged_is_nothing_counted() -> None:
    assert funnel([]) == Funnel()
    assert funnel_text(funnel([]), load_content("progress")["funnel"]) is None


def test_only_rejections_count_one_shot_each_as_before() -> None:
    counts = funnel(
        steps(("rejected",), ("rejected", "Acme"), ("rejected", "Acme"), ("rejected", None, None, "onsite"))
    )
    assert (counts.shots, counts.rejections, counts.open, counts.logged) == (4, 4, 0, 0)
    assert counts.interviewed == 1  # only the one rejected after the final round had been interviewed


def test_an_application_its_interview_and_its_no_are_one_shot() -> None:
    counts = funnel(steps(("applied", "Acme"), ("interview", "ACME "), ("rejected", "acme", None, "technical")))
    assert counts == Funnel(shots=1, interviewed=1, rejections=1, logged=2)


def test_two_applications_an_interview_and_an_offer_unnamed() -> None:
    counts = funnel(steps(("applied",), ("applied",), ("interview",), ("offer",)))
    assert counts == Funnel(shots=2, interviewed=1, offers=1, open=1, logged=4)


def test_a_rejection_for_a_company_never_applied_to_is_its_own_shot() -> None:
    counts = funnel(steps(("applied", "Acme"), ("rejected", "Beta")))
    assert (counts.shots, counts.rejections, counts.open) == (2, 1, 1)


def test_more_no_s_than_applications_logged_still_count_every_time() -> None:
    counts = funnel(steps(("applied",), ("rejected",), ("rejected",), ("rejected",)))
    assert (counts.shots, counts.rejections, counts.open) == (3, 3, 0)


def test_a_finished_shot_takes_no_more_steps() -> None:
    # Acme said no; a later interview at Acme is a new go, not the old one.
    counts = funnel(steps(("applied", "Acme"), ("rejected", "Acme"), ("interview", "Acme")))
    assert (counts.shots, counts.interviewed, counts.open) == (2, 1, 1)


def test_the_same_company_wins_over_an_unnamed_application_and_the_oldest_goes_first() -> None:
    shots = shots_taken(steps(("applied",), ("applied", "Acme"), ("applied", "Acme"), ("offer", "Acme")))
    assert [(s.company, s.outcome) for s in shots] == [(None, None), ("acme", "offer"), ("acme", None)]


def test_different_roles_at_one_company_are_different_shots() -> None:
    counts = funnel(
        steps(("applied", "Acme", "Designer"), ("applied", "Acme", "Researcher"), ("rejected", "Acme", "researcher"))
    )
    shots = shots_taken(
        steps(("applied", "Acme", "Designer"), ("applied", "Acme", "Researcher"), ("rejected", "Acme", "researcher"))
    )
    assert counts.shots == 2
    assert [(s.role, s.outcome) for s in shots] == [("designer", None), ("researcher", "rejected")]


def test_an_unnamed_step_joins_a_named_shot_rather_than_invent_one() -> None:
    counts = funnel(steps(("applied", "Acme"), ("interview",), ("rejected",)))
    assert (counts.shots, counts.interviewed, counts.rejections) == (1, 1, 1)


def test_a_rejection_at_application_stage_was_not_an_interview() -> None:
    counts = funnel(steps(("applied", "Acme"), ("rejected", "Acme", None, "application")))
    assert (counts.shots, counts.interviewed) == (1, 0)


def test_names_compare_without_case_spacing_or_markdown_escapes() -> None:
    assert name_key("  Acme\\_Co  Ltd ") == name_key("acme_co ltd") == "acme_co ltd"
    assert name_key("   ") is None and name_key(None) is None


def test_the_funnel_reads_in_real_plural_forms() -> None:
    text = load_content("progress")["funnel"]
    one = funnel_text(funnel(steps(("applied",), ("interview",), ("offer",))), text)
    assert one == "1 application → 1 got to an interview → 1 offer"
    many = funnel(steps(("applied",), ("applied",), ("applied",), ("rejected",), ("rejected",), ("interview", "Acme")))
    assert funnel_text(many, text) == "3 applications → 1 got to an interview → 2 rejections, 1 still open"
