"""PyVISA's resource attributes on a session, read from and set on the resource.

``instruments["dmm"].timeout = 10_000`` must change the instrument's timeout,
not leave a value on the session that hides the resource's; and
``instruments["dmm"].<Tab>`` in a notebook should offer what PyVISA offers.
Each public attribute of PyVISA's resource classes is therefore a data
descriptor on `InstrumentSession` that opens the resource if need be and
reads or sets the attribute there. A class-level ``__getattr__`` would do
the reading alone, and it would also stop CPython from specialising every
attribute lookup on the session, the hot path's included.

The names are PyVISA's (1.16, every resource class, ``visalib`` set per
instance); ``tests/instruments/test_session.py`` checks them against the
installed PyVISA. An attribute one resource class lacks (``baud_rate`` on a
USB instrument) raises PyVISA's own `AttributeError`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RESOURCE_ATTRIBUTES", "Passed"]

RESOURCE_ATTRIBUTES = frozenset(
    {
        "CR", "LF", "address_state", "allow_dma", "allow_transmit", "assert_trigger",
        "atn_state", "baud_rate", "before_close", "break_length", "break_state",
        "bytes_in_buffer", "chunk_size", "clear", "control_atn", "control_in",
        "control_out", "control_ren", "data_bits", "destination_increment",
        "disable_event", "discard_events", "discard_null", "enable_event",
        "enable_repeat_addressing", "enable_unaddressing", "encoding", "end_input",
        "end_output", "flow_control", "flush", "get_visa_attribute",
        "group_execute_trigger", "ignore_warning", "implementation_version",
        "install_handler", "interface_number", "interface_type", "io_protocol",
        "is_4882_compliant", "is_controller_in_charge", "is_system_controller",
        "last_status", "lock", "lock_context", "lock_excl", "lock_state",
        "manufacturer_id", "manufacturer_name", "maximum_interrupt_size", "model_code",
        "model_name", "move_in", "move_out", "ndac_state", "parity", "pass_control",
        "primary_address", "query_ascii_values", "query_binary_values", "query_delay",
        "read_ascii_values", "read_binary_values", "read_memory", "read_stb",
        "read_termination", "read_termination_context", "register", "remote_enabled",
        "replace_char", "resource_class", "resource_info", "resource_manufacturer_name",
        "resource_name", "secondary_address", "send_command", "send_end", "send_ifc",
        "serial_number", "session", "set_visa_attribute", "source_increment",
        "spec_version", "stb", "stop_bits", "timeout", "uninstall_handler", "unlock",
        "usb_protocol", "visa_attributes_classes", "visalib", "wait_for_srq",
        "wait_on_event", "wrap_handler", "write_ascii_values", "write_binary_values",
        "write_memory", "write_termination", "xoff_char", "xon_char",
    }
)  # fmt: skip
"""PyVISA's public resource attributes that a session does not define itself."""


class Passed:
    """One attribute of the session's PyVISA resource, unrecorded.

    Reading it opens the resource if need be and returns the resource's
    value (a bound method for a method); setting it sets it on the resource.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<PyVISA resource attribute {self.name!r}>"

    def __get__(self, session: Any, owner: type | None = None) -> Any:
        if session is None:
            return self
        return getattr(session.open(), self.name)

    def __set__(self, session: Any, value: Any) -> None:
        setattr(session.open(), self.name, value)

    def __delete__(self, session: Any) -> None:
        delattr(session.open(), self.name)
