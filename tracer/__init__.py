"""tracer: a static call-graph tracer for OpenStack services."""
