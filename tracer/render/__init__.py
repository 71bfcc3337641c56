"""render: one module per output format, all drawn from the same records."""
