"""REST API v1 for provincial aggregators: /api/v1/ (see docs/api.md)."""
