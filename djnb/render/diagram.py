"""Pipeline diagrams as text: DOT (for Graphviz) and Mermaid, from plain drawing data.

The graph logic (which tables, which edges) lives in ``djnb.diagram``; this module only turns
its result into text, so it is tested without a database or a Graphviz executable.

Look, after DataJoint's diagrams: Manual tables are green boxes, Lookup grey plain text,
Imported blue ellipses, Computed red ellipses, Part tables small plain text; foreign keys in
the primary key are solid lines, secondary ones dashed; one-to-one links are heavier than
one-to-many; a renamed foreign key passes through a small orange dot; tables whose primary
key adds attributes to their parents' are underlined. Colours are mid-tone tints on a
transparent background, so that the drawing reads on light and dark themes alike.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

#: tier -> (shape, fill colour, font colour, font size, width/height in inches)
TIER_STYLE = {
    "manual": ("box", "#2ca02c33", "#2e8b3e", 12, 0.45),
    "lookup": ("plaintext", "#8c8c8c26", "#7a7a7a", 10, 0.45),
    "imported": ("ellipse", "#1f77b440", "#3a78c2", 12, 0.45),
    "computed": ("ellipse", "#d6272840", "#c43c32", 12, 0.35),
    "part": ("plaintext", "#00000000", "#7a7a7a", 10, 0.1),
    "alias": ("circle", "#ff8800a0", "#ff8800a0", 1, 0.06),
}
EDGE_COLOUR = "#8c8c8c"
HIGHLIGHT_COLOUR = "#e8590c"


@dataclass(frozen=True)
class DrawNode:
    """One table (or the dot of a renamed foreign key, tier "alias")."""

    id: str  # stable, from the full table name (see node_id)
    label: str  # the class name, e.g. "Session" or "Session.Trial"
    tier: str  # manual, lookup, imported, computed, part or alias
    schema: str = ""
    distinguished: bool = False  # its primary key adds attributes to its parents'
    tooltip: str = ""
    count: int | None = None  # rows, shown under the name (delete previews)
    highlight: bool = False


@dataclass(frozen=True)
class DrawEdge:
    source: str  # node ids
    target: str
    primary: bool = True  # the foreign key is part of the child's primary key
    multi: bool = True  # one-to-many (False: one-to-one, drawn heavier)
    master_part: bool = False
    renamed: str = ""  # "child_attr ← parent_attr" pairs of a renamed foreign key


@dataclass(frozen=True)
class DrawGraph:
    nodes: tuple[DrawNode, ...]
    edges: tuple[DrawEdge, ...]
    clusters: bool = False  # group nodes by schema (diagrams that span schemas)
    title: str = ""
    schemas: tuple[str, ...] = field(default=())


def node_id(full_name: str) -> str:
    """A stable SVG/HTML id for `schema`.`table`: "djnb.<schema>.<table>", with characters
    other than letters, digits and "_" written as -XX (hex), e.g. "djnb.lab.-23subject_type"."""
    schema, _, table = full_name.replace("`", "").partition(".")
    return f"djnb.{_escape_id(schema)}.{_escape_id(table)}"


def _escape_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", lambda m: "".join(f"-{b:02x}" for b in m.group().encode()), text)


def _quote(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _label(node: DrawNode) -> str:
    """An HTML-like label: the name (underlined if distinguished), the row count below it."""
    name = html.escape(node.label)
    if node.distinguished:
        name = f"<u>{name}</u>"
    if node.count is not None:
        rows = "row" if node.count == 1 else "rows"
        name += f'<br/><font point-size="9">{node.count:,} {rows}</font>'
    return f"<{name}>"


def _node_line(node: DrawNode) -> str:
    shape, fill, font, size, extent = TIER_STYLE[node.tier]
    attributes = {
        "id": _quote(node.id),
        "shape": shape,
        "style": '"filled"',
        "fillcolor": _quote(fill),
        "color": _quote(HIGHLIGHT_COLOUR if node.highlight else fill),
        "fontcolor": _quote(font),
        "fontsize": str(size),
        "fontname": '"Helvetica,Arial,sans-serif"',
        "width": str(extent),
        "height": str(extent),
        "class": _quote(f"djnb-table djnb-{node.tier}" + (" djnb-highlight" if node.highlight else "")),
    }
    if node.tier == "alias":
        attributes.update(label='""', fixedsize="true", tooltip=_quote(node.tooltip or "renamed foreign key"))
    else:
        attributes["label"] = _label(node)
        attributes["tooltip"] = _quote(node.tooltip or node.label)
        if node.highlight:
            attributes["penwidth"] = "2"
            if shape == "plaintext":
                attributes["shape"] = "box"
    body = ", ".join(f"{key}={value}" for key, value in attributes.items())
    return f"{_quote(node.id)} [{body}];"


def _edge_line(edge: DrawEdge) -> str:
    attributes = {
        "style": "solid" if edge.primary else "dashed",
        "color": _quote(EDGE_COLOUR),
        "arrowhead": "none",
        "penwidth": "0.75" if edge.multi else "2",
        "weight": "3" if edge.master_part else "1",
        "class": _quote("djnb-fk " + ("djnb-primary" if edge.primary else "djnb-secondary")),
    }
    if edge.renamed:
        attributes["tooltip"] = _quote(edge.renamed)
    body = ", ".join(f"{key}={value}" for key, value in attributes.items())
    return f"{_quote(edge.source)} -> {_quote(edge.target)} [{body}];"


def render_dot(graph: DrawGraph) -> str:
    """The diagram as DOT text, top to bottom, parents above children."""
    lines = [
        "digraph djnb {",
        '  graph [rankdir=TB, bgcolor="transparent", nodesep=0.3, ranksep=0.4, '
        f'fontname="Helvetica,Arial,sans-serif", fontcolor={_quote(EDGE_COLOUR)}'
        + (f", label={_quote(graph.title)}, labelloc=t" if graph.title else "")
        + "];",
    ]
    if graph.clusters:
        by_schema: dict[str, list[DrawNode]] = {}
        for node in graph.nodes:
            by_schema.setdefault(node.schema, []).append(node)
        for number, (schema, nodes) in enumerate(by_schema.items()):
            lines.append(f"  subgraph cluster_{number} {{")
            lines.append(
                f'    label={_quote(schema)}; style="rounded,dashed"; color={_quote(EDGE_COLOUR)}; '
                f"id={_quote('djnb-schema.' + _escape_id(schema))};"
            )
            lines.extend("    " + _node_line(node) for node in nodes)
            lines.append("  }")
    else:
        lines.extend("  " + _node_line(node) for node in graph.nodes)
    lines.extend("  " + _edge_line(edge) for edge in graph.edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


MERMAID_CLASSES = {
    "manual": "fill:#2ca02c33,stroke:#2e8b3e,color:#2e8b3e",
    "lookup": "fill:#8c8c8c26,stroke:#8c8c8c,color:#7a7a7a",
    "imported": "fill:#1f77b440,stroke:#3a78c2,color:#3a78c2",
    "computed": "fill:#d6272840,stroke:#c43c32,color:#c43c32",
    "part": "fill:none,stroke:#8c8c8c,color:#7a7a7a,stroke-dasharray:2 2",
    "alias": "fill:#ff8800a0,stroke:#ff8800a0",
    "highlight": "stroke:#e8590c,stroke-width:3px",
}


def render_mermaid(graph: DrawGraph) -> str:
    """The diagram as a Mermaid flowchart (renders on GitHub, in Markdown cells, in docs)."""
    ids = {node.id: f"n{number}" for number, node in enumerate(graph.nodes)}
    lines = ["flowchart TB"]
    shapes = {"manual": '["{}"]', "lookup": '["{}"]', "imported": '(["{}"])', "computed": '(("{}"))',
              "part": '["{}"]', "alias": "(( ))"}  # fmt: skip

    def text(node: DrawNode) -> str:
        label = node.label.replace('"', "#quot;")
        if node.distinguished:
            label = f"<u>{label}</u>"
        if node.count is not None:
            label += f"<br/><small>{node.count:,} {'row' if node.count == 1 else 'rows'}</small>"
        return shapes[node.tier].format(label)

    def node_lines(nodes: list[DrawNode], indent: str) -> list[str]:
        return [f"{indent}{ids[node.id]}{text(node)}:::{node.tier}" for node in nodes]

    if graph.clusters:
        by_schema: dict[str, list[DrawNode]] = {}
        for node in graph.nodes:
            by_schema.setdefault(node.schema, []).append(node)
        for number, (schema, nodes) in enumerate(by_schema.items()):
            lines.append(f'  subgraph s{number}["{schema}"]')
            lines.extend(node_lines(nodes, "    "))
            lines.append("  end")
    else:
        lines.extend(node_lines(list(graph.nodes), "  "))
    for edge in graph.edges:
        link = ("===" if not edge.multi else "---") if edge.primary else "-.-"
        lines.append(f"  {ids[edge.source]} {link} {ids[edge.target]}")
    lines.extend(f"  classDef {tier} {style}" for tier, style in MERMAID_CLASSES.items())
    highlighted = [ids[node.id] for node in graph.nodes if node.highlight]
    if highlighted:
        lines.append(f"  class {','.join(highlighted)} highlight")
    return "\n".join(lines) + "\n"
