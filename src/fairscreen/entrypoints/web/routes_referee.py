"""The referee's questionnaire (PRODUCT.md P3; issue 15 item 4): a person with no account,
holding a single-use link that expires. The page says who asks and why, asks the
questions in the referee's language, and says before they write that comments about
private life, health, family and the like are removed (the Wang judgment). A removed
comment is named with its topic, nothing is stored yet, and the referee may rewrite it.

The link's token is the only credential: the pages are public in the policy table and
each one checks the token through the service (unknown, used, expired or closed links
get a page that says which: 404 for an unknown one, 410 for the others). Forms carry the
session's CSRF token like every other form; the language is the invitation's unless the
referee picks another.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response

from fairscreen.domain.errors import InvalidInput, ReferenceLinkInvalid
from fairscreen.domain.questionnaire import DroppedComment
from fairscreen.entrypoints.web.policy import Page, page_context
from fairscreen.entrypoints.web.render import WebRoute, refusal, render
from fairscreen.services import references

router = APIRouter(prefix="/referee", route_class=WebRoute, include_in_schema=False)
PageDep = Annotated[Page, Depends(page_context)]
Token = Annotated[str, Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


def _link_refused(page: Page, error: ReferenceLinkInvalid) -> Response:
    """404 for a link that never was (or whose case is gone), 410 for one that was."""
    status = 404 if error.reason == "unknown" else 410
    return render(page, "referee/link.html", status=status, reason=error.reason)


def _form(
    page: Page,
    token: str,
    form: references.RefereeForm,
    *,
    status: int = 200,
    values: dict[str, Any] | None = None,
    dropped: tuple[DroppedComment, ...] = (),
    error: InvalidInput | None = None,
) -> Response:
    if not page.lang_from_query:
        page.lang = form.lang  # the invitation's language, unless the referee chose one
    return render(
        page,
        "referee/form.html",
        status=status,
        token=token,
        form=form,
        q=form.questionnaire,
        values=values or {"relation": "", "choices": {}, "comments": {}},
        dropped={d.question: d.topic for d in dropped},
        error=None if error is None else refusal(page, error),
    )


def _opened(page: Page, token: str) -> references.RefereeForm | Response:
    """The form behind the link, or the page that says why the link cannot be used."""
    try:
        return references.open_invitation(page.services, token)
    except ReferenceLinkInvalid as refused:
        return _link_refused(page, refused)


@router.get("/{token}")
def questionnaire(page: PageDep, token: Token) -> Response:
    form = _opened(page, token)
    return form if isinstance(form, Response) else _form(page, token, form)


@router.post("/{token}")
def answer(page: PageDep, token: Token) -> Response:
    form = _opened(page, token)
    if isinstance(form, Response):
        return form
    ids = [question.id for question in form.questionnaire.questions]
    relation = page.field("relation")
    choices = {i: page.field(f"answer.{i}") for i in ids if page.field(f"answer.{i}")}
    comments = {i: page.field(f"comment.{i}") for i in ids if page.field(f"comment.{i}")}
    values: dict[str, Any] = {"relation": relation, "choices": choices, "comments": comments}
    try:
        submitted = references.submit_answers(
            page.services, token, relation=relation, choices=choices, comments=comments
        )
    except ReferenceLinkInvalid as refused:
        return _link_refused(page, refused)
    except InvalidInput as error:
        return _form(page, token, form, status=422, values=values, error=error)
    if not submitted.stored:
        # The removed comment is not sent back: the form holds the rest, the referee
        # rewrites it about the work or leaves it out.
        for removed in submitted.answers.dropped:
            comments.pop(removed.question, None)
        return _form(
            page, token, form, status=422, values=values, dropped=submitted.answers.dropped
        )
    return render(page, "referee/thanks.html", form=form)
