"""JupyterLab and Voilà servers, notebooks and page helpers for the browser tests.

The servers run from the test venv on a free loopback port, with every Jupyter
and IPython folder pointed into a private tree, so nothing of the user's
configuration, workspaces, kernelspecs or IPython profile leaks in. Their
``python3`` kernelspec is the test venv's interpreter; :meth:`JupyterServer.add_kernelspec`
adds others (e.g. the cached ipykernel 6.29 / 7.3 interpreters from ``_kernels``).

Readiness is event-based: the server's HTTP API is polled, the page waits for
selectors and for JupyterLab's own state (``window.jupyterapp``), never for a
fixed time.

Pages are driven with Playwright's sync API in Debian's chromium
(``apt-get install chromium``; never ``playwright install``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from _kernel_client import kernel_env

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

#: Seconds for a server to answer its API; JupyterLab takes 5-10 s on 2 busy cores.
SERVER_TIMEOUT = 90.0
#: Default for page waits, in seconds.
PAGE_TIMEOUT = 60.0
#: Seconds for a notebook's kernel to start and report idle in the page.
KERNEL_TIMEOUT = 120.0
#: Seconds after which the page asks a kernel that shows no status for its info.
KERNEL_NUDGE = 30.0


class ServerError(RuntimeError):
    """A Jupyter server did not start or stopped answering."""


def chromium_executable() -> str | None:
    """Debian's chromium: ``$HARDLAB_TEST_CHROMIUM``, else ``chromium`` on PATH."""
    override = os.environ.get("HARDLAB_TEST_CHROMIUM")
    if override:
        return override
    for candidate in ("chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def artifacts_dir() -> Path:
    """Where screenshots and logs go: ``$HARDLAB_TEST_ARTIFACTS`` or ``tests/artifacts``."""
    override = os.environ.get("HARDLAB_TEST_ARTIFACTS")
    folder = Path(override) if override else Path(__file__).resolve().parent / "artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


DOCS_IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
"""Where the screenshots the README and the docs show are written (committed, kept current)."""


def docs_image(target: Locator | Page, name: str, *, padding: int = 8) -> Path:
    """Screenshot `target` (an element, or the page) as ``docs/images/<name>.png``.

    The browser tests that show a feature at its best call this, so the
    pictures in the README and the docs are of the code as it is. An element
    is shot with `padding` pixels of the page around it.
    """
    DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
    path = DOCS_IMAGES / f"{name}.png"
    if hasattr(target, "bounding_box"):
        target.scroll_into_view_if_needed()
        box = target.bounding_box()
        if box is None:
            raise AssertionError(f"{name}: the element to shoot is not visible")
        clip = {
            "x": max(0.0, box["x"] - padding),
            "y": max(0.0, box["y"] - padding),
            "width": box["width"] + 2 * padding,
            "height": box["height"] + 2 * padding,
        }
        target.page.screenshot(path=str(path), clip=clip, animations="disabled", caret="hide")
    else:
        target.screenshot(path=str(path), animations="disabled", caret="hide")
    return path


def safe_name(text: str) -> str:
    """A file name made from a test id."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:150]


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def isolated_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a server whose Jupyter, JupyterLab and IPython folders live under `home`."""
    folders = {
        "JUPYTER_CONFIG_DIR": home / "config",
        "JUPYTER_DATA_DIR": home / "data",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": home / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / "lab-workspaces",
        "IPYTHONDIR": home / "ipython",
        "HARDLAB_HOME": home / "hardlab",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    env = kernel_env({key: str(value) for key, value in folders.items()})
    for key in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "JUPYTER_PREFER_ENV_PATH", "JUPYTER_TOKEN"):
        env.pop(key, None)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env.update(extra or {})
    return env


def write_notebook(
    folder: Path, name: str, cells: Sequence[str], *, kernel_name: str = "python3"
) -> Path:
    """Write a notebook of code cells (source text each) into `folder`; returns its path."""
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": f"cell-{index}",
                "metadata": {},
                "outputs": [],
                "source": source,
            }
            for index, source in enumerate(cells)
        ],
        "metadata": {
            "kernelspec": {"display_name": kernel_name, "language": "python", "name": kernel_name},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path


class JupyterServer:
    """A ``jupyter lab`` or ``voila`` process serving `root_dir` on 127.0.0.1.

    Args:
        kind: ``"lab"`` or ``"voila"``.
        root_dir: The folder it serves (tests write notebooks into it).
        home: Private folder for its Jupyter/IPython configuration and data.
        log_path: Where its stdout and stderr go.
    """

    def __init__(self, kind: str, root_dir: Path, home: Path, log_path: Path) -> None:
        if kind not in {"lab", "voila"}:
            raise ValueError(f"kind must be 'lab' or 'voila', not {kind!r}")
        self.kind = kind
        self.root_dir = root_dir
        self.home = home
        self.log_path = log_path
        self.env = isolated_env(home)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.add_kernelspec("python3", sys.executable, display_name="Python 3 (hardlab tests)")
        if kind == "lab":
            self._quiet_lab()

    @property
    def url(self) -> str:
        """The server's base URL, e.g. ``http://127.0.0.1:8901``."""
        return f"http://127.0.0.1:{self.port}"

    def add_kernelspec(
        self, name: str, python: str | os.PathLike[str], display_name: str = ""
    ) -> None:
        """Register a kernelspec `name` that runs ``python -m ipykernel_launcher``.

        The server reads kernelspecs on demand, so this also works while it runs.
        """
        folder = Path(self.env["JUPYTER_DATA_DIR"]) / "kernels" / name
        folder.mkdir(parents=True, exist_ok=True)
        spec = {
            "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": display_name or name,
            "language": "python",
            "interrupt_mode": "signal",
            "metadata": {"debugger": False},
        }
        (folder / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")

    def _quiet_lab(self) -> None:
        # No "official Jupyter news?" toast over the notebook, no update checks.
        folder = Path(self.env["JUPYTERLAB_SETTINGS_DIR"]) / "@jupyterlab" / "apputils-extension"
        folder.mkdir(parents=True, exist_ok=True)
        settings = {"fetchNews": "false", "checkForUpdates": False}
        (folder / "notification.jupyterlab-settings").write_text(json.dumps(settings), "utf-8")

    def _checkout_labextensions(self) -> list[str]:
        """``--LabApp.extra_labextensions_path`` naming the checkout's build of the extension.

        Extra paths come before the venv's on JupyterLab's extension path, so
        the tests load the front end as the checkout builds it now, not the
        copy ``pip install`` put into the venv.
        """
        built = Path(__file__).resolve().parent.parent / "hardlab" / "labextension"
        if not (built / "package.json").is_file():
            return []
        folder = self.home / "checkout-labextensions"
        linked = folder / "hardlab"
        if not linked.exists():
            folder.mkdir(parents=True, exist_ok=True)
            linked.symlink_to(built.resolve(), target_is_directory=True)
        return [f"--LabApp.extra_labextensions_path={folder}"]

    def _command(self) -> list[str]:
        if self.kind == "lab":
            return [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--allow-root",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0",
                f"--ServerApp.root_dir={self.root_dir}",
                "--IdentityProvider.token=",
                "--ServerApp.password=",
                "--ServerApp.terminals_enabled=False",
                # Loopback-only test server: lets `api()` DELETE without an XSRF cookie.
                "--ServerApp.disable_check_xsrf=True",
                "--LabApp.expose_app_in_browser=True",
                "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                *self._checkout_labextensions(),
            ]
        return [
            sys.executable,
            "-m",
            "voila",
            "--no-browser",
            "--Voila.ip=127.0.0.1",
            f"--Voila.port={self.port}",
            "--Voila.port_retries=0",
            "--show_tracebacks=True",
            f"--Voila.connection_dir_root={self.env['JUPYTER_RUNTIME_DIR']}",
            str(self.root_dir),
        ]

    def _ready_path(self) -> str:
        return "/api/status" if self.kind == "lab" else "/"

    def start(self, timeout: float = SERVER_TIMEOUT) -> JupyterServer:
        """Start the server and wait until its HTTP API answers.

        A port taken between choosing and binding it is retried on another port.

        Raises:
            ServerError: It exited or did not answer in time; the message has its log.
        """
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):
            self.port = free_port()
            with self.log_path.open("ab") as log:
                stamp = time.strftime("%Y-%m-%d %H:%M:%S")
                header = f"\n=== {stamp} pytest pid {os.getpid()}: {' '.join(self._command())}\n"
                log.write(header.encode())
                log.flush()
                self.process = subprocess.Popen(
                    self._command(),
                    cwd=self.root_dir,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            try:
                self._wait_ready(timeout)
            except ServerError:
                if "already in use" in self.log() or "Address already" in self.log():
                    self.stop()
                    continue
                self.stop()
                raise
            return self
        raise ServerError(f"{self.kind} found no free port in 3 tries\n{self.log()[-3000:]}")

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise ServerError(
                    f"{self.kind} exited with {self.process.returncode}\n{self.log()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(self.url + self._ready_path(), timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            # Wait for the process instead of sleeping: it returns early if it dies.
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(0.1)
        raise ServerError(
            f"{self.kind} did not answer within {timeout:.0f} s\n{self.log()[-3000:]}"
        )

    def api(self, path: str, method: str = "GET") -> Any:
        """Call the server's REST API (no token: the test servers run without one)."""
        request = urllib.request.Request(self.url + path, method=method)
        with urllib.request.urlopen(request, timeout=10) as reply:
            body = reply.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Shut down every session and kernel (between tests, so kernels do not pile up)."""
        if self.kind != "lab" or self.process is None or self.process.poll() is not None:
            return
        for session in self.api("/api/sessions"):
            self.api(f"/api/sessions/{session['id']}", method="DELETE")
        for kernel in self.api("/api/kernels"):
            self.api(f"/api/kernels/{kernel['id']}", method="DELETE")

    def stop(self) -> None:
        """Stop the server and every kernel it started; kill what does not stop in time."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        import psutil

        # Kernels run in sessions of their own, so signalling the server's
        # group does not reach them: note them now, reap them afterwards.
        try:
            children = psutil.Process(process.pid).children(recursive=True)
        except psutil.Error:
            children = []
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        _gone, alive = psutil.wait_procs(children, timeout=5)
        for child in alive:
            with contextlib.suppress(psutil.Error):
                child.kill()
        psutil.wait_procs(alive, timeout=5)

    def log(self) -> str:
        """The server's output so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        """The last `lines` lines of the server's output."""
        return "\n".join(self.log().splitlines()[-lines:])


class WidgetPage:
    """Helpers shared by JupyterLab and Voilà pages: find, fill and click rendered widgets.

    Args:
        page: The Playwright page.
        server: The server it shows.
    """

    #: Where widget views render (output areas in both frontends).
    OUTPUT = ".jp-OutputArea-output"

    def __init__(self, page: Page, server: JupyterServer) -> None:
        self.page = page
        self.server = server

    def outputs(self, text: str | None = None) -> Locator:
        """Output areas, optionally only those containing `text` (not cell sources)."""
        found = self.page.locator(self.OUTPUT)
        return found.filter(has_text=text) if text is not None else found

    def wait_for_text(self, text: str, timeout: float = PAGE_TIMEOUT) -> Locator:
        """Wait until an output area shows `text`; returns it."""
        found = self.outputs(text).first
        found.wait_for(state="visible", timeout=timeout * 1000)
        return found

    def input(self, placeholder: str) -> Locator:
        """The text input with this placeholder (an ipywidgets ``Text``)."""
        return self.page.locator(self.OUTPUT).get_by_placeholder(placeholder, exact=True)

    def fill(self, placeholder: str, value: str, timeout: float = PAGE_TIMEOUT) -> None:
        """Type `value` into the input with this placeholder, then leave it (commits the value)."""
        field = self.input(placeholder)
        field.wait_for(state="visible", timeout=timeout * 1000)
        field.fill(value)
        field.press("Tab")

    def button(self, text: str) -> Locator:
        """The widget button labelled `text` (toolbar buttons of the frontend do not match)."""
        return self.page.locator(self.OUTPUT).get_by_role("button", name=text, exact=True)

    def click(self, text: str, timeout: float = PAGE_TIMEOUT) -> None:
        """Click the widget button labelled `text` once it is visible."""
        found = self.button(text)
        found.wait_for(state="visible", timeout=timeout * 1000)
        found.click()


class LabPage(WidgetPage):
    """A JupyterLab page with one notebook open."""

    _APP = "window.jupyterapp"
    _PANEL = "window.jupyterapp.shell.currentWidget"

    def open(self, notebook: str, timeout: float = PAGE_TIMEOUT) -> LabPage:
        """Open ``/lab/tree/<notebook>?reset`` and wait until its kernel is idle.

        ``?reset`` drops the saved workspace, so the notebook is the only tab.
        The kernel gets :data:`KERNEL_TIMEOUT` to start (a cold interpreter on
        two busy cores); if it shows no status after :data:`KERNEL_NUDGE`, the
        page asks it for its info once. A wait that runs out fails with what
        the page showed and the end of the server's log, as CI keeps no
        screenshots.
        """
        self.page.goto(f"{self.server.url}/lab/tree/{notebook}?reset", wait_until="commit")
        shown = (
            f"() => {{ const panel = {self._APP} && {self._PANEL}; return Boolean(panel"
            f" && panel.context && panel.context.path === {json.dumps(notebook)}); }}"
        )
        self._wait_for(
            shown,
            timeout,
            f"JupyterLab did not show {notebook}",
        )
        idle = f"() => {self._PANEL}.sessionContext.session?.kernel?.status === 'idle'"
        from playwright.sync_api import TimeoutError as PageTimeout

        try:
            self.page.wait_for_function(idle, timeout=KERNEL_NUDGE * 1000)
        except PageTimeout:
            # A page whose websocket opened after the kernel's start-up status
            # messages shows no status until the next message: ask for the
            # kernel's info, whose reply comes between a busy and an idle.
            self.page.evaluate(
                f"() => {{ {self._PANEL}.sessionContext.session?.kernel"
                "?.requestKernelInfo().catch(() => undefined); }"
            )
            self._wait_for(
                idle, max(timeout, KERNEL_TIMEOUT), f"the kernel of {notebook} did not become idle"
            )
        self.page.locator(".jp-Notebook").first.wait_for(state="visible", timeout=timeout * 1000)
        return self

    def _wait_for(self, predicate: str, timeout: float, problem: str) -> None:
        from playwright.sync_api import TimeoutError as PageTimeout

        try:
            self.page.wait_for_function(predicate, timeout=timeout * 1000)
        except PageTimeout:
            raise AssertionError(
                f"{problem} in {timeout:.0f} s; the page: {self.state()}\n"
                f"end of {self.server.log_path.name}:\n{self.server.log_tail()}"
            ) from None

    def state(self) -> dict[str, Any]:
        """What the page shows: its URL, the current tab's path, its kernel, open dialogs."""
        found: dict[str, Any] = self.page.evaluate(
            f"""() => {{
                const app = {self._APP};
                const panel = app && app.shell.currentWidget;
                const session = panel && panel.sessionContext;
                const kernel = session && session.session && session.session.kernel;
                return {{
                    url: location.href,
                    app: Boolean(app),
                    path: panel && panel.context ? panel.context.path : null,
                    kernel: kernel ? {{name: kernel.name, status: kernel.status,
                                       connection: kernel.connectionStatus}} : null,
                    dialogs: Array.from(document.querySelectorAll(".jp-Dialog"))
                        .map((dialog) => dialog.innerText.slice(0, 300)),
                }};
            }}"""
        )
        return found

    def command(self, name: str, args: dict[str, Any] | None = None) -> None:
        """Start a JupyterLab command without waiting for it to finish.

        ``notebook:run-all-cells`` resolves only when every cell is done, so
        awaiting it would wait past a cell that waits for the very click the
        test is about to make.
        """
        self.page.evaluate(
            f"([name, args]) => {{ {self._APP}.commands.execute(name, args); }}",
            [name, args or {}],
        )

    def run_all(self) -> None:
        """Run > Run All Cells, without waiting."""
        self.command("notebook:run-all-cells")

    def restart_kernel(self, timeout: float = PAGE_TIMEOUT) -> None:
        """Restart the notebook's kernel and wait until it is idle again."""
        self.page.evaluate(
            f"async () => {{ await {self._PANEL}.sessionContext.session.kernel.restart(); }}"
        )
        self.wait_kernel_idle(timeout)

    def wait_kernel_idle(self, timeout: float = PAGE_TIMEOUT) -> None:
        """Wait until the notebook's kernel reports ``idle``."""
        self._wait_for(
            f"() => {self._PANEL}.sessionContext.session?.kernel?.status === 'idle'",
            timeout,
            "the notebook's kernel did not become idle",
        )

    def kernel_info(self) -> dict[str, Any]:
        """The kernel's name, implementation version and whether it supports subshells."""
        info: dict[str, Any] = self.page.evaluate(
            f"""async () => {{
                const kernel = {self._PANEL}.sessionContext.session.kernel;
                const info = await kernel.info;
                return {{name: kernel.name, implementation_version: info.implementation_version,
                         subshells: Boolean(kernel.supportsSubshells)}};
            }}"""
        )
        return info

    def cell_output(self, index: int) -> str:
        """The rendered text of cell `index`'s output area (empty when it has none)."""
        cell = self.page.locator(".jp-Notebook .jp-Cell").nth(index)
        area = cell.locator(".jp-OutputArea")
        return area.inner_text() if area.count() else ""


class VoilaPage(WidgetPage):
    """A Voilà page rendering one notebook."""

    def open(self, notebook: str, timeout: float = PAGE_TIMEOUT) -> VoilaPage:
        """Open ``/voila/render/<notebook>``; Voilà runs the notebook while rendering."""
        self.page.goto(
            f"{self.server.url}/voila/render/{notebook}",
            wait_until="commit",
            timeout=timeout * 1000,
        )
        return self
