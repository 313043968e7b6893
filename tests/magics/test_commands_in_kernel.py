"""The rest of ``%hardpy`` in a kernel of the newest ipykernel line: edits, errors, history, StandCloud."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from _kernels import get_kernel_python, newest_line
from _magic_bench import Bench, answer, new_widget, opened, start_bench, write

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    folder = tmp_path_factory.mktemp("bench-newest")
    bench = start_bench(folder, get_kernel_python(newest_line()))
    try:
        yield bench
    finally:
        bench.kernel.close()


def test_a_rerun_sees_the_edited_plan_and_helper(bench: Bench) -> None:
    plan = bench.folder / "edited"
    files = {
        "limits.py": "LIMIT = 1\n",
        "test_limit.py": """
            import hardlab
            from limits import LIMIT

            def test_limit():
                hardlab.set_message(f"limit {LIMIT}, file 1")
            """,
    }
    write(plan, files)
    kernel = bench.kernel
    kernel.run("%hardpy run edited", timeout=60)
    assert kernel.run(
        "print(*_.report.modules['test_limit'].cases['test_limit'].msg.values())"
    ).stdout == ("limit 1, file 1\n")
    files["limits.py"] = "LIMIT = 2\n"
    files["test_limit.py"] = files["test_limit.py"].replace("file 1", "file 2")
    write(plan, files)
    kernel.run("%hardpy run edited", timeout=60)
    assert kernel.run(
        "print(*_.report.modules['test_limit'].cases['test_limit'].msg.values())"
    ).stdout == ("limit 2, file 2\n")


def test_plain_run_with_the_widget_operator_is_refused(bench: Bench) -> None:
    out = bench.kernel.run(
        "import hardlab\n"
        "from hardlab.widgets import RunPanel\n"
        "panel = RunPanel()\n"
        "try:\n"
        "    hardlab.run('plan', operator=panel.operator, listeners=[panel])\n"
        "except hardlab.errors.KernelBlockedError as exc:\n"
        "    print(str(exc))"
    )
    assert "would block this notebook's kernel" in out.stdout
    assert "%hardpy run PLAN" in out.stdout and "await hardlab.start(" in out.stdout


def test_a_plain_run_keeps_pytests_session_text_out_of_the_cell(bench: Bench) -> None:
    kernel = bench.kernel
    out = kernel.run(
        "import hardlab\n"
        "result = hardlab.run('plan', answers={'Serial': 'SN-QUIET'}, store=False)\n"
        "print('status', result.status.value, result.report.dut.serial_number)",
        timeout=60,
    )
    assert out.stdout.splitlines()[-1] == "status passed SN-QUIET", out.stdout
    assert "test session starts" not in out.stdout + out.stderr
    assert "passed in" not in out.stdout + out.stderr
    # pytest's text is kept in the result, for whoever wants it
    kept = kernel.run("print(result.output)").stdout
    assert "test session starts" in kept and "2 passed" in kept
    # quiet=True still silences it altogether; -v from the caller still reaches it
    assert (
        kernel.run(
            "print(repr(hardlab.run('plan', answers={'Serial': 'S'}, "
            "store=False, quiet=True).output))",
            timeout=60,
        ).stdout
        == "''\n"
    )
    verbose = kernel.run(
        "print(hardlab.run('plan', answers={'Serial': 'S'}, store=False, args=['-v']).output)",
        timeout=60,
    ).stdout
    assert "test_1_serial.py::test_serial PASSED" in verbose, verbose
    assert "\x1b" not in verbose  # plain text, whatever the kernel says about colours


def test_a_hardpy_line_inside_a_function_runs_without_waiting(bench: Bench) -> None:
    kernel = bench.kernel
    old = opened(kernel)
    out = kernel.run(
        "def go():\n    started = %hardpy run plan\n    return started\n"
        "handle = go()\nprint(type(handle).__name__)"
    )
    assert out.stdout.endswith("RunHandle\n")
    assert "The cell does not wait for this run" in out.stdout
    answer(kernel, old, "SN-DEF")
    out = kernel.run("print((await handle).report.dut.serial_number)", timeout=60)
    assert out.stdout == "SN-DEF\n"


def test_headless_answers_from_the_environment_and_from_a_file(bench: Bench) -> None:
    kernel = bench.kernel
    (bench.folder / "answers.toml").write_text('[by_title]\nSerial = "SN-ENV"\n')
    (bench.folder / "other.toml").write_text('in_order = ["SN-FILE"]\n')
    old = opened(kernel)
    out = kernel.run(
        "%env HARDLAB_ANSWERS=answers.toml\n"
        "%hardpy run plan\n"
        "print(_.report.dut.serial_number)\n"
        "%hardpy run plan --answers other.toml\n"
        "print(_.report.dut.serial_number)\n"
        "%env HARDLAB_ANSWERS=",
        timeout=60,
    )
    assert [line for line in out.stdout.splitlines() if line.startswith("SN-")] == [
        "SN-ENV",
        "SN-FILE",
    ]
    dialogs = opened(kernel) - old
    assert not [
        m
        for m in kernel.messages("comm_open")
        if m.msg["content"]["comm_id"] in dialogs
        and m.msg["content"]["data"]["state"].get("placeholder") == "Enter a text"
    ], "no dialog was shown"


def test_runs_lists_the_newest_runs(bench: Bench) -> None:
    kernel = bench.kernel
    kernel.run("%hardpy run plan --answers answers.toml --name 'Listed run'", timeout=60)
    out = kernel.run(
        "%hardpy runs --limit 1 --name 'Listed run'\nframe = _\nprint(len(frame), frame.name[0])"
    )
    assert out.stdout.endswith("1 Listed run\n")
    assert any("text/html" in display for display in out.displays)
    out = kernel.run("%hardpy runs --serial NOBODY")
    assert re.search(r"No runs in sqlite:///.*hardlab.db match these filters", out.stdout)


def test_help_and_usage_errors(bench: Bench) -> None:
    kernel = bench.kernel
    assert "usage: %hardpy" in kernel.run("%hardpy").stdout
    cell = kernel.execute("%hardpy run")
    assert kernel.wait_reply(cell)["status"] == "error"
    kernel.wait_idle(cell)
    # IPython shows a usage error as one line, without a traceback
    assert kernel.outputs_of(cell).stderr.startswith(
        "UsageError: the following arguments are required: PATH"
    )


def test_sc_login_shows_a_link_and_returns_once_accepted(bench: Bench) -> None:
    from hardlab.testing.standcloud import StandCloudServer

    kernel = bench.kernel
    with StandCloudServer(device_interval=0.05) as server:
        old = opened(kernel)
        cell = kernel.execute(f"%hardpy sc-login {server.address} --ca-bundle {server.ca_bundle}")
        link = new_widget(kernel, old, "HTMLModel")
        code = re.search(r"user_code=([\w-]+)", link.state["value"])
        assert code is not None, link.state["value"]
        assert 'target="_blank"' in link.state["value"]
        time.sleep(0.2)
        assert not kernel.messages("execute_reply", channel="shell", parent=cell)
        server.approve(code.group(1))
        assert kernel.wait_reply(cell, timeout=60)["status"] == "ok"
        state = kernel.wait_widget_state(link.comm_id, lambda s: "Logged in" in s.get("value", ""))
        assert f"Logged in to StandCloud at {server.address}" in state["value"]
        tokens = list((bench.folder / "home").rglob("*"))
        assert any(server.address.split(":")[0] in path.name for path in tokens if path.is_file())
        out = kernel.run(
            f"%hardpy sc-login {server.address} --ca-bundle {server.ca_bundle} --check"
        )
        assert out.stdout == f"StandCloud connection to {server.address} succeeded.\n"


def test_sc_sync_reports_what_it_did(bench: Bench) -> None:
    store = bench.folder / "empty.db"
    out = bench.kernel.run(
        f"%hardpy sc-sync --db {store}\nprint(type(_).__name__, _.ok)", timeout=60
    )
    assert out.stdout.splitlines() == [
        "All reports are synchronized with StandCloud",
        "SyncResult True",
    ]
    assert store.exists()


def test_in_voila_a_run_returns_at_once(bench: Bench) -> None:
    kernel = bench.kernel
    old = opened(kernel)
    out = kernel.run(
        "%env SERVER_SOFTWARE=voila/0.5.13\n"
        "%hardpy run plan\n"
        "handle = _\n"
        "%env SERVER_SOFTWARE=\n"
        "print(type(handle).__name__, handle.done())"
    )
    assert out.stdout.splitlines()[-1] == "RunHandle False"
    answer(kernel, old, "SN-VOILA")
    out = kernel.run("print((await handle).report.dut.serial_number)", timeout=60)
    assert out.stdout == "SN-VOILA\n"


def test_reloading_the_extension_keeps_one_transformer(bench: Bench) -> None:
    kernel = bench.kernel
    (bench.folder / "reload.toml").write_text('in_order = ["SN-RELOAD"]\n')
    count = (
        "print(sum(type(t).__name__ == '_Transformer' "
        "for t in get_ipython().input_transformers_cleanup))"
    )
    assert kernel.run(f"%load_ext hardlab\n{count}").stdout.endswith("1\n")
    assert kernel.run(f"%reload_ext hardlab\n{count}").stdout.endswith("1\n")
    out = kernel.run("%hardpy run plan --answers reload.toml\nprint(_.report.dut.serial_number)")
    assert out.stdout.endswith("SN-RELOAD\n")
    assert kernel.run(f"%unload_ext hardlab\n{count}").stdout.endswith("0\n")
    kernel.run("%load_ext hardlab")
