"""The notebook magics: ``%hardpy`` runs plans, ``%%hardpy`` runs the tests of a cell.

Load them with ``%load_ext hardlab``, then::

    %hardpy run plans/board                 # a live panel; answer dialogs in it
    %hardpy run plans/board -k rail --arg seed=7 -- -x
    %hardpy run plans/board --answers answers.toml   # scripted, headless
    handle = %hardpy run plans/board --no-wait       # returns at once
    %hardpy runs --part HL-DEMO-01          # recent runs from the store
    %hardpy sc-login standcloud.example.com # click the link, accept
    %hardpy sc-sync plans/board             # upload what the store owes StandCloud

    %%hardpy -k not slow
    def test_rail(board):                   # `board`: a fixture of ./conftest.py
        ...

A run's cell waits until the run has ended, so "Run All" and nbclient run
the next cell only after it, while the kernel still receives the panel's
widget messages (on ipykernel 6.29 and later; see
`hardlab.widgets.kernel`). Its `RunResult` is left in ``_``. Interrupting
the kernel stops the run cleanly. ``--no-wait``, and every run in a Voilà
page, returns a `RunHandle` instead. With ``$HARDLAB_ANSWERS`` naming an
answers file, runs take their answers from it instead of the panel: how a
notebook runs headless.

Importing this package imports neither IPython nor ipywidgets; they come
with ``pip install "hardlab[notebook]"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hardlab._util import lazy_exports, notebook_extra_missing

if TYPE_CHECKING:
    from hardlab.magics._magics import HardpyMagics

__all__ = ["HardpyMagics", "load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%hardpy`` and ``%%hardpy`` with `ipython` (``%load_ext hardlab``).

    Raises:
        MissingExtraError: If IPython or ipywidgets is not installed.
    """
    try:
        from hardlab.magics._magics import load
    except ImportError as exc:
        better = notebook_extra_missing(exc)
        if better is not None:
            raise better from exc
        raise
    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """Remove ``%hardpy`` and its input transformer (``%unload_ext hardlab``)."""
    from hardlab.magics._magics import unload

    unload(ipython)


__getattr__, __dir__ = lazy_exports(
    __name__, {"HardpyMagics": "hardlab.magics._magics"}, notebook_extra_missing
)
