"""effects: what a whole operation touches, grouped by kind and service, as text lines, Markdown and JSON.

Stage: render-like: reads ``Trace`` records and their effects only (never the linker).

The operation's effects are the union of the entry's and every hop's, one per meaning and service
(the first place the trace meets it).  The headline says what a reader asks first: the tables
written and read, how many options the path reads (and how many change it, or choose a driver), the
notifications it emits, the commands and privileged calls it runs, the locks it takes.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from tracer.effects.records import KINDS, Effect, conditionality, sort_key
from tracer.graph.records import Trace

EFFECTS_SCHEMA = "tracer-effects/1"
TITLES = {"database": "Database", "config": "Configuration", "notification": "Notifications",
          "command": "Commands and privileged calls", "lock": "Locks"}


def operation(t: Trace) -> list[tuple[int, Effect]]:
    """(step of the first hop that has it, 0 for the entry; effect), one per meaning and service: where it
    is least conditional (an effect one branch has and another hop has plainly is plain)."""
    seen: dict[tuple, tuple[int, Effect]] = {}
    for step, effects in [(0, t.entry_effects)] + [(h.step, h.effects) for h in t.hops]:
        for e in effects:
            key = (e.key, e.service)
            if key not in seen or conditionality(e) < conditionality(seen[key][1]):
                seen[key] = (step, e)
    return sorted(seen.values(), key=lambda item: (sort_key(item[1]), item[1].service, item[0]))


def summary(effects: list[Effect]) -> dict:
    by_kind: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for e in effects:
        by_kind[e.kind][e.action].add(e.name)
    options = by_kind["config"]
    names = set().union(*options.values()) if options else set()
    return {
        "database": {"write": sorted(by_kind["database"]["write"]), "read": sorted(by_kind["database"]["read"])},
        "config": {"options": len(names), "change_the_path": len(options["path"]),
                   "choose_a_driver": sorted(options["driver"]), "drivers": _drivers(effects)},
        "notification": {a: sorted(v) for a, v in sorted(by_kind["notification"].items())},
        "command": {a: sorted(v) for a, v in sorted(by_kind["command"].items())},
        "lock": sorted(set().union(*by_kind["lock"].values())) if by_kind["lock"] else [],
    }


def _drivers(effects: list[Effect]) -> list[dict]:
    """The options that name a driver: their default class and the class the trace follows there."""
    found = {e.name: {"option": e.name, "default": e.get("default"), "follows": e.get("follows") or e.get("default")}
             for e in sorted(effects, key=sort_key) if e.kind == "config" and e.action == "driver"}
    return [found[k] for k in sorted(found)]


def headline(s: dict) -> list[str]:
    db, cfg = s["database"], s["config"]
    lines = [f"tables written: {', '.join(db['write']) or '-'}; read: {', '.join(db['read']) or '-'}"]
    extra = [f"{cfg['change_the_path']} change the path"]
    if cfg["choose_a_driver"]:
        extra.append(f"{len(cfg['choose_a_driver'])} choose a driver: "
                     + ", ".join(_driver_text(d) for d in cfg.get("drivers") or [{"option": n} for n in cfg["choose_a_driver"]]))
    lines.append(f"options: {cfg['options']} ({'; '.join(extra)})")
    notes = [f"{', '.join(v)} ({k})" for k, v in s["notification"].items()]
    lines.append(f"notifications: {'; '.join(notes) or '-'}")
    commands = [f"{k}: {', '.join(v)}" for k, v in s["command"].items()]
    lines.append(f"commands: {'; '.join(commands) or '-'}")
    lines.append(f"locks: {', '.join(s['lock']) or '-'}")
    return lines


# -- one hop, one line per kind (the text tree) ----------------------------------------------
LINE_ITEMS = 6  # names on a hop's line before "+N"
_LABELS = {"database": "tables", "config": "options", "notification": "notifies", "command": "runs", "lock": "locks"}


def hop_lines(effects) -> list[str]:
    """A hop's effects as one short line per kind: ``tables: write volumes; read volume_types``."""
    by_kind: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for e in effects:
        names = by_kind[e.kind][e.action]
        if e.name not in names:
            names.append(e.name)
    lines = []
    for kind in KINDS:
        if kind not in by_kind:
            continue
        actions = by_kind[kind]
        if kind == "config":  # an option read in a test and elsewhere is named once, as changing the path
            shown = list(dict.fromkeys(n for a in ("driver", "path", "read") for n in actions.get(a, ())))
            label = {n: a for a in ("read", "path", "driver") for n in actions.get(a, ())}
            parts = [", ".join(_capped([n if label[n] == "read" else f"{n} ({label[n]})" for n in shown]))]
        else:
            parts = [f"{a} {', '.join(_capped(names))}" for a, names in sorted(actions.items())]
        lines.append(f"{_LABELS[kind]}: {'; '.join(parts)}")
    return lines


