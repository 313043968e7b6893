"""The input transformer that makes ``%hardpy`` lines and ``%%hardpy`` cells await their run.

IPython runs a cell asynchronously when its code has a top-level ``await``.
This transformer (an IPython "cleanup" transformer, which sees the cell
before IPython turns magics into calls) rewrites

* ``%hardpy ARGS`` into ``await <entry>.line_async(get_ipython().var_expand('ARGS'))``,
  also in ``x = %hardpy ARGS`` and in a top-level ``for``/``if``/``with`` block;
* a ``%%hardpy ARGS`` cell into one ``await <entry>.cell_async(...)`` with the
  cell's code as a string.

So the cell waits for the run while the kernel keeps handling widget
messages (how it waits is `hardlab.widgets.kernel`'s business), and "Run All"
and nbclient run the next cell only after the run. ``{expression}`` and
``$name`` in ARGS are expanded in the cell, as IPython does for magics.

A ``%hardpy`` line inside a ``def`` or ``class`` body is left to IPython
(``await`` is not allowed there): it runs the magic without waiting.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["ENTRY", "rewrite"]

ENTRY = "hardlab.magics._magics"
"""The module whose ``line_async`` and ``cell_async`` the rewritten code awaits."""

_LINE = re.compile(
    r"^(?P<indent>[ \t]*)"
    r"(?:(?P<target>[A-Za-z_][\w.]*(?:\[[^\]\n]*\])?)[ \t]*=[ \t]*)?"
    r"%hardpy(?=[ \t]|$)(?P<args>.*?)[ \t]*$"
)
_CELL = re.compile(r"^%%hardpy(?=[ \t]|$)(?P<args>.*?)[ \t]*$")
_SCOPE = re.compile(r"^(?P<indent>[ \t]*)(?:async[ \t]+def|def|class)[ \t]")


def _width(indent: str) -> int:
    return len(indent.expandtabs(8))


def _call(function: str, args: str, extra: str = "") -> str:
    return (
        f"await __import__({ENTRY!r}, fromlist=[{function!r}]).{function}("
        f"get_ipython().var_expand({args.strip()!r}){extra})"
    )


def _rewrite_cell(lines: Sequence[str]) -> list[str] | None:
    match = _CELL.match(lines[0].rstrip("\r\n"))
    if match is None:
        return None
    body = "".join(lines[1:])
    return [_call("cell_async", match["args"], f", {body!r}") + "\n"]


def rewrite(lines: list[str]) -> list[str]:
    """Rewrite the ``%hardpy`` lines and ``%%hardpy`` cells of a cell (see the module doc).

    Args:
        lines: The cell's lines, with their line ends (IPython's transformer protocol).

    Returns:
        The lines to run instead; the same list when there is nothing to rewrite.
    """
    if not lines or not any("%hardpy" in line for line in lines):
        return lines
    cell = _rewrite_cell(lines)
    if cell is not None:
        return cell
    out: list[str] = []
    scopes: list[int] = []  # indents of the def/class blocks around the current line
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        text = line.rstrip("\r\n")
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            out.append(line)
            continue
        width = _width(text[: len(text) - len(text.lstrip())])
        while scopes and width <= scopes[-1]:
            scopes.pop()
        scope = _SCOPE.match(text)
        if scope is not None:
            scopes.append(_width(scope["indent"]))
            out.append(line)
            continue
        match = _LINE.match(text)
        if match is None or scopes or stripped.endswith("?"):
            out.append(line)
            continue
        args = match["args"]
        while args.endswith("\\") and index < len(lines):  # continued on the next line
            args = args[:-1] + " " + lines[index].strip()
            index += 1
        target = match["target"]
        call = _call("line_async", args, ", assigned=True" if target else "")
        statement = f"{target} = {call}" if target else call
        out.append(f"{match['indent']}{statement}\n")
    return out
