"""The read-only JSON API, /api/v1/: see README.md ("JSON API") and talks/api/schema.py."""
