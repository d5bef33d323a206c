"""Stand-ins for the organisations' side, for the demo and the tests (never used in production)."""
