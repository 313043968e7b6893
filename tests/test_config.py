from __future__ import annotations

import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from hardlab.config import (
    CONFIG_FILE,
    HardpyConfig,
    TestConfig,
    data_dir,
    load_config,
)
from hardlab.errors import ConfigError, HardlabWarning

FULL_TOML = """
title = "Power board production test"
tests_name = "Power board"
current_test_config = "smoke"

[[test_configs]]
name = "smoke"
description = "Quick check"
file = "smoke.ini"

[[test_configs]]
name = "full"
description = "Everything"
file = "full.ini"
owner = "qa"

[database]
storage_type = "json"
user = "admin"
password = "secret"
host = "db.local"
port = 6984
storage_path = "/var/lib/hardpy"

[frontend]
host = "0.0.0.0"
port = 8001
language = "de"
full_size_button = true
sound_on = true
manual_collect = true
measurement_display = false
test_history = true
auto_scroll = true

[frontend.modal_result]
enable = true
auto_dismiss_pass = false
auto_dismiss_timeout = 12

[frontend.reports_storage_menu]
show_standcloud = false
check_standcloud = false

[stand_cloud]
address = "demo.standcloud.io"
connection_only = true
autosync = true
autosync_timeout = 5
api_key = "toml-key"
"""


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CONFIG_FILE).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return folder


def _no_warnings_load(folder: Path) -> HardpyConfig:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return load_config(folder)


# ------------------------------------------------------------------ defaults


def test_defaults_without_hardpy_toml(tmp_path: Path) -> None:
    config = _no_warnings_load(tmp_path)
    assert config.title == "HardPy TOML config"
    assert config.tests_name == ""
    assert config.current_test_config == ""
    assert config.test_configs == []
    assert config.get_doc_id() == "localhost_8000"

    db = config.database
    assert db.storage_type == "couchdb"
    assert (db.user, db.password, db.host, db.port) == ("dev", "dev", "localhost", 5984)
    assert db.storage_path == ".hardpy"
    assert db.connection_url() == "http://dev:dev@localhost:5984/"

    fe = config.frontend
    assert (fe.host, fe.port, fe.language) == ("localhost", 8000, "en")
    assert fe.full_size_button is False
    assert fe.sound_on is False
    assert fe.manual_collect is False
    assert fe.measurement_display is True
    assert fe.test_history is False
    assert fe.auto_scroll is False
    assert fe.modal_result.enable is False
    assert fe.modal_result.auto_dismiss_pass is True
    assert fe.modal_result.auto_dismiss_timeout == 5
    assert fe.reports_storage_menu.show_standcloud is True
    assert fe.reports_storage_menu.check_standcloud is True

    sc = config.stand_cloud
    assert sc.address == "standcloud.everypin.io"
    assert sc.connection_only is False
    assert sc.autosync is False
    assert sc.autosync_timeout == 30
    assert sc.api_key == ""

    assert config.test_config() is None


def test_database_doc_id_is_derived(tmp_path: Path) -> None:
    # HardPy exposes the document name as the derived `database.doc_id`.
    assert load_config(tmp_path).database.doc_id == "localhost_8000"  # type: ignore[attr-defined]
    _write(tmp_path / "plan", '[frontend]\nhost = "stand7"\nport = 8100\n')
    assert load_config(tmp_path / "plan").database.doc_id == "stand7_8100"  # type: ignore[attr-defined]


def test_defaults_from_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, 'tests_name = "cwd plan"\n')
    monkeypatch.chdir(tmp_path)
    assert load_config().tests_name == "cwd plan"


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    _write(tmp_path, "")
    assert _no_warnings_load(tmp_path) == HardpyConfig()


def test_sections_are_independent_per_instance(tmp_path: Path) -> None:
    first = load_config(tmp_path)
    first.frontend.port = 9999
    assert load_config(tmp_path).frontend.port == 8000


# --------------------------------------------------------------- full file


def test_full_file_loads(tmp_path: Path) -> None:
    config = _no_warnings_load(_write(tmp_path, FULL_TOML))
    assert config.title == "Power board production test"
    assert config.tests_name == "Power board"
    assert config.current_test_config == "smoke"

    db = config.database
    assert db.storage_type == "json"
    assert (db.user, db.password, db.host, db.port) == ("admin", "secret", "db.local", 6984)
    assert db.storage_path == "/var/lib/hardpy"
    assert db.connection_url() == "http://admin:secret@db.local:6984/"

    fe = config.frontend
    assert (fe.host, fe.port, fe.language) == ("0.0.0.0", 8001, "de")
    assert fe.full_size_button is True
    assert fe.sound_on is True
    assert fe.manual_collect is True
    assert fe.measurement_display is False
    assert fe.test_history is True
    assert fe.auto_scroll is True
    assert fe.modal_result.enable is True
    assert fe.modal_result.auto_dismiss_pass is False
    assert fe.modal_result.auto_dismiss_timeout == 12
    assert fe.reports_storage_menu.show_standcloud is False
    assert fe.reports_storage_menu.check_standcloud is False
    assert config.get_doc_id() == "0.0.0.0_8001"

    sc = config.stand_cloud
    assert sc.address == "demo.standcloud.io"
    assert sc.connection_only is True
    assert sc.autosync is True
    assert sc.autosync_timeout == 5
    assert sc.api_key == "toml-key"


