"""scan: bytes of one file -> facts, with libcst; a process pool for cache misses."""
