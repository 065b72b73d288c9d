"""WebNova generator."""
