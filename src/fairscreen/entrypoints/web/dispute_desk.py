"""Answering a candidate's disputes and supplementary documents on a portal (PRODUCT.md
P4): the agency desk for its cases, and the employer console for the cases it checks
itself ("不委托机构（由本单位核查）", issue 13 item 4). One set of forms
(``templates/_disputes.html``, ``_supplements.html``, ``_correction.html``) and one set of
handlers, over one service each (``review.resolve_dispute``,
``supplements.answer_supplement``), and one set of routes (:func:`add_verifier_routes`),
which each portal's router takes under its own prefix.

A correction comes as the structured form of the records held (``record_form.py``),
turned into records here and validated by the service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Response
from fastapi.responses import StreamingResponse

from fairscreen.domain.errors import FairscreenError, InvalidInput, InvalidTransition, NotFound
from fairscreen.entrypoints.web import record_form
from fairscreen.entrypoints.web.policy import Page, page_context
from fairscreen.entrypoints.web.render import attachment, finish, redirect, refusal
from fairscreen.services import evidence_checks, evidence_files, portal_queries, review, supplements
from fairscreen.services.context import Actor


def _actor(page: Page) -> Actor:
    assert page.principal is not None
    return page.principal.actor


#: what an answer's refusal comes back with on the case page (not a page of its own)
REFUSALS = (InvalidInput, InvalidTransition)


def answer_refusal(page: Page, refused: FairscreenError, form_id: str) -> dict[str, Any]:
    """A refused answer (to dispute or supplement ``form_id``), for the case page: the
    field it is shown beside, its text in the reader's language (marked English where
    the catalogue has none) and everything typed, to fill the form again."""
    return refusal(page, refused, form=form_id, typed=page.typed())


def _desk(page: Page, case_id: str, *, answering: bool = False) -> portal_queries.DisputeDesk:
    """The case's disputes for its verifier, read (and logged) once in the request;
    ``answering``: for an answer, refused as the answer is (403, whatever its outcome)."""
    return page.read_once(
        ("dispute_desk", case_id),
        lambda: portal_queries.dispute_desk(
            page.services, _actor(page), case_id, answering=answering
        ),
    )


def desk_context(page: Page, case_id: str) -> dict[str, Any]:
    """What ``_disputes.html`` needs: the disputes, the disputed findings, each open
    dispute's records and evidence, and the sources a correction may name."""
    desk = _desk(page, case_id)
    held = _dispute_records(page, desk)
    configured = record_form.configured_source(page.services.sources)
    return {
        "desk": desk,
        "data_fields": record_form.data_fields,
        "dispute_records": held,
        "matched_by": record_form.MATCHED_BY,
        "sources": {d: record_form.record_sources(r, configured) for d, r in held.items()},
    }


def _dispute_records(
    page: Page, desk: portal_queries.DisputeDesk
) -> dict[str, list[dict[str, Any]]]:
    """Per open dispute, the records its correction form shows (``record_form.form_records``:
    a new one, prefilled from the claim, when the finding has none)."""
    configured = record_form.configured_source(page.services.sources)
    return {
        d: record_form.form_records(f.records, desk.findings.get(f.finding_id), f.claim, configured)
        for d, f in desk.files.items()
    }


def resolve(page: Page, case_id: str, dispute_id: str) -> None:
    """Answer a dispute as the form says: upheld, corrected (with the corrected records)
    or removed."""
    outcome = page.field("outcome")
    corrected: list[dict[str, Any]] = []
    if outcome == "corrected":
        corrected = corrected_records(page, case_id, dispute_id)
    review.resolve_dispute(
        page.services,
        _actor(page),
        case_id,
        dispute_id,
        outcome=outcome,
        answer=page.field("answer"),
        corrected_records=corrected,
    )


