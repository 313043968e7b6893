"""The unit report: one self-contained HTML page (or PDF) of a run, for the unit's file.

`render_html` lays a report (HardPy's schema v1) out with Jinja2 templates
shipped in this package: header, DUT and stand, every module, case,
attempt and measurement with its limits and verdict, charts as inline SVG,
messages, error codes, instruments. Nothing in the page points outside it
(no scripts, fonts, style sheets or images), and it has print CSS for A4
and Letter. `render_pdf` turns it into a PDF with WeasyPrint (the
``report`` extra); `embed_html` puts it in a sandboxed iframe for a
notebook output. `run_report_html` and `write_run_report` read a stored
run by id. ``[hardlab.report] template = "..."`` in ``hardpy.toml``
replaces the template.

Importing this package imports neither Jinja2 nor WeasyPrint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hardlab._util import lazy_exports

if TYPE_CHECKING:
    from hardlab.reports._render import (
        REPORT_FORMATS,
        TEMPLATE,
        embed_html,
        render_html,
        render_pdf,
        run_report_html,
        write_run_report,
    )

__all__ = [
    "REPORT_FORMATS",
    "TEMPLATE",
    "embed_html",
    "render_html",
    "render_pdf",
    "run_report_html",
    "write_run_report",
]

_WHERE = dict.fromkeys(__all__, "hardlab.reports._render")


def _missing_extra(exc: ImportError) -> Exception | None:
    if exc.name in ("jinja2", "markupsafe"):
        from hardlab.errors import MissingExtraError

        return MissingExtraError("report", "jinja2")
    return None


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, _missing_extra)
