"""facts: frozen per-file records, their codec and cache (no libcst, no networkx)."""
