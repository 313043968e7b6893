"""Cost of running a plan from a notebook with its live panel, against ``hardlab run``.

The plan is ``plan_overhead.py``'s (10 modules x 100 cases, each setting a
message and a numeric measurement, plus one case filling in the DUT and
stand: 1,001 cases). Side by side, alternately, several times:

* ``hardlab run``: the CLI in a fresh process (``hardlab run PLAN``, output
  to a pipe), storing the run in SQLite as it goes (hardlab's default);
* ``%hardpy run`` (first run): a fresh kernel (jupyter_client starting the
  given interpreter's ipykernel, ``%load_ext hardlab`` done), timed from
  sending ``%hardpy run PLAN`` to the cell's reply. The cell displays the
  live panel, runs the plan in a worker thread, stores it the same way and
  waits for it. Like the CLI, it imports the run engine for the first time;
* ``%hardpy run`` (warm): the same cell again in the same kernel, as the
  second run at a bench.

Wall times include what each way costs around the run (the CLI starts a
process and imports everything; the cell imports the engine and shows the
panel). The run's own time, from its start to its end as the store records
it, is compared as well: the plan under the panel and its worker thread
against the plan under the terminal view.

The client reads every IOPub message; the script counts the widget updates
(``comm_msg``) each notebook run sends and prints their mean rate over the
run and the peak over any one-second window. Jupyter's server drops a
kernel's messages above 1,000 a second (the panel then freezes); the panel's
publisher is meant to keep to about ten updates a second.

The rates: *mean* is a run's messages over its cell's wall time; *peak in
any 1 s* and *over any 3 s* slide a window over the arrival times (3 s is
the window jupyter_server's limit averages over). A run sends at least its
final state: per module its title and each block of 50 case rows, plus the
header, progress, Stop button and verdict (about 36 messages for this
plan), and the panel's budget (20 a second) spaces the updates before it.
This plan's cases all finish within about a second, so its final state
arrives within one second: the 1 s peak is close to the whole run's count.

Targets: first-run median / ``hardlab run`` median <= 1.5; widget messages
<= 30 a second (mean).

Usage: python benchmarks/notebook_overhead.py [--repeat N] [--kernel-python PY] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager
from traitlets import Instance

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plan_overhead import CASES, MODULES, generate

TOTAL = MODULES * CASES + 1
TIMEOUT = 600.0
RATIO_TARGET = 1.5
RATE_TARGET = 30.0


class _OneSpec(KernelSpecManager):
    # Every kernel name resolves to this spec: no user kernelspec leaks in.
    spec = Instance(KernelSpec)

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return self.spec


@dataclass
class CellRun:
    """One executed cell: its wall time and what it sent on IOPub."""

    seconds: float
    times: dict[str, list[float]] = field(default_factory=dict)
    run_seconds: float = 0.0
    sizes: dict[str, int] = field(default_factory=dict)
    stdout: str = ""

    def count(self, msg_type: str) -> int:
        """How many messages of `msg_type` the cell sent."""
        return len(self.times.get(msg_type, []))

    def peak(self, msg_type: str, window: float = 1.0) -> int:
        """The most messages of `msg_type` in any `window` seconds."""
        stamps = self.times.get(msg_type, [])
        best = start = 0
        for end, stamp in enumerate(stamps):
            while stamp - stamps[start] > window:
                start += 1
            best = max(best, end - start + 1)
        return best


class Kernel:
    """A kernel of `python` in `cwd`, with a blocking client reading every IOPub message.

    The kernel's own output goes to ``kernel.log`` in `cwd`.
    """

    def __init__(self, python: str, cwd: Path, env: dict[str, str]) -> None:
        spec = KernelSpec(
            argv=[python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="hardlab benchmark",
            language="python",
        )
        self.manager = KernelManager(kernel_name="bench", kernel_spec_manager=_OneSpec(spec=spec))
        self.log = (cwd / "kernel.log").open("ab")
        self.manager.start_kernel(cwd=str(cwd), env=env, stdout=self.log, stderr=self.log)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=120)

    def run(self, code: str) -> CellRun:
        """Execute `code`, read IOPub until the kernel is idle again; fail on an error."""
        start = time.perf_counter()
        msg_id = self.client.execute(code)
        times: dict[str, list[float]] = {}
        sizes: dict[str, int] = {}
        stdout: list[str] = []
        errors: list[str] = []
        deadline = start + TIMEOUT
        while True:
            try:
                msg = self.client.get_iopub_msg(timeout=max(0.1, deadline - time.perf_counter()))
            except queue.Empty:
                sys.exit(f"the cell did not finish in {TIMEOUT:.0f} s:\n{code}")
            arrived = time.perf_counter()
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            content = msg["content"]
            times.setdefault(kind, []).append(arrived)
            sizes[kind] = sizes.get(kind, 0) + len(repr(content))
            if kind == "stream" and content.get("name") == "stdout":
                stdout.append(content["text"])
            elif kind == "error":
                errors.append(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                elapsed = arrived - start
                break
        reply = self.client.get_shell_msg(timeout=TIMEOUT)
        if errors or reply["content"]["status"] != "ok":
            sys.exit(f"the cell failed:\n{code}\n{errors or reply['content']}")
        return CellRun(elapsed, times=times, sizes=sizes, stdout="".join(stdout))

    def close(self) -> None:
        """Shut the kernel down."""
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=False)
        self.log.close()


@contextlib.contextmanager
def kernel(python: str, cwd: Path, env: dict[str, str]) -> Iterator[Kernel]:
    """A started kernel, shut down on leaving."""
    started = Kernel(python, cwd, env)
    try:
        yield started
    finally:
        started.close()


def last_run_seconds(home: Path) -> float:
    """The newest stored run's own duration (start to end, as the store keeps it)."""
    from hardlab.storage import Store

    with Store(home / "hardlab.db") as store:
        return float(store.runs(limit=1).dicts()[0]["duration_s"])


