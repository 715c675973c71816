"""The one fairscreen schema (SQLAlchemy Core + Alembic), SQLite by default, PostgreSQL by URL.

Importing the package registers every table on ``tables.metadata`` (the ledger's in
``tables``, the screening service's in ``case_tables``, accounts in
``account_tables``, self-identification in ``selfid_tables``, referees' invitations in
``reference_tables``), so migrations and the
schema-drift test always see the whole schema.
"""

from fairscreen.adapters.db import account_tables as account_tables
from fairscreen.adapters.db import case_tables as case_tables
from fairscreen.adapters.db import reference_tables as reference_tables
from fairscreen.adapters.db import selfid_tables as selfid_tables
