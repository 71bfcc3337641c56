"""link: calls on a driver loaded from configuration, and the classes that could serve them.

Stage: link.  Must not import libcst or render.

``self.driver = importutils.import_object(<option default>)`` gives the
configured class.  A call ``self.driver.m()`` goes to ``m`` as that class
resolves it; the *candidates* are every subclass of the interface root (the
topmost base in the configured class's MRO that defines ``m``) that overrides
``m`` itself: the implementations a deployment may configure instead.

The same walk serves an *abstract* method called on a value typed as its class
(``profile.do_create(obj)`` where ``Profile.do_create`` only raises
``NotImplementedError``): Python runs the override of whatever subclass the
object really is, so each subclass's own ``m`` is a candidate implementation.
"""
from __future__ import annotations

import re

from tracer.link.exprs import last_name
from tracer.link.program import Program


def interface_root(p: Program, cls: str, name: str) -> str | None:
    root = None
    for k in p.mro(cls):
        klass = p.classes.get(k)
        if klass and name in klass.methods:
            root = k
    return root


def candidates(p: Program, cls: str, name: str) -> list[str]:
    """Method fqs that may serve ``name`` on a driver configured as ``cls``; base first."""
    root = interface_root(p, cls, name)
    if root is None:
        return []
    out = [p.classes[root].methods[name]]
    return out + [m for m in overrides(p, root, name) if m not in out]


def overrides(p: Program, cls: str, name: str) -> list[str]:
    """The methods ``name`` that subclasses of ``cls`` define themselves, in subclass order, once each."""
    out: list[str] = []
    for sub in p.all_subclasses(cls):
        method = p.classes[sub].methods.get(name) if sub in p.classes else None
        if method and method not in out:
            out.append(method)
    return out


def is_abstract(p: Program, fq: str) -> bool:
    """A method that is only a declaration: ``@abstractmethod``, or a body that does nothing but (maybe)
    build a ``NotImplementedError`` (``pass``, a docstring, ``raise NotImplementedError``: no call, no
    assignment, no return recorded)."""
    fn = p.functions.get(fq)
    if fn is None or fn.cls is None or fn.inherited_from:
        return False
    if any(last_name(d) == "abstractmethod" for d in fn.facts.decorators):
        return True
    return all(not d.assigns and not d.returns and not d.is_generator
               and all(last_name(c.func) == "NotImplementedError" for c in d.calls) for d in fn.defs)


def implementations(p: Program, cls: str, method: str) -> list[str]:
    """The concrete overrides of the abstract ``method`` a call on an instance typed ``cls`` may run."""
    name = method.rsplit(".", 1)[1]
    return [m for m in overrides(p, cls, name) if m != method and not is_abstract(p, m)]


def named_driver(p: Program, configured: str, needle: str) -> str | None:
    """The class ``needle`` names among the configured driver's family (its bases and their subclasses).

    A class is named by a whole component of its module path (``cinder.volume.drivers.rbd``) or by the
    start of its class name (``LibvirtDriver``): ``rbd`` is not ``drbdmanagedrv``.  Of the classes
    named, the most general wins (``LVMVolumeDriver`` before its subclasses).
    """
    needle = needle.lower()
    hits = [c for c in known_drivers(p, configured) if _names(c, needle)]
    return min(hits, key=lambda c: (len(p.mro(c)), c)) if hits else None


def known_drivers(p: Program, configured: str) -> list[str]:
    """The configured driver's family, sorted: its bases and every subclass of them (what ``--driver`` picks from)."""
    family = {k for k in p.mro(configured) if k in p.classes}
    for k in sorted(family):
        family.update(p.all_subclasses(k))
    return sorted(family)


def names_a_driver(p: Program, configured: str, needle: str) -> bool:
    """True if ``--driver needle`` picks something in the family: a class it names, or a path it is part of."""
    low = needle.lower()
    return named_driver(p, configured, needle) is not None or any(low in c.lower() for c in known_drivers(p, configured))


def _names(cls: str, needle: str) -> bool:
    module, _, short = cls.rpartition(".")
    return needle in re.split(r"[._]", module.lower()) or short.lower().startswith(needle)
