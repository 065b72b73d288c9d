"""WebNova chat."""
