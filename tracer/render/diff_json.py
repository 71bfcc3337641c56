"""render: a flow diff in the documented, versioned ``tracer-diff/1`` JSON shape (see the README).

Stage: render.  Reads ``tracer.diff.flow.FlowDiff``; must not import libcst, networkx, the linker or
``tracer.api``.  Keys are sorted when written (``json.dumps(..., sort_keys=True)``); lists keep the diff's
order (most significant first), so the same two sides give the same bytes.
"""
from __future__ import annotations

from tracer.diff.changes import TYPES
from tracer.diff.flow import DIFF_SCHEMA, FlowDiff


def diff_json(d: FlowDiff) -> dict:
    data = {
        "schema": DIFF_SCHEMA,
        "mode": d.mode,
        "request": d.request,
        "old": d.old.as_dict(),
        "new": d.new.as_dict(),
        "options": {k: v for k, v in d.options},
        "summary": {"total": len(d.changes), "major": sum(1 for c in d.changes if c.level == "major"),
                    "by_type": d.by_type(), "by_service": d.by_service()},
        "types": {t: TYPES[t][1] for t in d.by_type()},
        "changes": [c.as_dict() for c in d.changes],
        "sites": [c.as_dict() for c in d.sites],
    }
    if dict(d.options).get("effects"):  # what changed in what the operation touches (--no-effects: left out)
        from tracer.effects.compare import counts

        data["effects"] = [c.as_dict() for c in d.effects]
        data["summary"]["effects"] = {"total": len(d.effects), "by_type": counts(d.effects)}
    return data
