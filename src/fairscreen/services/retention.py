"""P5 加密存档 and P6 到期销毁, retention (PRODUCT.md §3 P5, P6): the candidate's own data
(export, deletion request), legal holds, the purge that destroys what is due
(crypto-shredding, row deletion, a ledger entry and a certificate), destruction
certificates with their inclusion proof, and master-key rotation.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from fairscreen.adapters.crypto import (
    KeyKind,
    RotationReport,
    retire_master_key,
    rotate_master_key,
)
from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.db.engine import checkpoint_wal
from fairscreen.adapters.db.ledger_store import pending_status as pending_index
from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.domain.categories import Tier
from fairscreen.domain.errors import KeyDestroyed, LedgerPending, NotFound
from fairscreen.domain.lifecycle import (
    CaseState,
    HoldReason,
    Outcome,
    destruction_due,
    purge_action,
    transition,
)
from fairscreen.ledger.checkpoint import make_tlog_proof
from fairscreen.ledger.entries import ActorRole, EventType, ReasonCode
from fairscreen.services.case_events import (
    CANDIDATE,
    S,
    dispute_summaries,
    dump_json,
    live_claims,
    log_event,
    log_read,
    new_id,
    visible_case,
)
from fairscreen.services.context import SYSTEM, Actor, Services, require_role


def export_subject_data(svc: Services, actor: Actor) -> dict[str, Any]:
    """Everything held about the candidate, as JSON (PIPL art. 45: access and copy)."""
    require_role(actor, CANDIDATE)
    with svc.uow() as uow:
        subject = uow.repo.subject(actor.id)
        if subject is None:
            raise NotFound("no such candidate", key="not_found.candidate", field="subject_id")
        cases = []
        for case in uow.repo.cases_where(t.cases.c.subject_id == actor.id):
            if case["state"] == S.DESTROYED:
                certificate = uow.repo.certificate(case["pseudonym"])
                cases.append(
                    {
                        "case_id": case["id"],
                        "state": case["state"],
                        "certificate": json.loads(certificate["body"]) if certificate else None,
                    }
                )
                continue
            report = uow.repo.report(case)
            row = uow.repo.authorization(case["id"])
            item = {
                "case_id": case["id"],
                "state": case["state"],
                "employer": case["employer_id"],
                "requested_categories": json.loads(case["requested"]),
                # what the employer entered to invite them (issue 13 items 1-2)
                "name_as_entered": uow.repo.case_candidate_name(case),
                "contact": uow.repo.case_contact(case),
                "claims": live_claims(uow.repo.claims(case)),
                "authorization": None
                if row is None
                else {
                    "text": uow.repo.authorization_text(case, row),
                    "text_sha256": row["text_sha256"],
                    "categories": json.loads(row["categories"]),
                    "sensitive_categories_consented": json.loads(row["sensitive"]),
                    "signed_at": row["signed_at"].isoformat(),
                    "expires_at": row["expires_at"].isoformat(),
                    "revoked_at": row["revoked_at"].isoformat() if row["revoked_at"] else None,
                },
                "records": uow.repo.records(case),
                "report": report,
                "disputes": dispute_summaries(uow, case),
                # 补充材料: the notes and answers (the files' own bytes stay on the page
                # that shows them: each is listed by name, type and size)
                "supplements": [
                    {
                        **s,
                        "files": [
                            {k: f[k] for k in ("filename", "content_type", "size")}
                            for f in uow.repo.evidence_files(case)
                            if f["dispute_id"] == s["id"]
                        ],
                    }
                    for s in uow.repo.supplements(case)
                ],
                "decision": uow.repo.decision(case),
                "notices": uow.repo.notices(case),
            }
            cases.append(item)
            if report is not None:
                log_read(svc, uow, case, actor, why="export", reason=ReasonCode.CANDIDATE_REVIEW)
        document = {
            "subject": {
                "id": subject["id"],
                "pseudonym": subject["pseudonym"],
                **uow.repo.subject_identity(subject),
            },
            "cases": cases,
        }
        uow.commit()
    exported: dict[str, Any] = json.loads(json.dumps(document, ensure_ascii=False, default=_iso))
    return exported


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def request_deletion(svc: Services, actor: Actor) -> list[str]:
    """The candidate asks for deletion: every case becomes due within 15 days (PIPL
    art. 47); open disputes and legal holds defer it, with the reason recorded."""
    require_role(actor, CANDIDATE)
    now = svc.now()
    affected = []
    with svc.uow() as uow:
        subject = uow.repo.subject(actor.id)
        if subject is None:
            raise NotFound("no such candidate", key="not_found.candidate", field="subject_id")
        # Asking again changes nothing: the first request's 15 days keep running (a second
        # request must not push the destruction later).
        uow.repo.update_subject(
            actor.id, deletion_requested_at=subject["deletion_requested_at"] or now
        )
        for case in uow.repo.cases_where(
            t.cases.c.subject_id == actor.id, t.cases.c.state != S.DESTROYED.value
        ):
            if case["deletion_requested_at"] is not None:
                affected.append(str(case["id"]))
                continue
            due = destruction_due(
                svc.config.retention,
                tier=Tier(case["tier"]),
                outcome=Outcome(case["outcome"]) if case["outcome"] else None,
                decided_at=case["decided_at"] if case["decided_at"] else None,
                deletion_requested_at=now,
            )
            uow.repo.update_case(
                case["id"], deletion_requested_at=now, destruction_due=due, updated_at=now
            )
            log_event(svc, uow, EventType.DELETION_REQUESTED, case, actor, due=due)
            affected.append(str(case["id"]))
        uow.commit()
    return affected


def set_legal_hold(svc: Services, actor: Actor, case_id: str, *, hold: bool) -> None:
    """An operator places or lifts a legal hold; destruction waits while it stands. Both
    are logged: a lift is a ``retention.hold`` of the same reason that expires as it is
    written, so the audit knows the case is due again (without it, the hold would excuse
    any delay for ever)."""
    require_role(actor, ActorRole.OPERATOR)
    now = svc.now()
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        if bool(case["legal_hold"]) == hold:
            return  # nothing changes, nothing to log
        uow.repo.update_case(case["id"], legal_hold=hold, updated_at=now)
        log_event(
            svc,
            uow,
            EventType.RETENTION_HOLD,
            case,
            actor,
            reason=ReasonCode.LEGAL_HOLD,
            expires_at=None if hold else now,
        )
        uow.commit()


HOLD_REASONS = {
    HoldReason.OPEN_DISPUTE: ReasonCode.PENDING_DISPUTE,
    HoldReason.LEGAL_HOLD: ReasonCode.LEGAL_HOLD,
}


@dataclass(frozen=True, slots=True)
class PurgeResult:
    destroyed: tuple[str, ...]
    held: tuple[tuple[str, str], ...]
    due: tuple[str, ...]  # with dry_run: what would be destroyed


def purge(svc: Services, *, dry_run: bool = False, batch: int = 500) -> PurgeResult:
    """Destroy every case that is due (crypto-shredding + row deletion + ``data.destroyed``
    + a destruction certificate); a pending dispute or a legal hold defers it with a
    ``retention.hold`` entry. Subjects who asked for deletion and have no live case left
    are shredded too. Runs in batches, each its own transaction."""
    destroyed: list[str] = []
    held: list[tuple[str, str]] = []
    would: list[str] = []
    now = svc.now()
    with svc.uow() as uow:
        # One indexed scan for the due ids; the batches then read their rows by id.
        due_ids = uow.repo.due_case_ids(now, exclude_state=S.DESTROYED.value)
    for first in range(0, len(due_ids), batch):
        with svc.uow() as uow:
            # Locked, and read again as committed: a purge running beside this one (a
            # worker's, the CLI's) that destroyed some of them first leaves them
            # destroyed, and this one skips them (issue 16: 4 of 287 concurrent purges
            # failed with InvalidTransition, destroying a destroyed case).
            due_cases = [
                case
                for case in uow.repo.cases_by_ids(due_ids[first : first + batch], lock=not dry_run)
                if case["state"] != S.DESTROYED.value
            ]
            open_counts = uow.repo.open_dispute_counts([str(c["id"]) for c in due_cases])
            doomed: list[tuple[RowMapping, ReasonCode]] = []
            for case in due_cases:
                action = purge_action(
                    due=case["destruction_due"],
                    now=now,
                    open_dispute=open_counts.get(str(case["id"]), 0) > 0,
                    legal_hold=bool(case["legal_hold"]),
                )
                if action is False:
                    continue
                if isinstance(action, HoldReason):
                    held.append((str(case["id"]), action.value))
                    if not dry_run and case["hold_logged"] != action.value:
                        # one retention.hold per reason, not one per scheduler run
                        uow.repo.update_case(case["id"], hold_logged=action.value)
                        log_event(
                            svc,
                            uow,
                            EventType.RETENTION_HOLD,
                            case,
                            SYSTEM,
                            reason=HOLD_REASONS[action],
                        )
                    continue
                if dry_run:
                    would.append(str(case["id"]))
                    continue
                reason = (
                    ReasonCode.DELETION_REQUEST
                    if case["deletion_requested_at"]
                    else ReasonCode.RETENTION_EXPIRED
                )
                doomed.append((case, reason))
            if not dry_run:
                _destroy_many(svc, uow, doomed, SYSTEM)
                destroyed.extend(str(case["id"]) for case, _ in doomed)
            if not dry_run:
                uow.commit()  # a dry run leaves the unit of work to roll back
    if not dry_run:
        _shred_departed_subjects(svc)
        if destroyed:
            # What was destroyed must leave the files themselves, not linger in the WAL
            # (secure_delete zeroes the rows; adapters/db/engine.py).
            for engine in (svc.engine, svc.key_engine):
                if engine is not None:
                    checkpoint_wal(engine)
    return PurgeResult(tuple(destroyed), tuple(held), tuple(would))


def destroy_case(
    svc: Services, uow: SqlUnitOfWork, case: RowMapping, actor: Actor, *, reason: ReasonCode
) -> None:
    _destroy_many(svc, uow, [(case, reason)], actor)


CONTENT_DESTROYED = ["records", "report", "disputes", "decision", "notices", "authorization"]


def _last_commitment_key(uow: SqlUnitOfWork, pseudonym: str) -> bytes:
    """The case's commitment key for its last entries; a case whose keys are already gone
    (its subject's key shredded) commits under a key nobody keeps: unopenable, as every
    other commitment of the case already is."""
    try:
        return uow.commitment_key(pseudonym)
    except KeyDestroyed:
        return secrets.token_bytes(32)


def _destroy_many(
    svc: Services,
    uow: SqlUnitOfWork,
    cases: Sequence[tuple[RowMapping, ReasonCode]],
    actor: Actor,
) -> None:
    """Destroy cases (PRODUCT.md P6), set-based so a purge of many stays fast:

    1. check each case may end (an undecided case is withdrawn first, then destroyed);
    2. crypto-shred the case keys: every ciphertext of the cases becomes unreadable;
    3. delete the content rows and mark the cases destroyed (the case row stays as a
       tombstone of ids, pseudonym, state and times);
    4. log ``data.destroyed`` for each, and keep a certificate naming its entry (its pending
       id; the index once the sequencer integrated it).
    """
    if not cases:
        return
    now = svc.now()
    for case, _ in cases:
        state = CaseState(case["state"])
        if state not in (S.DECIDED, S.ARCHIVED, S.WITHDRAWN, S.EXPIRED):
            state = transition(state, S.WITHDRAWN)
        transition(state, S.DESTROYED)
    ids = [str(case["id"]) for case, _ in cases]
    pseudonyms = [str(case["pseudonym"]) for case, _ in cases]
    records = uow.repo.record_counts(ids)
    # The destruction's own entries still commit under each case's key, read before the
    # keys go; after this, no commitment of these cases can ever be opened (§6).
    commitment_keys = {p: _last_commitment_key(uow, p) for p in pseudonyms}
    uow.keys.destroy_many(KeyKind.CASE, pseudonyms)
    # The light, the outcome and whether it was adverse go too: they are the report's and
    # the decision's results, and the case row keeps none of them (PRODUCT.md P6).
    uow.repo.delete_content_many(
        ids,
        pseudonyms,
        state=S.DESTROYED.value,
        updated_at=now,
        light=None,
        outcome=None,
        adverse=None,
        adverse_wait_ends=None,
    )
    certificates: list[tuple[int, dict[str, Any]]] = []
    for case, reason in cases:
        count = records.get(str(case["id"]), 0)
        due = case["destruction_due"] if case["destruction_due"] else None
        position = log_event(
            svc,
            uow,
            EventType.DATA_DESTROYED,
            case,
            actor,
            payload={"records": count, "reason": reason.value},
            commitment_key=commitment_keys[str(case["pseudonym"])],
            reason=reason,
            due=due,
        )
        certificates.append(
            (
                position,
                {
                    "id": new_id("crt"),
                    "case_pseudonym": case["pseudonym"],
                    "subject_pseudonym": svc.pseudonym("subj", case["subject_id"]),
                    "destroyed_at": now,
                    # Known once the sequencer integrates the entry; until then the
                    # certificate names its pending id (destruction_certificate).
                    "ledger_index": None,
                    "body": dump_json(
                        {
                            "case": case["pseudonym"],
                            "destroyed_at": now.isoformat(),
                            "what": {
                                "categories": json.loads(case["requested"]),
                                "records": count,
                                "content": CONTENT_DESTROYED,
                            },
                            "method": "crypto-shredding (case key destroyed) and deletion of rows",
                            "reason": reason.value,
                        }
                    ),
                },
            )
        )

    def keep_certificates(pending_ids: list[int]) -> None:
        uow.repo.add_certificates(
            [{**row, "ledger_pending_id": pending_ids[position]} for position, row in certificates]
        )

    uow.after_queue(keep_certificates)


def _shred_departed_subjects(svc: Services) -> None:
    with svc.uow() as uow:
        subjects = (
            uow.connection.execute(
                sa.select(t.subjects).where(t.subjects.c.deletion_requested_at.is_not(None))
            )
            .mappings()
            .all()
        )
        for subject in subjects:
            live = uow.repo.cases_where(
                t.cases.c.subject_id == subject["id"], t.cases.c.state != S.DESTROYED.value
            )
            if live:
                continue
            # The row stays for the cases' tombstones; its identity is gone twice over:
            # the subject key is shredded and the ciphertext itself is wiped.
            uow.cipher.shred_subject(subject["pseudonym"])
            uow.repo.delete_self_identification(subject["id"])
            uow.repo.update_subject(
                subject["id"], identity_ct=b"", lookup=f"deleted:{subject['id']}"
            )
        uow.commit()


def destruction_certificate(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    """The certificate of a destroyed case, with a C2SP ``tlog-proof`` receipt: the
    inclusion proof of its ``data.destroyed`` entry and a signed checkpoint, verifiable
    offline with the log's public key."""
    require_role(actor, CANDIDATE)
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id, allow_destroyed=True)
        row = uow.repo.certificate(case["pseudonym"])
        if row is None:
            raise NotFound(
                "the case has not been destroyed", key="not_found.not_destroyed", field="case_id"
            )
        index = row["ledger_index"]
        if index is None:
            index = pending_index(uow.connection, int(row["ledger_pending_id"]))
        if index is None:
            raise LedgerPending(
                "the destruction is not yet in the log; ask again in a few seconds",
                field="case_id",
                key="ledger_pending.destruction_not_yet_log_ask",
            )
        log = uow.ledger()
        checkpoint = log.latest_checkpoint()
        if checkpoint is None or checkpoint.size <= index:
            checkpoint = log.publish(svc.signer, now=svc.now())
        proof = log.inclusion_proof(index, checkpoint.size)
        entry = log.entry(index)
        uow.commit()
    certificate: dict[str, Any] = json.loads(row["body"])
    certificate["ledger_index"] = index
    certificate["ledger_pending_id"] = row["ledger_pending_id"]
    # The checkpoint with the witnesses' cosignatures received so far (C2SP tlog-witness):
    # a receipt a regulator can check against their keys as well as the log's.
    certificate["receipt"] = make_tlog_proof(index, proof.proof, checkpoint.cosigned_note)
    certificate["entry"] = entry.decode("utf-8")
    certificate["log_key"] = svc.signer.verifier.vkey
    return certificate


