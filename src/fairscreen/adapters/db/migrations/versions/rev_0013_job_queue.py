"""The job queue's schema on PostgreSQL (issue 16 item 2): procrastinate 3.10's tables,
types, functions and triggers, from a copy kept beside this revision
(``procrastinate_3_10_schema.sql``, the package's ``sql/schema.sql``) so the revision
does the same thing whichever procrastinate is installed. A later procrastinate that
changes its schema gets a revision of its own applying its migration files.

SQLite has no job queue (the same tasks run in-process): nothing to do there. The
queue's tables are procrastinate's, not declared in ``tables.py``; the schema check
leaves every ``procrastinate_*`` object out (``migrations.ours``).

Revision ID: 0013_job_queue
Revises: 0011_references
Create Date: 2026-12-04
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0013_job_queue"
down_revision = "0017_evidence_files"
branch_labels = None
depends_on = None

SCHEMA = Path(__file__).with_name("procrastinate_3_10_schema.sql")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    raw = bind.connection.driver_connection
    assert raw is not None
    # Through the driver, without parameters: the file's '%' and ':' are SQL, not binds.
    raw.execute(SCHEMA.read_text("utf-8"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    raw = bind.connection.driver_connection
    assert raw is not None
    raw.execute(
        "DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, "
        "procrastinate_jobs, procrastinate_workers CASCADE"
    )
    functions = raw.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p "
        "WHERE p.proname LIKE 'procrastinate%' AND p.pronamespace = current_schema()::regnamespace"
    ).fetchall()
    for (signature,) in functions:
        raw.execute(f"DROP FUNCTION IF EXISTS {signature} CASCADE")
    raw.execute(
        "DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type, "
        "procrastinate_job_status CASCADE"
    )
