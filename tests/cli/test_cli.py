"""The ``hardlab`` command, through real subprocesses (and a real pseudo-terminal)."""

from __future__ import annotations

import json
import os
import re
import select
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import hardlab
from hardlab.model import ResultRunStore
from hardlab.storage import Store
from tests.cli.conftest import spawn_on_pty

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

pytestmark = pytest.mark.slow

MakePlan = Callable[..., Path]

# Tests of what a run does (answers, -k, pytest arguments) pass --no-store: storing
# costs each run a writer process, and is what the store tests (and a few here) check.

HARDLAB = Path(sys.executable).parent / ("hardlab.exe" if sys.platform == "win32" else "hardlab")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
STORED = re.compile(
    r"^Stored run (\S+) in (\S+); see it with: hardlab show (\S+)(?: --db (\S+))?$", re.MULTILINE
)


def report_path(stdout: str) -> Path:
    found = re.findall(r"^Report: (.+)$", stdout, flags=re.MULTILINE)
    assert len(found) == 1, stdout
    return Path(found[0].strip())


def load_report(path: Path) -> ResultRunStore:
    assert path.is_file(), path
    return ResultRunStore.model_validate_json(path.read_text(encoding="utf-8"))


def messages(report: ResultRunStore, module_id: str, case_id: str) -> dict[str, str]:
    return dict(report.modules[module_id].cases[case_id].msg or {})


