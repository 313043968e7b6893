"""Every text the run panel, its dialogs and the operator station show, in HardPy's eight languages.

HardPy's operator panel speaks English, German, French, Spanish, Chinese,
Japanese, Russian and Czech (``hardpy.toml``: ``[frontend] language``); so do
hardlab's widgets. The catalogue (`hardlab.widgets._catalogue`) has one
table per language with the same keys (a test checks that every key is in
every language with the same ``{fields}``). `Labels` looks texts up and
fills their fields.

Counts keep the number inside the text (``"{n} passed"``, ``"пройдено: {n}"``),
so each language can place it where its grammar wants it.

Nothing here imports ipywidgets.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from hardlab.errors import HardlabWarning
from hardlab.widgets._catalogue import CATALOGUE

__all__ = ["CATALOGUE", "DEFAULT_LANGUAGE", "ENGLISH", "LANGUAGES", "LANGUAGE_NAMES", "Labels"]

DEFAULT_LANGUAGE = "en"

LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "zh": "中文",
    "ja": "日本語",
    "ru": "Русский",
    "cs": "Čeština",
}
"""Each language's own name, for a language menu (HardPy's order)."""

LANGUAGES: tuple[str, ...] = tuple(LANGUAGE_NAMES)
"""The language codes ``[frontend] language`` accepts."""


class Labels:
    """The texts of one language: ``labels("count.passed", n=3)`` -> ``"3 passed"``.

    Args:
        language: One of `LANGUAGES`. Another value gives English and a
            `HardlabWarning` naming the choices (HardPy's panel, too, falls
            back to English).
    """

    __slots__ = ("_texts", "language")

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        code = language.strip().lower()
        if code not in CATALOGUE:
            warnings.warn(
                f"[frontend] language {language!r} is not one the operator panel speaks; "
                f"showing English (choose one of {', '.join(LANGUAGES)})",
                HardlabWarning,
                stacklevel=2,
            )
            code = DEFAULT_LANGUAGE
        self.language = code
        self._texts: Mapping[str, str] = CATALOGUE[code]

    def __repr__(self) -> str:
        return f"Labels({self.language!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Labels) and other.language == self.language

    def __hash__(self) -> int:
        return hash(self.language)

    def __call__(self, key: str, /, **values: Any) -> str:
        """The text for `key` with its ``{fields}`` filled from `values`.

        Raises:
            KeyError: If `key` is in no language (a programming error).
        """
        text = self._texts.get(key)
        if text is None:
            text = CATALOGUE[DEFAULT_LANGUAGE][key]
        return text.format(**values) if values else text


ENGLISH = Labels(DEFAULT_LANGUAGE)
"""The English texts, the widgets' default."""
