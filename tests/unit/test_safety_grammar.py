"""Each rule of the safety grammar, on its own, and the reach of negation."""

from __future__ import annotations

import pytest

from bot.safety import Tier, load_safety_rules

RULES = load_safety_rules()

# One phrasing per rule that this rule matches (other rules may match it too).
EXAMPLES = {
    "ending_at_a_time": "I'm going to end it tonight",
    "time_then_ending": "tonight is the night i end it",
    "plan_to_end": "I have a plan to end my life",
    "how_and_when": "I've worked out exactly how and when",
    "when_nobody_is_there": "I'll do it after the funeral",
    "farewell_note": "I've written a goodbye note",
    "letters_for_after": "i wrote letters to my family to find after",
    "letters_written_for_after": "I've got my last messages drafted for everyone",
    "giving_things_away": "I've been giving my things away",
    "giving_mine_away": "gave my guitar and my books away this week, won't need them",
    "goodbyes": "I said goodbye to everyone I care about",
    "goodbyes_said": "i deleted all my accounts and said my goodbyes",
    "things_in_order": "i wrote my will last night",
    "pet_looked_after": "i gave my cat to my neighbour so she'll be looked after",
    "tried_to_end_it": "I tried to kill myself last year",
    "an_attempt": "i survived an attempt and i feel the same now",
    "attempted": "I attempted last year and those feelings are back",
    "tried_before_and_again_now": "I tried before, years ago, and I feel like that again now",
    "saving_pills": "I've been saving up my pills",
    "pills_stashed": "i've got my pills lined up on the table",
    "has_a_weapon": "i bought a gun last week",
    "fixed_on_means": "I keep staring at the knife in the kitchen",
    "means_then_fixed": "i have a rope in the garage and i keep looking at it",
    "method_named": "I looked up how many pills it would take",
    "pills_taken_all": "ive got a whole bottle of painkillers and im thinking about taking them all",
    "looked_up_means": "i looked up the nearest bridge",
    "place_then_jump": "I was on the bridge and kept thinking how easy it would be to just jump off it",
    "has_a_rope": "I have the rope ready",
    "has_a_rope_said": "i bought a rope",
    "at_the_edge": "i stood on the bridge for an hour",
    "place_then_thought_of_jumping": "I went up to the roof and thought about jumping",
    "thinking_of_jumping_said": "i keep thinking about jumping",
    "thinking_of_jumping": "I keep thinking about jumping off the roof",
    "knows_how": "i know which bridge i'd use",
    "going_to_end_it": "I'm going to kill myself",
    "doing_it_then": "i'm going to do it when everyone is asleep",
    "going_to_jump": "I'm going to jump",
    "going_through_with_it": "im going to go through with it this time",
    "self_harm_named": "i relapsed on self harm",
    "harming_myself": "i hurt myself last night",
    "harming_my_body": "i burn my skin with a lighter when it gets bad",
    "cutting_again": "I've been cutting again",
    "relapsed_cutting": "i relapsed, first cut in 2 years",
    "cutting_relapse": "first cut in two years, i relapsed",
    "wanting_to_cut": "i want to cut so bad rn",
    "suicide_named": "I keep thinking about suicide",
    "thinking_of_ending_it": "i keep thinking about ending it",
    "kill_myself": "kms",
    "wish_to_die": "I want to die",
    "wish_not_to_wake": "sometimes I wish I wouldn't wake up",
    "sleep_and_never_wake": "i wish i could fall asleep and not wake up",
    "wish_for_an_accident": "I wouldn't mind if a bus hit me",
    "accident_and_not_care": "if a car hit me i wouldn't even care",
    "if_i_died_nobody_would_care": "if i died tonight nobody would care",
    "better_off_without_me": "everyone would be better off without me",
    "why_still_alive": "why am I even still alive",
    "tired_of_living": "i am so tired of being alive",
    "no_reason_to_live": "life isn't worth living",
    "no_will_to_live": "I don't want to be here anymore",
    "unsure_about_living": "im not sure i want to be alive anymore",
    "not_around_much_longer": "I don't think I'll be around much longer",
    "no_one_would_miss_me": "nobody would miss me if I disappeared",
    "disappear_forever": "i could just disappear forever",
    "cant_go_on": "I can't go on like this",
    "feel_hopeless": "i feel so hopeless",
    "hope_gone": "i've lost all hope",
    "no_point": "what's the point of anything anymore",
    "given_up": "I give up on everything",
    "never_getting_better": "nothing will ever get better",
    "cant_see_it_getting_better": "i can't see it ever getting better",
    "nothing_changes": "nothing i do matters",
    "nothing_matters": "i just dont care about anything anymore",
    "a_burden": "I'm a burden on my family",
    "burdening": "everyone has to carry me",
    "feel_trapped": "I feel trapped",
    "no_way_out": "there's no way out",
    "feel_empty": "I feel empty inside",
    "feel_nothing": "i feel nothing anymore",
    "no_future": "I don't see a future",
    # third batch
    "planned_for_a_time": "i planned it for after the results are out",
    "if_rejected_then": "if they reject me i'll end it",
    "to_the_place_and_not_back": "walking down to the river and not coming back",
    "when_alone_all_worked_out": "when nobody is home i have it all planned out",
    "all_worked_out_for_when_alone": "i've got it all sorted out for when the house is empty",
    "thats_when": "friday when my wife is at work, that's when",
    "a_time_when_alone": "tonight when everyone is asleep",
    "doing_it_at_a_time": "doing it tonight",
    "arranged_if_anything_happens": "my sister will have the dog if anything happens",
    "if_anything_happens_arranged": "in case something happens to me the kids go to my brother",
    "passwords_handed_over": "wrote down my passwords for my wife",
    "passwords_handed_to": "gave my brother all my passwords",
    "deleted_for_after": "deleted my search history so nobody has to see it",
    "note_left": "my note is in the drawer",
    "pet_given_away": "gave my cat to my aunt",
    "weapon_within_reach": "the pistol is in my wardrobe",
    "pills_counted": "my tablets are in the drawer, I count them at night",
    "counting_pills": "i count my pills every night",
    "engine_running_shut_in": "left the engine running with the garage door closed",
    "shut_in_engine_running": "in the garage with the engine on",
    "charcoal_not_for_cooking": "bought charcoal and sealed the windows",
    "drawn_to_the_place": "i go to the bridge on purpose",
    "drawn_back_to_the_place": "i keep ending up at the cliffs",
    "doing_it_this_time": "I'm going to do it for real",
    "doing_it_at_a_time_said": "im gonna do it tonight",
    "going_through_with_it_said": "i am going through with it",
    "decided_not_to_be_here": "I've decided I won't be here by spring",
    "not_sticking_around": "not sticking around after tonight",
    "decided_not_sticking_around": "mind is made up, not sticking around",
    "last_time_and_after": "last time I tried they found me",
    "worth_more_as_a_payout": "they'd get more from the insurance than from me",
    "better_off_with_the_payout": "my family would be better off with the payout",
    "stopped_believing_it_gets_better": "i don't believe it will get better",
    "unreal": "nothing seems real anymore",
    "numb_said": "numb, all the time",
    "future_trails_off": "my future feels",
    # fourth batch
    "wish_for_a_fatal_event": "some days i'm praying for a heart attack on the commute",
    "fatal_event_welcome": "if the plane crashed on the way home i wouldn't mind",
    "better_for_all_if_gone": "it would be simpler for my family if i wasn't around",
    "gone_and_the_payout": "if i were not here the insurance payout would clear the mortgage",
    "not_a_problem_much_longer": "don't worry, i won't be a burden for much longer",
    "thinking_of_not_being_here": "i keep thinking about not being here anymore",
    "ended_it_thoughts": "the end it all thoughts are back",
    "decided_not_here_soon": "i've decided i'm not going to be around after this month",
    "not_here_soon_at_peace": "i won't be here next week and i've made peace with it",
    "chosen_day": "the date is set.",
    "chosen_place": "i scouted out the railway bridge and a time",
    "plan_said": "it's all mapped out now",
    "high_place_when_alone": "the quarry after everyone's asleep",
    "letter_scheduled": "wrote a message for my brother and set it to send next week",
    "papers_with_a_note": "left the insurance policies out with a note for my husband",
    "passwords_just_in_case": "told my sister my passwords, just in case",
    "pills_from_many_shops": "picked up tablets from four different pharmacies",
    "means_kept_for_a_reason": "kept the sleeping pills for a reason",
    "hopeless_said": "i've stopped expecting anything good",
    "burden_said": "i'm nothing but a drain to my parents",
    "trapped_said": "there's no escaping any of this",
    "empty_said": "i've stopped feeling anything since the layoff",
    "no_future_said": "i can't imagine any life for myself past this",
    "not_found_by_them": "going somewhere so my kids aren't the one who finds me",
    "place_and_how_high": "walked over the bridge after the interview and kept thinking about how high it is",
    "place_with_a_way_up": "the car park by the station has an open top floor",
    "not_sticking_around_this_world": "i'm not sticking around on this earth much longer",
    "decided_not_to_wake": "i've decided i'm not waking up to another rejection",
    "pet_rehomed_for_good": "found a new home for my cat, she deserves someone who's going to be around",
    "place_then_drawn": "the balcony at my flat has been looking very tempting since the layoff",
    "ending_it_now": "this is my last application, after this i'm ending it either way",
    "no_intention_of_being_alive": "i've got no intention of being alive by christmas",
    "doing_it_off_a_height": "going to do it this weekend at my old uni, off the library roof",
    "giving_away_mine_not_needed": "gave away my plants, no point keeping them",
    "not_needed_where_im_going": "giving away my interview suits since i won't need them where i'm going",
    "insurance_pays_out_for_it": "made sure my life insurance pays out for it",
    "arranged_for_after_me": "labelled everything so it's easy for whoever has to deal with it after",
    "picturing_my_funeral": "i keep picturing my own funeral and it feels peaceful",
    "done_with_life": "i'm ready to be done with this life",
    "not_existing_thought": "lately the idea of not existing feels like relief",
    "lethal_question": "looked at lethal doses again tonight",
    "if_rejected_then_pills": "if the recruiter says no i'm taking the pills",
    "doing_it_on_a_day": "i'll do it on friday when everyone's at work",
    "rope_and_a_day": "the rope in the garage, saturday night",
    "letters_to_family": "wrote letters to my brother and my mum this evening",
    "letter_to_read_later": "wrote a note for my son to open when he's older",
    "pet_rehomed": "found a new home for my rabbit",
    "pet_taken": "asked my neighbour if she'd take the cats",
    "pet_given_to_someone": "gave my dog to my neighbour, told her it was for work",
    "who_gets_my_things": "my guitar's going to my nephew",
    "thanked_everyone": "messaged all my old friends to thank them for everything",
    "goodbyes_quietly": "saying my goodbyes quietly this week",
    "before_and_hospital": "been this low before and ended up in a&e",
    "starving_for_punishment": "haven't eaten since monday, i don't deserve to",
    "decided_to_end": "made my decision about ending things",
    "no_talking_me_out": "nobody's going to talk me out of it this time",
    "last_one_ever": "this is the last rejection i'm ever going to get",
    "passive_said": "you ever just hope something happens to you so you dont have to keep going",
    "gone_soon": "i'll be gone soon, i'm sure now",
    "full_bottle_of_pills": "i've got a full bottle of sleeping pills in my room",
    "picked_the_day": "bro i already picked the day, it's the 12th",
    "a_day_nobody_checks": "i'm thinking tuesday, nobody checks on me on tuesdays",
    "to_the_place_and_thats_it": "gonna drive to the quarry on sunday and that's it",
    "message_for_when_its_done": "set up a scheduled email to my brother for next week, he'll get it when it's done",
    "cut_after_the_event": "cut after the panel interview, long sleeves tomorrow",
    "an_act_done": "i overdosed two years ago",
    "what_i_want_is_to_die": "honestly the one thing i want right now is to be dead",
    "the_plan_is_a_place": "the plan is the bridge after my last shift",
    "rope_stowed": "the rope is in the boot of the car",
    "letter_for_when": "wrote her a letter for when it's over",
    "giving_mine_not_needed": "gave my flatmate my suits and said he'll need them more than me",
    "tried_to_jump": "tried to jump three years ago",
    "eyeing_means": "keep eyeing the knife block and it isn't about cooking",
    "poison_kept": "kept the rat poison under my bed since the results",
    "poison_kept_there": "there's weedkiller in the garage, unlocked",
    "found_where_weapon": "found where my brother keeps his rifle",
    "doing_it_decided": "yeah i'm gonna do it, no more interviews",
    "when_alone_doing_it": "when my flatmate leaves for his shift, that's when i'm doing it",
    "at_a_time_up_to": "tomorrow after the assessment centre i'm going up to the cliffs",
    "planned_to_go_up_to": "i have planned that after results i will go to the railway track",
    "messages_as_a_goodbye": "texted everyone i love today, kind of as a goodbye",
    "mine_when_gone": "told my mate he could have my car when i'm gone",
    "scheduled_to_family": "set up my email to auto-send a message to my family on the 15th",
    "wont_be_here_to": "rehomed my bird because i won't be here to look after him",
    "mess_after": "cleaned the flat so nobody has to deal with a mess after",
    "only_thing_is_cutting": "the only thing that calms me down after rejections is cutting",
    "thinking_of_killing_yourself": "is it normal to think about killing yourself after so many rejections",
}