def show(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


PASSING_PLAN = {
    "hardpy.toml": """
        title = "HardPy TOML config"
        tests_name = "Board check"
    """,
    "test_board.py": """
        import pytest

        import hardpy

        pytestmark = pytest.mark.module_name("Board")


        @pytest.mark.case_name("Serial number")
        def test_serial():
            serial = hardpy.run_dialog_box(
                hardpy.DialogBox("Serial?", title_bar="Serial", widget=hardpy.TextInputWidget())
            )
            hardpy.set_dut_serial_number(serial)
            hardpy.set_message(f"serial is {serial}", "serial")


        @pytest.mark.case_name("Output voltage")
        def test_vout():
            meas = hardpy.NumericMeasurement(
                name="Vout", value=3.3, unit="V",
                operation=hardpy.ComparisonOperation.GELE, lower_limit=3.2, upper_limit=3.4,
            )
            hardpy.set_case_measurement(meas)
            assert meas.result


        @pytest.mark.case_name("LED")
        def test_led():
            answer = hardpy.run_dialog_box(
                hardpy.DialogBox("LED on?", title_bar="LED check", pass_fail=True)
            )
            assert answer.result, "LED off"
    """,
}

FAILING_PLAN = {
    "test_fail.py": """
        import hardpy


        def test_good():
            hardpy.set_message("good ran", "good")


        def test_bad():
            hardpy.set_case_measurement(hardpy.NumericMeasurement(name="Iq", value=12, unit="mA"))
            assert 1 + 1 == 3, "arithmetic is broken"
    """
}


@pytest.fixture
def answers_file(tmp_path: Path) -> Path:
    path = tmp_path / "answers.toml"
    path.write_text('Serial = "SN-0042"\n"LED check" = "pass"\n', encoding="utf-8")
    return path


# ====================================================================== --version


def test_version(cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    result = cli("--version")
    assert result.returncode == 0, show(result)
    assert hardlab.__version__ in result.stdout
    assert result.stdout.strip() == f"hardlab {hardlab.__version__}"


def test_no_command_prints_help(cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    result = cli()
    assert result.returncode != 0
    assert "run" in result.stderr
    assert "init" in result.stderr
    assert "demo" in result.stderr


# ====================================================================== run


def test_run_passing_plan(
    cli: Callable[..., subprocess.CompletedProcess[str]],
    make_plan: MakePlan,
    answers_file: Path,
    tmp_path: Path,
) -> None:
    plan = make_plan(PASSING_PLAN)
    reports = tmp_path / "reports"
    result = cli("run", plan, "--answers", answers_file, "--report-dir", reports)
    assert result.returncode == 0, show(result)
    out = result.stdout
    for text in ("Board check", "Board", "Serial number", "Output voltage", "LED"):
        assert text in out, text
    assert "serial is SN-0042" in out
    assert re.search(r"Vout 3\.3 V", out), out
    assert "PASSED" in out
    assert "3 passed" in out
    path = report_path(out)
    assert path.parent == reports.resolve()
    report = load_report(path)
    assert report.status.value == "passed"
    assert report.name == "Board check"
    assert report.dut.serial_number == "SN-0042"
    assert messages(report, "test_board", "test_serial") == {"serial": "serial is SN-0042"}
    vout = report.modules["test_board"].cases["test_vout"].measurements[0]
    assert (vout.name, vout.value, vout.unit) == ("Vout", 3.3, "V")
    assert sorted(reports.glob("*.json")) == [path]


def test_run_json_answers_file(
    cli: Callable[..., subprocess.CompletedProcess[str]], make_plan: MakePlan, tmp_path: Path
) -> None:
    plan = make_plan(PASSING_PLAN)
    answers = tmp_path / "answers.json"
    answers.write_text(
        json.dumps({"by_case": {"test_serial": "SN-J"}, "in_order": ["pass"]}), encoding="utf-8"
    )
    result = cli("run", plan, "--answers", answers, "--report-dir", tmp_path / "r", "--no-store")
    assert result.returncode == 0, show(result)
    assert load_report(report_path(result.stdout)).dut.serial_number == "SN-J"


def test_run_failing_plan(
    cli: Callable[..., subprocess.CompletedProcess[str]], make_plan: MakePlan, tmp_path: Path
) -> None:
    plan = make_plan(FAILING_PLAN)
    result = cli("run", plan, "--report-dir", tmp_path / "reports")
    assert result.returncode == 1, show(result)
    out = result.stdout
    assert "test_good" in out
    assert "test_bad" in out
    assert "arithmetic is broken" in out
    assert "Iq 12 mA" in out
    assert "FAILED" in out
    report = load_report(report_path(out))
    assert report.status.value == "failed"
    assert report.caused_dut_failure_id == "test_fail::test_bad"
    cases = report.modules["test_fail"].cases
    assert cases["test_good"].status.value == "passed"
    assert cases["test_bad"].status.value == "failed"


def test_run_stores_by_default_and_writes_no_json(
    cli: Callable[..., subprocess.CompletedProcess[str]], make_plan: MakePlan, hardlab_home: Path
) -> None:
    plan = make_plan(FAILING_PLAN)
    result = cli("run", plan)
    assert result.returncode == 1, show(result)
    assert "Report:" not in result.stdout
    assert list(hardlab_home.rglob("*.json")) == []
    (stored,) = STORED.findall(result.stdout)
    run_id, url, short, db = stored
    assert db == ""  # the default store
    assert url == f"sqlite:///{hardlab_home / 'hardlab.db'}"
    assert run_id.startswith(short) and len(short) < len(run_id)
    with Store(url) as store:
        report = store.get_report(run_id)
    assert report.status.value == "failed"
    assert report.modules["test_fail"].cases["test_bad"].status.value == "failed"


def test_run_db_option_and_report_dir(
    cli: Callable[..., subprocess.CompletedProcess[str]], make_plan: MakePlan, tmp_path: Path
) -> None:
    plan = make_plan(FAILING_PLAN)
    db = tmp_path / "stand.db"
    # a relative path is taken from the working directory, not the plan folder
    result = cli("run", plan, "--db", "stand.db", "--report-dir", tmp_path / "reports")
    assert result.returncode == 1, show(result)
    (stored,) = STORED.findall(result.stdout)
    assert stored[1] == stored[3] == f"sqlite:///{db}"
    path = report_path(result.stdout)
    assert path.name == f"{stored[0]}.json"
    with Store(db) as store:
        report = store.get_report(stored[0])
    # the JSON file's id is the run id; the stored document keeps HardPy's document id
    assert report.model_copy(update={"id": stored[0]}) == load_report(path)


def test_run_no_store(
    cli: Callable[..., subprocess.CompletedProcess[str]], make_plan: MakePlan, hardlab_home: Path
) -> None:
    plan = make_plan(FAILING_PLAN)
    result = cli("run", plan, "--no-store")
    assert result.returncode == 1, show(result)
    assert "Stored run" not in result.stdout
    assert "Report:" not in result.stdout
    assert list(hardlab_home.iterdir()) == []


def test_run_db_and_no_store_exclude_each_other(
    cli: Callable[..., subprocess.CompletedProcess[str]], make_plan: MakePlan, tmp_path: Path
) -> None:
    result = cli("run", make_plan(FAILING_PLAN), "--no-store", "--db", tmp_path / "x.db")
    assert result.returncode == 2, show(result)
    assert "not allowed with" in result.stderr


def test_run_select_with_k(
    cli: Callable[..., subprocess.CompletedProcess[str]], make_plan: MakePlan, tmp_path: Path
) -> None:
    plan = make_plan(FAILING_PLAN)
    result = cli("run", plan, "-k", "good", "--report-dir", tmp_path / "reports", "--no-store")
    assert result.returncode == 0, show(result)
    assert "test_good" in result.stdout
    assert "test_bad" not in result.stdout
    assert "PASSED" in result.stdout
    report = load_report(report_path(result.stdout))
    assert report.status.value == "passed"
    cases = report.modules["test_fail"].cases
    assert cases["test_good"].status.value == "passed"
    assert "test_bad" not in cases


def test_run_start_args(
    cli: Callable[..., subprocess.CompletedProcess[str]], make_plan: MakePlan, tmp_path: Path
) -> None:
    plan = make_plan(
        {
            "test_args.py": """
                import json

                import hardpy


                def test_args(hardpy_start_args):
                    hardpy.set_message(json.dumps(hardpy_start_args, sort_keys=True), "args")
            """
        }
    )
    result = cli(
        "run",
        plan,
        "--arg",
        "serial=SN 7",
        "-a",
        "mode=fast=1",
        "--report-dir",
        tmp_path / "reports",
        "--no-store",
    )
    assert result.returncode == 0, show(result)
    report = load_report(report_path(result.stdout))
    args = json.loads(messages(report, "test_args", "test_args")["args"])
    assert args == {"serial": "SN 7", "mode": "fast=1"}


def test_run_start_arg_without_equals_is_refused(
    cli: Callable[..., subprocess.CompletedProcess[str]], make_plan: MakePlan
) -> None:
    plan = make_plan(FAILING_PLAN)
    result = cli("run", plan, "--arg", "novalue")
    assert result.returncode == 2, show(result)
    assert "KEY=VALUE" in result.stderr


def test_run_pytest_args_after_double_dash(
    cli: Callable[..., subprocess.CompletedProcess[str]], make_plan: MakePlan, tmp_path: Path
) -> None:
    plan = make_plan(
        {
            "test_x.py": """
                import hardpy


                def test_first():
                    assert False, "first fails"


                def test_second():
                    hardpy.set_message("second ran", "second")
            """
        }
    )
    without = cli("run", plan, "--report-dir", tmp_path / "all", "--no-store")
    assert "second ran" in without.stdout, show(without)

    result = cli("run", plan, "--report-dir", tmp_path / "x", "--no-store", "--", "-x")
    assert result.returncode == 1, show(result)
    assert "first fails" in result.stdout
    assert "second ran" not in result.stdout
    report = load_report(report_path(result.stdout))
    cases = report.modules["test_x"].cases
    assert cases["test_first"].status.value == "failed"
    assert cases["test_second"].status.value == "ready"
    assert cases["test_second"].msg is None


def test_run_missing_plan(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    result = cli("run", tmp_path / "no_such_plan")
    assert result.returncode not in (0, 1), show(result)
    assert "no_such_plan" in result.stderr
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_with_postgresql_and_no_driver_stops_before_the_run(
    cli: Callable[..., subprocess.CompletedProcess[str]],
    make_plan: MakePlan,
    tmp_path: Path,
    hardlab_home: Path,
) -> None:
    # an installation without psycopg: a package of that name that cannot be imported
    blocked = tmp_path / "no_psycopg"
    (blocked / "psycopg").mkdir(parents=True)
    (blocked / "psycopg" / "__init__.py").write_text("raise ImportError('psycopg blocked')\n")
    pythonpath = os.pathsep.join(filter(None, [str(blocked), os.environ.get("PYTHONPATH")]))
    plan = make_plan(PASSING_PLAN)
    url = "postgresql://tester:s3cret@127.0.0.1:1/runs"
    result = cli("run", plan, "--db", url, "--no-operator", PYTHONPATH=pythonpath)
    assert result.returncode == 4, show(result)  # not 1, a failed test
    assert result.stdout == "", show(result)  # the run did not start: no live view, no FAILED
    (line,) = result.stderr.splitlines()
    assert line.startswith("hardlab: error: "), line
    assert "postgresql+psycopg://tester:***@127.0.0.1:1/runs (--db)" in line
    assert "s3cret" not in line
    assert 'pip install "hardlab[postgres]"' in line
    assert "--no-store" in line
    assert list(hardlab_home.rglob("*")) == []  # no report left in unsaved/

    env_store = cli("run", plan, "--no-operator", PYTHONPATH=pythonpath, HARDLAB_DB_URL=url)
    assert env_store.returncode == 4, show(env_store)
    assert "($HARDLAB_DB_URL)" in env_store.stderr and "--no-store" in env_store.stderr
    demo = cli("demo", "--db", url, PYTHONPATH=pythonpath)
    assert demo.returncode == 4 and demo.stdout == "", show(demo)
    runs = cli("runs", "--db", url, PYTHONPATH=pythonpath)
    assert runs.returncode == 4, show(runs)
    assert 'pip install "hardlab[postgres]"' in runs.stderr
    assert "--no-store" not in runs.stderr  # runs has no such option


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgresq://tester:s3cret@127.0.0.1/runs", "SQLite or PostgreSQL only"),
        ("sqlite:///{tmp}/no_such_dir/runs.db", "the folder {tmp}/no_such_dir does not exist"),
    ],
    ids=["misspelt-scheme", "missing-folder"],
)
def test_run_with_a_bad_database_url_in_hardpy_toml_stops_before_the_run(
    cli: Callable[..., subprocess.CompletedProcess[str]],
    make_plan: MakePlan,
    tmp_path: Path,
    hardlab_home: Path,
    url: str,
    problem: str,
) -> None:
    url = url.format(tmp=tmp_path)
    files = dict(PASSING_PLAN)
    files["hardpy.toml"] = files["hardpy.toml"] + f'\n[database]\nurl = "{url}"\n'
    plan = make_plan(files)
    result = cli("run", plan, "--no-operator")
    assert result.returncode == 4, show(result)
    assert result.stdout == "", show(result)  # the run did not start
    (line,) = result.stderr.splitlines()
    assert "(hardpy.toml [database] url)" in line, line
    assert problem.format(tmp=tmp_path) in line, line
    assert "s3cret" not in line and "--no-store" in line
    assert not (tmp_path / "no_such_dir").exists()  # a mistyped folder is not made
    assert list(hardlab_home.rglob("*")) == []  # no report left in unsaved/


def test_run_db_in_a_missing_folder_is_an_error(
    cli: Callable[..., subprocess.CompletedProcess[str]],
    make_plan: MakePlan,
    tmp_path: Path,
    hardlab_home: Path,
    answers_file: Path,
) -> None:
    plan = make_plan(PASSING_PLAN)
    missing = tmp_path / "no_such_dir" / "deeper"
    result = cli("run", plan, "--db", missing / "x.db", "--no-operator")
    assert result.returncode == 4, show(result)
    assert result.stdout == "", show(result)
    (line,) = result.stderr.splitlines()
    assert f"sqlite:///{missing / 'x.db'} (--db)" in line
    assert f"the folder {missing} does not exist" in line
    assert "--no-store" in line
    assert not (tmp_path / "no_such_dir").exists()
    assert list(hardlab_home.rglob("*")) == []
    for command in (["runs"], ["db", "upgrade"], ["import", plan]):
        refused = cli(*command, "--db", missing / "x.db")
        assert refused.returncode == 4, show(refused)
        assert f"the folder {missing} does not exist" in refused.stderr
    assert not (tmp_path / "no_such_dir").exists()

    # hardlab's own data folder is the exception: the default store is made where it belongs
    fresh_home = tmp_path / "fresh_home"
    made = cli("run", plan, "--answers", answers_file, HARDLAB_HOME=str(fresh_home))
    assert made.returncode == 0, show(made)
    assert (fresh_home / "hardlab.db").is_file(), show(made)


def test_run_missing_answers_file(
    cli: Callable[..., subprocess.CompletedProcess[str]], make_plan: MakePlan, tmp_path: Path
) -> None:
    plan = make_plan(PASSING_PLAN)
    result = cli("run", plan, "--answers", tmp_path / "missing.toml")
    assert result.returncode not in (0, 1), show(result)
    assert "missing.toml" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_without_terminal_or_answers_fails_the_dialog(
    cli: Callable[..., subprocess.CompletedProcess[str]], make_plan: MakePlan, tmp_path: Path
) -> None:
    plan = make_plan(PASSING_PLAN)
    result = cli("run", plan, "--report-dir", tmp_path / "reports")
    assert result.returncode == 1, show(result)
    assert "NoOperatorError" in result.stdout
    assert "needs an operator" in result.stdout
    assert "--answers" in result.stdout
    report = load_report(report_path(result.stdout))
    cases = report.modules["test_board"].cases
    assert cases["test_serial"].status.value == "failed"
    assert "NoOperatorError" in (cases["test_serial"].assertion_msg or "")
    assert cases["test_vout"].status.value == "passed"
    assert cases["test_led"].status.value == "failed"


def test_run_no_operator_flag(
    cli: Callable[..., subprocess.CompletedProcess[str]], make_plan: MakePlan, tmp_path: Path
) -> None:
    plan = make_plan(PASSING_PLAN)
    result = cli("run", plan, "--no-operator", "--no-store")
    assert result.returncode == 1, show(result)
    assert "NoOperatorError" in result.stdout


# ====================================================================== init


def test_init_writes_a_starter_plan(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    folder = tmp_path / "my_board"
    result = cli("init", folder)
    assert result.returncode == 0, show(result)
    for name in ("hardpy.toml", "pytest.ini", "conftest.py", "test_1.py"):
        assert (folder / name).is_file(), name
        assert str(folder / name) in result.stdout
    config = tomllib.loads((folder / "hardpy.toml").read_text(encoding="utf-8"))
    assert config["tests_name"] == "my_board"
    assert "stand_cloud" not in config
    assert "initialized" in result.stdout


def test_init_tests_name(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    folder = tmp_path / "plan"
    result = cli("init", folder, "--tests-name", 'Main "board" ✓')
    assert result.returncode == 0, show(result)
    config = tomllib.loads((folder / "hardpy.toml").read_text(encoding="utf-8"))
    assert config["tests_name"] == 'Main "board" ✓'


def test_init_refuses_to_overwrite_without_force(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    folder = tmp_path / "plan"
    assert cli("init", folder).returncode == 0
    (folder / "test_1.py").write_text("# my edits\n", encoding="utf-8")

    again = cli("init", folder)
    assert again.returncode != 0, show(again)
    assert "--force" in again.stderr
    assert "test_1.py" in again.stderr
    assert (folder / "test_1.py").read_text(encoding="utf-8") == "# my edits\n"

    forced = cli("init", folder, "--force")
    assert forced.returncode == 0, show(forced)
    assert (folder / "test_1.py").read_text(encoding="utf-8") != "# my edits\n"


def test_init_stand_cloud_section(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    folder = tmp_path / "plan"
    result = cli(
        "init",
        folder,
        "--sc-address",
        "demo.standcloud.io",
        "--sc-api-key",
        "key-123",
        "--sc-autosync",
    )
    assert result.returncode == 0, show(result)
    config = tomllib.loads((folder / "hardpy.toml").read_text(encoding="utf-8"))
    assert config["stand_cloud"]["address"] == "demo.standcloud.io"
    assert config["stand_cloud"]["api_key"] == "key-123"
    assert config["stand_cloud"]["autosync"] is True
    assert config["stand_cloud"]["connection_only"] is False


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_init_with_an_api_key_writes_hardpy_toml_for_its_owner_only(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    folder = tmp_path / "plan"
    assert cli("init", folder).returncode == 0
    assert (folder / "hardpy.toml").stat().st_mode & 0o077 != 0  # no secret: the usual mode
    result = cli("init", folder, "--force", "--sc-address", "sc.example", "--sc-api-key", "k-1")
    assert result.returncode == 0, show(result)
    assert stat.S_IMODE((folder / "hardpy.toml").stat().st_mode) == 0o600
    assert "holds the API key: only you can read it (mode 0600)" in result.stdout
    assert stat.S_IMODE((folder / "test_1.py").stat().st_mode) != 0o600


def test_initialized_plan_passes(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    folder = tmp_path / "fresh"
    assert cli("init", folder).returncode == 0
    result = cli("run", folder, "--report-dir", tmp_path / "reports")
    assert result.returncode == 0, show(result)
    assert "PASSED" in result.stdout
    assert "Identify the board" in result.stdout
    assert "3V3 rail" in result.stdout
    assert "Testing completed" in result.stdout + result.stderr
    report = load_report(report_path(result.stdout))
    assert report.status.value == "passed"
    assert report.name == "fresh"
    assert report.dut.serial_number


def test_initialized_plan_without_a_serial_number_says_so_plainly(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    folder = tmp_path / "fresh"
    assert cli("init", folder).returncode == 0
    # only the rail: nothing reads the serial number
    result = cli("run", folder, "-k", "rail", "--no-store")
    assert result.returncode == 0, show(result)
    output = result.stdout + result.stderr
    assert "Testing completed: passed\n" in output, show(result)
    assert "None" not in output, show(result)


def test_initialized_plan_runs_from_its_folder(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    folder = tmp_path / "here"
    assert cli("init", folder).returncode == 0
    result = cli("run", "--report-dir", tmp_path / "reports", "--no-store", cwd=folder)
    assert result.returncode == 0, show(result)
    assert load_report(report_path(result.stdout)).status.value == "passed"


# ====================================================================== demo


def test_demo(cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    reports = tmp_path / "demo reports"
    result = cli("demo", "--fast", "--seed", "1", "--report-dir", reports)
    assert result.returncode == 0, show(result)
    out = result.stdout
    assert "hardlab demo" in out
    assert "Status LED" in out
    assert "PASSED" in out or "FAILED" in out
    path = report_path(out)
    assert path.resolve().parent == reports.resolve()
    report = load_report(path)
    assert report.name == "hardlab demo board"
    assert report.status.value in ("passed", "failed")
    led = report.modules["test_3_functional"].cases["test_led"]
    assert led.status.value == "passed"  # the scripted operator sees the LED on
    (stored,) = STORED.findall(out)
    assert path.name == f"{stored[0]}.json"


def test_demo_stores_the_run_and_writes_no_json(
    cli: Callable[..., subprocess.CompletedProcess[str]], hardlab_home: Path
) -> None:
    result = cli("demo", "--fast", "--seed", "2")
    assert result.returncode == 0, show(result)
    assert "Report:" not in result.stdout
    assert list(hardlab_home.rglob("*.json")) == []
    (stored,) = STORED.findall(result.stdout)
    with Store(stored[1]) as store:
        assert store.get_report(stored[2]).name == "hardlab demo board"


def test_demo_is_repeatable_with_a_seed(
    cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    first = cli("demo", "--fast", "--seed", "3", "--report-dir", tmp_path / "a", "--no-store")
    second = cli("demo", "--fast", "--seed", "3", "--report-dir", tmp_path / "b", "--no-store")
    assert first.returncode == second.returncode == 0
    one, two = load_report(report_path(first.stdout)), load_report(report_path(second.stdout))
    assert one.dut.serial_number == two.dut.serial_number
    assert one.status == two.status


# ====================================================================== interactive (pty)


class Terminal:
    """A `hardlab` process on a real pseudo-terminal; reads until text appears."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.process, self.master = spawn_on_pty(args, env, cwd, interactive=True)
        self.output = b""
        self.closed = False
        self.seen = 0

    @property
    def text(self) -> str:
        return ANSI.sub("", self.output.decode("utf-8", errors="replace"))

    def _read_once(self, deadline: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 4096)
        except OSError:  # EIO: the process closed the terminal
            chunk = b""
        if not chunk:
            self.closed = True
            return False
        self.output += chunk
        return True

    def expect(self, text: str, timeout: float = 30.0) -> None:
        """Read until `text` appears after what earlier calls matched."""
        deadline = time.monotonic() + timeout
        while (found := self.text.find(text, self.seen)) < 0:
            if self.closed or time.monotonic() >= deadline:
                pytest.fail(f"{text!r} did not appear; the terminal shows:\n{self.text}")
            self._read_once(deadline)
        self.seen = found + len(text)

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")

    def wait(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while not self.closed and time.monotonic() < deadline:
            self._read_once(deadline)
        return self.process.wait(timeout=max(1.0, deadline - time.monotonic()))

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        os.close(self.master)


INTERACTIVE_PLAN = {
    "test_bench.py": """
        import pytest

        import hardpy
        from hardpy import DialogBox, TextInputWidget, run_dialog_box


        @pytest.mark.case_name("Serial entry")
        def test_serial():
            serial = run_dialog_box(
                DialogBox("Scan the serial number", title_bar="Serial", widget=TextInputWidget())
            )
            hardpy.set_message(f"serial={serial}", "serial")


        @pytest.mark.case_name("LED check")
        def test_led():
            answer = run_dialog_box(
                DialogBox("Is the green LED on?", title_bar="LED", pass_fail=True,
                          button_text=["It is on", "It is off"])
            )
            hardpy.set_message(f"led={answer.result}", "led")
            assert answer.result, "LED off"
    """
}


@pytest.fixture
def terminal(env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., Terminal]]:
    started: list[Terminal] = []

    def start(*args: str | Path) -> Terminal:
        term = Terminal([str(arg) for arg in args], env, tmp_path)
        started.append(term)
        return term

    yield start
    for term in started:
        term.close()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize("pytest_args", [[], ["--", "-s"]], ids=["default-capture", "capture-off"])
def test_terminal_operator_in_a_real_terminal(
    terminal: Callable[..., Terminal],
    make_plan: MakePlan,
    tmp_path: Path,
    pytest_args: list[str],
) -> None:
    plan = make_plan(INTERACTIVE_PLAN)
    reports = tmp_path / "reports"
    term = terminal("run", plan, "--report-dir", reports, *pytest_args)

    term.expect("Scan the serial number")
    term.expect("enter text:")
    term.type("")  # the panel refuses empty input, and so does the terminal
    term.expect("try again")
    term.expect("enter text:")
    term.type("SN-0042")

    term.expect("[p] It is on / [f] It is off")
    term.type("p")

    code = term.wait()
    assert code == 0, term.text
    assert "PASSED" in term.text
    report = load_report(report_path(term.text.replace("\r\n", "\n")))
    assert report.status.value == "passed"
    assert messages(report, "test_bench", "test_serial") == {"serial": "serial=SN-0042"}
    assert messages(report, "test_bench", "test_led") == {"led": "led=True"}


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_terminal_operator_fail_verdict_and_message(
    terminal: Callable[..., Terminal], make_plan: MakePlan, tmp_path: Path
) -> None:
    plan = make_plan(
        {
            **INTERACTIVE_PLAN,
            "conftest.py": """
                import pytest
                import hardpy


                @pytest.fixture(scope="session", autouse=True)
                def greet():
                    hardpy.set_operator_message("Put the board in the fixture", title="Setup")
            """,
        }
    )
    term = terminal("run", plan, "--report-dir", tmp_path / "reports")
    term.expect("Put the board in the fixture")
    term.expect("press Enter to continue")
    term.type("")
    term.expect("enter text:")
    term.type("SN-7")
    term.expect("[f] It is off")
    term.type("f")
    code = term.wait()
    assert code == 1, term.text
    report = load_report(report_path(term.text.replace("\r\n", "\n")))
    cases = report.modules["test_bench"].cases
    assert cases["test_serial"].status.value == "passed", term.text
    assert messages(report, "test_bench", "test_serial") == {"serial": "serial=SN-7"}
    assert cases["test_led"].status.value == "failed"
    assert messages(report, "test_bench", "test_led") == {"led": "led=False"}
    assert "LED off" in (cases["test_led"].assertion_msg or "")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_interactive_demo(terminal: Callable[..., Terminal], tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    term = terminal("demo", "--interactive", "--fast", "--seed", "1", "--report-dir", reports)
    term.expect("Is the green status LED on?")
    term.expect("[p] Yes, it is on / [f] No")
    term.type("p")
    assert term.wait() == 0, term.text
    report = load_report(report_path(term.text.replace("\r\n", "\n")))
    led = report.modules["test_3_functional"].cases["test_led"]
    assert led.status.value == "passed", led.assertion_msg
    assert list((led.msg or {}).values()) == ["operator says the LED is on"]
