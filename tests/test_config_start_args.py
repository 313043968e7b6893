"""``[[hardlab.start_args]]``: the inputs the operator station asks before Start."""

from __future__ import annotations

import pytest
from _station import OPERATOR_AND_SERIAL

from hardlab._util import toml_loads
from hardlab.config import HardpyConfig, StartArgConfig, parse_config
from hardlab.errors import ConfigError, HardlabWarning

TOML = (
    'tests_name = "Board"\n'
    + OPERATOR_AND_SERIAL
    + """
[[hardlab.start_args]]
name = "mode"
kind = "choice"
choices = ["quick", "full"]
default = "full"
required = false
"""
)


def test_start_args_are_read_with_their_defaults() -> None:
    config = parse_config(toml_loads(TOML))
    operator, serial, mode = config.hardlab.start_args
    assert (operator.name, operator.kind, operator.required, operator.keep) == (
        "operator", "text", True, True,
    )  # fmt: skip
    assert (serial.pattern, serial.keep) == ("SN-[0-9]{4}", False)
    assert (mode.kind, mode.choices, mode.default, mode.required) == (
        "choice", ["quick", "full"], "full", False,
    )  # fmt: skip


def test_labels_by_language_fall_back_to_english_then_the_name() -> None:
    config = parse_config(toml_loads(TOML))
    operator, serial, mode = config.hardlab.start_args
    assert operator.label_for("de") == "Bediener"
    assert operator.label_for("fr") == "Operator"
    assert serial.label_for("ja") == "Serial number"
    assert mode.label_for("en") == "mode"
    assert StartArgConfig(name="x", label={"cs": "Číslo"}).label_for("en") == "Číslo"


def test_a_plan_without_the_table_has_none() -> None:
    assert HardpyConfig().hardlab.start_args == []


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('name = ""', "non-empty key"),
        ('name = "a=b"', "without '='"),
        ('name = "m"\nkind = "choice"', "give its choices"),
        ('name = "m"\nkind = "choice"\nchoices = ["a"]\ndefault = "b"', "not one of its choices"),
        ('name = "s"\npattern = "("', "not a regular expression"),
        ('name = "s"\nkind = "date"', "hardlab.start_args.0.kind"),
    ],
)
def test_bad_declarations_are_config_errors(entry: str, problem: str) -> None:
    with pytest.raises(ConfigError, match="not valid") as caught:
        parse_config(toml_loads(f"[[hardlab.start_args]]\n{entry}\n"))
    assert problem in str(caught.value)


def test_names_are_unique() -> None:
    text = '[[hardlab.start_args]]\nname = "a"\n[[hardlab.start_args]]\nname = "a"\n'
    with pytest.raises(ConfigError, match="repeated: a"):
        parse_config(toml_loads(text))


def test_an_unknown_key_is_dropped_with_a_hint() -> None:
    text = '[[hardlab.start_args]]\nname = "a"\nrequird = false\n'
    with pytest.warns(HardlabWarning, match="did you mean 'required'"):
        config = parse_config(toml_loads(text))
    assert config.hardlab.start_args[0].required is True
