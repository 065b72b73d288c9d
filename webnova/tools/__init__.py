"""WebNova tools."""
