"""The package loads ipywidgets only when asked, and says which extra is missing."""

from __future__ import annotations

import subprocess
import sys

import pytest

import hardlab.widgets
from hardlab.errors import MissingExtraError


def run(code: str) -> None:
    subprocess.run([sys.executable, "-c", code], check=True)


def test_import_hardlab_and_widgets_loads_no_ipywidgets() -> None:
    run(
        "import sys, hardlab, hardlab.widgets; "
        "assert 'ipywidgets' not in sys.modules, 'ipywidgets loaded'"
    )


def test_a_missing_ipywidgets_names_the_extra() -> None:
    run(
        "import sys; sys.modules['ipywidgets'] = None\n"
        "from hardlab.errors import MissingExtraError\n"
        "try:\n"
        "    from hardlab.widgets import RunPanel\n"
        "except MissingExtraError as exc:\n"
        "    assert exc.extra == 'notebook' and exc.package == 'ipywidgets', exc\n"
        "    assert 'hardlab[notebook]' in str(exc)\n"
        "else:\n"
        "    raise SystemExit('no MissingExtraError')\n"
    )


def test_exports() -> None:
    assert sorted(hardlab.widgets.__all__) == hardlab.widgets.__all__
    for name in hardlab.widgets.__all__:
        assert getattr(hardlab.widgets, name) is not None
    assert set(hardlab.widgets.__all__) <= set(dir(hardlab.widgets))
    with pytest.raises(AttributeError):
        hardlab.widgets.Nothing  # noqa: B018
    assert issubclass(MissingExtraError, ImportError)
