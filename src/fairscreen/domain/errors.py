"""The one error family of fairscreen.

Every error carries a stable ``code`` (part of the public contract: API problem details,
CLI messages and the ledger audit use it) and, where the error is about an input, the
JSON path of the offending ``field``. HTTP statuses and CLI exit codes are mapped from
these classes in one place each (``entrypoints``), never here.

Messages never carry personal data: they name fields and rules, not values.

**Message keys (issue 13 item 10).** A refusal a person can meet in a portal also
carries a stable message ``key`` and its ``params``, so each portal renders it in the
reader's language from ``entrypoints/web/catalogs/service_errors.json`` (one entry per
key: ``zh-Hans``, ``en``, ``zh-Hant``, with ``{name}`` placeholders). The raise site
writes the English template and its parameters::

    raise InvalidTransition(
        "a case in state {current} cannot move to {target}",
        key="transition.cannot_move", current=case.state, target=target,
    )

``str(err)`` and ``.message`` stay English (``template.format(**params)``) for the API's
``detail`` and the logs. Parameters are codes and numbers only -- a state, a category, a
tier, a length, a case id -- never a name, an id number or a contact (they reach pages,
logs and problem details). A parameter named ``state``/``current``/``target``,
``category``, ``tier`` or ``role`` is shown by its label in the page's language. The
catalogue test scans every ``key=`` in ``src`` and fails when the catalogue lacks the
key, has a key no code uses, its English differs from the raise site's template, or a
language's placeholders differ from the parameters, and every test runs under a guard
(``tests/error_params.py``) that fails when an error it provokes carries a parameter
shaped like a name, a contact or an ID number. Errors only an operator meets
(ledger, keys, the CLI) carry no key and are shown in English.
"""

from __future__ import annotations

from typing import ClassVar

#: what a message key's parameter may be: a code (state, category, tier, field) or a number
Param = str | int


class InvalidValue(ValueError):
    """A validator's refusal (a ``ValueError`` pydantic collects) with its message key:
    ``services/case_models.py`` turns it into an :class:`InvalidInput` with the same key."""

    def __init__(self, message: str, *, key: str, **params: Param) -> None:
        super().__init__(message.format(**params) if params else message)
        self.key = key
        self.params: dict[str, Param] = params


class FairscreenError(Exception):
    """Base of every error fairscreen raises on purpose."""

    code: ClassVar[str] = "FAIRSCREEN_ERROR"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        key: str | None = None,
        **params: Param,
    ) -> None:
        text = message.format(**params) if params else message
        super().__init__(text)
        self.message = text
        self.field = field
        #: the catalogue key of this refusal (None: shown in English)
        self.key = key
        #: the key's placeholders: codes and numbers, never personal data
        self.params: dict[str, Param] = params

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


# --- input ------------------------------------------------------------------------------


class InvalidInput(FairscreenError):
    """An input does not follow its schema or a rule of the product contract."""

    code = "INVALID_INPUT"


class ScopeViolation(InvalidInput):
    """A role profile asks for a category its tier does not allow (PRODUCT.md P2)."""

    code = "SCOPE_VIOLATION"


class RulebookInvalid(InvalidInput):
    """A rulebook file is malformed or does not cover every rule of the contract."""

    code = "RULEBOOK_INVALID"


# --- authorization (P1) -------------------------------------------------------------------


class AuthorizationRefused(FairscreenError):
    """No valid authorization: the check may not run (PRODUCT.md P1)."""

    code = "AUTHORIZATION_REFUSED"


class AuthorizationMissing(AuthorizationRefused):
    code = "AUTHORIZATION_MISSING"


class AuthorizationExpired(AuthorizationRefused):
    code = "AUTHORIZATION_EXPIRED"


class AuthorizationRevoked(AuthorizationRefused):
    code = "AUTHORIZATION_REVOKED"


class AuthorizationWrongEmployer(AuthorizationRefused):
    code = "AUTHORIZATION_WRONG_EMPLOYER"


# --- ledger ---------------------------------------------------------------------------------


class LedgerError(FairscreenError):
    code = "LEDGER_ERROR"


class LedgerPending(LedgerError):
    """The entry was committed and waits for the sequencer: it has no index (and so no
    proof) yet (issue 16). Asking again shortly succeeds."""

    code = "LEDGER_PENDING"


class ProofInvalid(LedgerError):
    """A Merkle inclusion or consistency proof does not verify (RFC 9162 §2.1.3, §2.1.4)."""

    code = "PROOF_INVALID"


class LedgerTampered(LedgerError):
    """Stored entries, tiles or checkpoints disagree with each other."""

    code = "LEDGER_TAMPERED"


class SignatureInvalid(LedgerError):
    """A signed note or checkpoint signature does not verify (C2SP signed-note)."""

    code = "SIGNATURE_INVALID"


class LedgerEntryRefused(LedgerError):
    """An entry carries a field outside the ledger vocabulary: personal data never enters."""

    code = "LEDGER_ENTRY_REFUSED"


# --- service ------------------------------------------------------------------------------


