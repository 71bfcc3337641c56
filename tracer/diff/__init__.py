"""diff: two traces of one entry compared hop by hop, and whole surfaces (RPC, routes, flows) compared.

Stage: beside render, after graph: reads ``tracer.graph.records`` only; never libcst, networkx, the linker
or ``tracer.api`` (``tracer.compare`` feeds it).  ``steps`` -> ``match`` -> ``classify`` -> ``flow``.
"""
