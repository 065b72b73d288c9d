"""WebNova adapters."""
