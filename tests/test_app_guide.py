"""The guided lessons, the "about this model" panel and the scenario names: complete in
both languages, and every step's button does what its text says (headless)."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("solara", reason="the browser view is the optional `app` extra")

from simulation.scenario import bundled_names, load_scenario
from viz.controls import LEVER_PREFIX, lever_controls, value_at
from viz.lab import Lab
from viz.network import COLOUR_BY
from viz.texts import STEP_ACTIONS, TABS, about, lessons, pick, scenario_names
from viz.urlstate import decode

LEVERS = {c.path for c in lever_controls()}
CJK = re.compile(r"[\u4e00-\u9fff]")


def both(text: dict | None, what: str) -> None:
    assert text and set(text) == {"en", "zh"}, what
    assert text["en"].strip() and not CJK.fullmatch(text["en"].strip()), what
    assert CJK.search(text["zh"]), f"{what}: no Chinese"


def test_every_step_is_written_in_both_languages_and_asks_only_what_exists():
    assert len(lessons()) >= 2
    for lesson in lessons():
        both(lesson.title, lesson.id)
        assert 4 <= len(lesson.steps) <= 9, "a lesson is a short sequence"
        for i, step in enumerate(lesson.steps):
            where = f"{lesson.id} step {i + 1}"
            both(step.title, where)
            both(step.text, where)
            if step.do:
                both(step.button, where)  # a step that acts has a button that says so
            assert set(step.do) <= set(STEP_ACTIONS), where
            for key in ("a", "b"):
                mix = step.do.get(key)
                if mix is not None:
                    assert mix["source"] in bundled_names(), where
                    for path in mix.get("levers") or {}:
                        assert LEVER_PREFIX + path in LEVERS, (where, path)
            assert step.do.get("tab", "overview") in TABS, where
            assert step.do.get("colour_by", "open") in COLOUR_BY, where
            assert step.do.get("follow", "escalated") in ("escalated", "court", "longest")
        kinds = " ".join(pick(s.title, "en").lower() for s in lesson.steps)
        for word in ("pick", "notice", "try", "compare"):  # the shape of a lesson
            assert word in kinds or lesson.id != "party_cells", word


def test_about_and_scenario_names_are_in_both_languages():
    sections = about()
    assert len(sections) >= 4
    for heading, paragraphs in sections:
        both(heading, "about")
        for paragraph in paragraphs:
            both(paragraph, pick(heading, "en"))
    names = scenario_names()
    assert set(bundled_names()) <= set(names), "a bundled scenario has no short name"
    for name, text in names.items():
        assert name in bundled_names(), name
        both(text, name)


def session_for(lab: Lab):
    import viz.page

    session = viz.page.Session("")
    session.lab = lab
    return session


@pytest.mark.parametrize("lesson_id", [x.id for x in lessons()])
def test_each_button_does_what_its_step_asks(lesson_id: str):
    (lesson,) = [x for x in lessons() if x.id == lesson_id]
    lab = Lab(residents=1_200)
    session = session_for(lab)
    for step in lesson.steps:
        do = step.do
        if not do:
            continue
        session.run_step(do)
        assert not any(m.problems for m in lab.mixes), lab.mixes[0].problems
        if "b" in do:
            assert lab.compare
        elif do.get("compare") is False:
            assert not lab.compare
        for i, key in enumerate(("a", "b")):
            if key in do:
                mix = lab.mixes[i]
                assert mix.source == do[key]["source"]
                scenario = load_scenario(mix.source)
                for path, value in (do[key].get("levers") or {}).items():
                    assert value_at(mix.scenario, LEVER_PREFIX + path) == pytest.approx(value)
                for path in LEVERS - {LEVER_PREFIX + p for p in do[key].get("levers") or {}}:
                    assert value_at(mix.scenario, path) == value_at(scenario, path)
        if "tab" in do:
            assert session.tab.value == do["tab"]
        if "play_to" in do:
            assert session.play_to == do["play_to"] and session.playing.value
            session.playing.value = False
            lab.step(do["play_to"] - lab.week)  # what the play loop does
        if "follow" in do:
            assert session.followed.value is not None or session.follow_missing.value


def test_a_step_restored_from_the_address_keeps_the_lesson():
    state = decode("lesson=shock&step=2&tab=network")
    assert (state.lesson, state.step, state.tab) == ("shock", 2, "network")
