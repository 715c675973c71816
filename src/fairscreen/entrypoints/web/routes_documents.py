"""The candidate's documents as PDF (issue 14 item 4): the report copy, the authorization
as signed, the pre-adverse and adverse-action notices, the consent receipt and the
destruction certificate, in the reader's language (zh-Hans, en, zh-Hant).

Each is the same data as its page or JSON download (:mod:`fairscreen.services.documents`)
through a template of ``templates/documents/``, printed by WeasyPrint with the Noto CJK
fonts embedded (:mod:`fairscreen.adapters.pdf`). The same access rules hold: the
candidate's own case only (another's is a 404, as on the pages), listed in
``PAGE_ROLES``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from starlette.concurrency import run_in_threadpool

from fairscreen.adapters.pdf import html_to_pdf
from fairscreen.entrypoints.web.policy import Page, page_context
from fairscreen.entrypoints.web.render import WebRoute, attachment, environment
from fairscreen.services import documents
from fairscreen.services.context import Actor

router = APIRouter(prefix="/candidate", route_class=WebRoute, include_in_schema=False)
PageDep = Annotated[Page, Depends(page_context)]
CaseId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]

#: Font stacks per language: the CJK face of the reader's script first, so a character
#: shared by both scripts takes the right glyph (Debian's fonts-noto-cjk has both).
FONTS = {
    "zh-Hans": '"Noto Sans CJK SC", "Noto Sans CJK TC", "DejaVu Sans", sans-serif',
    "zh-Hant": '"Noto Sans CJK TC", "Noto Sans CJK SC", "DejaVu Sans", sans-serif',
    "en": '"DejaVu Sans", "Noto Sans CJK SC", sans-serif',
}


def _actor(page: Page) -> Actor:
    assert page.principal is not None  # the policy check let only a candidate in
    return page.principal.actor


def render_pdf(page: Page, template: str, case_id: str, **values: Any) -> bytes:
    """The document ``template`` for ``case_id`` as a PDF in the reader's language."""
    html = environment.get_template(f"documents/{template}.html").render(
        page=page,
        t=page.t,
        lang=page.lang,
        fonts=FONTS[page.lang],
        case_id=case_id,
        issued=page.services.now(),
        **values,
    )
    return html_to_pdf(html, title=page.t(f"doc.{template}.title"))


async def _pdf(
    page: Page, case_id: str, template: str, filename: str, build: Callable[[], dict[str, Any]]
) -> Response:
    """Gather the data (the service checks who may see it), then print it off the event
    loop: a PDF takes a few hundred milliseconds of CPU."""

    def make() -> bytes:
        return render_pdf(page, template, case_id, **build())

    body = await run_in_threadpool(make)
    return attachment(
        page, body, filename=f"{filename}-{case_id}.pdf", media_type="application/pdf"
    )


@router.get("/cases/{case_id}/report.pdf")
async def report_pdf(page: PageDep, case_id: CaseId) -> Response:
    actor = _actor(page)
    return await _pdf(
        page,
        case_id,
        "report",
        "report",
        lambda: {"result": documents.report_copy(page.services, actor, case_id)},
    )


@router.get("/cases/{case_id}/authorization.pdf")
async def authorization_pdf(page: PageDep, case_id: CaseId) -> Response:
    actor = _actor(page)
    return await _pdf(
        page,
        case_id,
        "authorization",
        "authorization",
        lambda: {"doc": documents.signed_authorization(page.services, actor, case_id)},
    )


@router.get("/cases/{case_id}/pre-adverse-notice.pdf")
async def pre_adverse_pdf(page: PageDep, case_id: CaseId) -> Response:
    actor = _actor(page)

    def build() -> dict[str, Any]:
        notice = documents.pre_adverse_notice(page.services, actor, case_id)
        return {"doc": notice, "result": notice["report"], "rights": notice["rights"]}

    return await _pdf(page, case_id, "pre_adverse", "pre-adverse-notice", build)


@router.get("/cases/{case_id}/adverse-action-notice.pdf")
async def adverse_pdf(page: PageDep, case_id: CaseId) -> Response:
    actor = _actor(page)
    return await _pdf(
        page,
        case_id,
        "adverse",
        "adverse-action-notice",
        lambda: {"doc": documents.adverse_action_notice(page.services, actor, case_id)},
    )


@router.get("/cases/{case_id}/consent-receipt.pdf")
async def receipt_pdf(page: PageDep, case_id: CaseId) -> Response:
    actor = _actor(page)

    def build() -> dict[str, Any]:
        receipt = documents.consent_receipt(page.services, actor, case_id)
        consented = datetime.fromtimestamp(receipt["consentTimestamp"], UTC)
        return {"doc": receipt, "consented_at": consented}

    return await _pdf(page, case_id, "receipt", "consent-receipt", build)


@router.get("/cases/{case_id}/certificate.pdf")
async def certificate_pdf(page: PageDep, case_id: CaseId) -> Response:
    actor = _actor(page)
    return await _pdf(
        page,
        case_id,
        "certificate",
        "destruction-certificate",
        lambda: {"doc": documents.destruction_certificate(page.services, actor, case_id)},
    )