BADGES = {"database": ("db", "#8b1a1a"), "config": ("cfg", "#1f4e79"), "notification": ("notify", "#6a3d9a"),
          "command": ("cmd", "#b35900"), "lock": ("lock", "#2f4f4f")}
TOOLTIP_LINES = 40


def effect_badges(effects) -> list[tuple[str, str]]:
    """A compact row for a diagram's box: (``db 2w 1r``, colour) per kind present."""
    by_kind: dict[str, Counter] = defaultdict(Counter)
    for e in effects:
        by_kind[e.kind][e.action] += 1
    out = []
    for kind in KINDS:
        if kind in by_kind:
            label, colour = BADGES[kind]
            counts = by_kind[kind]
            if kind == "database":
                text = f"{label} " + " ".join(f"{counts[a]}{a[0]}" for a in ("write", "read") if counts[a])
            else:
                text = f"{label} {sum(counts.values())}"
            out.append((text, colour))
    return out


def effect_tooltip(effects) -> list[str]:
    """Every effect, a line each (a long list cut with a count)."""
    lines = [f"{e.kind} {e.action} {e.name}" + (f"  ({e.get('api')})" if e.kind == "database" else "")
             for e in sorted(effects, key=sort_key)]
    return lines if len(lines) <= TOOLTIP_LINES else lines[:TOOLTIP_LINES] + [f"... {len(lines) - TOOLTIP_LINES} more"]


def _capped(names: list[str]) -> list[str]:
    return names if len(names) <= LINE_ITEMS else names[:LINE_ITEMS] + [f"+{len(names) - LINE_ITEMS}"]


# -- JSON ----------------------------------------------------------------------------
def add_to_trace_json(t: Trace, data: dict) -> None:
    """``tracer-trace/1`` with effects: each hop's ``effects``, and the entry's and the summary at the top."""
    for hop, h in zip(data["hops"], t.hops):
        hop["effects"] = [e.as_dict() for e in h.effects]
    data["effects"] = {"entry": [e.as_dict() for e in t.entry_effects],
                       "summary": summary([e for _, e in operation(t)])}


def effects_json(t: Trace) -> dict:
    rows = operation(t)
    callee = {h.step: h.callee for h in t.hops}
    return {
        "schema": EFFECTS_SCHEMA,
        "sources": [{"project": p, "version": v, "origin": o} for p, v, o in t.sources],
        "entry": {"id": t.entry, "label": t.entry_label, "service": t.entry_service},
        "view": t.view,
        "summary": summary([e for _, e in rows]),
        "effects": [dict(e.as_dict(), step=step, function=callee.get(step, t.entry)) for step, e in rows],
    }


# -- text ----------------------------------------------------------------------------------
def text_lines(t: Trace) -> list[str]:
    rows = operation(t)
    lines = [f"{t.entry_label}  {t.entry}  {t.entry_service}"]
    lines += headline(summary([e for _, e in rows]))
    for kind, service, items in _groups(rows):
        lines.append("")
        lines.append(f"{TITLES[kind]} in {service}")
        lines += [f"  {_line(e)}" for _, e in items]
    return lines


def _groups(rows: list[tuple[int, Effect]]):
    grouped: dict[tuple[str, str], list] = defaultdict(list)
    for step, e in rows:
        grouped[(e.kind, e.service)].append((step, e))
    for kind in KINDS:
        for (k, service) in sorted(key for key in grouped if key[0] == kind):
            yield kind, service, grouped[(k, service)]


