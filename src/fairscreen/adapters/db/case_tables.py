"""Tables of the screening service (PRODUCT.md §2-§3, P5, P6), on the one schema.

Every column that could hold personal data is a ``*_ct`` ciphertext written through the
repository's envelope cipher (``adapters/crypto.py``, AES-256-GCM, associated data binding
case and field): no code path writes a name, an ID number, a statement or a case number in
plaintext. Plaintext columns hold ids, pseudonyms, states, times, category names and
lights only. Created by revision ``0002_service``.
"""

from __future__ import annotations

import sqlalchemy as sa

from fairscreen.adapters.db.tables import TIME, metadata

tenants = sa.Table(
    "tenants",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("pseudonym", sa.String(40), nullable=False, unique=True),
    sa.Column("created_at", TIME, nullable=False),
)

#: An employer's own settings (issue 13 item 11; ``0015_case_contacts``): the address for
#: "a report was released" e-mails, encrypted under a key of the tenant's own
#: (``tenant.<pseudonym>``). A row per employer that set one.
employer_settings = sa.Table(
    "employer_settings",
    metadata,
    sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("notify_email_ct", sa.LargeBinary, nullable=True),
    #: the language of the page the address was saved on: the release e-mail's language
    sa.Column("notify_lang", sa.String(8), nullable=True),
)

subjects = sa.Table(
    "subjects",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("pseudonym", sa.String(40), nullable=False, unique=True),
    #: whose record this is: each employer keeps its own (PRODUCT.md §2; revision
    #: ``0010_privacy``); null for a record made before, when one record was shared
    sa.Column("employer_id", sa.String(64), sa.ForeignKey("tenants.id"), nullable=True),
    #: blind index: keyed hash of the employer and the normalised ID number, to find the
    #: employer's own returning candidate (records made before 0010 hash the number alone)
    sa.Column("lookup", sa.String(64), nullable=False, unique=True),
    sa.Column("identity_ct", sa.LargeBinary, nullable=False),
    sa.Column("created_at", TIME, nullable=False),
    sa.Column("deletion_requested_at", TIME, nullable=True),
)

