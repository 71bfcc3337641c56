"""source: where source trees come from (local dir, git ref, released wheel/sdist).

Stage: source, the first stage of the pipeline and the only place that does
network (through pip) and git I/O. Everything else reads the ``SourceTree``
values made here. Must not import libcst, networkx or any other tracer stage.

Spec forms accepted by ``resolve``::

    PROJECT==VERSION   cinder==14.0.0           released distribution (cached)
    PROJECT@SERIES     nova@stein, nova@2026.2  newest point release of a series
    DIR                ., ~/src/nova            a local tree as it is
    DIR@GITREF         ~/src/nova@stable/stein  a tag/branch of a local checkout
"""

from tracer.source.cache import cache_root
from tracer.source.files import python_files
from tracer.source.model import SourceError, SourceTree
from tracer.source.requires import client_specs
from tracer.source.resolve import default_specs, one_release_each, resolve

__all__ = ["SourceError", "SourceTree", "cache_root", "client_specs", "default_specs", "one_release_each", "python_files",
           "resolve"]
