"""Answers files with per-slot sections, falling back to the common answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hardlab.errors import ConfigError, NoAnswerError
from hardlab.model.dialog import DialogBox, TextInputWidget
from hardlab.operators import DialogRequest, ScriptedOperator

TOML = """
in_order = ["first", "second"]
"LED check" = "pass"
[by_case]
test_serial = "SN-COMMON"
[slot.2.by_case]
test_serial = "SN-TWO"
[slot.3]
in_order = ["three"]
"""


def _ask(operator: ScriptedOperator, case_id: str, text: str = "Serial?") -> str:
    request = DialogRequest(
        dialog=DialogBox(text, widget=TextInputWidget()),
        run_id="r",
        module_id="test_board",
        case_id=case_id,
        module_name="Board",
        case_name=case_id,
        attempt=1,
    )
    return operator.ask(request).data


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    path = tmp_path / "answers.toml"
    path.write_text(TOML)
    return path


def test_a_slot_section_comes_first(answers: Path) -> None:
    assert _ask(ScriptedOperator.from_file(answers, slot=2), "test_serial") == "SN-TWO"


def test_other_slots_and_no_slot_take_the_common_answers(answers: Path) -> None:
    for slot in (1, None):
        assert _ask(ScriptedOperator.from_file(answers, slot=slot), "test_serial") == "SN-COMMON"


def test_a_slot_list_replaces_the_common_list(answers: Path) -> None:
    three = ScriptedOperator.from_file(answers, slot=3)
    assert _ask(three, "test_other", "Other?") == "three"
    with pytest.raises(NoAnswerError):
        _ask(three, "test_other", "Other?")
    one = ScriptedOperator.from_file(answers, slot=1)
    assert [_ask(one, "x", "A?"), _ask(one, "y", "B?")] == ["first", "second"]


def test_json_has_the_same_form(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    data = {"by_case": {"test_serial": "A"}, "slot": {"2": {"by_case": {"test_serial": "B"}}}}
    path.write_text(json.dumps(data))
    assert _ask(ScriptedOperator.from_file(path, slot=2), "test_serial") == "B"
    assert _ask(ScriptedOperator.from_data(data, slot=1), "test_serial") == "A"


def test_a_slot_key_that_is_not_sections_is_an_answer() -> None:
    operator = ScriptedOperator.from_data({"slot": "S-1"}, slot=1)
    assert _ask(operator, "slot") == "S-1"


def test_bad_sections_are_refused() -> None:
    with pytest.raises(ConfigError, match="slot 2: by_case must be a table"):
        ScriptedOperator.from_data({"slot": {"2": {"by_case": []}}}, slot=2)