def test_load_config_accepts_str_path(tmp_path: Path) -> None:
    _write(tmp_path, 'tests_name = "str path"\n')
    assert load_config(str(tmp_path)).tests_name == "str path"


# --------------------------------------------------------------- extra tables


def test_extra_top_level_tables_become_attributes(tmp_path: Path) -> None:
    _write(
        tmp_path,
        """
        tests_name = "x"
        some_flag = true

        [extra_args]
        x = 42
        psu_port = "/dev/ttyUSB0"

        [extra_args.nested]
        gain = 1.5
        """,
    )
    config = _no_warnings_load(tmp_path)
    assert config.extra_args["x"] == 42  # type: ignore[attr-defined]
    assert config.extra_args["psu_port"] == "/dev/ttyUSB0"  # type: ignore[attr-defined]
    assert config.extra_args["nested"] == {"gain": 1.5}  # type: ignore[attr-defined]
    assert config.some_flag is True  # type: ignore[attr-defined]


# --------------------------------------------------------------- unknown keys


def test_hardpy_example_modal_result_enabled_warns(tmp_path: Path) -> None:
    _write(
        tmp_path,
        """
        tests_name = "Modal"

        [frontend]
        port = 8123
        language = "fr"

        [frontend.modal_result]
        enabled = true
        auto_dismiss_timeout = 9

        [stand_cloud]
        autosync_timeout = 7
        """,
    )
    with pytest.warns(HardlabWarning) as record:
        config = load_config(tmp_path)
    assert len(record) == 1
    message = str(record[0].message)
    assert "[frontend.modal_result]" in message
    assert "'enabled'" in message
    assert "'enable'" in message
    # the rest of the file still loads
    assert config.tests_name == "Modal"
    assert config.frontend.port == 8123
    assert config.frontend.language == "fr"
    assert config.frontend.modal_result.enable is False
    assert config.frontend.modal_result.auto_dismiss_timeout == 9
    assert config.stand_cloud.autosync_timeout == 7


def test_docs_spelling_api_dash_key_warns(tmp_path: Path) -> None:
    _write(tmp_path, '[stand_cloud]\naddress = "sc.example"\napi-key = "k"\n')
    with pytest.warns(HardlabWarning, match=r"\[stand_cloud\].*'api-key'.*'api_key'"):
        config = load_config(tmp_path)
    assert config.stand_cloud.address == "sc.example"
    assert config.stand_cloud.api_key == ""


@pytest.mark.parametrize("section", ["database", "frontend", "stand_cloud"])
def test_unknown_key_in_each_section_warns(tmp_path: Path, section: str) -> None:
    _write(tmp_path, f'tests_name = "t"\n[{section}]\nbogus_key = 1\n')
    with pytest.warns(HardlabWarning, match=rf"\[{section}\].*'bogus_key'"):
        config = load_config(tmp_path)
    assert config.tests_name == "t"


def test_several_unknown_keys_each_warn(tmp_path: Path) -> None:
    _write(
        tmp_path,
        """
        [database]
        prot = 1

        [frontend]
        langauge = "de"
        port = 8005

        [frontend.reports_storage_menu]
        show_standcloudd = false
        """,
    )
    with pytest.warns(HardlabWarning) as record:
        config = load_config(tmp_path)
    messages = [str(w.message) for w in record if issubclass(w.category, HardlabWarning)]
    assert len(messages) == 3
    assert any("'prot'" in m and "'port'" in m for m in messages)
    assert any("'langauge'" in m and "'language'" in m for m in messages)
    assert any("[frontend.reports_storage_menu]" in m for m in messages)
    assert config.frontend.port == 8005
    assert config.frontend.language == "en"


def test_unknown_key_warning_names_the_file(tmp_path: Path) -> None:
    _write(tmp_path, "[frontend]\nfoo = 1\n")
    with pytest.warns(HardlabWarning, match=CONFIG_FILE):
        load_config(tmp_path)


def test_top_level_unknown_keys_do_not_warn(tmp_path: Path) -> None:
    _write(tmp_path, 'whatever = "x"\n[my_table]\na = 1\n')
    config = _no_warnings_load(tmp_path)
    assert config.whatever == "x"  # type: ignore[attr-defined]


