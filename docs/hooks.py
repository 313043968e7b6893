"""MkDocs hooks: build the site from the repository's own tree.

MkDocs reads pages from one ``docs_dir`` and refuses the folder that holds
``mkdocs.yml``; the repository's top level is fixed, so the config lives in
``docs/`` and the pages in three places: ``README.md`` (the home page),
``docs/**`` and ``notebooks/*.ipynb``. These hooks give every such file its
path from the repository root as its source path, so ``[x](../notebooks/a.ipynb)``
in ``docs/guide.md`` or ``[y](docs/guide.md)`` in the README resolves on the
site exactly as it does in a file view of the repository.

They also fill the nav's ``notebooks/`` entry with every notebook, in file
name order, each titled by its first heading (up to a colon), and its
``docs/`` entry with every ``docs/*.md`` page the nav does not name
elsewhere, so a new notebook or guide needs no edit here; and they put the
``--help`` text of every ``hardlab`` command and ``%hardpy`` magic where a
page says ``<!-- hardlab-cli-help -->`` or ``<!-- hardlab-magics-help -->``,
so the reference cannot drift from the parsers.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parent.parent
"""The repository root: every page's source path is relative to it."""

DOCS = ROOT / "docs"
NOTEBOOKS = ROOT / "notebooks"

# What of docs/ is site content: pages and the files they show.
_DOC_SUFFIXES = {".md", ".png", ".svg", ".jpg", ".gif", ".css"}
# docs/ also holds what only builds the site.
_NOT_CONTENT = {DOCS / "mkdocs.yml", DOCS / "hooks.py"}


def _sources() -> list[Path]:
    found = [ROOT / "README.md"]
    found += sorted(
        path
        for path in DOCS.rglob("*")
        if path.is_file() and path.suffix in _DOC_SUFFIXES and path not in _NOT_CONTENT
    )
    found += sorted(NOTEBOOKS.glob("*.ipynb"))
    return found


def _notebook_title(path: Path) -> str:
    """The notebook's first Markdown heading, else its file name."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else source
        for line in text.splitlines():
            if line.startswith("#"):
                # "StandCloud: log in, upload, ..." is "StandCloud" in the nav
                return line.lstrip("#").strip().split(":", 1)[0]
    return path.stem


def _page_title(path: Path) -> str:
    """The page's first ``# heading``, else its file name."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem


def _named(nav: Any) -> set[str]:
    """Every page path the nav names."""
    if isinstance(nav, list):
        return set().union(*(_named(item) for item in nav)) if nav else set()
    if isinstance(nav, dict):
        return set().union(*(_named(value) for value in nav.values())) if nav else set()
    return {nav} if isinstance(nav, str) else set()


def _expand(nav: Any, named: set[str]) -> Any:
    if isinstance(nav, list):
        expanded: list[Any] = []
        for item in nav:
            value = _expand(item, named)
            # a bare placeholder stands for several entries
            if isinstance(item, str) and isinstance(value, list):
                expanded.extend(value)
            else:
                expanded.append(value)
        return expanded
    if isinstance(nav, dict):
        return {key: _expand(value, named) for key, value in nav.items()}
    if nav == "notebooks/":
        return [
            {_notebook_title(path): path.relative_to(ROOT).as_posix()}
            for path in sorted(NOTEBOOKS.glob("*.ipynb"))
        ]
    if nav == "docs/":
        pages = sorted(DOCS.glob("*.md"))
        return [
            {_page_title(path): path.relative_to(ROOT).as_posix()}
            for path in pages
            if path.relative_to(ROOT).as_posix() not in named
        ]
    return nav


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Fill the nav's ``notebooks/`` and ``docs/`` entries."""
    config.nav = _expand(config.nav, _named(config.nav))
    return config


# Before the plugins' on_files (priority 0): mkdocs-jupyter must see the notebooks.
@event_priority(100)
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Swap the files MkDocs found in docs_dir for the repository-rooted pages."""
    docs_dir = Path(config.docs_dir).resolve()
    kept = [
        file
        for file in files
        if file.abs_src_path is None or docs_dir not in Path(file.abs_src_path).resolve().parents
    ]
    pages = [
        File(
            path.relative_to(ROOT).as_posix(),
            src_dir=str(ROOT),
            dest_dir=config.site_dir,
            use_directory_urls=config.use_directory_urls,
        )
        for path in _sources()
    ]
    return Files(kept + pages)


def _commands(parser: argparse.ArgumentParser, prefix: str) -> Iterator[tuple[str, str]]:
    """``(name, help text)`` of `parser`'s subcommands, depth first."""
    for action in parser._actions:  # argparse keeps subcommands nowhere public
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                yield f"{prefix} {name}", command.format_help()
                yield from _commands(command, f"{prefix} {name}")


def _help_markdown(parser: argparse.ArgumentParser, prefix: str) -> str:
    blocks = []
    for name, text in _commands(parser, prefix):
        blocks.append(f"### `{name}`\n\n```text\n{text.rstrip()}\n```\n")
    return "\n".join(blocks)


def _help(marker: str) -> str:
    # The help text wraps at the terminal's width: the same width on every machine.
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "88"
    try:
        if marker == "cli":
            from hardlab.cli import _parser as cli_parser

            return _help_markdown(cli_parser(), "hardlab")
        from hardlab.magics._args import _parser as magics_parser

        return _help_markdown(magics_parser(), "%hardpy")
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved


def on_page_markdown(markdown: str, page: Page, **_: Any) -> str:
    """Put the commands' ``--help`` text where a page asks for it."""
    for marker in ("cli", "magics"):
        placeholder = f"<!-- hardlab-{marker}-help -->"
        if placeholder in markdown:
            markdown = markdown.replace(placeholder, _help(marker))
    return markdown
