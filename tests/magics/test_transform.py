"""The input transformer: ``%hardpy`` lines and ``%%hardpy`` cells become awaits."""

from __future__ import annotations

import ast

import pytest

from hardlab.magics._transform import rewrite

ENTRY = "__import__('hardlab.magics._magics', fromlist=['{0}']).{0}"


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def awaits(text: str) -> None:
    """The rewritten cell is Python that IPython can run with top-level await."""
    compile(text, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def test_a_line_becomes_an_await_with_its_arguments_expanded_in_the_cell() -> None:
    out = "".join(rewrite(lines("%hardpy run plan --arg seed={seed}\n")))
    assert out == (
        f"await {ENTRY.format('line_async')}(get_ipython().var_expand('run plan --arg seed={{seed}}'))\n"
    )
    awaits(out)


def test_assignment_returns_the_value() -> None:
    out = "".join(rewrite(lines("result = %hardpy run plan\nprint(result)\n")))
    assert out.startswith(f"result = await {ENTRY.format('line_async')}(")
    assert ", assigned=True)" in out
    assert out.endswith("print(result)\n")
    awaits(out)


def test_lines_in_top_level_blocks_are_rewritten_and_indented() -> None:
    cell = "for seed in range(3):\n    %hardpy run plan --arg seed={seed}\n    print(_)\n"
    out = "".join(rewrite(lines(cell)))
    assert "    await __import__(" in out
    awaits(out)


def test_lines_inside_functions_are_left_to_ipython() -> None:
    cell = "def again():\n    %hardpy run plan\n\n%hardpy runs\n"
    out = rewrite(lines(cell))
    assert out[1] == "    %hardpy run plan\n"  # `await` is not allowed in a def
    assert out[3].startswith("await ")  # back at the top level


def test_nested_and_async_functions_and_classes() -> None:
    cell = (
        "class Bench:\n"
        "    def go(self):\n"
        "        if True:\n"
        "            %hardpy run plan\n"
        "async def later():\n"
        "    %hardpy run plan\n"
        "if True:\n"
        "    %hardpy run plan\n"
    )
    out = rewrite(lines(cell))
    assert out[3].strip() == "%hardpy run plan"
    assert out[5].strip() == "%hardpy run plan"
    assert out[7].startswith("    await ")


def test_continued_lines_are_joined() -> None:
    out = rewrite(lines("%hardpy run plan \\\n    --arg seed=1 \\\n    -k rail\nx = 1\n"))
    assert len(out) == 2
    args = ast.literal_eval(out[0].split("var_expand(", 1)[1].split(")", 1)[0])
    assert args.split() == ["run", "plan", "--arg", "seed=1", "-k", "rail"]
    assert out[1] == "x = 1\n"


@pytest.mark.parametrize(
    "cell",
    [
        "%hardpy?\n",
        "%hardpy run plan?\n",
        "%hardpyx run\n",
        "# %hardpy run plan\n",
        "print('%hardpy run plan')\n",
        "x = 1\n",
    ],
)
def test_what_is_not_a_hardpy_line_stays(cell: str) -> None:
    assert rewrite(lines(cell)) == lines(cell)


def test_a_cell_magic_becomes_one_await_with_the_code_as_text() -> None:
    body = "def test_a():\n    assert 1 == 1\n"
    out = rewrite(lines(f"%%hardpy -k a --arg x={{x}}\n{body}"))
    assert out == [
        f"await {ENTRY.format('cell_async')}(get_ipython().var_expand('-k a --arg x={{x}}'), {body!r})\n"
    ]
    awaits(out[0])


def test_a_cell_magic_without_options() -> None:
    out = rewrite(lines("%%hardpy\ndef test_a(): pass\n"))
    assert "var_expand('')" in out[0]
    awaits(out[0])


def test_ipythons_own_transforms_leave_the_rewrite_alone() -> None:
    from IPython.core.inputtransformer2 import TransformerManager

    manager = TransformerManager()
    manager.cleanup_transforms.append(rewrite)
    out = manager.transform_cell("x = 2\n%hardpy run plan --arg n={x}\n!echo done\n")
    assert "await __import__('hardlab.magics._magics'" in out
    assert "get_ipython().system('echo done')" in out
    awaits(out)
    cell = manager.transform_cell("%%hardpy\n%time x = 1\ndef test_a(): pass\n")
    assert cell.startswith("await ") and "%time x = 1" in cell  # the body runs later, as a cell


class Shell:
    autoawait = True


def test_console_frontends_still_see_a_cell_magic_going_on() -> None:
    from IPython.core.inputtransformer2 import TransformerManager

    from hardlab.magics._magics import _Transformer

    manager = TransformerManager()
    manager.cleanup_transforms.append(_Transformer(Shell()))
    assert manager.check_complete("%%hardpy\n") == ("incomplete", 0)
    assert manager.check_complete("%%hardpy\ndef test_a():\n    pass\n\n") == ("complete", None)
    assert manager.transform_cell("%%hardpy\ndef test_a(): pass\n").startswith("await ")


def test_without_top_level_await_nothing_is_rewritten() -> None:
    from hardlab.magics._magics import _Transformer

    shell = Shell()
    shell.autoawait = False  # %autoawait off
    assert _Transformer(shell)(lines("%hardpy run plan\n")) == lines("%hardpy run plan\n")