def test_misspelt_top_level_table_and_key_warn_with_the_right_spelling(tmp_path: Path) -> None:
    _write(
        tmp_path,
        """
        test_name = "Power board"

        [databse]
        url = "sqlite:///stand.db"
        """,
    )
    with pytest.warns(HardlabWarning) as record:
        config = load_config(tmp_path)
    messages = sorted(str(w.message) for w in record if issubclass(w.category, HardlabWarning))
    path = str(tmp_path / CONFIG_FILE)
    assert messages == [
        f"{path}: key test_name is not one hardpy.toml knows; did you mean tests_name? "
        "It is kept as the plan's own setting and changes nothing (HardPy ignores it too)",
        f"{path}: table [databse] is not one hardpy.toml knows; did you mean [database]? "
        "It is kept as the plan's own setting and changes nothing (HardPy ignores it too)",
    ]
    # as HardPy: kept as extras, the real settings at their defaults
    assert config.test_name == "Power board"  # type: ignore[attr-defined]
    assert config.tests_name == ""
    assert config.database.url is None


def test_misspelt_key_in_a_test_config_entry_warns_with_its_path(tmp_path: Path) -> None:
    _write(
        tmp_path,
        """
        [[test_configs]]
        name = "quick"

        [[test_configs]]
        name = "full"
        descriptoin = "every case"
        owner = "QA"
        """,
    )
    with pytest.warns(HardlabWarning) as record:
        config = load_config(tmp_path)
    (message,) = [str(w.message) for w in record if issubclass(w.category, HardlabWarning)]
    assert "key test_configs[1].descriptoin is not one hardpy.toml knows" in message
    assert "did you mean test_configs[1].description?" in message
    assert config.test_configs[1].description == ""


def test_extra_tables_unlike_any_known_key_stay_silent(tmp_path: Path) -> None:
    # HardPy's own example: [extra_args] is close to nothing hardpy.toml knows
    _write(tmp_path, '[extra_args]\nport = 1\n[[test_configs]]\nname = "a"\nowner = "QA"\n')
    config = _no_warnings_load(tmp_path)
    assert config.extra_args == {"port": 1}  # type: ignore[attr-defined]


# --------------------------------------------------------------- bad values


@pytest.mark.parametrize("section", ["frontend", "database"])
def test_wrong_type_raises_config_error(tmp_path: Path, section: str) -> None:
    _write(tmp_path, f'[{section}]\nport = "abc"\n')
    with pytest.raises(ConfigError, match=rf"{section}\.port"):
        load_config(tmp_path)


def test_config_error_is_a_value_error(tmp_path: Path) -> None:
    _write(tmp_path, '[stand_cloud]\nautosync_timeout = "soon"\n')
    with pytest.raises(ValueError, match=r"stand_cloud\.autosync_timeout"):
        load_config(tmp_path)


def test_wrong_type_of_a_section(tmp_path: Path) -> None:
    _write(tmp_path, 'frontend = "big"\n')
    with pytest.raises(ConfigError, match="frontend"):
        load_config(tmp_path)


def test_wrong_type_in_nested_section(tmp_path: Path) -> None:
    _write(tmp_path, "[frontend.modal_result]\nauto_dismiss_timeout = [1]\n")
    with pytest.raises(ConfigError, match=r"frontend\.modal_result\.auto_dismiss_timeout"):
        load_config(tmp_path)


def test_wrong_type_next_to_unknown_key_still_raises(tmp_path: Path) -> None:
    _write(tmp_path, '[frontend]\nprt = 1\nport = "x"\n')
    with pytest.warns(HardlabWarning), pytest.raises(ConfigError, match=r"frontend\.port"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    "text",
    [
        "[frontend\nport = 1\n",
        "title = \n",
        'title = "unterminated\n',
        "[database]\nport = 1\nport = 2\n",
    ],
)
def test_invalid_toml_raises_config_error(tmp_path: Path, text: str) -> None:
    _write(tmp_path, text)
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    "data",
    [
        b'title = "caf\xe9"\n',  # Latin-1
        b"\xff\xfetitle = 1\n",  # UTF-16 with its byte order mark
        "title = 'x'\n".encode("utf-16"),
    ],
)
def test_a_hardpy_toml_that_is_not_utf8_is_a_config_error_naming_it(
    tmp_path: Path, data: bytes
) -> None:
    (tmp_path / "hardpy.toml").write_bytes(data)
    with pytest.raises(ConfigError, match="is not UTF-8 text") as caught:
        load_config(tmp_path)
    assert str(tmp_path / "hardpy.toml") in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 100_000 + "]" * 100_000 + "\n",
        "x = " + "{a = " * 5_000 + "1" + "}" * 5_000 + "\n",
        "[extra]\nx = " + "[" * 2_000 + "]" * 2_000 + "\n",
        "[extra]\nx = " + "[" * 300 + "]" * 300 + "\n",  # tomllib reads it; JSON copies could not
    ],
)
def test_a_hardpy_toml_nested_too_deeply_is_a_config_error_naming_it(
    tmp_path: Path, text: str
) -> None:
    _write(tmp_path, text)
    with pytest.raises(ConfigError, match="nests arrays or tables") as caught:
        load_config(tmp_path)
    assert str(tmp_path / "hardpy.toml") in str(caught.value)


