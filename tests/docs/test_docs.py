"""The documentation site builds in strict mode: no broken link, page or reference.

`mkdocs build --strict` turns every warning into a failure: a link to a page
or anchor that does not exist, a nav entry without its file, a docstring the
API reference cannot render, a README section a page includes that is gone.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "docs" / "mkdocs.yml"

pytestmark = pytest.mark.slow


def _build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    # Material prints a banner about MkDocs 2 on every build; it says nothing about ours.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    build = _build(CONFIG, site)
    assert build.returncode == 0, f"mkdocs build --strict failed:\n{build.stderr}"
    return site


def _html(site: Path, page: str) -> str:
    return (site / page / "index.html").read_text(encoding="utf-8")


def test_the_readme_is_the_home_page(site: Path) -> None:
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "On a fresh machine" in home
    # The README's relative links lead to the site's pages.
    assert 'href="docs/migration/"' in home
    assert 'href="notebooks/01_bring_up/"' in home


def test_every_guide_and_notebook_is_a_page(site: Path) -> None:
    guides = sorted(path for path in (ROOT / "docs").glob("*.md") if path.name != "README.md")
    assert guides
    home = (site / "index.html").read_text(encoding="utf-8")
    for guide in guides:
        assert (site / "docs" / guide.stem / "index.html").is_file(), guide.name
        # in the nav, even a guide mkdocs.yml does not name (hooks.py adds it)
        assert f'href="docs/{guide.stem}/"' in home, f"{guide.name} missing from the nav"
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for notebook in notebooks:
        page = _html(site, f"notebooks/{notebook.stem}")
        # rendered with its code cells, not only linked
        assert "highlight-ipynb" in page or "jp-CodeCell" in page, notebook.name


def test_notebooks_are_in_the_nav_by_their_titles(site: Path) -> None:
    home = (site / "index.html").read_text(encoding="utf-8")
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"notebooks/{notebook.stem}/" in home, f"{notebook.name} missing from the nav"
    assert "Bring up a board" in home  # 01_bring_up's first heading


def test_api_reference_documents_the_public_names(site: Path) -> None:
    import hardlab

    pages = "".join(
        page.read_text(encoding="utf-8")
        for page in (site / "docs" / "reference").rglob("index.html")
    )
    documented = set(re.findall(r'id="(hardlab\.[\w.]+)"', pages))
    short = {name.rsplit(".", 1)[-1] for name in documented}
    missing = [
        name
        for name in hardlab.__all__
        if not name.startswith("_") and name not in short and "load_ipython" not in name
    ]
    assert not missing, f"public names without an API entry: {missing}"


def test_compatibility_page_shows_the_readmes_list(site: Path) -> None:
    # One text for both: the page includes the README's "What differs" list.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    page = _html(site, "docs/compatibility")
    assert "What differs from HardPy" in readme
    assert "TLS certificates are checked" in readme
    assert "TLS certificates are checked" in page


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "docs", copy / "docs", ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "notebooks").mkdir()
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        shutil.copy(notebook, copy / "notebooks" / notebook.name)
    shutil.copy(ROOT / "README.md", copy / "README.md")
    (copy / "hardlab").symlink_to(ROOT / "hardlab")  # mkdocs.yml names it (watch, API sources)
    # Without mkdocstrings: rendering the API reference is half the build and
    # has nothing to do with checking links (the site fixture's build renders
    # and checks it). The `::: name` lines then stay text, and the copy
    # builds clean but for the link below.
    config = copy / "docs" / "mkdocs.yml"
    lean, found = re.subn(
        r"^  - mkdocstrings:\n(?: {4,}\S.*\n)*", "", config.read_text(encoding="utf-8"), flags=re.M
    )
    assert found == 1, "mkdocs.yml: the mkdocstrings plugin entry moved; update this test"
    config.write_text(lean, encoding="utf-8")
    guide = copy / "docs" / "getting-started.md"
    guide.write_text(
        guide.read_text(encoding="utf-8") + "\nSee [the missing page](no-such-page.md).\n",
        encoding="utf-8",
    )
    build = _build(copy / "docs" / "mkdocs.yml", tmp_path / "site")
    assert build.returncode != 0
    assert "no-such-page.md" in build.stderr