role_profiles = sa.Table(
    "role_profiles",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("employer_id", sa.String(64), sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("role_id", sa.String(100), nullable=False),
    sa.Column("tier", sa.String(16), nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the role as JSON: no personal data
    sa.Column("created_at", TIME, nullable=False),
    sa.UniqueConstraint("employer_id", "role_id", name="uq_role_profiles_employer_role"),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("pseudonym", sa.String(40), nullable=False, unique=True),
    sa.Column("employer_id", sa.String(64), sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("agency_id", sa.String(64), sa.ForeignKey("tenants.id"), nullable=True),
    sa.Column("subject_id", sa.String(64), sa.ForeignKey("subjects.id"), nullable=False),
    sa.Column("profile_id", sa.String(64), sa.ForeignKey("role_profiles.id"), nullable=False),
    sa.Column("tier", sa.String(16), nullable=False),
    sa.Column("state", sa.String(24), nullable=False),
    sa.Column("requested", sa.Text, nullable=False),  # JSON list of category names
    #: the employer's purpose in its own words, encrypted (free text can name anyone)
    sa.Column("purpose_ct", sa.LargeBinary, nullable=True),
    #: before ``0010_privacy`` the purpose in plaintext; sealed into ``purpose_ct`` and
    #: emptied when the service starts on an upgraded database, never written again
    sa.Column("purpose", sa.String(200), nullable=True),
    #: the candidate's claims (degrees, employment spells, licences) as JSON, encrypted
    sa.Column("claims_ct", sa.LargeBinary, nullable=True),
    #: the candidate's name as the employer knows them, and their mobile number or e-mail
    #: address (issue 13 items 1-2), encrypted under the case key: shredding the case
    #: shreds them, and destruction empties both (revision ``0015_case_contacts``)
    sa.Column("candidate_name_ct", sa.LargeBinary, nullable=True),
    sa.Column("contact_ct", sa.LargeBinary, nullable=True),
    sa.Column("review_days", sa.SmallInteger, nullable=False),
    sa.Column("window_ends", TIME, nullable=True),
    sa.Column("accepted", sa.Boolean, nullable=False, default=False),
    sa.Column("light", sa.String(8), nullable=True),
    sa.Column("outcome", sa.String(16), nullable=True),
    sa.Column("adverse", sa.Boolean, nullable=True),
    sa.Column("decided_at", TIME, nullable=True),
    #: the end of the pre-adverse notice's waiting period, once one was sent (P4)
    sa.Column("adverse_wait_ends", TIME, nullable=True),
    sa.Column("destruction_due", TIME, nullable=True),
    sa.Column("legal_hold", sa.Boolean, nullable=False, default=False),
    #: the reason of the last ``retention.hold`` logged, so a held case is logged once
    sa.Column("hold_logged", sa.String(16), nullable=True),
    sa.Column("deletion_requested_at", TIME, nullable=True),
    sa.Column("created_at", TIME, nullable=False),
    sa.Column("updated_at", TIME, nullable=False),
)
sa.Index("ix_cases_state_due", cases.c.state, cases.c.destruction_due)
sa.Index("ix_cases_due", cases.c.destruction_due)
sa.Index("ix_cases_employer", cases.c.employer_id)
sa.Index("ix_cases_subject", cases.c.subject_id)

#: The candidate's invitation link (issue 13 item 2): single use, expiring; only the
#: keyed hash of its token is kept. Deleted with the case's content.
candidate_invitations = sa.Table(
    "candidate_invitations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", TIME, nullable=False),
    sa.Column("expires_at", TIME, nullable=False),
    sa.Column("used_at", TIME, nullable=True),
    #: when the message went to the SMS gateway or SMTP server; None while it has not
    #: (``failure`` then says why, as an ``invitation.failed.*`` key; revision
    #: ``0021_invitation_delivery``)
    sa.Column("sent_at", TIME, nullable=True),
    sa.Column("failure", sa.String(40), nullable=True),
)
sa.Index("ix_candidate_invitations_case", candidate_invitations.c.case_id)

authorizations = sa.Table(
    "authorizations",
    metadata,
    sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("lang", sa.String(8), nullable=False),
    sa.Column("text_sha256", sa.String(64), nullable=False),
    sa.Column("text_ct", sa.LargeBinary, nullable=False),
    sa.Column("purpose_ct", sa.LargeBinary, nullable=True),
    #: legacy plaintext, as ``cases.purpose``
    sa.Column("purpose", sa.String(200), nullable=True),
    sa.Column("categories", sa.Text, nullable=False),
    sa.Column("sensitive", sa.Text, nullable=False),
    sa.Column("signed_at", TIME, nullable=False),
    sa.Column("expires_at", TIME, nullable=False),
    sa.Column("revoked_at", TIME, nullable=True),
    sa.Column("receipt_id", sa.String(64), nullable=False),
)

records = sa.Table(
    "records",
    metadata,
    sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("record_id", sa.String(100), primary_key=True),
    sa.Column("category", sa.String(40), nullable=False),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("body_ct", sa.LargeBinary, nullable=False),
    sa.Column("created_at", TIME, nullable=False),
)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("body_ct", sa.LargeBinary, nullable=False),
    sa.Column("rulebook_version", sa.String(40), nullable=False),
    sa.Column("rulebook_sha256", sa.String(64), nullable=False),
    sa.Column("rated_at", TIME, nullable=False),
)

disputes = sa.Table(
    "disputes",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("finding_id", sa.String(40), nullable=False),
    sa.Column("statement_ct", sa.LargeBinary, nullable=False),
    sa.Column("evidence_ct", sa.LargeBinary, nullable=True),
    sa.Column("opened_at", TIME, nullable=False),
    sa.Column("due_at", TIME, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=True),
    sa.Column("answer_ct", sa.LargeBinary, nullable=True),
    sa.Column("resolved_at", TIME, nullable=True),
)
sa.Index("ix_disputes_case", disputes.c.case_id)

#: A candidate's evidence file of a dispute (issue 13 item 9: photos and PDFs up to
#: 10 MB), encrypted under the case's key in chunks (``evidence_chunks``), so neither
#: writing nor reading one holds it whole in memory twice. ``chunks`` is the count
#: written: a file read back with fewer is refused, never served truncated.
evidence_files = sa.Table(
    "evidence_files",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("dispute_id", sa.String(64), nullable=False),
    sa.Column("content_type", sa.String(40), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("chunks", sa.Integer, nullable=False),
    sa.Column("filename_ct", sa.LargeBinary, nullable=False),
    sa.Column("created_at", TIME, nullable=False),
    #: its content check (issue 16 item 2; services/evidence_checks.py): ``pending`` until
    #: the background job parsed it, then ``accepted``, or ``rejected`` with its chunks
    #: deleted and the reason (``evidence_files.RejectReason``) kept for both sides to see
    sa.Column("check_status", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("check_reason", sa.String(32), nullable=True),
    sa.Column("checked_at", TIME, nullable=True),
)
sa.Index("ix_evidence_files_case", evidence_files.c.case_id)
sa.Index("ix_evidence_files_check", evidence_files.c.check_status)

evidence_chunks = sa.Table(
    "evidence_chunks",
    metadata,
    sa.Column("file_id", sa.String(64), sa.ForeignKey("evidence_files.id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("chunk_ct", sa.LargeBinary, nullable=False),
)

#: A document a candidate supplies for an incomplete or unverifiable finding (补充材料,
#: PRODUCT.md P4: "respond or supply what was missing"), without a dispute: the file is
#: an evidence file (``evidence_files.dispute_id`` holds the supplement's id), the note
#: and the verifier's answer are encrypted under the case's key. ``finding_id`` and
#: ``category`` name what it is for; ``outcome`` is ``reverified`` or ``not_sufficient``
#: once answered (NULL while with the verifier).
supplements = sa.Table(
    "supplements",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("finding_id", sa.String(40), nullable=False),
    sa.Column("category", sa.String(40), nullable=False),
    sa.Column("note_ct", sa.LargeBinary, nullable=True),
    sa.Column("supplied_at", TIME, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=True),
    sa.Column("answer_ct", sa.LargeBinary, nullable=True),
    sa.Column("answered_at", TIME, nullable=True),
)
sa.Index("ix_supplements_case", supplements.c.case_id)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("adverse", sa.Boolean, nullable=False),
    sa.Column("reason_ct", sa.LargeBinary, nullable=False),
    #: whether the report played a part, asked when not hiring on a non-green light (P4)
    sa.Column("report_part", sa.Boolean, nullable=True),
    sa.Column("decided_at", TIME, nullable=False),
)

notices = sa.Table(
    "notices",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("body_ct", sa.LargeBinary, nullable=False),
    sa.Column("created_at", TIME, nullable=False),
)
sa.Index("ix_notices_case", notices.c.case_id)  # read per case, deleted per purge batch

#: The payload of each ledger entry (PRODUCT.md §6): JSON of ids, pseudonyms and codes
#: only, under the value its entry carries in ``digest`` (a version-2 entry's keyed
#: commitment, a version-1 entry's SHA-256). ``case_pseudonym`` says whose it is, so the
#: rows go with the case's data (revision ``0010_privacy``).
event_payloads = sa.Table(
    "event_payloads",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("case_pseudonym", sa.String(40), nullable=True),
    sa.Column("body", sa.Text, nullable=False),
)
sa.Index("ix_event_payloads_case", event_payloads.c.case_pseudonym)

#: Wrapped subject and case keys (adapters/crypto.py KeyStore); a destroyed key keeps
#: its row with no blob, so "destroyed" and "never issued" stay distinguishable. The key
#: leads with ``owner``, the selective column (revision ``0005_lookups``): lookups and
#: purge batches (``owner = ANY(...)``) go by owner; there are only three kinds.
wrapped_keys = sa.Table(
    "wrapped_keys",
    metadata,
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("owner", sa.String(160), nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("wrapped_by", sa.String(64), nullable=False),
    sa.Column("blob", sa.LargeBinary, nullable=True),
    sa.Column("subject", sa.String(160), nullable=True),
    sa.Column("destroyed_at", TIME, nullable=True),
    sa.PrimaryKeyConstraint("owner", "kind"),
)
#: a subject's case keys, re-keyed together when the master key rotates
sa.Index("ix_wrapped_keys_subject", wrapped_keys.c.subject)

#: Destruction certificates (PRODUCT.md P6): what, when, ledger index, tlog-proof receipt.
certificates = sa.Table(
    "certificates",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("case_pseudonym", sa.String(40), nullable=False, unique=True),
    sa.Column("subject_pseudonym", sa.String(40), nullable=False),
    sa.Column("destroyed_at", TIME, nullable=False),
    #: known once the sequencer integrated the entry (its pending id is kept until then)
    sa.Column("ledger_index", sa.BigInteger, nullable=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("ledger_pending_id", sa.BigInteger, nullable=True),
)
