"""The scripted operator: answers given up front, for CI, headless notebooks and demos.

`answers_from_env` builds one from the answers file ``$HARDLAB_ANSWERS``
names, for runs that were given no operator.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

from hardlab._util import toml_loads
from hardlab.errors import ConfigError, NoAnswerError
from hardlab.operators._answers import describe, to_answer
from hardlab.operators._protocol import Answer, DialogRequest, MessageRequest

__all__ = ["ANSWERS_ENV", "AnswerFunction", "ScriptedOperator", "answers_from_env"]


AnswerFunction = Callable[[DialogRequest], Any]


class ScriptedOperator:
    """Answers dialogs from answers given up front: for CI, headless notebooks, demos.

    An answer is looked up, in this order:

    1. `by_case`: by the asking case, as ``"module::case"``, ``"case"`` or
       the case's display name;
    2. `by_title`: by the dialog's title (its title bar, or the case name)
       or its text;
    3. `in_order`: the next unused answer of the list.

    A plain mapping given as `answers` is searched as `by_case` and then as
    `by_title`; a list is `in_order`; a function gets the `DialogRequest`
    and returns the answer. Values are converted by `to_answer` (so a
    number answers a numeric input, a list a checkbox, ``"pass"`` a
    pass/fail dialog). The same case key answers every dialog of that case;
    use titles or the ordered list when one case asks several questions.

    Blocking operator messages are acknowledged at once (set
    ``acknowledge_messages=False`` to treat one as an error). It never waits,
    so a stop of the run has nothing to interrupt (an answer function that
    waits should give up when ``request.stop`` is set).

    Attributes:
        log: Every dialog asked, with the answer given, in order.
        messages: Every blocking message acknowledged, in order.

    Example:
        ```python
        hardlab.run("plans/board", answers={
            "test_serial": "SN-0042",            # by case
            "LED check": "pass",                 # by title
        })
        ```
    """

    def __init__(
        self,
        answers: Mapping[str, Any] | Sequence[Any] | AnswerFunction | None = None,
        *,
        by_case: Mapping[str, Any] | None = None,
        by_title: Mapping[str, Any] | None = None,
        in_order: Iterable[Any] | None = None,
        acknowledge_messages: bool = True,
    ) -> None:
        self._function: AnswerFunction | None = None
        self._by_case: dict[str, Any] = dict(by_case or {})
        self._by_title: dict[str, Any] = dict(by_title or {})
        self._in_order: list[Any] = list(in_order or [])
        if callable(answers):
            self._function = answers
        elif isinstance(answers, Mapping):
            for key, value in answers.items():
                self._by_case.setdefault(key, value)
                self._by_title.setdefault(key, value)
        elif answers is not None and not isinstance(answers, (str, bytes)):
            self._in_order.extend(answers)
        elif answers is not None:
            msg = (
                "ScriptedOperator(answers=...) takes a mapping, a list or a function; "
                "for a file use ScriptedOperator.from_file(path)"
            )
            raise ConfigError(msg)
        self._next = 0
        self._lock = threading.Lock()
        self.acknowledge_messages = acknowledge_messages
        self.log: list[tuple[DialogRequest, Answer]] = []
        self.messages: list[MessageRequest] = []

    @classmethod
    def from_file(cls, path: str | PathLike[str], *, slot: int | None = None) -> ScriptedOperator:
        """Read answers from a TOML or JSON file.

        The file may have the tables ``by_case`` and ``by_title`` and the list
        ``in_order``; any other top-level key is an answer looked up by case,
        then by title. A stand with several slots (``hardlab run --slots``)
        may give each slot its own answers in a ``slot`` table of per-slot
        tables (``[slot.2]`` in TOML, ``"slot": {"2": {...}}`` in JSON),
        written like the file itself; see `from_data`.

        Example:
            ```toml
            in_order = ["SN-0042"]
            [by_case]
            "test_2_input::test_num_input" = 123
            [by_title]
            "LED check" = "pass"
            [slot.2.by_case]
            "test_2_input::test_num_input" = 456
            ```

        Args:
            path: The TOML (or ``.json``) file.
            slot: The slot the answers are for; None takes the common answers only.

        Raises:
            ConfigError: If the file cannot be read or parsed.
        """
        source = Path(path)
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:  # not UTF-8: the decode error says where
            msg = f"answers file {source}: cannot be read ({getattr(exc, 'strerror', 0) or exc})"
            raise ConfigError(msg) from exc
        try:
            data = json.loads(text) if source.suffix.lower() == ".json" else toml_loads(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
            kind = "JSON" if source.suffix.lower() == ".json" else "TOML"
            msg = f"answers file {source} is not valid {kind}: {exc}"
            raise ConfigError(msg) from exc
        return cls.from_data(data, slot=slot, source=f"answers file {source}")

    @classmethod
    def from_data(
        cls, data: Any, *, slot: int | None = None, source: str = "answers"
    ) -> ScriptedOperator:
        """The operator of answers as an answers file holds them, for one slot of a stand.

        `data` is a list (answers in order) or a mapping with the optional
        ``by_case``, ``by_title``, ``in_order`` and ``slot`` keys, other keys
        being answers by case, then by title. ``slot`` maps slot numbers
        (``"2"``) to sections of the same form: for `slot`, its section's
        answers are looked up first and the common ones after (by case, by
        title); its ``in_order`` list, if it has one, replaces the common one.
        A ``slot`` value that is not a table of numbered tables is an
        ordinary answer (for a case or title named ``slot``).

        Raises:
            ConfigError: If the answers are not of that form.
        """
        common = _parts(data, source)
        slots = common.pop("slots")
        if slot is not None and str(slot) in slots:
            own = _parts(slots[str(slot)], f"{source}, slot {slot}")
            return cls(
                by_case={**common["by_case"], **own["by_case"]},
                by_title={**common["by_title"], **own["by_title"]},
                in_order=own["in_order"] if own["has_order"] else common["in_order"],
            )
        return cls(
            by_case=common["by_case"], by_title=common["by_title"], in_order=common["in_order"]
        )

    def __repr__(self) -> str:
        return (
            f"ScriptedOperator(by_case={len(self._by_case)}, by_title={len(self._by_title)}, "
            f"in_order={len(self._in_order) - self._next} left)"
        )

    def _lookup(self, request: DialogRequest) -> Any:
        if self._function is not None:
            return self._function(request)
        for key in (request.node, request.case_id, request.case_name):
            if key in self._by_case:
                return self._by_case[key]
        for key in (request.title, request.dialog.dialog_text):
            if key in self._by_title:
                return self._by_title[key]
        with self._lock:
            if self._next < len(self._in_order):
                value = self._in_order[self._next]
                self._next += 1
                return value
        msg = (
            f"no scripted answer for {describe(request.dialog)} in {request.node} "
            f"(case {request.case_name!r}). Add one by case ({request.node!r}), by title "
            f"({request.title!r}) or to the ordered list."
        )
        raise NoAnswerError(msg)

    def ask(self, request: DialogRequest) -> Answer:
        """Answer `request` from the script.

        Raises:
            NoAnswerError: If the script has no answer for it.
            InvalidAnswerError: If the scripted answer does not fit the dialog.
        """
        answer = to_answer(request.dialog, self._lookup(request))
        self.log.append((request, answer))
        return answer

    def acknowledge(self, request: MessageRequest) -> None:
        """Acknowledge a blocking message at once.

        Raises:
            NoAnswerError: If ``acknowledge_messages`` is False.
        """
        if not self.acknowledge_messages:
            msg = f"blocking operator message {request.msg!r} and the script acknowledges none"
            raise NoAnswerError(msg)
        self.messages.append(request)


def _slot_sections(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(str(key).isdigit() and isinstance(v, (dict, list)) for key, v in value.items())
    )


def _parts(data: Any, source: str) -> dict[str, Any]:
    """``by_case``, ``by_title``, ``in_order`` (and whether given) and ``slots`` of answers data.

    Raises:
        ConfigError: If `data` is not a list or a table of that form.
    """
    if isinstance(data, list):
        return {"by_case": {}, "by_title": {}, "in_order": data, "has_order": True, "slots": {}}
    if not isinstance(data, Mapping):
        msg = f"{source}: expected a table or a list at the top level"
        raise ConfigError(msg)
    data = dict(data)
    slots = data.pop("slot") if _slot_sections(data.get("slot")) else {}
    has_order = "in_order" in data
    by_case = data.pop("by_case", {})
    by_title = data.pop("by_title", {})
    in_order = data.pop("in_order", [])
    for name, value in (("by_case", by_case), ("by_title", by_title)):
        if not isinstance(value, dict):
            msg = f"{source}: {name} must be a table of answers"
            raise ConfigError(msg)
    if not isinstance(in_order, list):
        msg = f"{source}: in_order must be a list of answers"
        raise ConfigError(msg)
    # other keys answer by case, then by title, as ScriptedOperator(mapping) does
    by_case = {**data, **by_case}
    by_title = {**data, **by_title}
    return {
        "by_case": by_case,
        "by_title": by_title,
        "in_order": in_order,
        "has_order": has_order,
        "slots": {str(key): value for key, value in slots.items()},
    }


ANSWERS_ENV = "HARDLAB_ANSWERS"
"""Names a file of scripted answers for runs that were given no operator.

With it set, a run whose operator was left to hardlab (``hardlab.run``
without ``operator=`` or ``answers=``, ``pytest --hardlab``, and the
notebook's ``%hardpy`` magics, which otherwise answer in widgets) takes its
answers from that TOML or JSON file: how a notebook runs headless under
nbclient or in CI without changing a cell.
"""


def answers_from_env(base: Path | None = None) -> ScriptedOperator | None:
    """The scripted operator of the answers file ``$HARDLAB_ANSWERS`` names; None if unset.

    Args:
        base: The folder a relative path is taken from (default: the working directory).

    Raises:
        ConfigError: If the file cannot be read or parsed (the message names
            the variable).
    """
    value = os.environ.get(ANSWERS_ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if base is not None:
        path = base / path
    try:
        return ScriptedOperator.from_file(path)
    except ConfigError as exc:
        msg = f"${ANSWERS_ENV}: {exc}; fix the file or unset the variable"
        raise ConfigError(msg) from exc
