"""``hardlab.history()``: the store's history as pandas DataFrames."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hardlab.views import History

__all__ = ["history"]


def history(
    url: str | os.PathLike[str] | None = None,
    *,
    config_dir: str | os.PathLike[str] | None = None,
) -> History:
    """The stored runs, cases and measurements, and their analytics, as pandas DataFrames.

    Opening is lazy: the database is first read by the first question.

    Args:
        url: The store: a database URL or an SQLite file path. Default:
            ``$HARDLAB_DB_URL``, else ``[database] url`` of the
            ``hardpy.toml`` in `config_dir`, else hardlab's own SQLite file
            (where `hardlab.run` stores runs by default).
        config_dir: A plan folder whose ``hardpy.toml`` names the store.

    Returns:
        A `hardlab.views.History`; its docstring gives the counting rules
        of yields, retests, paretos and Cpk.

    Raises:
        MissingExtraError: If pandas or matplotlib is not installed
            (``pip install "hardlab[analytics]"``).
        ConfigError: If `url` is not a database URL or ``hardpy.toml`` is invalid.

    Example:
        ```python
        history = hardlab.history()
        history.runs(part_number="PB-100", since="2026-11-01")
        history.first_pass_yield(by=("part_number", "day"))
        ```
    """
    from hardlab.storage import Store
    from hardlab.views import History

    config = None
    if config_dir is not None:
        from hardlab.config import load_config

        config = load_config(config_dir)
    return History(Store(url, config=config))
