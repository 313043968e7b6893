"""The installed version of hardlab (read by hatchling at build time)."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