def test_every_rule_has_an_example() -> None:
    assert set(EXAMPLES) == {rule.name for rule in RULES.rules}


@pytest.mark.parametrize(("name", "text"), EXAMPLES.items())
def test_each_rule_matches_its_example(name: str, text: str) -> None:
    assert name in RULES.matching_rules(text), RULES.matching_rules(text)
    rule = next(rule for rule in RULES.rules if rule.name == name)
    assert RULES.assess(text).tier >= rule.tier


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal, just frustrated",
        "I would never hurt myself",
        "not that I want to die",
        "I don't want to die",
        "I'm not going to kill myself over a job",
        "no, I'm not thinking of ending it",
        "I have no plans to hurt myself",
        "I never want to cut myself again",
        "I don't feel trapped",
        "I'm not a burden",
        "I'm not hopeless, just annoyed",
        "i dont wish i was dead",
        "never had suicidal thoughts, not once",
        "I'm not having any thoughts of self harm",
        "I've never tried to kill myself",
    ],
)
def test_a_negation_right_before_a_signal_cancels_it(text: str) -> None:
    assert RULES.assess(text).tier is Tier.BENIGN


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal but I've been saving my pills",  # 'but' ends the negation's reach
        "I'm not okay, I want to die",  # so does a comma
        "I don't know. I want to die",  # and the end of a sentence
        "I don't care anymore i want to die",  # 'care' is not a bridging word
        "I don't want to die but sometimes I wish I wouldn't wake up",
        "not gonna lie, I want to die",  # emphasis, not negation
        "I'm not joking, I want to kill myself",
        "I'm not sure I want to be alive anymore",  # doubt, not negation
        "I never get callbacks and I want to die",  # the negation governs 'get callbacks'
    ],
)
def test_a_negation_does_not_cancel_a_signal_it_does_not_govern(text: str) -> None:
    assert RULES.assess(text).is_crisis


