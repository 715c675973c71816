"""Tables of the HTTP API's accounts, tokens, sign-in codes and webhooks (issue 5).

No column holds personal data or a usable secret: API tokens and sign-in codes are kept
as hashes only (a token is shown once, when it is issued); a webhook's signing secret is
derived from the pseudonym key and the endpoint id, so it is never stored at all.
Webhook bodies carry ids, pseudonyms, states and event codes only. Created by revision
``0003_accounts``.
"""

from __future__ import annotations

import sqlalchemy as sa

from fairscreen.adapters.db.tables import TIME, metadata

#: A person or system at an employer, an agency, the regulator or the operator. What it
#: acts for: its tenant (employer, agency) or itself (regulator, operator). ``label`` is a
#: free description chosen by the operator ("HR desk"), never a person's name.
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.id"), nullable=True),
    sa.Column("label", sa.String(100), nullable=False),
    sa.Column("created_at", TIME, nullable=False),
    sa.Column("disabled_at", TIME, nullable=True),
    # --- staff sign-in with a password (issue 13 item 3; revision 0014_staff_accounts) ---
    #: the e-mail address, encrypted under the account's own key (label ``staff.<id>``)
    sa.Column("email_ct", sa.LargeBinary, nullable=True),
    #: keyed blind index of the normalised address (HMAC): finds the account at sign-in
    #: without decrypting every row; emptied when the account is removed
    sa.Column("email_index", sa.String(64), nullable=True, unique=True),
    #: argon2id hash (PHC string) of the password; never the password
    sa.Column("password_hash", sa.String(200), nullable=True),
    #: the TOTP secret (RFC 6238), encrypted like the e-mail; ``totp_enabled_at`` once
    #: the holder proved a code from it, ``totp_last_step`` the last time step used
    sa.Column("totp_ct", sa.LargeBinary, nullable=True),
    sa.Column("totp_enabled_at", TIME, nullable=True),
    sa.Column("totp_last_step", sa.BigInteger, nullable=True),
    #: the organisation's administrator: invites and removes colleagues
    sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
    #: wrong passwords or codes in a row, and until when sign-in is refused after too many
    sa.Column("failed_sign_ins", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("locked_until", TIME, nullable=True),
    #: the language the holder last chose on the portal (zh-Hans, zh-Hant, en): e-mail to
    #: them is written in it (revision 0019_mail_language)
    sa.Column("lang", sa.String(8), nullable=True),
)

#: Bearer tokens: SHA-256 of a 256-bit random token. ``kind``: an account's API token
#: (``api``), a staff portal session (``portal``: short-lived, revoked at sign-out), or a
#: candidate's short-lived token (``candidate``, ``subject_id``) from a one-time code.
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("account_id", sa.String(64), sa.ForeignKey("accounts.id"), nullable=True),
    sa.Column("subject_id", sa.String(64), sa.ForeignKey("subjects.id"), nullable=True),
    sa.Column("created_at", TIME, nullable=False),
    sa.Column("expires_at", TIME, nullable=True),
    sa.Column("revoked_at", TIME, nullable=True),
    sa.Column("kind", sa.String(16), nullable=False, server_default="api"),
    #: what an integrator's API token is for ("ATS sync"), chosen by its maker; no names
    sa.Column("label", sa.String(100), nullable=True),
)
sa.Index("ix_api_tokens_account", api_tokens.c.account_id)

#: A colleague invited by the organisation's administrator (issue 13 item 3): a
#: single-use link (``token_hash``: SHA-256 of a 256-bit token) that expires; the invitee
#: sets their password on it. The address is encrypted under the invitation's own key
#: (label ``staffinv.<id>``), found again through its keyed blind index.
staff_invitations = sa.Table(
    "staff_invitations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.id"), nullable=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("invited_by", sa.String(64), sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("email_ct", sa.LargeBinary, nullable=False),
    sa.Column("email_index", sa.String(64), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", TIME, nullable=False),
    sa.Column("expires_at", TIME, nullable=False),
    sa.Column("accepted_at", TIME, nullable=True),
    sa.Column("revoked_at", TIME, nullable=True),
    sa.Column("account_id", sa.String(64), sa.ForeignKey("accounts.id"), nullable=True),
)
sa.Index("ix_staff_invitations_tenant", staff_invitations.c.tenant_id)

#: One-time sign-in codes for candidates: a keyed hash of the code, a short life and a
#: small number of tries. ``session_hash``: SHA-256 of the code session handed to the
#: asker (the code works only with it; tries count per session); ``requester``: a keyed
#: hash of the asking address (each asker has its own hourly allowance).
sign_in_codes = sa.Table(
    "sign_in_codes",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("subject_id", sa.String(64), sa.ForeignKey("subjects.id"), nullable=False),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("created_at", TIME, nullable=False),
    sa.Column("expires_at", TIME, nullable=False),
    sa.Column("used_at", TIME, nullable=True),
    sa.Column("attempts", sa.SmallInteger, nullable=False),
    sa.Column("session_hash", sa.String(64), nullable=True),
    sa.Column("requester", sa.String(64), nullable=True),
)
sa.Index("ix_sign_in_codes_subject", sign_in_codes.c.subject_id)

#: An employer's webhook receivers.
webhook_endpoints = sa.Table(
    "webhook_endpoints",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("employer_id", sa.String(64), sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("url", sa.String(500), nullable=False),
    #: the ledger size when it was created: it receives the events from there on
    sa.Column("from_index", sa.BigInteger, nullable=False),
    sa.Column("created_at", TIME, nullable=False),
    sa.Column("disabled_at", TIME, nullable=True),
)
sa.Index("ix_webhook_endpoints_employer", webhook_endpoints.c.employer_id)

#: The outbox: one row per (endpoint, ledger event), delivered with bounded retries.
webhook_outbox = sa.Table(
    "webhook_outbox",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("endpoint_id", sa.String(64), sa.ForeignKey("webhook_endpoints.id"), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", TIME, nullable=False),
    sa.Column("attempts", sa.SmallInteger, nullable=False),
    sa.Column("next_attempt_at", TIME, nullable=False),
    sa.Column("delivered_at", TIME, nullable=True),
    sa.Column("failed_at", TIME, nullable=True),
    sa.Column("last_status", sa.SmallInteger, nullable=True),
)
sa.Index("ix_webhook_outbox_due", webhook_outbox.c.delivered_at, webhook_outbox.c.next_attempt_at)

#: How far the webhook producer has read the ledger (a single row).
webhook_cursor = sa.Table(
    "webhook_cursor",
    metadata,
    sa.Column("id", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("ledger_index", sa.BigInteger, nullable=False),
    sa.CheckConstraint("id = 1", name="single_row"),
)
