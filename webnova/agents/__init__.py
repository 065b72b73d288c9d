"""WebNova agents."""
