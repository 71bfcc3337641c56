"""render: a trace as Mermaid text: a flowchart by service, and a sequence diagram.

Stage: render.  Reads the presentation model and the sequence model; must not
import libcst, networkx, pygraphviz, the linker or ``tracer.api``.

Ids are made from the short labels (``VolumeManager_create_volume``), unique
and safe for Mermaid; label text is quoted with Mermaid's ``#quot;`` style
entities.  The same trace gives byte-identical text.
"""
from __future__ import annotations

import re
from typing import Mapping

from tracer.graph.records import Trace
from tracer.render.folds import note_lines
from tracer.render.model import Edge, Model, Node, build_model
from tracer.render.sequence import NOTE_KINDS, Message, Sequence, build_sequence, fragments

ARROW = {"call": "-->", "rpc-cast": "-.->", "rpc-call": "==>", "rest": "-.->", "flow-task": "-->", "driver": "==>"}
LINK_STYLE = {
    "call": "stroke:#8c8c8c", "rpc-cast": "stroke:#c000c0,stroke-width:2px",
    "rpc-call": "stroke:#1f2fb8,stroke-width:2px", "rest": "stroke:#222222,stroke-width:3px",
    "flow-task": "stroke:#2e8b2e,stroke-width:1.5px", "driver": "stroke:#d9730d,stroke-width:2px",
}
CLASS_DEF = {
    "entry": "fill:#ffffe0,stroke:#555555,stroke-width:2px", "rpc": "fill:#e8eaff,stroke:#1f2fb8",
    "flow-task": "fill:#e3f4dc,stroke:#2e8b2e", "driver": "fill:#ffe9cc,stroke:#d9730d,stroke-width:2px",
}
STATUS_LINK = {"same": "stroke:#a6a6a6", "removed": "stroke:#cc0000,stroke-width:2px",
               "added": "stroke:#1e8c1e,stroke-width:2px", "changed": "stroke:#c98a00,stroke-width:2px"}
STATUS_CLASS = {"same": "fill:#f0f0f0,stroke:#999999,color:#4d4d4d", "removed": "fill:#ffd6d6,stroke:#cc0000",
                "added": "fill:#d7f5d7,stroke:#1e8c1e", "changed": "fill:#ffe7a8,stroke:#c98a00"}
NOTE_CLASS = "fill:#ffffff,stroke:#999999,stroke-dasharray:4 3,color:#666666,font-size:12px"
NOTE_LINK = "stroke:#999999,stroke-dasharray:2 3"
SEQ_ARROW = {"request": "->>", "rpc-call": "->>", "rest": "->>", "rpc-cast": "-)", "reply": "-->>", "response": "-->>"}
_ENTITIES = {'"': "#quot;", "<": "#lt;", ">": "#gt;", ";": "#59;"}


def text(value: str) -> str:
    """Mermaid-safe label text (quotes, angle brackets and semicolons as entities)."""
    return "".join(_ENTITIES.get(ch, ch) for ch in value.replace("\n", " "))


def _comment(value: str) -> str:
    return " ".join(value.split())


def make_ids(names: list[str], reserved: set[str] | None = None,
             readable: Mapping[str, str] | None = None) -> dict[str, str]:
    """A unique identifier per name, made from ``readable[name]`` (default: the name itself).

    Non-word characters become ``_``, a letter comes first, clashes are numbered.
    """
    taken = set(reserved or ())
    out: dict[str, str] = {}
    for name in names:
        base = re.sub(r"\W+", "_", (readable or {}).get(name, name)).strip("_") or "n"
        if not base[0].isalpha() or base.lower() in ("end", "graph", "subgraph", "flowchart", "class", "style"):
            base = f"n_{base}"
        ident, n = base, 2
        while ident in taken:
            ident, n = f"{base}_{n}", n + 1
        taken.add(ident)
        out[name] = ident
    return out


def to_mermaid(trace: Trace | Model, where: Mapping[str, str] | None = None, direction: str = "LR") -> str:
    """A ``flowchart`` with one subgraph per service and link styles by kind."""
    model = trace if isinstance(trace, Model) else build_model(trace, where)
    svc_ids = make_ids([f"svc {c.service}" for c in model.clusters])
    node_id = make_ids([n.id for n in model.nodes], set(svc_ids.values()), {n.id: n.label for n in model.nodes})
    note_id = make_ids([n.id for n in model.notes], set(svc_ids.values()) | set(node_id.values()))
    lines = [f"%% {_comment(_caption(model))}"] + ([f"%% {model.folded}"] if model.folded else [])
    lines.append(f"flowchart {direction}")
    for c in model.clusters:
        lines.append(f'  subgraph {svc_ids["svc " + c.service]}["{text(c.service)}"]')
        lines += [f"    {node_id[fq]}{_node_text(model.node(fq))}" for fq in c.nodes]
        lines += [f'    {note_id[n.id]}["{"<br/>".join(map(text, note_lines(n.text)))}"]'
                  for n in model.notes if n.service == c.service]
        lines.append("  end")
    lines += [f"  {_link(e, node_id)}" for e in model.edges]
    lines += [f"  {node_id[n.anchor]} -.- {note_id[n.id]}" for n in model.notes]
    lines += _styles(model, node_id) + _note_styles(model, note_id)
    return "\n".join(lines) + "\n"


