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
from fairscreen.services.context import Actor, Services

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


Build = Callable[[Services, Actor, str], dict[str, Any]]


def _report(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    return {"result": documents.report_copy(svc, actor, case_id)}


def _authorization(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    return {"doc": documents.signed_authorization(svc, actor, case_id)}


def _pre_adverse(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    return {"doc": documents.pre_adverse_notice(svc, actor, case_id)}


def _adverse(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    return {"doc": documents.adverse_action_notice(svc, actor, case_id)}


def _receipt(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    receipt = documents.consent_receipt(svc, actor, case_id)
    return {
        "doc": receipt,
        "consented_at": datetime.fromtimestamp(receipt["consentTimestamp"], UTC),
    }


def _certificate(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    return {"doc": documents.destruction_certificate(svc, actor, case_id)}


#: ``/candidate/cases/{case_id}/<file name>.pdf`` → its template and its data.
DOCUMENTS: dict[str, tuple[str, Build]] = {
    "report": ("report", _report),
    "authorization": ("authorization", _authorization),
    "pre-adverse-notice": ("pre_adverse", _pre_adverse),
    "adverse-action-notice": ("adverse", _adverse),
    "consent-receipt": ("receipt", _receipt),
    "certificate": ("certificate", _certificate),
}


def _endpoint(name: str, template: str, build: Build) -> Callable[..., Any]:
    async def document(page: PageDep, case_id: CaseId) -> Response:
        """Gather the data (the service checks who may see it), then print it off the
        event loop: a PDF takes a few hundred milliseconds of CPU."""
        actor = _actor(page)

        def make() -> bytes:
            return render_pdf(page, template, case_id, **build(page.services, actor, case_id))

        body = await run_in_threadpool(make)
        filename = f"{name}-{case_id}.pdf"
        return attachment(page, body, filename=filename, media_type="application/pdf")

    document.__name__ = f"{template}_pdf"
    return document


for _name, (_template, _build) in DOCUMENTS.items():
    router.add_api_route(
        f"/cases/{{case_id}}/{_name}.pdf", _endpoint(_name, _template, _build), methods=["GET"]
    )
