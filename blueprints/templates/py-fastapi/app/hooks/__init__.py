"""Business-rule hooks, one module per entity; only code between the slot markers is kept."""