def _line(e: Effect) -> str:
    d = dict(e.detail)
    where = f"{e.site}" + (f"  via {_via(e.via)}" if e.via else "") + _branch(e)
    if e.kind == "database":
        return f"{e.action:<6} {e.name}  ({d.get('api')})  {where}"
    if e.kind == "config":
        return (f"{e.action:<6} {e.name} = {d.get('default')!s}{_follows(e)}  [{d.get('type', '?')}] "
                f"{d.get('help', '')}  {where}")
    if e.kind == "command":
        extra = d.get("argv") or d.get("context") or d.get("protocol") or ""
        return f"{e.action:<8} {e.name}  {extra}  {where}"
    if e.kind == "notification":
        return f"{e.action:<9} {e.name}  ({d.get('priority') or d.get('class')})  {where}"
    return f"{e.action:<9} {e.name}  {where}"


def _driver_text(d: dict) -> str:
    """``volume_driver``, or ``volume_driver (default LVMVolumeDriver; traced: RBDDriver)`` under ``--driver``."""
    default, follows = d.get("default"), d.get("follows")
    if not follows or follows == default:
        return d["option"]
    return f"{d['option']} (default {_short_class(default)}; traced: {_short_class(follows)})"


def _short_class(dotted: object) -> str:
    return str(dotted).rsplit(".", 1)[-1]


def _follows(e: Effect) -> str:
    """What a driver option's line adds when the trace follows another class than its default."""
    follows = e.get("follows")
    return f"; the trace follows {follows}" if follows and follows != e.get("default") else ""


def _branch(e: Effect) -> str:
    """``  [under if unmanage_only]``: the branches it runs under on the way from the hop; ``may not run``
    when one of them is an ``if`` with no ``else`` or an ``except``."""
    guard = e.get("guard")
    if not guard:
        return ""
    return f"  [{'may not run: ' if e.get('conditional') else 'under '}{' > '.join(guard)}]"


def _via(via: tuple) -> str:
    """The functions on the way, the middle of a long chain folded."""
    shown = list(via) if len(via) <= 4 else [via[0], via[1], "…", via[-1]]
    return " > ".join(shown)


# -- Markdown ---------------------------------------------------------------------------------
_COLUMNS = {
    "database": ("Service", "Table", "Access", "DB API", "Site"),
    "config": ("Service", "Option", "Read", "Type", "Default", "Help", "Declared"),
    "notification": ("Service", "Event type", "Kind", "Priority / class", "Site"),
    "command": ("Service", "Command", "Kind", "Detail", "Site"),
    "lock": ("Service", "Lock", "Primitive", "Site"),
}


def markdown(t: Trace) -> str:
    rows = operation(t)
    s = summary([e for _, e in rows])
    out = [f"# Effects of `{_md(t.entry_label)}`", "", f"Entry `{t.entry}` in {t.entry_service}; "
           + ", ".join(f"{p} {v}" for p, v, _ in t.sources) + ".", ""]
    out += [f"- {line}" for line in headline(s)]
    for kind in KINDS:
        items = [e for _, e in rows if e.kind == kind]
        if not items:
            continue
        out += ["", f"## {TITLES[kind]}", "", "| " + " | ".join(_COLUMNS[kind]) + " |",
                "|" + "---|" * len(_COLUMNS[kind])]
        out += ["| " + " | ".join(_md("" if c is None else str(c)) for c in _cells(e)) + " |" for e in sorted(items, key=_by_service)]
    return "\n".join(out) + "\n"


def _by_service(e: Effect) -> tuple:
    return (e.service,) + sort_key(e)


def _cells(e: Effect) -> tuple:
    d = dict(e.detail)
    where = e.site + (f" (via {' > '.join(e.via)})" if e.via else "") + (f" [{' > '.join(d['guard'])}]" if d.get("guard") else "")
    if e.kind == "database":
        return (e.service, e.name, e.action, d.get("api", ""), where)
    if e.kind == "config":
        return (e.service, e.name, e.action, d.get("type", ""), f"{d.get('default', '')}{_follows(e)}", d.get("help", ""),
                d.get("declared", ""))
    if e.kind == "notification":
        return (e.service, e.name, e.action, d.get("priority") or d.get("class", ""), where)
    if e.kind == "command":
        return (e.service, e.name, e.action, d.get("argv") or d.get("context") or d.get("protocol") or "", where)
    return (e.service, e.name, e.action, where)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