def corrected_records(page: Page, case_id: str, dispute_id: str) -> list[dict[str, Any]]:
    """The records the correction form describes, for the open dispute's finding."""
    held = _dispute_records(page, _desk(page, case_id, answering=True)).get(dispute_id, [])
    sources = record_form.record_sources(held, record_form.configured_source(page.services.sources))
    return record_form.corrected_records(page.field, held, sources)


def evidence(page: Page, case_id: str, dispute_id: str) -> Response:
    """The candidate's evidence packed into the dispute's text, as an attachment (never
    rendered inline)."""
    found = _desk(page, case_id).files.get(dispute_id)
    if found is None or found.evidence is None or not found.evidence.get("data"):
        raise NotFound("no such evidence", key="not_found.evidence")
    media = found.evidence["content_type"]
    suffix = evidence_files.EVIDENCE_TYPES.get(media, ".bin")
    return attachment(page, found.evidence["data"], filename=f"evidence{suffix}", media_type=media)


def verifier_file(
    page: Page,
    case_id: str,
    owner: Literal["dispute", "supplement"],
    owner_id: str,
    file_id: str,
) -> Response:
    """A dispute's or a supplement's file of up to 10 MB, as an attachment (never rendered
    inline), sent chunk by chunk as it was stored: held in memory once, never joined into
    a copy."""
    found, chunks = evidence_checks.verifier_file(
        page.services, _actor(page), case_id, owner=owner, owner_id=owner_id, file_id=file_id
    )
    media = found["content_type"]
    suffix = evidence_files.FILE_TYPES.get(media, ".bin")
    response = StreamingResponse(iter(chunks), media_type=media)
    response.headers["Content-Length"] = str(found["size"])
    response.headers["Content-Disposition"] = f'attachment; filename="evidence{suffix}"'
    return finish(page, response)


#: the states in which the verifier's page lists the candidate's supplements
SUPPLEMENT_STATES = frozenset(str(state) for state in supplements.SUPPLY_STATES)


def open_items(
    page: Page,
    case_id: str,
    state: str,
    refused: dict[str, Any] | None = None,
    *,
    verifier: bool = True,
) -> dict[str, Any]:
    """What the verifier's case page lists to answer, whichever are open at once: the
    disputes (while disputed) and the supplements. A supplement sent in review stays
    open while the candidate's disputes freeze the case: listed (the queue counts it),
    answered once the disputes are, when the report has been rated again. ``refused``:
    an answer just refused (``answer_refusal``), shown on its form. Not the
    ``verifier`` (the employer of an agency's case): nothing to answer is listed."""
    found: dict[str, Any] = {
        "desk": None,
        "supplied": [],
        "supplements_answerable": False,
        "answer_error": refused,
    }
    if not verifier:
        return found
    if state == "disputed":
        found |= desk_context(page, case_id)
    if state in SUPPLEMENT_STATES or state == "disputed":
        found |= supplements_context(page, case_id)
        found["supplements_answerable"] = state in SUPPLEMENT_STATES
    return found


def supplements_context(page: Page, case_id: str) -> dict[str, Any]:
    """What ``_supplements.html`` needs: the supplements (none: the section is left out)
    and, per open one, the sources a correction of its finding's records may name."""
    listed = _supplements_with_forms(page, case_id)
    configured = record_form.configured_source(page.services.sources)
    return {
        "supplied": listed,
        "data_fields": record_form.data_fields,
        "matched_by": record_form.MATCHED_BY,
        "supplement_sources": {
            s["id"]: record_form.record_sources(s["form_records"], configured) for s in listed
        },
    }


def _supplements_with_forms(
    page: Page, case_id: str, *, answering: bool = False
) -> list[dict[str, Any]]:
    """The case's supplements for its verifier, each open one with the records its
    re-verification form shows (``record_form.form_records``); read (and logged) once in
    the request. ``answering``: as :func:`_desk`'s."""

    def read() -> list[dict[str, Any]]:
        listed = supplements.verifier_supplements(
            page.services, _actor(page), case_id, answering=answering
        )
        configured = record_form.configured_source(page.services.sources)
        for item in listed:
            item["form_records"] = record_form.form_records(
                item["records"], item["finding"], item["claim"], configured
            )
        return listed

    return page.read_once(("supplements", case_id), read)


