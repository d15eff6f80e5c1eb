"""Query previews as DataJoint's text table and as escaped, id-free HTML."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

BLOB = "=BLOB="


@dataclass(frozen=True)
class Preview:
    """The rows to show: first rows in key order, whether more exist, and the total count."""

    names: Sequence[str]
    key: Sequence[str]
    comments: Sequence[str]
    rows: Sequence[Sequence[object]]
    more: bool
    total: int | None
    estimated: bool = False  # total is the server's estimate for a large table, not a count


def _total(preview: Preview) -> str:
    if preview.estimated:
        return f"~{preview.total:,} (estimated; len() counts exactly)"
    return str(preview.total)


def _cell(value: object, width: int) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: max(width - 3, 1)] + "..."


def render_text(preview: Preview, width: int = 14) -> str:
    """DataJoint's text preview: ``*`` marks key attributes, ``...`` more rows, then the total."""
    names = [("*" if n in preview.key else "") + n for n in preview.names]
    widths = [max(width, len(n)) for n in names]
    lines = [
        " ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)),
        " ".join("+" + "-" * (w - 2) + "+" for w in widths),
    ]
    for row in preview.rows:
        lines.append(" ".join(_cell(v, w).ljust(w) for v, w in zip(row, widths, strict=True)))
    if preview.more:
        lines.append("   ...")
    if preview.total is not None:
        lines.append(f" (Total: {_total(preview)})")
    return "\n".join(lines) + "\n"


STYLE = (
    "<style>.djnb-preview{border-collapse:collapse;font-size:0.9em;color:inherit}"
    ".djnb-preview th,.djnb-preview td{padding:2px 8px;text-align:left;border-bottom:1px solid rgba(128,128,128,0.4)}"
    ".djnb-preview th.djnb-key{text-decoration:underline}"
    ".djnb-preview td.djnb-blob{opacity:0.6;font-style:italic}"
    ".djnb-count{font-size:0.85em;opacity:0.8}</style>"
)


def render_html(preview: Preview, width: int = 40) -> str:
    """An HTML table; every value and comment is escaped; no element ids (safe to repeat)."""
    head = "".join(
        f'<th class="{"djnb-key" if n in preview.key else "djnb-attr"}" title="{html.escape(c, quote=True)}">'
        f"{html.escape(n)}</th>"
        for n, c in zip(preview.names, preview.comments, strict=True)
    )
    body = []
    for row in preview.rows:
        cells = "".join(
            f'<td class="djnb-blob">{BLOB}</td>'
            if value is BLOB
            else f"<td>{html.escape(_cell(value, width))}</td>"
            for value in row
        )
        body.append(f"<tr>{cells}</tr>")
    if preview.more:
        body.append(f"<tr>{'<td>...</td>' * len(preview.names)}</tr>")
    count = f'<div class="djnb-count">Total: {_total(preview)}</div>' if preview.total is not None else ""
    return f'{STYLE}<table class="djnb-preview"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>{count}'
