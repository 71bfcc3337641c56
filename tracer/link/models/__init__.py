"""link models: one module per library, all behind the one interface of ``tracer.link.models.base``.

Stage: link.  A new library is a new module here and its class in ``MODELS``
(``tracer.link.models.all``); the interpreter core (``tracer.link.resolve``) and
the linker (``tracer.link.edges``) never name a library.  Order does not matter:
the registry instantiates models in the order their ``requires`` give.
"""
