"""An allow-list HTML sanitiser for the HTML a test shows to the operator.

HardPy's panel shows a dialog's raw HTML as it is. In a notebook the same
page holds the kernel's session, so hardlab keeps only markup that cannot
run code or escape its box: a fixed set of formatting, list, table, link
and image elements with a fixed set of attributes each, inline styles
limited to harmless properties, and URLs limited to http(s), mailto,
relative ones and (for images) ``data:image/...``. Everything else goes:
``<script>``, ``<style>``, ``<iframe>``, ``<svg>`` and similar elements
with their content, unknown elements (their text stays), every ``on...``
attribute and ``javascript:`` URLs. A URL page (an `HTMLComponent` with
``is_raw_html=False``) is not HTML and is shown in a frame built by
hardlab, not by this module.

The output is balanced: every element it opens it also closes, and end
tags without a matching start are dropped, so a fragment cannot close the
panel's own markup around it. Built on the standard library's
`html.parser`.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

__all__ = ["safe_url", "sanitize_html"]

_TEXT = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "big", "blockquote", "br", "caption", "center", "cite",
        "code", "col", "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "figcaption",
        "figure", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
        "li", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp", "small", "span",
        "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
        "time", "tr", "tt", "u", "ul", "var", "wbr",
    }
)  # fmt: skip
"""Elements that stay (with allowed attributes only)."""

_VOID = frozenset({"br", "col", "hr", "img", "wbr"})
# Void elements among the dropped ones: they have no content and no end tag,
# so dropping them must not swallow what follows.
_DROP_VOID = frozenset({"embed", "frame"})

_DROP_WITH_CONTENT = frozenset(
    {
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg",
        "math", "noscript", "noembed", "noframes", "template", "title", "head", "textarea",
        "select", "option", "xmp", "plaintext", "canvas", "audio", "video",
    }
)  # fmt: skip
"""Elements removed together with everything inside them."""

# No ``class`` or ``id``: the page's own classes could lift a fragment out of its box.
_GLOBAL_ATTRIBUTES = frozenset({"title", "lang", "dir", "style", "align"})
_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "name", "target"}),
    "img": frozenset({"src", "alt", "width", "height", "border"}),
    "table": frozenset({"border", "cellpadding", "cellspacing", "width", "summary"}),
    "td": frozenset({"colspan", "rowspan", "valign", "width", "nowrap"}),
    "th": frozenset({"colspan", "rowspan", "valign", "width", "scope", "nowrap"}),
    "col": frozenset({"span", "width"}),
    "colgroup": frozenset({"span", "width"}),
    "ol": frozenset({"start", "type", "reversed"}),
    "ul": frozenset({"type"}),
    "li": frozenset({"value", "type"}),
    "font": frozenset({"color", "size", "face"}),
    "time": frozenset({"datetime"}),
    "q": frozenset({"cite"}),
    "blockquote": frozenset({"cite"}),
    "del": frozenset({"cite", "datetime"}),
    "ins": frozenset({"cite", "datetime"}),
}

_STYLE_PROPERTIES = frozenset(
    {
        "color", "background-color", "font", "font-family", "font-size", "font-style",
        "font-weight", "font-variant", "text-align", "text-decoration", "text-transform",
        "text-indent", "letter-spacing", "word-spacing", "line-height", "white-space",
        "vertical-align", "margin", "margin-top", "margin-right", "margin-bottom",
        "margin-left", "padding", "padding-top", "padding-right", "padding-bottom",
        "padding-left", "border", "border-top", "border-right", "border-bottom", "border-left",
        "border-color", "border-style", "border-width", "border-radius", "border-collapse",
        "border-spacing", "width", "height", "max-width", "max-height", "min-width",
        "min-height", "display", "list-style-type", "caption-side", "empty-cells",
        "table-layout", "opacity",
    }
)  # fmt: skip
"""Inline-style properties that stay; positioning, backgrounds with images and the like go."""

_STYLE_BAD_VALUE = re.compile(r"url\s*\(|expression\s*\(|javascript:|vbscript:|[\\<>@]", re.I)
_DISPLAY_VALUES = frozenset(
    {"block", "inline", "inline-block", "none", "table", "table-row", "table-cell", "list-item"}
)
_SPACE_AND_CONTROL = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.I)
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|jpg|gif|webp|bmp|x-icon|svg\+xml)[;,]", re.I)


def safe_url(url: str, *, image: bool = False) -> bool:
    r"""Whether `url` may stay in a link or image source.

    Relative URLs, ``http``, ``https`` and ``mailto`` are safe; so is a
    ``data:image/...`` URL when `image` is True (an image's source: browsers
    run no script from an image). Control characters and spaces, which
    browsers ignore inside a scheme, are ignored here too.

    Example:
        ```python
        safe_url("https://example.com/a.png")  # True
        safe_url("java\tscript:alert(1)")  # False (a tab inside the scheme)
        ```
    """
    squeezed = _SPACE_AND_CONTROL.sub("", url)
    match = _SCHEME.match(squeezed)
    if match is None:
        return True  # relative: resolved against the page, like any link in a notebook
    scheme = match.group(1).lower()
    if scheme in _SAFE_SCHEMES:
        return True
    return image and scheme == "data" and _DATA_IMAGE.match(squeezed) is not None


def sanitize_style(style: str) -> str:
    """`style` with only allowed properties and harmless values, or ``""``."""
    kept: list[str] = []
    for declaration in style.split(";"):
        name, colon, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip()
        if not colon or name not in _STYLE_PROPERTIES or not value:
            continue
        if _STYLE_BAD_VALUE.search(value):
            continue
        if name == "display" and value.lower() not in _DISPLAY_VALUES:
            continue
        kept.append(f"{name}: {value}")
    return "; ".join(kept)


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self._dropping: list[str] = []

    def _attributes(self, tag: str, attrs: list[tuple[str, str | None]]) -> str:
        allowed = _GLOBAL_ATTRIBUTES | _ATTRIBUTES.get(tag, frozenset())
        kept: list[str] = []
        has_target = False
        for raw_name, raw_value in attrs:
            name = raw_name.lower()
            if name not in allowed:
                continue
            value = raw_value or ""
            if name in ("href", "src", "cite") and not safe_url(value, image=name == "src"):
                continue
            if name == "style":
                value = sanitize_style(value)
                if not value:
                    continue
            if name == "target":
                has_target = True
            kept.append(f' {name}="{html.escape(value, quote=True)}"')
        if has_target:  # a new tab must not get a handle on the notebook's page
            kept.append(' rel="noopener noreferrer"')
        return "".join(kept)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._dropping:
            if tag in _DROP_WITH_CONTENT and tag not in _DROP_VOID:
                self._dropping.append(tag)
            return
        if tag in _DROP_WITH_CONTENT:
            if tag not in _DROP_VOID:
                self._dropping.append(tag)
            return
        if tag not in _TEXT:
            return  # an unknown element: its text stays, the element goes
        self.out.append(f"<{tag}{self._attributes(tag, attrs)}>")
        if tag not in _VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._dropping or tag in _DROP_WITH_CONTENT or tag not in _TEXT:
            return
        self.out.append(f"<{tag}{self._attributes(tag, attrs)}>")
        if tag not in _VOID:
            self.out.append(f"</{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if self._dropping:
            if tag == self._dropping[-1]:
                self._dropping.pop()
            return
        if tag not in self.open:
            return  # closes nothing we opened: never let it close the panel's markup
        while self.open:
            last = self.open.pop()
            self.out.append(f"</{last}>")
            if last == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.out.append(html.escape(data, quote=False))

    # Comments, declarations (<!DOCTYPE>), processing instructions and CDATA
    # sections are dropped: the default handlers ignore them.

    def result(self) -> str:
        self.out.extend(f"</{tag}>" for tag in reversed(self.open))
        self.open.clear()
        return "".join(self.out)


def sanitize_html(code: str) -> str:
    """`code` reduced to markup that cannot run code or break out of its box.

    Example:
        ```python
        sanitize_html('<b onclick="x()">hi</b><script>evil()</script>')
        # '<b>hi</b>'
        ```
    """
    parser = _Sanitizer()
    parser.feed(code)
    parser.close()
    return parser.result()