def test_rules_stay_within_a_sentence() -> None:
    assert RULES.assess("I want to. Die Hard is on tonight").tier is Tier.BENIGN
    assert RULES.assess("I want to die").is_crisis


def test_run_together_and_slang() -> None:
    for text in ("iwanttodie", "gonna killmyself", "kms", "i want to unalive myself", "thinking of sewerslide"):
        assert RULES.assess(text).is_crisis, text
    for text in ("lol kys if you ghost candidates", "the office is 12 kms away"):
        assert RULES.assess(text).tier is Tier.BENIGN, text


@pytest.mark.parametrize(
    "text",
    [
        "I'm not going to hurt myself, I'm just angry",
        "never had suicidal thoughts",
        "no thoughts of ending anything",
        "zero thoughts of ending myself, just of ending this job hunt",
        "I don't have any plans to hurt myself",
        "not wanting to end my life, just this week",
        "nowhere near the point of harming myself",
    ],
)
def test_explicit_denials_are_benign(text: str) -> None:
    assert RULES.assess(text).tier is Tier.BENIGN


@pytest.mark.parametrize(
    "text",
    [
        "I'm not going to hurt myself, but I want to die",
        "never had suicidal thoughts before, but now I want to kill myself",
        "zero thoughts of quitting. I want to end my life",
    ],
)
def test_a_denial_does_not_cancel_a_signal_elsewhere(text: str) -> None:
    assert RULES.assess(text).tier is Tier.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        "my brother keeps saying he wants to die since the layoff, how do i help him",
        "the film was about a man who wanted to kill himself",
        "my flatmate said she wants to kms over her thesis lol",
        "the news about that founder who died by suicide is grim",
        "my dad went through a dark patch after the layoff, he told me he thought about suicide back then",
        "reading a memoir where the author talks about wanting to die during two years of unemployment",
    ],
)
def test_a_report_of_someone_else_is_not_the_members_own_risk(text: str) -> None:
    assert RULES.assess(text).tier is Tier.BENIGN


@pytest.mark.parametrize(
    "text",
    [
        "my mum said i'd be better off dead and i think she's right",
        "my family would be better off without me",
        "they would all be better off if i was gone",
        "my friend said i should kill myself",
        "the news made me want to die",
        "my dad has a gun and i keep thinking about it",
        "my dad's gun is in the closet and after today's rejection that's all i think about",
        "my sister will have the dog if anything happens",
        "they'd be fine with the insurance payout, better than with me around",
        "she told me i'd be better off dead",
        "saw the bridge today and kept thinking about jumping off it",
        "going to step in front of the 6:15 train tomorrow",
    ],
)
def test_someone_else_in_the_sentence_does_not_hide_the_members_own_risk(text: str) -> None:
    assert RULES.assess(text).tier is Tier.CRISIS