def cli_run(root: Path, env: dict[str, str]) -> float:
    """Wall time of ``hardlab run plan`` in a fresh process."""
    script = Path(sys.executable).with_name("hardlab")  # the console script a user runs
    if script.is_file():
        command = [str(script), "run", "plan"]
    else:
        command = [sys.executable, "-c", "import sys, hardlab.cli; sys.exit(hardlab.cli.main())"]
        command += ["run", "plan"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return elapsed


CHECK = "print('RESULT', _.status.value, sum(_.counts().values()))"


def notebook_runs(
    python: str, root: Path, env: dict[str, str], home: Path
) -> tuple[CellRun, CellRun]:
    """The first and the second ``%hardpy run plan`` in a fresh kernel."""
    with kernel(python, root, env) as started:
        started.run("%load_ext hardlab")
        runs = []
        for _ in range(2):
            cell = started.run("%hardpy run plan")
            check = started.run(CHECK)
            if f"RESULT passed {TOTAL}" not in check.stdout:
                sys.exit(f"the notebook run did not pass all {TOTAL} cases: {check.stdout!r}")
            cell.run_seconds = last_run_seconds(home)
            runs.append(cell)
        return runs[0], runs[1]


def describe(name: str, values: list[float]) -> str:
    spread = ", ".join(f"{v:.2f}" for v in values)
    return f"{name:>26}: median {statistics.median(values):.2f} s  ({spread})"


def main() -> None:
    """Generate the plan, time both ways side by side, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument(
        "--kernel-python",
        default=sys.executable,
        help="interpreter whose ipykernel runs the notebook (default: this one)",
    )
    parser.add_argument("--keep", type=Path, help="generate the plan here and keep it")
    args = parser.parse_args()

    root = args.keep or Path(tempfile.mkdtemp(prefix="hardlab-nb-bench-"))
    if (root / "plan").exists():
        shutil.rmtree(root / "plan")
    root.mkdir(parents=True, exist_ok=True)
    generate(root / "plan", stub=None)
    home = root / "home"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "HARDLAB_")) and key != "PYTHONPATH"
    }
    env.update(
        HARDLAB_HOME=str(home),
        IPYTHONDIR=str(root / "ipython"),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        JUPYTER_PLATFORM_DIRS="1",
    )

    cli: list[float] = []
    cli_in_run: list[float] = []
    first: list[CellRun] = []
    warm: list[CellRun] = []
    for _ in range(args.repeat):  # alternate, so load on the machine hits both alike
        cli.append(cli_run(root, env))
        cli_in_run.append(last_run_seconds(home))
        cold, again = notebook_runs(args.kernel_python, root, env, home)
        first.append(cold)
        warm.append(again)

    version = subprocess.run(
        [args.kernel_python, "-c", "import ipykernel; print(ipykernel.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    cli_median = statistics.median(cli)
    first_median = statistics.median(run.seconds for run in first)
    warm_median = statistics.median(run.seconds for run in warm)
    print(f"plan: {MODULES} modules x {CASES} cases + 1 info case = {TOTAL} cases")
    print(f"kernel: ipykernel {version} ({args.kernel_python}); {args.repeat} repeats")
    print(describe("hardlab run", cli))
    print(describe("%hardpy run, first", [run.seconds for run in first]))
    print(describe("%hardpy run, warm", [run.seconds for run in warm]))
    ratio = first_median / cli_median
    print(f"ratio %hardpy run (first) / hardlab run: {ratio:.2f}x  (target <= {RATIO_TARGET:.2f}x)")
    print(f"ratio %hardpy run (warm) / hardlab run: {warm_median / cli_median:.2f}x")
    notebook_in_run = [run.run_seconds for run in first + warm]
    print("the run itself (start to end, as stored):")
    print(describe("under hardlab run", cli_in_run))
    print(describe("under %hardpy run", notebook_in_run))
    in_run_ratio = statistics.median(notebook_in_run) / statistics.median(cli_in_run)
    print(f"ratio of the runs themselves, notebook / CLI: {in_run_ratio:.2f}x")
    runs = first + warm
    counts = [run.count("comm_msg") for run in runs]
    means = [run.count("comm_msg") / run.seconds for run in runs]
    peaks = [run.peak("comm_msg") for run in runs]
    peaks3 = [run.peak("comm_msg", window=3.0) / 3 for run in runs]
    opens = [run.count("comm_open") for run in runs]
    others = [
        sum(len(t) for kind, t in run.times.items() if kind not in {"comm_msg", "comm_open"})
        for run in runs
    ]
    kbytes = [run.sizes.get("comm_msg", 0) / 1024 for run in runs]
    print(
        f"widget messages (comm_msg) per notebook run: median {statistics.median(counts):.0f} "
        f"(min {min(counts)}, max {max(counts)}), {statistics.median(kbytes):.0f} KiB; "
        f"comm_open {statistics.median(opens):.0f}, other IOPub {statistics.median(others):.0f}"
    )
    print(
        f"widget messages per second: mean {statistics.median(means):.1f} (median over runs, "
        f"max {max(means):.1f}; target <= {RATE_TARGET:.0f}); peak in any 1 s {max(peaks)} "
        f"(median {statistics.median(peaks):.0f}); peak over any 3 s, jupyter_server's "
        f"window: {max(peaks3):.1f}/s (its limit: 1000/s)"
    )
    if not args.keep:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
