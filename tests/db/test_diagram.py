"""Diagrams of a real pipeline: every tier, parts, a renamed foreign key, a second schema.

SVG is drawn twice: with the system Graphviz (`dot`, which ./dev installs) and with PATH
stripped of it, so that the graphviz-pure wheel draws it.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET

import pytest

import djnb as dj
from djnb.render.diagram import node_id

BACKENDS = ("mysql", "sqlite")

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


@pytest.fixture(scope="module")
def pipeline(server, prefix):
    connection = dj.Connection(**server)
    lab = dj.Schema(f"{prefix}_lab", connection=connection)

    @lab
    class Rig(dj.Lookup):
        definition = "rig : varchar(8)"
        contents = (("A",), ("B",))

    @lab
    class Subject(dj.Manual):
        definition = """
        # animals <b>"tagged"</b> & <script>alert(1)</script>
        subject_id : int
        ---
        species : varchar(30)   # common name
        """

    @lab
    class Session(dj.Manual):
        definition = """
        -> Subject
        session : smallint
        ---
        -> Rig
        session_date : date
        """

    @lab
    class Scan(dj.Imported):
        definition = """
        -> Session
        scan : tinyint
        ---
        frames : int
        """

    @lab
    class Summary(dj.Computed):
        definition = """
        -> Session
        ---
        total : float
        """

    @lab
    class Analysis(dj.Computed):
        definition = """
        -> Scan
        ---
        score : float
        """

        class Cell(dj.Part):
            definition = """
            -> master
            cell : int
            ---
            value : float
            """

    @lab
    class Pair(dj.Manual):
        definition = """
        -> Session.proj(first_session='session')
        -> Session.proj(second_session='session')
        ---
        note = '' : varchar(60)
        """

    other = dj.Schema(f"{prefix}_other", connection=connection, context={"Summary": Summary})

    @other
    class Report(dj.Computed):
        definition = """
        -> Summary
        ---
        text : varchar(200)
        """

    tables = {cls.__name__: cls for cls in (Rig, Subject, Session, Scan, Summary, Analysis, Pair, Report)}
    tables["Cell"] = Analysis.Cell
    yield lab, other, tables
    connection.close()


def shown(diagram) -> set[str]:
    return {diagram.nodes[n]["label"] for n in diagram.nodes_to_show}


def parse(svg: str) -> tuple[dict, list]:
    """(node id -> (tier, shapes, tooltip), [(edge classes, path attributes)]) of an SVG."""
    root = ET.fromstring(svg)
    nodes, edges = {}, []
    for group in root.iter(f"{SVG}g"):
        classes = group.get("class", "").split()
        if "node" in classes:
            tier = next(
                c.removeprefix("djnb-") for c in classes if c.startswith("djnb-") and c != "djnb-table"
            )
            shapes = {
                child.tag.removeprefix(SVG)
                for child in group.iter()
                if child.tag in (f"{SVG}polygon", f"{SVG}ellipse")
            }
            titles = [a.get(f"{XLINK}title") for a in group.iter(f"{SVG}a") if a.get(f"{XLINK}title")]
            nodes[group.get("id")] = (tier, shapes, titles[0] if titles else "")
        elif "edge" in classes:
            path = next(group.iter(f"{SVG}path"))
            edges.append((set(classes), path.attrib))
    return nodes, edges


@pytest.fixture(params=["dot", "graphviz-pure"])
def renderer(request, monkeypatch, tmp_path):
    monkeypatch.delenv("DJNB_DOT", raising=False)
    if request.param == "dot":
        assert shutil.which("dot"), (
            "the system Graphviz is missing: ./dev test installs it (apt-get install graphviz)"
        )
    else:
        monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere: graphviz-pure must draw
    return request.param


def test_svg_of_every_tier_parts_and_renamed_keys(pipeline, renderer):
    lab, other, tables = pipeline
    svg = (dj.Diagram(lab) + dj.Diagram(other)).make_svg()
    assert ("(graphviz-pure)" in svg) == (renderer == "graphviz-pure")
    nodes, edges = parse(svg)
    tiers = [tier for tier, _, _ in nodes.values()]
    assert len(nodes) == 9 + 2  # nine tables, two dots for the two renamed foreign keys
    assert sorted(tiers) == sorted(["lookup", "manual", "manual", "imported", "computed", "computed",
                                    "part", "manual", "computed", "alias", "alias"])  # fmt: skip
    # ids derived from full table names
    for cls in tables.values():
        assert node_id(cls.full_table_name) in nodes
    session = nodes[node_id(tables["Session"].full_table_name)]
    assert session[0] == "manual" and session[1] == {"polygon"}  # a box
    assert nodes[node_id(tables["Scan"].full_table_name)][1] == {"ellipse"}
    assert nodes[node_id(tables["Summary"].full_table_name)][1] == {"ellipse"}
    assert "ellipse" not in nodes[node_id(tables["Rig"].full_table_name)][1]  # plain text
    # tooltips list the attributes, with the parents of foreign-key attributes
    tip = session[2]
    assert (
        "subject_id : int → Subject" in tip
        and "session_date : date" in tip
        and "rig : varchar(8) → Rig" in tip
    )
    assert "first_session ← session" in nodes["djnb.alias.0"][2] + nodes["djnb.alias.1"][2]
    # edges: 9 foreign keys, the two renamed ones drawn through their dots (two segments each)
    assert len(edges) == 11
    secondary = [attrs for classes, attrs in edges if "djnb-secondary" in classes]
    primary = [attrs for classes, attrs in edges if "djnb-primary" in classes]
    assert len(secondary) == 1 and "stroke-dasharray" in secondary[0]  # Session -> Rig, dashed
    assert all("stroke-dasharray" not in attrs for attrs in primary)
    widths = sorted(float(attrs.get("stroke-width", 1)) for attrs in primary)
    assert widths.count(2.0) == 3  # one-to-one: Session-Summary, Scan-Analysis, Summary-Report
    assert "<script" not in svg  # a table comment is text, never markup


def test_cross_schema_diagram(pipeline, renderer):
    lab, other, tables = pipeline
    report = dj.Diagram(tables["Report"])
    assert shown(report - 1) == {"Report", "Summary"}
    assert shown(report - 2) == {"Report", "Summary", "Session"}
    assert shown(dj.Diagram(tables["Summary"]) + 1) == {"Summary", "Report"}
    assert shown(dj.Diagram(other)) == {"Report"}
    svg = (report - 1).make_svg()
    root = ET.fromstring(svg)
    clusters = [g for g in root.iter(f"{SVG}g") if "cluster" in g.get("class", "").split()]
    assert len(clusters) == 2  # one box per schema
    assert {g.find(f"{SVG}title").text for g in clusters} == {"cluster_0", "cluster_1"}
    assert lab.database in svg and other.database in svg


def test_algebra(pipeline):
    lab, _other, tables = pipeline
    Session, Scan, Subject = tables["Session"], tables["Scan"], tables["Subject"]
    everything = {"Rig", "Subject", "Session", "Scan", "Summary", "Analysis", "Analysis.Cell", "Pair"}
    assert shown(dj.Diagram(lab)) == everything
    assert shown(dj.ERD(lab)) == shown(dj.Di(lab)) == everything
    assert shown(dj.Diagram(Session)) == {"Session"} == shown(dj.Diagram(Session()))
    assert shown(dj.Diagram(Session) + 1) == {
        "Session",
        "Scan",
        "Summary",
        "Pair",
    }  # Pair through renamed keys
    assert shown(dj.Diagram(Session) + 2) == {"Session", "Scan", "Summary", "Pair", "Analysis", "Report"}
    assert shown(dj.Diagram(Session) + 9) == {"Session", "Scan", "Summary", "Pair", "Analysis", "Analysis.Cell",
                                              "Report"}  # fmt: skip
    assert shown(dj.Diagram(Session) - 1) == {"Session", "Subject", "Rig"}
    assert shown(dj.Diagram(Pair := tables["Pair"]) - 1) == {"Pair", "Session"}
    assert shown(dj.Diagram(Session) + 1 - 1) == {"Session", "Scan", "Summary", "Pair", "Subject", "Rig"}
    assert shown(dj.Diagram(Subject) + dj.Diagram(Scan)) == {"Subject", "Scan"}
    assert shown(dj.Diagram(Subject) + Scan) == {"Subject", "Scan"}
    assert shown(dj.Diagram(lab) - dj.Diagram(Scan)) == everything - {"Scan"}
    assert shown(dj.Diagram(lab) - Scan) == everything - {"Scan"}
    assert shown((dj.Diagram(Session) + 1) * (dj.Diagram(Scan) - 1)) == {"Session", "Scan"}
    assert shown(dj.Diagram([Subject, Scan, Pair])) == {"Subject", "Scan", "Pair"}
    assert shown(dj.Diagram(tables["Analysis"]).add_parts()) == {"Analysis", "Analysis.Cell"}
    module = dj.VirtualModule("lab_module", lab.database, connection=lab.connection)
    assert shown(dj.Diagram(module)) == everything
    order = [n for n in dj.Diagram(lab).topo_sort()]
    assert (
        order.index(Subject.full_table_name)
        < order.index(Session.full_table_name)
        < order.index(Scan.full_table_name)
    )
    with pytest.raises(dj.errors.ArgumentError, match="Cannot draw a Diagram of 42"):
        dj.Diagram(42)


def test_html_has_inline_svg_and_no_img(pipeline):
    lab, _, _ = pipeline
    bundle = dj.Diagram(lab)._repr_mimebundle_()
    html = bundle["text/html"]
    assert "<svg" in html and "<img" not in html and "<?xml" not in html and "<!DOCTYPE" not in html
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    assert "Diagram of 8 tables" in bundle["text/plain"]


def test_mermaid_dot_and_save(pipeline, tmp_path):
    lab, _, _tables = pipeline
    diagram = dj.Diagram(lab)
    mermaid = diagram.make_mermaid()
    assert mermaid.startswith("flowchart TB") and mermaid.count(":::") == 8 + 2
    assert re.search(r'\(\("Summary"\)\):::computed', mermaid) and "-.-" in mermaid and "===" in mermaid
    assert diagram.make_dot().startswith("digraph djnb {")
    for suffix, start in (
        (".svg", b"<?xml"),
        (".png", b"\x89PNG"),
        (".dot", b"digraph"),
        (".mmd", b"flowchart"),
    ):
        diagram.save(tmp_path / f"pipeline{suffix}")
        assert (tmp_path / f"pipeline{suffix}").read_bytes().startswith(start)
    with pytest.raises(dj.errors.ArgumentError, match=r"'pipeline.jpeg'.*\.svg, \.png"):
        diagram.save(tmp_path / "pipeline.jpeg")


def test_missing_renderer_names_both_fixes(pipeline, monkeypatch):
    lab, _, _ = pipeline
    monkeypatch.setenv("DJNB_DOT", "/nonexistent/dot")
    with pytest.raises(dj.errors.RendererMissingError, match="graphviz-pure.*apt-get install graphviz"):
        dj.Diagram(lab).make_svg()
    bundle = dj.Diagram(lab)._repr_mimebundle_()
    assert set(bundle) == {"text/plain"} and "graphviz-pure" in bundle["text/plain"]
    assert dj.Diagram(lab).make_mermaid()  # text output needs no Graphviz
    with pytest.raises(dj.errors.RendererMissingError, match="graphviz-pure"):
        dj.Diagram(lab).draw()  # drawn with matplotlib from the PNG, which needs Graphviz


def test_delete_preview(pipeline):
    _lab, _other, tables = pipeline
    Subject, Session, Summary, Report = (
        tables["Subject"],
        tables["Session"],
        tables["Summary"],
        tables["Report"],
    )
    Subject.insert([(1, "mouse"), (2, "rat")])
    Session.insert([(1, 1, "A", "2026-01-01"), (1, 2, "B", "2026-01-02"), (2, 1, "A", "2026-01-03")])
    Summary.insert([(1, 1, 0.5), (1, 2, 0.7)], allow_direct_insert=True)
    Report.insert([(1, 1, "ok")], allow_direct_insert=True)
    tables["Pair"].insert1((1, 1, 2, "pair"))
    preview = dj.Diagram.delete_preview(Subject & {"subject_id": 1})
    assert shown(preview) == {
        "Subject",
        "Session",
        "Scan",
        "Summary",
        "Analysis",
        "Analysis.Cell",
        "Pair",
        "Report",
    }
    counts = {preview.nodes[n]["label"]: c for n, c in preview.counts.items()}
    assert counts == {"Subject": 1, "Session": 2, "Scan": 0, "Summary": 2, "Analysis": 0, "Analysis.Cell": 0,
                      "Pair": 1, "Report": 1}  # fmt: skip
    svg = preview.make_svg()
    assert len(parse(svg)[0]) == 8 + 2  # with the dots of the renamed keys to Pair
    assert "2 rows" in svg and "1 row<" in svg
    highlighted = re.findall(r'class="node djnb(?:-|&#45;)table [^"]*highlight', svg)
    assert len(highlighted) == 5  # the tables that lose rows
    assert len(Subject()) == 2  # a preview deletes nothing
