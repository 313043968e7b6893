"""hardlab in JupyterLab: the server side of the "Test runs" panel.

A jupyter_server extension with a small read-only REST API over the run store
(``/hardlab/api/runs``, ``/filters``, ``/history``, ``/runs/{id}``,
``/runs/{id}/export``), which the prebuilt JupyterLab extension shipped in the
wheel (``share/jupyter/labextensions/hardlab``, built from ``extension/``) calls.
Both are installed and enabled with hardlab; ``jupyter labextension list``
and ``jupyter server extension list`` show them.

Only jupyter_server imports this package: ``import hardlab`` never does.
"""

from __future__ import annotations

from typing import Any

from hardlab.labext._app import API_PREFIX, HardlabExtension

__all__ = ["API_PREFIX", "HardlabExtension"]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """The extension jupyter_server loads (named in ``jupyter_server_config.d/hardlab.json``)."""
    return [{"module": "hardlab.labext", "app": HardlabExtension}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where the built JupyterLab extension is, for ``jupyter labextension develop``."""
    return [{"src": "../labextension", "dest": "hardlab"}]
