"""``dj.Diagram``: the pipeline's foreign-key graph, its algebra, and its drawings.

A Diagram is a networkx DiGraph of every table known to the connection's dependency graph
(plus one small node per renamed foreign key, as in DataJoint), with ``nodes_to_show`` the
tables selected by the user's algebra. Drawing turns the selection into plain data
(``render.diagram.DrawGraph``), then into DOT or Mermaid text, then SVG/PNG through Graphviz.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import networkx as nx

from . import catalog, hooks
from .delete import base_relation, plan, with_masters
from .dependencies import dependencies_of
from .errors import ArgumentError, DataJointError
from .naming import to_camel_case
from .render.diagram import DrawEdge, DrawGraph, DrawNode, node_id, render_dot, render_mermaid
from .render.graphviz import render_graphviz
from .table import FreeTable

TIER_PREFIXES = (("__", "computed"), ("_", "imported"), ("#", "lookup"))


def split_name(full_name: str) -> tuple[str, str]:
    schema, _, table = full_name.partition(".")
    return schema.strip("`"), table.strip("`")


def tier_and_label(table: str) -> tuple[str, str]:
    """("manual" | "lookup" | "imported" | "computed" | "part", class name) of a table name."""
    tier, rest = "manual", table
    for prefix, name in TIER_PREFIXES:
        if table.startswith(prefix):
            tier, rest = name, table[len(prefix) :]
            break
    if "__" in rest:
        master, _, part = rest.partition("__")
        return "part", f"{to_camel_case(master)}.{to_camel_case(part)}"
    return tier, to_camel_case(rest)


def is_alias(node: str) -> bool:
    return node.isdigit()


def _schemas_of(source: Any) -> tuple[Any, list[str], list[str]]:
    """(connection, schemas to load, tables to show) of a Diagram source."""
    if isinstance(source, type) or hasattr(source, "full_table_name"):
        name = source.full_table_name
        return source.connection, [split_name(name)[0]], [name]
    schema = source if hasattr(source, "database") and hasattr(source, "connection") else None
    if schema is None and hasattr(source, "schema"):  # a module (or VirtualModule) with a schema
        schema = source.schema
    if schema is None or not getattr(schema, "database", None):
        raise ArgumentError(
            f"Cannot draw a Diagram of {source!r}: pass a table class or instance, a schema, "
            "a module with a `schema`, a list of those, or another Diagram."
        )
    return schema.connection, [schema.database], []


class SVGText(str):
    """SVG markup that notebooks display as the drawing (``_repr_svg_``)."""

    @property
    def data(self) -> str:
        return str(self)

    def _repr_svg_(self) -> str:
        return str(self)


class Diagram(nx.DiGraph):
    """The tables of ``source`` and their foreign keys.

    ``source``: a table class or instance, a schema, a module with a ``schema``, a list of these
    (their union), or another Diagram (a copy).

    Algebra: ``d1 + d2`` union, ``d1 - d2`` difference, ``d1 * d2`` intersection; ``d + n``
    adds n generations of children, ``d - n`` n generations of parents; a table in place of a
    diagram adds or removes that table.
    """

    def __init__(self, source: Any = None, context: dict | None = None) -> None:
        super().__init__()
        self.context = context
        self.counts: dict[str, int] = {}  # full name -> rows (delete previews)
        self.nodes_to_show: set[str] = set()
        self.connection = None
        if source is None:  # an empty graph (networkx makes these for views)
            return
        if isinstance(source, Diagram):
            self.add_nodes_from(source.nodes(data=True))
            self.add_edges_from(source.edges(data=True))
            self.connection, self.context = source.connection, context or source.context
            self.nodes_to_show = set(source.nodes_to_show)
            self.counts = dict(source.counts)
            return
        if isinstance(source, (list, tuple)):
            if not source:
                raise ArgumentError("Diagram() of an empty list: pass at least one table or schema.")
            combined = functools.reduce(lambda a, b: a + b, map(Diagram, source))
            self.__init__(combined, context)
            return
        self.connection, schemas, tables = _schemas_of(source)
        self._load(schemas)
        self.nodes_to_show = set(tables) or {
            n for n in self if not is_alias(n) and split_name(n)[0] in schemas
        }

    # -- graph ----------------------------------------------------------------------------
    def _load(self, schemas: Iterable[str]) -> None:
        """Read the foreign keys of ``schemas`` and of every schema they reference or feed."""
        graph = dependencies_of(self.connection)
        graph.load(schemas)
        while True:  # parents in other schemas: load their schemas too, so `- n` can reach them
            wanted = {split_name(n)[0] for n in graph.tables} - graph.schemas
            if not wanted:
                break
            graph.load(wanted)
        hidden = {n for n in graph.tables if split_name(n)[1].startswith("~")}  # ~log, ~jobs, ~external_*
        for name in graph.tables - hidden:
            tier, label = tier_and_label(split_name(name)[1])
            self.add_node(
                name, node_type=tier, label=label, primary_key=set(graph.primary_keys.get(name, ()))
            )
        aliases = 0
        for key in graph.keys:
            if key.child in hidden or key.parent in hidden:
                continue
            info = key.info()
            if not info["aliased"]:
                self.add_edge(key.parent, key.child, **info)
                continue
            alias = str(aliases)  # renamed foreign keys pass through a numbered node, as in DataJoint
            aliases += 1
            self.add_node(alias, node_type="alias", label="", primary_key=set())
            self.add_edge(key.parent, alias, **info)
            self.add_edge(alias, key.child, **info)

    def _expand(self, graph: nx.DiGraph, levels: int) -> None:
        for _ in range(levels):
            new = nx.node_boundary(graph, self.nodes_to_show)
            new |= nx.node_boundary(graph, {n for n in new if is_alias(n)})  # through renamed keys
            new = {n for n in new if not is_alias(n)}
            if not new:
                return
            self.nodes_to_show |= new

    # -- algebra --------------------------------------------------------------------------
    def __add__(self, other: Any) -> Diagram:
        result = Diagram(self)
        if isinstance(other, int) and not isinstance(other, bool):
            result._expand(result, other)
        else:
            result.nodes_to_show |= (
                Diagram(other).nodes_to_show if not isinstance(other, Diagram) else other.nodes_to_show
            )
            result._merge(other)
        return result

    def __sub__(self, other: Any) -> Diagram:
        result = Diagram(self)
        if isinstance(other, int) and not isinstance(other, bool):
            result._expand(nx.DiGraph(result).reverse(copy=False), other)
        else:
            result.nodes_to_show -= (
                other.nodes_to_show if isinstance(other, Diagram) else {other.full_table_name}
            )
        return result

    def __mul__(self, other: Diagram) -> Diagram:
        result = Diagram(self)
        result.nodes_to_show &= other.nodes_to_show
        return result

    def _merge(self, other: Any) -> None:
        """Make sure the nodes of ``other`` (perhaps from other schemas) are in this graph."""
        if isinstance(other, Diagram) and not set(other.nodes_to_show) <= set(self.nodes):
            self.add_nodes_from(other.nodes(data=True))
            self.add_edges_from(other.edges(data=True))

    @classmethod
    def from_sequence(cls, sequence: Iterable[Any]) -> Diagram:
        return cls(list(sequence))

    def add_parts(self) -> Diagram:
        """A copy that also shows the part tables of the masters shown."""
        result = Diagram(self)
        masters = {n[:-1] + "__" for n in self.nodes_to_show}  # `s`.`master` -> `s`.`master__
        result.nodes_to_show |= {n for n in self if any(n.startswith(m) for m in masters)}
        return result

    def topo_sort(self) -> list[str]:
        """The shown tables, parents before children (ties by name)."""
        order = dependencies_of(self.connection).topological_order()
        return [name for name in order if name in self.nodes_to_show]

    @classmethod
    def delete_preview(cls, query: Any, force_masters: bool = False) -> Diagram:
        """The tables that ``query.delete()`` would touch, with the rows it would delete."""
        affected = plan(query)
        if force_masters:
            affected = with_masters(query, affected)
        result = cls(FreeTable(query.connection, base_relation(query.node).full_name))
        result.nodes_to_show = set(affected)
        result.counts = {name: len(rows) for name, rows in affected.items()}
        return result

    # -- drawing --------------------------------------------------------------------------
    def _draw_graph(self) -> DrawGraph:
        shown = self.nodes_to_show
        # renamed-key dots between two shown tables are drawn too
        aliases = {
            n for n in self if is_alias(n)
            and any(p in shown for p in self.predecessors(n)) and any(c in shown for c in self.successors(n))
        }  # fmt: skip
        order = [n for n in self.topo_sort() if n in shown] + sorted(aliases, key=int)
        schemas = tuple(dict.fromkeys(split_name(n)[0] for n in order if not is_alias(n)))
        nodes = [self._draw_node(name, schemas) for name in order]
        drawn = set(order)
        edges = [
            DrawEdge(
                source=self._id(parent), target=self._id(child), primary=data["primary"], multi=data["multi"],
                master_part=self.nodes[child]["node_type"] == "part" and child.startswith(parent[:-1] + "__"),
                renamed=", ".join(f"{c} ← {p}" for c, p in data["attr_map"].items() if c != p),
            )
            for parent, child, data in self.edges(data=True)
            if parent in drawn and child in drawn
        ]  # fmt: skip
        return DrawGraph(nodes=tuple(nodes), edges=tuple(edges), clusters=len(schemas) > 1, schemas=schemas)

    def _id(self, name: str) -> str:
        return f"djnb.alias.{name}" if is_alias(name) else node_id(name)

    def _draw_node(self, name: str, schemas: tuple[str, ...]) -> DrawNode:
        data = self.nodes[name]
        if is_alias(name):
            (parent,), (child,) = list(self.predecessors(name)), list(self.successors(name))
            renames = self.edges[parent, name]["attr_map"]
            text = "renamed: " + ", ".join(f"{c} ← {p}" for c, p in renames.items() if c != p)
            schema = split_name(child)[0]
            return DrawNode(id=self._id(name), label="", tier="alias", schema=schema, tooltip=text)
        inherited = {
            attribute for parent in self.predecessors(name)
            for attribute in self.edges[parent, name]["attr_map"] if self.edges[parent, name]["primary"]
        }  # fmt: skip
        count = self.counts.get(name)
        return DrawNode(
            id=node_id(name), label=data["label"], tier=data["node_type"], schema=split_name(name)[0],
            distinguished=bool(data["primary_key"]) and inherited < data["primary_key"],
            tooltip=self._tooltip(name), count=count, highlight=bool(count),
        )  # fmt: skip

    def _tooltip(self, name: str) -> str:
        """The table's attributes: primary key, a rule, the rest; foreign keys marked with →."""
        schema, table = split_name(name)
        heading = catalog.load_heading(self.connection, schema, table)
        sources: dict[str, str] = {}
        for parent in self.predecessors(name):
            real = next(iter(self.predecessors(parent))) if is_alias(parent) else parent
            for attribute in self.edges[parent, name]["attr_map"]:
                sources.setdefault(attribute, self.nodes[real]["label"])
        data = self.nodes[name]
        lines = [f"{data['label']} ({data['node_type']}, {schema})"]
        if heading.table_comment:
            lines.append(f"# {heading.table_comment}")
        in_key = True
        for attribute in heading.all_attributes:
            if in_key and not attribute.in_key:
                lines.append("─" * 12)
                in_key = False
            arrow = f" → {sources[attribute.name]}" if attribute.name in sources else ""
            comment = f" # {attribute.comment}" if attribute.comment else ""
            lines.append(f"{attribute.name} : {attribute.type}{arrow}{comment}")
        return "\n".join(lines)

    def make_dot(self) -> str:
        """The diagram as DOT text (no Graphviz needed)."""
        return render_dot(self._draw_graph())

    def make_mermaid(self) -> str:
        """The diagram as a Mermaid flowchart (for Markdown, GitHub, documentation)."""
        return render_mermaid(self._draw_graph())

    def make_svg(self) -> SVGText:
        """The drawn diagram as SVG text; like 0.14's (an IPython SVG) it displays as the
        drawing when it is the last expression of a notebook cell, and has ``.data``."""
        return SVGText(render_graphviz(self.make_dot(), "svg").decode())

    def make_png(self) -> bytes:
        return render_graphviz(self.make_dot(), "png")

    def save(self, filename: str | Path, format: str | None = None) -> None:
        """Write the diagram; the format (svg, png, pdf, dot, mmd) comes from the extension."""
        path = Path(filename)
        fmt = (format or path.suffix.lstrip(".")).lower()
        if fmt in ("dot", "gv"):
            path.write_text(self.make_dot())
        elif fmt in ("mmd", "mermaid"):
            path.write_text(self.make_mermaid())
        elif fmt in ("svg", "png", "pdf"):
            path.write_bytes(render_graphviz(self.make_dot(), fmt))
        else:
            raise ArgumentError(
                f"Cannot save a diagram as {path.name!r}: use .svg, .png, .pdf, .dot or .mmd (or pass format=)."
            )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Inline SVG in text/html (JupyterLab shows image/svg+xml as an <img>, where tooltips
        and ids are lost), plus image/svg+xml for other front ends."""
        try:
            svg = self.make_svg()
        except DataJointError as err:
            return {"text/plain": f"{self!r}\n{err}"}
        inline = re.sub(r"^<\?xml[^>]*>\s*|<!DOCTYPE[^>]*>\s*|<!--.*?-->\s*", "", svg, flags=re.S)
        return {
            "text/html": f'<div class="djnb-diagram" title="">{inline}</div>',
            "image/svg+xml": svg,
            "text/plain": repr(self),
        }

    def __repr__(self) -> str:
        shown = sorted(self.nodes[n]["label"] for n in self.nodes_to_show)
        return f"Diagram of {len(shown)} tables: {', '.join(shown)}"

    def _repr_svg_(self) -> str:
        """The diagram as SVG text (DataJoint 0.14's ``_repr_svg_``)."""
        return str(self.make_svg())

    def make_image(self) -> Any:
        """The drawn diagram as an image array (height x width x RGBA floats), read from the PNG
        with matplotlib, as DataJoint 0.14 returns it. Needs matplotlib (``djnb[jupyter]``)."""
        return _pyplot().imread(io.BytesIO(self.make_png()))

    def draw(self) -> None:
        """Show the diagram with matplotlib (``imshow``, axes off, ``plt.show()``), as 0.14 does.

        Without matplotlib, a Jupyter session with ``%load_ext djnb`` shows it inline instead.
        """
        try:
            pyplot = _pyplot()
        except DataJointError:
            if hooks.show is None:
                raise
            hooks.show(self)
            return
        pyplot.imshow(self.make_image())
        pyplot.gca().axis("off")
        pyplot.show()


def _pyplot() -> Any:
    """matplotlib's pyplot (an optional extra, imported only when a diagram is drawn as an image)."""
    try:
        from matplotlib import pyplot  # optional third-party package
    except ImportError:
        raise DataJointError(
            "Diagram.make_image() and draw() need matplotlib: pip install 'djnb[jupyter]' "
            "(or pip install matplotlib). make_svg(), make_png() and save() work without it."
        ) from None
    return pyplot


ERD = Di = Diagram
