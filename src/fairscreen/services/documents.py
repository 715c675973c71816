"""The documents a candidate keeps (背调报告, 授权书, 预告知书, 不录用通知, 同意回执,
销毁证明): the data of each, taken from the same use cases as the pages and the JSON
downloads, so a PDF can never say something the portal does not.

Each function is the candidate's own (the case must be theirs; another's looks missing),
and reading a document is logged as the page's read is (P5):

- :func:`report_copy`: the full report, as on the case page (``read_report``);
- :func:`signed_authorization`: the authorization text exactly as signed, its SHA-256
  as recorded when it was signed, and whether the stored text still hashes to it;
- :func:`pre_adverse_notice`: the employer's pre-adverse notice as sent (PRODUCT.md P4):
  the intended decision, the reasons it would rest on, the copy of the report as
  released, the waiting period's end and how to answer or supply what was missing;
- :func:`adverse_action_notice`: the notice sent with an adverse decision citing the
  report (reasons, rule ids, rights);
- :func:`consent_receipt`: the Kantara consent receipt;
- :func:`destruction_certificate`: the certificate with its ledger index, inclusion proof
  and the checkpoint it proves against (cosigned by the witnesses when they have), and
  the case id the candidate knows.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from fairscreen.domain.errors import NotFound
from fairscreen.ledger.checkpoint import parse_checkpoint_text, parse_tlog_proof
from fairscreen.ledger.entries import ActorRole
from fairscreen.ledger.note import parse_note
from fairscreen.services import authorization, portal_queries, retention, review
from fairscreen.services.case_cards import case_cards
from fairscreen.services.case_events import visible_case
from fairscreen.services.context import Actor, Services, require_role
from fairscreen.services.invitations import candidate_case_path


def report_copy(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    """The candidate's copy of the report, as the case page shows it."""
    require_role(actor, ActorRole.CANDIDATE)
    return review.read_report(svc, actor, case_id)


def signed_authorization(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    """The authorization as signed: text, language, time, validity, consented categories,
    the SHA-256 recorded at signing, and whether the kept text still hashes to it."""
    require_role(actor, ActorRole.CANDIDATE)
    with svc.reader() as uow:
        case = visible_case(uow, actor, case_id, allow_destroyed=False)
        row = uow.repo.authorization(case["id"])
        if row is None:
            raise NotFound(
                "no authorization signed for this case",
                key="not_found.authorization",
                field="case_id",
            )
        text = uow.repo.authorization_text(case, row)
    return {
        "case_id": case["id"],
        "text": text,
        "lang": row["lang"],
        "sha256": row["text_sha256"],
        "sha256_matches": hashlib.sha256(text.encode("utf-8")).hexdigest() == row["text_sha256"],
        "signed_at": row["signed_at"],
        "expires_at": row["expires_at"],
        "revoked_at": row["revoked_at"],
        "categories": json.loads(row["categories"]),
        "sensitive": json.loads(row["sensitive"]),
        "receipt_id": row["receipt_id"],
    }


def _latest_notice(
    svc: Services, actor: Actor, case_id: str, kind: str, missing: NotFound
) -> dict[str, Any]:
    """The latest notice of ``kind`` sent on the candidate's case, as kept (read as the
    case page reads it: ``portal_queries.case_notices``); ``missing`` is raised when none
    was sent."""
    require_role(actor, ActorRole.CANDIDATE)
    notices = [n for n in portal_queries.case_notices(svc, actor, case_id) if n["kind"] == kind]
    if not notices:
        raise missing
    notice = notices[-1]
    return {"case_id": case_id, "created_at": notice["created_at"], **notice["body"]}


def pre_adverse_notice(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    """The pre-adverse notice the employer sent (``decision.send_pre_adverse_notice``,
    PRODUCT.md P4), as kept: the intended decision, the employer's reason, the reasons and
    rule IDs it would rest on, the copy of the report as released (the employer's view,
    ``report_as_released``), the end of the waiting period and what the candidate may do
    in it; with the employer and the role it is about, and the address of the case page
    where the candidate answers or supplies what was missing (``case_url``)."""
    notice = _latest_notice(
        svc,
        actor,
        case_id,
        "pre_adverse",
        NotFound(
            "no pre-adverse notice was sent for this case",
            key="not_found.pre_adverse_notice",
            field="case_id",
        ),
    )
    card = case_cards(svc, actor, [case_id]).get(case_id)
    return {
        **notice,
        "employer": card.employer if card else None,
        "role": card.role if card else None,
        "case_url": svc.config.public_url.rstrip("/") + candidate_case_path(case_id),
    }


def adverse_action_notice(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    """The adverse-action notice sent with the decision (``record_decision``)."""
    return _latest_notice(
        svc,
        actor,
        case_id,
        "adverse_action",
        NotFound(
            "no adverse-action notice was sent for this case",
            key="not_found.adverse_notice",
            field="case_id",
        ),
    )


def consent_receipt(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    """The consent receipt (Kantara v1.1), with the case id the candidate knows."""
    return {"case_id": case_id, **authorization.consent_receipt(svc, actor, case_id)}


def destruction_certificate(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    """The destruction certificate: what was destroyed, when and why, the ``data.destroyed``
    entry's ledger index, its inclusion proof (base64 hashes), the signed checkpoint it
    proves against, the whole C2SP tlog-proof receipt and the log's key."""
    certificate = retention.destruction_certificate(svc, actor, case_id)
    proof = parse_tlog_proof(certificate["receipt"])
    note = proof.checkpoint_note
    checkpoint = parse_checkpoint_text(parse_note(note)[0])
    return {
        **certificate,
        "case_id": case_id,
        "proof": [base64.b64encode(h).decode() for h in proof.proof],
        "checkpoint": note,
        "tree_size": checkpoint.size,
        "root_hash": base64.b64encode(checkpoint.root).decode(),
        "leaf_hash": hashlib.sha256(b"\x00" + certificate["entry"].encode()).hexdigest(),
    }