def answer_supplement(page: Page, case_id: str, supplement_id: str) -> None:
    """Answer a supplement as the form says: re-verified (with the corrected records of
    its finding) or not sufficient (with the reason)."""
    outcome = page.field("outcome")
    corrected: list[dict[str, Any]] = []
    if outcome == supplements.SupplementOutcome.REVERIFIED:
        listed = _supplements_with_forms(page, case_id, answering=True)
        held: list[dict[str, Any]] = next(
            (s["form_records"] for s in listed if s["id"] == supplement_id), []
        )
        configured = record_form.configured_source(page.services.sources)
        sources = record_form.record_sources(held, configured)
        corrected = record_form.corrected_records(page.field, held, sources)
    supplements.answer_supplement(
        page.services,
        _actor(page),
        case_id,
        supplement_id,
        outcome=outcome,
        answer=page.field("answer"),
        corrected_records=corrected,
    )


PageDep = Annotated[Page, Depends(page_context)]
#: a case's, dispute's, supplement's or file's id in a path
ItemId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
#: the portal's case page with an answer just refused on its form (status 422)
RefusedPage = Callable[[Page, str, dict[str, Any]], Response]


def add_verifier_routes(router: APIRouter, refused_page: RefusedPage) -> None:
    """The verifier's routes on a portal's router (its prefix, ``/agency`` or
    ``/employer``, is the portal's): answer a dispute, open its evidence, answer a
    supplement, open its file. The services decide who may (``case_events.verifier_case``:
    the employer only on a case it checks itself); a refused answer comes back on the
    portal's case page beside its field, what was typed kept."""
    portal = router.prefix

    @router.post("/cases/{case_id}/disputes/{dispute_id}/resolution")
    def resolve_dispute(page: PageDep, case_id: ItemId, dispute_id: ItemId) -> Response:
        try:
            resolve(page, case_id, dispute_id)
        except REFUSALS as refused:
            return refused_page(page, case_id, answer_refusal(page, refused, dispute_id))
        return redirect(page, f"{portal}/cases/{case_id}?done=answered")

    @router.get("/cases/{case_id}/disputes/{dispute_id}/evidence")
    def dispute_evidence(page: PageDep, case_id: ItemId, dispute_id: ItemId) -> Response:
        """The evidence packed into the dispute, as an attachment (never inline)."""
        return evidence(page, case_id, dispute_id)

    @router.get("/cases/{case_id}/disputes/{dispute_id}/files/{file_id}")
    def dispute_file(
        page: PageDep, case_id: ItemId, dispute_id: ItemId, file_id: ItemId
    ) -> Response:
        """A dispute's evidence file of up to 10 MB, streamed as stored."""
        return verifier_file(page, case_id, "dispute", dispute_id, file_id)

    @router.post("/cases/{case_id}/supplements/{supplement_id}/answer")
    def supplement_answer(page: PageDep, case_id: ItemId, supplement_id: ItemId) -> Response:
        try:
            answer_supplement(page, case_id, supplement_id)
        except REFUSALS as refused:
            return refused_page(page, case_id, answer_refusal(page, refused, supplement_id))
        return redirect(page, f"{portal}/cases/{case_id}?done=supplement_answered")

    @router.get("/cases/{case_id}/supplements/{supplement_id}/files/{file_id}")
    def supplied_file(
        page: PageDep, case_id: ItemId, supplement_id: ItemId, file_id: ItemId
    ) -> Response:
        """A supplementary document, streamed as stored (never inline)."""
        return verifier_file(page, case_id, "supplement", supplement_id, file_id)
