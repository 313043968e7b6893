"""The label catalogue: every key in every language, the same fields, and the widgets use it."""

from __future__ import annotations

import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import hardlab
from hardlab.config import FrontendConfig
from hardlab.errors import HardlabWarning
from hardlab.model import TestStatus
from hardlab.widgets import _presenters as present
from hardlab.widgets._i18n import CATALOGUE, ENGLISH, LANGUAGE_NAMES, LANGUAGES, Labels


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_languages_are_hardpys_eight() -> None:
    assert set(LANGUAGES) == {"en", "de", "fr", "es", "zh", "ja", "ru", "cs"}
    assert set(CATALOGUE) == set(LANGUAGES) == set(LANGUAGE_NAMES)
    assert FrontendConfig().language in LANGUAGES


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_is_in_every_language_with_the_same_fields(language: str) -> None:
    english, texts = CATALOGUE["en"], CATALOGUE[language]
    assert set(texts) == set(english), set(texts) ^ set(english)
    for key, text in texts.items():
        assert text.strip(), (language, key)
        assert fields(text) == fields(english[key]), (language, key, text)


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_languages_translate_the_words(language: str) -> None:
    # Names and symbols may stay as they are ("OK", "Status"), whole sentences may not.
    same = [key for key, text in CATALOGUE[language].items() if text == CATALOGUE["en"][key]]
    assert len(same) <= 8, same
    for key in ("station.start", "dialog.confirm", "badge.passed", "station.history_empty"):
        assert key not in same or (language == "de" and key == "station.start")


def test_labels_fill_fields_and_fall_back_to_english() -> None:
    assert ENGLISH("count.passed", n=3) == "3 passed"
    assert Labels("ru")("count.passed", n=3) == "пройдено: 3"
    assert Labels("DE ")("dialog.step", n=1, total=2) == "Schritt 1 von 2"
    with pytest.warns(HardlabWarning, match="'xx' is not one the operator panel speaks"):
        fallback = Labels("xx")
    assert fallback == ENGLISH and fallback.language == "en"
    with pytest.raises(KeyError):
        ENGLISH("no.such.key")


def test_presenters_speak_the_language() -> None:
    de = Labels("de")
    counts = {TestStatus.PASSED: 2, TestStatus.READY: 1}
    assert present.counts_text(counts, de) == "2 bestanden, 1 ausstehend"
    assert present.counts_text({}, Labels("ja")) == "テストなし"
    assert present.badge_text(TestStatus.RUN, Labels("fr")) == "EN COURS"
    state = present.HeaderState("x", TestStatus.RUN, "LÄUFT", "#000", 5, dut="SN-1", waiting="LED")
    html = present.header_html(state, de)
    assert "Prüfling SN-1" in html and "wartet auf den Bediener: LED" in html


MakePlan = Callable[..., Path]


def test_the_panel_and_its_dialogs_switch_language(make_plan: MakePlan, record: Any) -> None:
    from hardlab.widgets import RunPanel

    plan = make_plan({"test_a.py": "def test_fails():\n    assert False, 'boom'\n"})
    panel = RunPanel(labels=Labels("cs"))
    assert panel.stop_button.description == "Zastavit"
    assert panel.operator.labels.language == "cs"
    hardlab.run(plan, listeners=[panel], store=False, quiet=True)
    assert ">NEPROŠLO<" in panel.banner.value and "neprošlo: 1" in panel.banner.value
    panel.set_labels(Labels("es"))
    assert ">FALLIDO<" in panel.banner.value and "fallidos: 1" in panel.banner.value
    assert panel.modules.children[0].titles == ("✗ test_a  1/1 · fallidos: 1",)
    assert panel.stop_button.description == "Detener"
    assert panel.operator.labels.language == "es"
