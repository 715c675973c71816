"""Released variants of migrations that were later edited in place (test fixtures)."""
