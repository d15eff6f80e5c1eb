"""Diagram drawing data to DOT and Mermaid text: pure, no database, no Graphviz."""

from __future__ import annotations

import re

from djnb.render.diagram import DrawEdge, DrawGraph, DrawNode, node_id, render_dot, render_mermaid


def graph(**options) -> DrawGraph:
    nodes = (
        DrawNode(id=node_id("`lab`.`subject`"), label="Subject", tier="manual", schema="lab", distinguished=True,
                 tooltip='say "hi" \\ <b>bold</b>\nsecond line'),
        DrawNode(id=node_id("`lab`.`#rig`"), label="Rig", tier="lookup", schema="lab"),
        DrawNode(id=node_id("`lab`.`__stats`"), label="Stats", tier="computed", schema="lab", count=1234,
                 highlight=True),
        DrawNode(id=node_id("`other`.`_scan`"), label="Scan", tier="imported", schema="other", count=1),
    )  # fmt: skip
    edges = (
        DrawEdge(nodes[0].id, nodes[2].id, primary=True, multi=False),
        DrawEdge(nodes[1].id, nodes[2].id, primary=False),
        DrawEdge(nodes[0].id, nodes[3].id, renamed="animal ← subject_id"),
    )
    return DrawGraph(nodes=nodes, edges=edges, **options)


def test_node_ids_are_stable_and_safe():
    assert node_id("`lab`.`#rig`") == "djnb.lab.-23rig"
    assert node_id("`my-lab`.`__stats`") == "djnb.my-2dlab.__stats"
    assert node_id("`lab`.`é`") == "djnb.lab.-c3-a9"
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+", node_id(f"`s`.`{c}x`")) for c in "#~ \"'<>&é")


def test_dot_styles_by_tier_and_edge_kind():
    dot = render_dot(graph())
    assert dot.startswith("digraph djnb {") and dot.rstrip().endswith("}")
    assert 'bgcolor="transparent"' in dot  # readable on dark and light themes
    line = {name: next(x for x in dot.splitlines() if f'label=<{name}' in x or f'label=<<u>{name}' in x)
            for name in ("Subject", "Rig", "Stats", "Scan")}  # fmt: skip
    assert "shape=box" in line["Subject"] and "label=<<u>Subject</u>>" in line["Subject"]
    assert "shape=plaintext" in line["Rig"] and "shape=ellipse" in line["Scan"]
    assert "1,234 rows" in line["Stats"] and "djnb-highlight" in line["Stats"] and "1 row<" in line["Scan"]
    edges = [x for x in dot.splitlines() if "->" in x]
    assert "style=solid" in edges[0] and "penwidth=2" in edges[0]  # one-to-one: heavier
    assert "style=dashed" in edges[1] and "penwidth=0.75" in edges[1]
    assert 'tooltip="animal ← subject_id"' in edges[2]


def test_dot_quotes_hostile_text():
    dot = render_dot(graph())
    assert r'tooltip="say \"hi\" \\ <b>bold</b>\nsecond line"' in dot
    hostile = DrawGraph(nodes=(DrawNode(id="x", label="<A&B>", tier="manual"),), edges=())
    assert "label=<&lt;A&amp;B&gt;>" in render_dot(hostile)


def test_clusters_group_schemas():
    dot = render_dot(graph(clusters=True))
    assert dot.count("subgraph cluster_") == 2 and 'label="lab"' in dot and 'label="other"' in dot
    assert "subgraph cluster_" not in render_dot(graph())


def test_mermaid():
    text = render_mermaid(graph(clusters=True))
    assert text.startswith("flowchart TB")
    assert (
        'n0["<u>Subject</u>"]:::manual' in text
        and 'n2(("Stats<br/><small>1,234 rows</small>")):::computed' in text
    )
    assert 'n3(["Scan<br/><small>1 row</small>"]):::imported' in text
    assert "n0 === n2" in text and "n1 -.- n2" in text and "n0 --- n3" in text
    assert 'subgraph s1["other"]' in text and "class n2 highlight" in text
