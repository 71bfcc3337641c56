"""link model: oslo.config.  ``CONF.x`` (or ``self.configuration.x``) is the declared default of option ``x``.

Stage: link.  Must not import libcst or render.

Options are the program index's ``cfg.XxxOpt('name', default=...)`` declarations.
A default that is a string comes back as a ``("cfg", text)`` value: a string the
deployment may change (an import path read from it names a configured driver).
"""
from __future__ import annotations

from tracer.link.models.base import Model
from tracer.link.values import Values


class OsloConfig(Model):
    name = "oslo_config"

    def fallback_attribute(self, attr: str) -> Values:
        return frozenset(("cfg", text) for text in self.string_defaults(attr))

    def string_defaults(self, option: str) -> list[str]:
        """The string defaults declared for the option ``option``, in declaration order."""
        return [o.default[1] for _, o in self.p.options.get(option, ()) if o.default and o.default[0] == "s"]