class NotFound(FairscreenError):
    """The object does not exist *for this caller* (another tenant's ids look the same)."""

    code = "NOT_FOUND"


class PermissionDenied(FairscreenError):
    code = "PERMISSION_DENIED"


class InvalidTransition(FairscreenError):
    """The case is not in a state that allows this step (PRODUCT.md §3)."""

    code = "INVALID_TRANSITION"


class DuplicateOrder(InvalidTransition):
    """An order for a candidate who already has an open case with the same employer: two
    checks of one person for one hiring are likelier a slip than a need, so the order is
    refused unless the employer confirms it. ``case_id`` names the employer's own latest
    open case of that candidate (never another employer's: each keeps its own records)."""

    code = "DUPLICATE_ORDER"


class CaseDestroyed(FairscreenError):
    """The case's data was destroyed (PRODUCT.md P6): nothing of it can be read again."""

    code = "CASE_DESTROYED"


class InvitationInvalid(FairscreenError):
    """A candidate's invitation link that cannot be used: ``reason`` is ``unknown`` (no
    such link, or its case was destroyed), ``used`` (the candidate signed in with it
    already: single use), ``expired``, or ``replaced`` (the employer sent a new link)."""

    code = "INVITATION_INVALID"
    REASONS = ("unknown", "used", "expired", "replaced")

    def __init__(self, reason: str) -> None:
        assert reason in self.REASONS
        super().__init__(f"this invitation link cannot be used: {reason}", field="token")
        self.reason = reason


class ReferenceLinkInvalid(FairscreenError):
    """A referee's questionnaire link that cannot be used: ``reason`` is ``unknown`` (no
    such link, or its case was destroyed), ``used`` (answered already: single use),
    ``expired``, or ``closed`` (the case left the investigation, or the authorization
    no longer covers references)."""

    code = "REFERENCE_LINK_INVALID"
    REASONS = ("unknown", "used", "expired", "closed")

    def __init__(self, reason: str) -> None:
        assert reason in self.REASONS
        super().__init__(f"this questionnaire link cannot be used: {reason}", field="token")
        self.reason = reason


# --- encryption at rest (P5) ----------------------------------------------------------------


class CryptoError(FairscreenError):
    """Encryption at rest failed (PRODUCT.md P5; PIPL art. 51). Messages name keys by id
    and fields by name, never key material or plaintext."""

    code = "CRYPTO_ERROR"


class DecryptionFailed(CryptoError):
    """A ciphertext or wrapped key does not authenticate: wrong key, wrong case or field
    (associated data), tampering, or an unknown format version (NIST SP 800-38D §7.2)."""

    code = "DECRYPTION_FAILED"


class KeyDestroyed(CryptoError):
    """The subject's or case's key was destroyed (crypto-shredding, PRODUCT.md P6)."""

    code = "KEY_DESTROYED"


class DocumentRenderingFailed(FairscreenError):
    """A document (PDF) could not be made: a missing font library, a broken template."""

    code = "DOCUMENT_RENDERING_FAILED"


# --- operations: storage, schema, backups ----------------------------------------------------


class LogRolledBack(LedgerError):
    """The log is smaller than, or inconsistent with, a checkpoint it signed earlier (its
    high-water mark): the database was restored from an older backup or replaced. A log
    must never go backwards unseen (RFC 9162 §2.1.4: every signed tree is a prefix of the
    next)."""

    code = "LOG_ROLLED_BACK"


class SchemaDrift(FairscreenError):
    """The database is at the latest revision, yet its schema is not the one the code
    declares (a released migration was edited, or the schema was changed by hand)."""

    code = "SCHEMA_DRIFT"


class StorageUnavailable(FairscreenError):
    """The database or a key file cannot be written: the disk is full, the storage is
    read-only, or a file's permissions forbid it. Nothing was written; the message says
    which and how to mend it."""

    code = "STORAGE_UNAVAILABLE"


class MessageNotSent(FairscreenError):
    """A text message could not be handed to the SMS gateway (it refused it, or did not
    answer after the retries), or this service sends no SMS. The message says which; it
    never names the number or the text (a sign-in code may be in it)."""

    code = "MESSAGE_NOT_SENT"


class DatabaseBusy(StorageUnavailable):
    """The database gave up waiting for this transaction (PostgreSQL's ``lock_timeout``,
    ``statement_timeout`` or ``idle_in_transaction_session_timeout``): another process
    held what it needed too long (a frozen or stalled process). Nothing was written;
    trying again later is safe."""

    code = "DATABASE_BUSY"


class MarkBusy(StorageUnavailable):
    """Another process holds the high-water mark's lock (one frozen while raising it,
    most likely: a raise takes milliseconds). Nothing was written; the mark stays where
    it was until a later raise. Reported as ``STORAGE_UNAVAILABLE``."""


class DatabaseUnreachable(StorageUnavailable):
    """The database could not be reached, or the connection to it was lost: it is
    restarting or down, or the network between was cut. A request cut off this way
    wrote nothing, unless the connection was lost while its commit was on the way, when
    the change may have been made: a client looks before sending a change again."""

    code = "DATABASE_UNREACHABLE"
