"""Resource namespaces: one module per API area, one method per operation."""
