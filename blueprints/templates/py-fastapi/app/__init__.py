"""The generated FastAPI application."""
