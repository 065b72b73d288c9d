"""Brains: the one port for "the model" and its implementations (offline planner, Claude)."""
