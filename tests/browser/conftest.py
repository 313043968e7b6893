"""JupyterLab, Voilà and headless chromium for the browser tests.

Fixtures (servers are started once per session, on first use):

* ``lab_server``: a :class:`_browser.JupyterServer` running JupyterLab on
  ``lab_server.root_dir``; write notebooks there with ``write_notebook``.
* ``voila_server``: the same for Voilà (its own root folder).
* ``browser``: Playwright's chromium (Debian's ``/usr/bin/chromium``, headless,
  ``--no-sandbox``), launched by the first of a run of consecutive browser tests
  and closed after its last (see ``_Chromium``).
* ``page``: a fresh browser context and page per test. At teardown it saves
  ``<artifacts>/<test>-passed.png`` or ``-failed.png`` and the page's console
  log, shuts the JupyterLab kernels down and closes the context.
* ``lab``: :class:`_browser.LabPage` over ``page`` and ``lab_server``.
* ``voila``: :class:`_browser.VoilaPage` over ``page`` and ``voila_server``.
* ``write_notebook``: ``write_notebook(folder, name, cells, kernel_name="python3")``.
* ``kernel_python``: the parametrised ipykernel lines, as in ``tests/kernels``.
* ``lab_kernel``: the name of a kernelspec on ``lab_server`` running the
  parametrised ``kernel_python``; pass it to ``write_notebook(kernel_name=...)``.

Artifacts go to ``$HARDLAB_TEST_ARTIFACTS`` or ``tests/artifacts`` (gitignored);
the server logs are ``jupyterlab.log`` and ``voila.log`` there.

Chromium missing fails the tests (``.ci/run`` installs it with apt) unless
``HARDLAB_TEST_OFFLINE=1``, which skips them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from _browser import (
    JupyterServer,
    LabPage,
    VoilaPage,
    artifacts_dir,
    chromium_executable,
    safe_name,
)
from _browser import write_notebook as _write_notebook
from _kernels import KernelPython, offline
from _kernels import kernel_python as kernel_python

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
_OPENED = pytest.StashKey[tuple["Page", list[str]]]()
_SERVERS = ("lab_server", "voila_server")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # The page fixture names its screenshot after the test's outcome.
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    if report.when == "call" and report.failed and _OPENED in item.stash:
        # CI shows the report, not the artifacts folder: what the page and the
        # server said goes with the failure.
        report.sections.append(("browser: what went wrong", _diagnosis(item)))
    return report


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _diagnosis(item: pytest.Item) -> str:
    from playwright.sync_api import Error as PlaywrightError

    opened, console = item.stash[_OPENED]
    try:
        shown = opened.locator("body").inner_text(timeout=5_000)
    except PlaywrightError as exc:  # a crashed or closed page says so, the rest still helps
        shown = f"(the page's text could not be read: {exc})"
    parts = [f"page {opened.url}:", _tail(shown, 40), "console:", _tail("\n".join(console), 30)]
    funcargs = getattr(item, "funcargs", {})
    for name in _SERVERS:
        server = funcargs.get(name)
        if isinstance(server, JupyterServer) and server.log_path.is_file():
            log = server.log_path.read_text(encoding="utf-8", errors="replace")
            parts += [f"{server.log_path.name} (last lines):", _tail(log, 60)]
    return "\n".join(parts)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """The folder for screenshots and server logs."""
    return artifacts_dir()


def _server(
    kind: str, tmp_path_factory: pytest.TempPathFactory, artifacts: Path
) -> Iterator[JupyterServer]:
    base = tmp_path_factory.mktemp(kind)
    root = base / "root"
    root.mkdir()
    name = "jupyterlab" if kind == "lab" else "voila"
    # Appended to (each start writes a header line), so sessions running at
    # the same time on one checkout do not delete each other's logs.
    server = JupyterServer(kind, root, base / "home", artifacts / f"{name}.log").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lab_server(
    tmp_path_factory: pytest.TempPathFactory, artifacts: Path
) -> Iterator[JupyterServer]:
    """JupyterLab on a free loopback port, no token, isolated Jupyter folders."""
    yield from _server("lab", tmp_path_factory, artifacts)


@pytest.fixture(scope="session")
def voila_server(
    tmp_path_factory: pytest.TempPathFactory, artifacts: Path
) -> Iterator[JupyterServer]:
    """Voilà on a free loopback port, serving its own root folder."""
    yield from _server("voila", tmp_path_factory, artifacts)


class _Chromium:
    """Playwright's sync API and headless Debian chromium, shared by consecutive browser tests.

    Started by the first browser test and stopped after the last of a run of
    them (see ``pytest_runtest_teardown``): while Playwright is started, the
    main thread has a running event loop, which the rest of the suite
    (``asyncio.run``, the kernel tests that pytest interleaves with these per
    ipykernel line) must not see. One launch per run of browser tests instead
    of one per module: pytest's grouping by ipykernel line alternates the
    modules, which launched chromium eleven times a session.
    """

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    def browser(self) -> Browser:
        if self._browser is not None:
            return self._browser
        executable = chromium_executable()
        if executable is None:
            problem = (
                "chromium is not installed: apt-get install chromium (.ci/run does); "
                "browser tests never download browsers"
            )
            if offline():
                pytest.skip(problem)
            pytest.fail(problem, pytrace=False)
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=executable, headless=True, args=["--no-sandbox"]
            )
        except BaseException:
            self.stop()
            raise
        return self._browser

    def stop(self) -> None:
        browser, self._browser = self._browser, None
        instance, self._playwright = self._playwright, None
        try:
            if browser is not None:
                browser.close()
        finally:
            if instance is not None:
                instance.stop()


_CHROMIUM = _Chromium()
_HERE = Path(__file__).parent


def _is_browser_test(item: pytest.Item | None) -> bool:
    return item is not None and _HERE in Path(str(item.path)).parents


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    # After the test's own fixtures (its page and context) are torn down.
    try:
        return (yield)
    finally:
        if not _is_browser_test(nextitem):
            _CHROMIUM.stop()


def pytest_sessionfinish() -> None:
    # A session that stops early (-x, Ctrl-C) tears down no further test.
    _CHROMIUM.stop()


@pytest.fixture
def browser() -> Browser:
    """Headless Debian chromium (shared while browser tests follow one another)."""
    return _CHROMIUM.browser()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest, artifacts: Path) -> Iterator[Page]:
    """A page in a fresh context; screenshot and console log saved at teardown."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    opened = context.new_page()
    console: list[str] = []
    opened.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    opened.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    request.node.stash[_OPENED] = (opened, console)
    try:
        yield opened
    finally:
        reports = request.node.stash.get(_REPORTS, {})
        failed = any(report.failed for report in reports.values())
        test = safe_name(f"{request.node.path.stem}-{request.node.name}")
        for stale in artifacts.glob(f"{test}-*"):
            stale.unlink(missing_ok=True)
        stem = f"{test}-{'failed' if failed else 'passed'}"
        try:
            opened.screenshot(path=str(artifacts / f"{stem}.png"), full_page=True, timeout=15_000)
        finally:
            (artifacts / f"{stem}.console.log").write_text("\n".join(console), encoding="utf-8")
            context.close()
            for server_fixture in ("lab_server",):
                if server_fixture in request.fixturenames:
                    request.getfixturevalue(server_fixture).shutdown_kernels()


@pytest.fixture
def lab(page: Page, lab_server: JupyterServer) -> LabPage:
    """Helpers for a JupyterLab page (``lab.open("x.ipynb")``, ``lab.run_all()``, ...)."""
    return LabPage(page, lab_server)


@pytest.fixture
def voila(page: Page, voila_server: JupyterServer) -> VoilaPage:
    """Helpers for a Voilà page (``voila.open("x.ipynb")``, ``voila.click("OK")``, ...)."""
    return VoilaPage(page, voila_server)


@pytest.fixture
def lab_kernel(kernel_python: KernelPython, lab_server: JupyterServer) -> str:
    """A kernelspec on the JupyterLab server for the parametrised ipykernel line."""
    name = f"hardlab-{kernel_python.id}"
    lab_server.add_kernelspec(name, kernel_python.python, display_name=kernel_python.id)
    return name


@pytest.fixture
def write_notebook() -> Callable[..., Path]:
    """``write_notebook(folder, name, cells, kernel_name="python3")`` -> path."""
    return _write_notebook