# ------------------------------------------------------------------ api key


def test_api_key_env_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, FULL_TOML)
    monkeypatch.setenv("HARDPY_SC_API_KEY", "env-key")
    assert load_config(tmp_path).stand_cloud.api_key == "env-key"


def test_api_key_env_without_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARDPY_SC_API_KEY", "env-key")
    assert load_config(tmp_path).stand_cloud.api_key == "env-key"


def test_api_key_from_file_without_env(tmp_path: Path) -> None:
    _write(tmp_path, FULL_TOML)
    assert load_config(tmp_path).stand_cloud.api_key == "toml-key"


def test_api_key_from_dotenv_in_plan_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # HardPy 0.25 loads HARDPY_SC_API_KEY from <tests_path>/.env.
    # Register the variable with monkeypatch so a loader that sets os.environ is undone.
    monkeypatch.setenv("HARDPY_SC_API_KEY", "placeholder")
    monkeypatch.delenv("HARDPY_SC_API_KEY")
    _write(tmp_path, '[stand_cloud]\napi_key = "toml-key"\n')
    (tmp_path / ".env").write_text("HARDPY_SC_API_KEY=dotenv-key\n", encoding="utf-8")
    assert load_config(tmp_path).stand_cloud.api_key == "dotenv-key"


# -------------------------------------------------------------- test configs


def test_test_configs_entries(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, FULL_TOML))
    assert [entry.name for entry in config.test_configs] == ["smoke", "full"]
    smoke, full = config.test_configs
    assert isinstance(smoke, TestConfig)
    assert smoke.description == "Quick check"
    assert smoke.file == "smoke.ini"
    assert full.owner == "qa"  # type: ignore[attr-defined]


def test_test_config_lookup(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, FULL_TOML))
    current = config.test_config()
    assert current is not None
    assert current.name == "smoke"
    full = config.test_config("full")
    assert full is not None
    assert full.file == "full.ini"


def test_test_config_unknown_name(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, FULL_TOML))
    with pytest.raises(ConfigError, match="'nightly'") as info:
        config.test_config("nightly")
    assert "'smoke'" in str(info.value)
    assert "'full'" in str(info.value)


def test_current_test_config_unknown(tmp_path: Path) -> None:
    _write(tmp_path, 'current_test_config = "ghost"\n')
    config = load_config(tmp_path)
    with pytest.raises(ConfigError, match="'ghost'"):
        config.test_config()


def test_test_config_entry_defaults(tmp_path: Path) -> None:
    _write(tmp_path, '[[test_configs]]\nname = "only"\n')
    (entry,) = load_config(tmp_path).test_configs
    assert entry.description == ""
    assert entry.file is None


def test_test_config_entry_requires_name(tmp_path: Path) -> None:
    _write(tmp_path, '[[test_configs]]\ndescription = "nameless"\n')
    with pytest.raises(ConfigError, match="name"):
        load_config(tmp_path)


# ------------------------------------------------------------------ data_dir


def test_data_dir_honours_hardlab_home(hardlab_home: Path) -> None:
    assert data_dir() == hardlab_home


def test_data_dir_follows_env_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARDLAB_HOME", str(tmp_path / "elsewhere"))
    assert data_dir() == tmp_path / "elsewhere"


def test_data_dir_expands_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("HARDLAB_HOME", "~/hl")
    assert data_dir() == tmp_path / "hl"


@pytest.mark.skipif(sys.platform != "linux", reason="XDG layout is Linux-specific")
def test_data_dir_without_hardlab_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARDLAB_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "hardlab"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data_dir() == tmp_path / ".local" / "share" / "hardlab"


def test_frontend_slots_is_hardlabs_own_key(tmp_path: Path) -> None:
    assert load_config(tmp_path).frontend.slots is None
    (tmp_path / "hardpy.toml").write_text("[frontend]\nslots = 4\n")
    assert load_config(tmp_path).frontend.slots == 4
    (tmp_path / "hardpy.toml").write_text("[frontend]\nslots = 0\n")
    with pytest.raises(ConfigError, match="slots"):
        load_config(tmp_path)