def _note_styles(model: Model, note_id: dict[str, str]) -> list[str]:
    """Fold notes faint and dashed, their links thin grey dots (they come after the model's edges)."""
    if not model.notes:
        return []
    links = ",".join(str(len(model.edges) + i) for i in range(len(model.notes)))
    return [f"  linkStyle {links} {NOTE_LINK}", f"  classDef folded {NOTE_CLASS}",
            f"  class {','.join(note_id[n.id] for n in model.notes)} folded"]


def _caption(model: Model) -> str:
    sources = ", ".join(model.sources)
    return f"{model.title}: {model.entry} (view: {model.view}{'; ' + sources if sources else ''})"


def _node_text(n: Node) -> str:
    orders = ",".join(f"#{o}" for o in n.orders)
    name = f"{orders} {n.label}" if orders else n.label
    label = f"{text(name)}<br/><small>{text(n.site)}</small>" if n.site else text(name)
    return f'["{label}"]'


def _link(e: Edge, node_id: dict[str, str]) -> str:
    """An arrow by kind, labelled with the hop and the branch it runs under."""
    words = "<br/>".join(text(part) for part in (e.label, e.branch) if part)
    label = f'|"{words}"|' if words else ""
    return f"{node_id[e.source]} {ARROW.get(e.kind, '-->')}{label} {node_id[e.target]}"


def _styles(model: Model, node_id: dict[str, str]) -> list[str]:
    if any(n.status for n in model.nodes):
        return _status_styles(model, node_id)
    out: list[str] = []
    by_kind: dict[str, list[str]] = {}
    for i, e in enumerate(model.edges):
        by_kind.setdefault(e.kind, []).append(str(i))
    out += [f"  linkStyle {','.join(idx)} {LINK_STYLE[k]}" for k, idx in by_kind.items() if k in LINK_STYLE]
    for role, style in CLASS_DEF.items():
        members = [node_id[n.id] for n in model.nodes if n.role == role]
        if members:
            out += [f"  classDef {role.replace('-', '_')} {style}",
                    f"  class {','.join(members)} {role.replace('-', '_')}"]
    return out


def _status_styles(model: Model, node_id: dict[str, str]) -> list[str]:
    """A diff's union model: links and nodes coloured by status (same, removed, added, changed)."""
    out: list[str] = []
    by_status: dict[str, list[str]] = {}
    for i, e in enumerate(model.edges):
        by_status.setdefault(e.status or "same", []).append(str(i))
    out += [f"  linkStyle {','.join(idx)} {STATUS_LINK[s]}" for s, idx in by_status.items() if s in STATUS_LINK]
    for status, style in STATUS_CLASS.items():
        members = [node_id[n.id] for n in model.nodes if n.status == status]
        if members:
            out += [f"  classDef {status} {style}", f"  class {','.join(members)} {status}"]
    return out


def to_sequence(trace: Trace | Sequence, notes: bool = True) -> str:
    """A ``sequenceDiagram``: services as participants, RPC and REST hops as messages, tasks as notes,
    the branches they run under as ``alt``/``opt``/``break``/``loop`` blocks."""
    seq = trace if isinstance(trace, Sequence) else build_sequence(trace, notes)
    ids = make_ids(list(seq.participants))
    lines = [f"%% {_comment(seq.title)}"] + ([f"%% {seq.folded}"] if seq.folded else []) + ["sequenceDiagram"]
    for p in seq.participants:
        kind = "actor" if p == "client" else "participant"
        lines.append(f"  {kind} {ids[p]}" + (f" as {text(p)}" if ids[p] != p else ""))
    depth = 1
    for event in fragments(seq):
        depth -= event[0] in ("end", "else")
        pad = "  " * depth
        if event[0] == "message":
            lines.append(pad + _seq_line(event[1], ids))
        elif event[0] == "end":
            lines.append(pad + "end")
        else:
            lines.append(pad + f"{event[1] if event[0] == 'open' else 'else'} {text(event[-1])}")
        depth += event[0] in ("open", "else")
    return "\n".join(lines) + "\n"


def _seq_line(m: Message, ids: dict[str, str]) -> str:
    if m.source == m.target and m.kind in NOTE_KINDS:
        return f"Note over {ids[m.source]}: {'<br/>'.join(text(line) for line in m.text.split(chr(10)))}"
    return f"{ids[m.source]}{SEQ_ARROW.get(m.kind, '->>')}{ids[m.target]}: {text(m.text)}"
