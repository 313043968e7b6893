"""What a stand reads from outside: hardpy.toml, answers files, --since/--until, API queries.

Any bytes in a hardpy.toml or an answers file give a configuration or a
`ConfigError` naming the file; any text as ``--since``/``--until`` gives an
aware time the store can compare in UTC, or argparse's error; any query
string gives the REST API a page to read or a `ParameterError` (its 400).
"""

from __future__ import annotations

import argparse
import warnings
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
from _hostile import texts
from hypothesis import given
from hypothesis import strategies as st

from hardlab._when import parse_when
from hardlab.config import HardpyConfig, load_config
from hardlab.errors import ConfigError, HardlabWarning
from hardlab.labext._params import ParameterError, parse_export_format, parse_runs_query
from hardlab.runner import ScriptedOperator

SECTIONS = [
    "",
    "[frontend]\n",
    "[database]\n",
    "[stand_cloud]\n",
    "[extra_args]\n",
    "[[test_configs]]\n",
]
KEYS = ["port", "host", "tests_name", "url", "address", "autosync", "name", "x", "language"]


def _toml_value() -> st.SearchStrategy[str]:
    scalar = st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.sampled_from(["nan", "inf", "-inf", "true", "1979-05-27T07:32:00Z", "1e400", "0x7f"]),
        texts.map(lambda text: '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    )
    return st.recursive(
        scalar,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
            st.lists(st.tuples(st.sampled_from(KEYS), inner), max_size=3).map(
                lambda pairs: "{" + ", ".join(f"{k} = {v}" for k, v in pairs) + "}"
            ),
        ),
        max_leaves=8,
    )


toml_documents = st.one_of(
    st.lists(
        st.tuples(st.sampled_from(SECTIONS), st.sampled_from(KEYS), _toml_value()), max_size=6
    ).map(lambda lines: "".join(f"{section}{key} = {value}\n" for section, key, value in lines)),
    st.integers(min_value=1, max_value=3000).map(lambda n: "x = " + "[" * n + "]" * n + "\n"),
)
file_bytes = st.one_of(
    toml_documents.map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.binary(max_size=64),
    toml_documents.map(lambda text: text.encode("utf-16", "surrogatepass")),
    st.sampled_from([b"\xef\xbb\xbftests_name = 'bom'\n", b"tests_name = '\xff'\n", b"\x00"]),
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("inputs")


@given(data=file_bytes)
def test_hardpy_toml_is_a_config_or_a_config_error_naming_it(folder: Path, data: bytes) -> None:
    path = folder / "hardpy.toml"
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HardlabWarning)  # unknown keys: documented warning
        try:
            config = load_config(folder)
        except ConfigError as exc:
            refusal = str(exc)
        else:
            refusal = ""
    if refusal:
        assert str(path) in refusal
        return
    assert isinstance(config, HardpyConfig)
    config.model_dump_json()


@given(data=file_bytes, suffix=st.sampled_from([".toml", ".json"]))
def test_answers_files_are_answers_or_a_config_error_naming_them(
    folder: Path, data: bytes, suffix: str
) -> None:
    path = folder / f"answers{suffix}"
    if suffix == ".json":
        data = data.replace(b" = ", b": ")
    path.write_bytes(data)
    try:
        ScriptedOperator.from_file(path)
    except ConfigError as exc:
        refusal = str(exc)
    else:
        refusal = str(path)
    assert str(path) in refusal


ages = st.tuples(
    st.one_of(
        st.integers(min_value=0, max_value=10**30).map(str), st.text("0123456789.", max_size=25)
    ),
    st.sampled_from(["s", "m", "h", "d", "w", "", "y"]),
).map("".join)
dates = st.one_of(
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.tuples(st.datetimes(), st.integers(min_value=-23, max_value=23)).map(
        lambda pair: pair[0].isoformat() + f"{pair[1]:+03d}:00"
    ),
    st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01",
                     "9999-12-31", "today", "yesterday", "now", "Z", "2026-11-21Z"]),
)  # fmt: skip
when_texts = st.one_of(ages, dates, texts, st.text(st.characters(categories=["Nd"]), max_size=12))


@given(text=when_texts)
def test_since_and_until_are_utc_comparable_times_or_argument_errors(text: str) -> None:
    try:
        moment = parse_when(text)
    except argparse.ArgumentTypeError:
        return
    assert moment.tzinfo is not None
    moment.astimezone(timezone.utc)


names = st.sampled_from(
    ["limit", "offset", "since", "until", "status", "stand", "part_number", "serial_number",
     "name", "token", "format", "bogus", "123"]
)  # fmt: skip
values = st.one_of(when_texts, st.integers().map(str), st.just("99999999999999999999"), texts)


@given(query=st.dictionaries(names, st.lists(values, min_size=1, max_size=2), max_size=5))
def test_api_queries_are_pages_or_parameter_errors(query: dict[str, list[str]]) -> None:
    for parse in (parse_runs_query, parse_export_format):
        try:
            parsed: Any = parse(query)
        except ParameterError:
            continue
        if parse is parse_runs_query:
            assert 0 <= parsed.offset < 2**63 and 1 <= parsed.limit <= 500
            run_filter = parsed.run_filter
            for bound in (run_filter.since, run_filter.until) if run_filter else ():
                if bound is not None:
                    bound.astimezone(timezone.utc)