def rotate_keys(
    svc: Services, actor: Actor, *, to_key_id: str | None = None, retire: bool = False
) -> RotationReport:
    """Re-key every subject under the current (or named) master key (PRODUCT.md P5), and
    with ``retire`` retire every other master key nothing is wrapped under any more. The
    API (``POST /v1/keys/rotation``) and the CLI (``keys rotate``) both come here.

    1. one transaction: record the target as current in the key store, then re-key every
       subject not under it (``crypto.rotate_master_key``); a crash rolls it back and a
       re-run takes it up again;
    2. with ``retire``, a second transaction, once every process sees the target as
       current: re-key what was wrapped meanwhile under an older key, count what each
       older key still wraps, and retire those that wrap nothing
       (``crypto.retire_master_key`` counts again); a key still in use is kept and named
       in the report, never retired.
    """
    require_role(actor, ActorRole.OPERATOR, ActorRole.SYSTEM)
    with svc.uow() as uow:
        report = rotate_master_key(svc.key_provider, uow.keys, to_key_id=to_key_id)
        uow.commit()
    if not retire:
        return report
    retired: list[str] = []
    kept: list[tuple[str, int]] = []
    with svc.uow() as uow:
        stragglers = rotate_master_key(svc.key_provider, uow.keys, to_key_id=report.to_key_id)
        for key_id in sorted(svc.key_provider.key_ids() - {report.to_key_id}):
            still = uow.keys.count_wrapped_by(KeyKind.SUBJECT, key_id)
            if still:
                kept.append((key_id, still))
            else:
                retire_master_key(svc.key_provider, uow.keys, key_id)
                retired.append(key_id)
        uow.commit()
    return replace(
        report,
        rewrapped=report.rewrapped + stragglers.rewrapped,
        case_keys=report.case_keys + stragglers.case_keys,
        skipped=stragglers.skipped,
        failed=stragglers.failed,
        retired=tuple(retired),
        kept=tuple(kept),
    )
