"""graph: the networkx view of linked edges and read-only queries (trace, entry lookup)."""
