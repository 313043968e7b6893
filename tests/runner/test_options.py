"""The options `hardlab` and `%hardpy` share: declared once, added to both parsers alike."""

from __future__ import annotations

import argparse

import pytest

from hardlab.cli import _parser as cli_parser
from hardlab.magics import _args
from hardlab.runner import options


def _action(parser: argparse.ArgumentParser, *path_and_flag: str) -> argparse.Action:
    *path, flag = path_and_flag
    for name in path:
        subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = subparsers.choices[name]
    return next(a for a in parser._actions if flag in a.option_strings or a.dest == flag)


@pytest.mark.parametrize(
    ("command", "option"),
    [
        ("run", options.SELECT),
        ("run", options.START_ARG),
        ("run", options.ANSWERS),
        ("run", options.RUN_DB),
        ("run", options.NO_STORE),
        ("run", options.REPORT_DIR),
        ("runs", options.DB),
        ("runs", options.SINCE),
        ("runs", options.UNTIL),
        ("sc-login", options.ADDRESS),
        ("sc-login", options.LOGIN_WAIT),
        ("sc-login", options.API_MODE),
        ("sc-login", options.CA_BUNDLE),
        ("sc-login", options.INSECURE),
        ("sc-sync", options.PLAN_PATH),
        ("sc-sync", options.SYNC_WAIT),
        ("sc-sync", options.SYNC_ADDRESS),
        ("sc-sync", options.SYNC_DB),
    ],
)
def test_both_shells_take_the_option_from_its_one_declaration(
    command: str, option: options.Option
) -> None:
    flag = option.flags[0]
    terminal = _action(cli_parser(), command, flag)
    notebook = _action(_args._parser(), command, flag)
    for action in (terminal, notebook):
        assert tuple(action.option_strings) == (option.flags if flag.startswith("-") else ())
        assert action.metavar == option.metavar
        assert action.choices == option.choices
    assert terminal.dest == notebook.dest
    assert terminal.help == option.help
    assert notebook.help == (option.notebook_help or option.help)


def test_the_notebook_wording_and_per_parser_changes() -> None:
    parser = argparse.ArgumentParser()
    options.ANSWERS.add_to(parser, notebook=True)
    options.REPORT_DIR.add_to(parser, notebook=True)  # no notebook wording: the one help
    options.START_ARG.add_to(parser, type=None)
    helps = {a.dest: a.help for a in parser._actions}
    assert helps["answers"] == options.ANSWERS.notebook_help
    assert helps["report_dir"] == options.REPORT_DIR.help
    assert parser.parse_args(["-a", "x"]).start_args == ["x"]  # read later by the shell


def test_repeated_options_start_empty_in_every_parse() -> None:
    parser = argparse.ArgumentParser()
    options.START_ARG.add_to(parser)
    assert parser.parse_args(["--arg", "a=1", "-a", "b=c=d"]).start_args == [
        ("a", "1"),
        ("b", "c=d"),
    ]
    assert parser.parse_args([]).start_args == []


@pytest.mark.parametrize("text", ["novalue", "=7"])
def test_key_value_says_what_it_expected(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=f"expected KEY=VALUE, got '{text}'"):
        options.key_value(text)
