"""Hypothesis strategies for hostile input: what a factory floor feeds a test plan.

NaN and ±inf, huge and empty strings, control characters, lone surrogates
(``st.text()`` never yields them: ``categories=["Cs", ...]`` does), text
decoded with ``errors="surrogateescape"``, wrong types, deeply nested,
circular and unserialisable objects, non-UTF-8 bytes.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from hypothesis import strategies as st

from hardlab.errors import HardlabError
from hardlab.model import CaseRunStore, Group, ModuleRunStore, ResultRunStore, TestStatus
from hardlab.runtime import CaseRef, RunState, running

PROFILE = os.environ.get("HARDLAB_HYPOTHESIS", "suite")
"""The Hypothesis profile (tests/properties/conftest.py): ``suite``, or ``long`` for a soak."""


def budget(examples: int) -> int:
    """`examples` for an expensive property in the suite; forty times that in a soak."""
    return examples * 40 if PROFILE == "long" else examples


HUGE = 200_000
"""Characters in a huge string (a scope dump pasted into a message)."""

texts = st.one_of(
    st.text(max_size=40),
    st.just(""),
    st.text(st.characters(categories=["Cs", "L"]), max_size=12),  # lone surrogates
    st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp"]), max_size=12),  # controls
    st.binary(max_size=16).map(lambda raw: raw.decode("utf-8", "surrogateescape")),
    st.just(HUGE).map(lambda size: "x" * size),
    st.sampled_from(["=1+1", "\x1b[2J", "\u202eevil", "a.b", "\x00"]),
)
"""Text of every awkward kind."""

floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 5e-324, 1.7976931348623157e308]),
)
numbers = st.one_of(floats, st.integers(min_value=-(2**63), max_value=2**63), st.booleans())
"""Numbers, NaN and infinities included (ints stay within 64 bits: see below)."""

BIG_INTS = st.sampled_from([2**64, -(2**70), 10**400])
"""Integers beyond 64 bits and beyond float range."""


class Opaque:
    """An object JSON cannot encode, whose str() is its only text."""

    def __str__(self) -> str:
        return "Opaque()"


class NoTextError(RuntimeError):
    """What `Unprintable` raises: the plan's own error, which may pass through."""


class Unprintable:
    """An object whose str() and repr() fail."""

    def __str__(self) -> str:
        raise NoTextError("no text for you")

    __repr__ = __str__


def _circular_dict() -> dict[str, Any]:
    value: dict[str, Any] = {"a": 1}
    value["self"] = value
    return value


def _circular_list() -> list[Any]:
    value: list[Any] = [1]
    value.append(value)
    return value


class Deep(list):  # type: ignore[type-arg]
    """Lists in lists, `depth` deep; shown by its depth (printing it would recurse as deep)."""

    def __init__(self, depth: int) -> None:
        value: Any = "leaf"
        for _ in range(depth - 1):
            value = [value]
        super().__init__([value])
        self.depth = depth

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def __repr__(self) -> str:
        return f"Deep({self.depth})"


odd_objects = st.one_of(
    st.builds(Opaque),
    st.builds(Unprintable),
    st.just(datetime(2026, 1, 1, tzinfo=timezone.utc)),
    st.sets(st.integers(), max_size=3),
    st.frozensets(st.text(max_size=3), max_size=3),
    st.binary(max_size=8),
    st.builds(_circular_dict),
    st.builds(_circular_list),
    st.integers(min_value=90, max_value=300).map(Deep),
    st.just(Deep(100_000)),
    st.just({(1, 2): "tuple key"}),
    st.just({None: 1, 2: "two", 3.5: True}),
    st.just(object()),
    st.complex_numbers(max_magnitude=10),
)
"""Objects JSON cannot write as they are."""

scalars = st.one_of(st.none(), numbers, texts)

json_like = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.tuples(children, children),
        st.dictionaries(texts, children, max_size=4),
    ),
    max_leaves=12,
)
"""JSON-shaped data with hostile leaves and keys (tuples too, which JSON writes as lists)."""

anything = st.one_of(json_like, odd_objects, BIG_INTS)
"""What a setter may be handed by a plan without a type checker."""

mappings = st.one_of(
    st.dictionaries(st.one_of(texts, st.integers(), st.none()), anything, max_size=4),
    anything,
)
"""Mostly mappings (for the mapping setters), sometimes not."""


# ---------------------------------------------------------------- a live run


HARDPYS_OWN = {
    "x_data and y_data must be set",  # set_case_chart of an empty chart
    "The 'msg' argument cannot be empty.",  # set_operator_message("")
    "The 'font_size' argument cannot be less than 1",
}
"""HardPy's plain ValueErrors, which hardlab keeps (hardpy-contract §1)."""


@contextmanager
def live_case() -> Iterator[RunState]:
    """A current run with its case ``test_module::test_case`` running."""
    run = RunState(name="properties")
    with run.lock:
        module = run.document.modules["test_module"] = ModuleRunStore(
            status=TestStatus.RUN, name="test_module", group=Group.MAIN,
            start_time=None, stop_time=None,
        )  # fmt: skip
        module.cases["test_case"] = CaseRunStore(
            status=TestStatus.RUN, name="test_case", group=Group.MAIN,
            start_time=None, stop_time=None, attempt=1,
        )  # fmt: skip
    with running(run):
        run.current = CaseRef("test_module", "test_case")
        yield run


def _no_constants(token: str) -> None:
    raise AssertionError(f"the report's JSON holds {token}")


def assert_report_is_sound(run: RunState) -> ResultRunStore:
    """The report serialises to strict JSON and validates back to itself."""
    report = run.snapshot()
    text = report.model_dump_json()
    json.loads(text, parse_constant=_no_constants)
    text.encode("utf-8")
    assert ResultRunStore.model_validate_json(text) == report
    return report


def call(setter: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
    """Call a setter; True if it took the value, False if it refused it as documented."""
    try:
        setter(*args, **kwargs)
    except HardlabError:
        return False
    except ValueError as exc:
        if type(exc) is ValueError and str(exc) in HARDPYS_OWN:
            return False
        raise
    return True
