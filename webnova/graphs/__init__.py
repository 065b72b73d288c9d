"""WebNova graphs."""
