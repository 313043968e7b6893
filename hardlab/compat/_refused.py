"""HardPy internals hardlab does not run: they import, and using one raises.

HardPy's CouchDB and JSON stores, its reporters, its panel's pytest wrapper,
its StandCloud synchronizer and its OAuth helpers drive HardPy's own engine
and panel. Under hardlab a plan may still name them (an import at the top of
a test file must not stop collection); calling or constructing one raises
`hardlab.errors.NotSupportedError` with what hardlab offers instead.
"""

from __future__ import annotations

from typing import Any

from hardlab.compat._internals import hardpy_only

_EVENTS = "hardlab's engine reports runs as events: hardlab.run(listeners=[...])"
_STORE = (
    "hardlab keeps runs in SQL through its writer; read the live report with "
    "hardpy.get_current_report() and past runs with hardlab.history()"
)
_INSTEAD: dict[str, tuple[str, bool]] = {
    # name: (what to use instead, is a function)
    "StateStore": (_STORE, False),
    "TempStore": ("unsent reports wait in the store's outbox: `hardlab sync`", False),
    "CouchDBRunStore": (_STORE, False),
    "CouchDBStateStore": (_STORE, False),
    "CouchDBTempStore": (_STORE, False),
    "JsonRunStore": (_STORE, False),
    "JsonStateStore": (_STORE, False),
    "JsonTempStore": (_STORE, False),
    "couchdb_update_db": (_STORE, True),
    "couchdb_update_doc": (_STORE, True),
    "PyTestWrapper": ("start runs with hardlab.run(), hardlab.start() or `hardlab run`", False),
    "HookReporter": (_EVENTS, False),
    "RunnerReporter": (_EVENTS, False),
    "BaseReporter": (_EVENTS, False),
    "StandCloudSynchronizer": ("upload waiting reports: hardlab.sync(), `hardlab sync`", False),
    "OAuth2": ("log in with hardlab.cloud.login() or `hardlab sc-login`", False),
    "TokenManager": ("tokens are kept by hardlab.cloud.default_token_store()", False),
}

__all__: list[str] = []  # every name is made on first use, see _INSTEAD

_MADE: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    if name not in _INSTEAD:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    if name not in _MADE:
        instead, function = _INSTEAD[name]
        shown = name.removeprefix("couchdb_")
        _MADE[name] = hardpy_only(shown, instead, function=function)
    return _MADE[name]
