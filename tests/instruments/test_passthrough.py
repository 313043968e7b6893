"""PyVISA's own attributes on a session reach the resource, both ways, unrecorded."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest
from _bench import DMM, PSU

import hardlab.instruments as hi
from hardlab.config import InstrumentConfig
from hardlab.instruments import InstrumentSession
from hardlab.instruments._passthrough import RESOURCE_ATTRIBUTES

pyvisa_resources = pytest.importorskip("pyvisa.resources")
pytest.importorskip("pyvisa_sim")


@pytest.fixture(autouse=True)
def fresh_sessions() -> Iterator[None]:
    hi.close()
    hi.clear_bench_log()
    yield
    hi.close()
    hi.clear_bench_log()


def _session(name: str, resource: str) -> InstrumentSession:
    config = InstrumentConfig(
        name=name,
        resource=resource,
        backend=f"{hi.BENCH_YAML}@sim",
        read_termination="\n",
        write_termination="\n",
        timeout_ms=2000,
    )
    return hi.configure([config])[name]


def test_a_timeout_set_on_the_session_is_the_instruments() -> None:
    dmm = _session("dmm", DMM)
    assert not dmm.is_open
    dmm.timeout = 7500  # opens the resource: the value is the instrument's, not the session's
    assert dmm.is_open
    assert dmm.resource.timeout == 7500
    assert dmm.timeout == 7500
    assert "timeout" not in vars(dmm)
    dmm.resource.timeout = 1250
    assert dmm.timeout == 1250  # no value left on the session hides the resource's
    dmm.close()
    assert dmm.timeout == 2000  # reopened with the table's timeout_ms


def test_methods_are_the_resources_and_their_traffic_is_not_recorded() -> None:
    psu = _session("psu", PSU)
    psu.write("VOLT 2.5")
    before = len(hi.bench_entries())
    assert psu.query_ascii_values("VOLT?") == [2.5]
    assert psu.resource_name == psu.resource.resource_name
    assert psu.read_termination == "\n"
    assert len(hi.bench_entries()) == before
    assert psu.query_ascii_values.__self__ is psu.resource


def test_each_resource_class_has_its_own_settings() -> None:
    dmm = _session("dmm", DMM)  # a serial instrument: its line settings are there to set
    dmm.baud_rate = 19200
    assert dmm.resource.baud_rate == 19200
    psu = _session("psu", PSU)  # a USB one has none
    with pytest.raises(AttributeError, match="baud_rate"):
        _ = psu.baud_rate
    with pytest.raises(AttributeError, match="no_such_setting"):
        _ = psu.no_such_setting


def test_a_notebook_completes_pyvisas_names_on_a_session() -> None:
    names = dir(_session("dmm", DMM))
    assert {"timeout", "clear", "query_ascii_values", "write_termination"} <= set(names)


def test_every_public_attribute_of_the_installed_pyvisa_is_passed() -> None:
    # A newer PyVISA with a new attribute fails here: add it to RESOURCE_ATTRIBUTES.
    classes = [
        cls
        for _, cls in inspect.getmembers(pyvisa_resources, inspect.isclass)
        if issubclass(cls, pyvisa_resources.Resource)
    ]
    public = {name for cls in classes for name in dir(cls) if not name.startswith("_")}
    own = {name for name in vars(InstrumentSession) if name not in RESOURCE_ATTRIBUTES}
    assert public - own - RESOURCE_ATTRIBUTES == set()
    # the session's own names (open, close, query, ...) are never given to the resource
    assert not RESOURCE_ATTRIBUTES & own
    session = InstrumentSession(InstrumentConfig(name="x", resource=DMM))
    assert not RESOURCE_ATTRIBUTES & set(vars(session))
