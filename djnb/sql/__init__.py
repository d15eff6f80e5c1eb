"""SQL generation: dialects (engine-specific SQL as data), later nodes, conditions, compiler."""
