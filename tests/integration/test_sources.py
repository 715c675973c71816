"""Source adapters (PRODUCT.md P1, P3; issue 4 item 3) against a real HTTP server on the
loopback, and the file registry over the shipped synthetic fixtures.

Every failure of a source must come back as ``source_unavailable`` (so the category is
rated ``CHECK_INCOMPLETE``), never as an exception; the only exception is the refusal of a
query without a permit. Timeouts are small and backoff sleeps are recorded, not slept, so
the whole module runs in a few seconds.
"""

from __future__ import annotations

import copy
import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest

from fairscreen.adapters.sources import (
    BreakerState,
    CircuitBreaker,
    FileRegistrySource,
    HttpSource,
    QueryPermit,
    RetryPolicy,
    SourceAnswer,
    SourceQuery,
    SubjectIdentifiers,
    Timeouts,
    UnavailableReason,
    demo_fixtures,
    issue_permit,
)
from fairscreen.adapters.sources.recorded import RecordedSource
from fairscreen.domain.categories import Category, RecordStatus, SourceKind
from fairscreen.domain.errors import (
    AuthorizationExpired,
    AuthorizationMissing,
    AuthorizationRevoked,
    InvalidInput,
    ScopeViolation,
)
from fairscreen.domain.model import Authorization
from fairscreen.services.evaluation import evaluate_case
from local_http import serve_locally

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
CASE = "case-7f3a"

# Synthetic people only: area code 999999 belongs to no region.
LUO = SubjectIdentifiers("999999199001010016", "罗示例", date(1990, 1, 1))
ZHANG = SubjectIdentifiers("999999198803150032", "张示例", date(1988, 3, 15))
WANG = SubjectIdentifiers("999999198507200058", "王示例", date(1985, 7, 20))
CHEN = SubjectIdentifiers("99999919921130002x", "陈示例", date(1992, 11, 30))
NOBODY = SubjectIdentifiers("999999200001010097", "无此人", date(2000, 1, 1))

LITIGATION_RECORD = {
    "id": "lit-9",
    "category": "litigation",
    "source": {"id": "court-judgments", "kind": "registry"},
    "identity": {"national_id": LUO.national_id},
    "data": {
        "case_no": "(2020)示0000民初00009号",
        "case_type": "civil",
        "cause": "物业服务合同纠纷",
        "party_role": "co_defendant",
        "outcome": "judgment_against",
    },
}


def permit_for(
    *categories: Category, case: str = CASE, until: datetime | None = None
) -> QueryPermit:
    return QueryPermit(
        case=case,
        categories=frozenset(categories),
        valid_until=until or NOW + timedelta(minutes=10),
        authorization_ref="auth-1",
    )


def query(category: Category, subject: SubjectIdentifiers = LUO) -> SourceQuery:
    return SourceQuery(category=category, case=CASE, subject=subject)


# --- a real HTTP server on the loopback --------------------------------------------------------


@dataclass
class ServerState:
    hits: Counter[str] = field(default_factory=Counter)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    flaky_fails: bool = True


def _respond(handler: BaseHTTPRequestHandler, status: int, body: bytes, **headers: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(body)


def _ok(records: list[Any]) -> bytes:
    return json.dumps({"status": "ok", "records": records}).encode()


def make_handler(state: ServerState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass  # keep the test output clean

        def do_POST(self) -> None:
            mode = self.path.strip("/").split("/")[0]
            state.hits[mode] += 1
            state.paths.append(self.path)
            length = int(self.headers.get("Content-Length", "0"))
            state.bodies.append(json.loads(self.rfile.read(length) or b"{}"))
            other = copy.deepcopy(LITIGATION_RECORD)
            other.update(id="edu-9", category="education", data={"institution": "x"})
            if mode == "healthy":
                _respond(self, 200, _ok([LITIGATION_RECORD, other]))
            elif mode == "notfound":
                _respond(self, 200, b'{"status": "not_found"}')
            elif mode == "slow":
                time.sleep(0.6)
                _respond(self, 200, _ok([LITIGATION_RECORD]))
            elif mode == "error500":
                _respond(self, 500, b'{"error": "boom"}')
            elif mode == "busy":
                _respond(self, 503, b"{}", Retry_After="1")
            elif mode == "flaky":
                if state.flaky_fails:
                    _respond(self, 500, b"{}")
                else:
                    _respond(self, 200, _ok([LITIGATION_RECORD]))
            elif mode == "garbage":
                _respond(self, 200, b"\x00\xffnot json{{{")
            elif mode == "list":
                _respond(self, 200, b"[1, 2, 3]")
            elif mode == "badrecord":
                _respond(self, 200, _ok([{"id": "x", "category": "litigation"}]))
            elif mode == "baddata":
                broken = copy.deepcopy(LITIGATION_RECORD)
                del broken["data"]["outcome"]
                _respond(self, 200, _ok([broken]))
            elif mode == "claimsregistry":  # a witness source posing as a register
                _respond(self, 200, _ok([LITIGATION_RECORD]))
            elif mode == "huge":
                _respond(self, 200, _ok([LITIGATION_RECORD] * 200))
            elif mode == "reportsdown":
                _respond(self, 200, b'{"status": "source_unavailable"}')
            elif mode == "redirect":
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                _respond(self, 404, b"{}")

    return Handler


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, ServerState]]:
    state = ServerState()
    with serve_locally(make_handler(state)) as base:
        yield base, state


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


FAST = Timeouts(connect=0.5, read=0.2, write=0.5, pool=0.5, total=2.0)


def http_source(
    base: str,
    mode: str,
    *,
    breaker: CircuitBreaker | None = None,
    sleeps: list[float] | None = None,
    kinds: tuple[SourceKind, ...] = (SourceKind.REGISTRY,),
    **options: Any,
) -> HttpSource:
    return HttpSource(
        f"test-{mode}",
        f"{base}/{mode}/",
        categories=[Category.LITIGATION],
        kinds=kinds,
        timeouts=FAST,
        retry=RetryPolicy(attempts=3, base_delay=0.05, max_delay=0.5),
        breaker=breaker or CircuitBreaker(failure_threshold=5, reset_after=30, clock=FakeClock()),
        now=lambda: NOW,
        sleep=(sleeps if sleeps is not None else []).append,
        **options,
    )


def assert_unavailable(answer: SourceAnswer, reason: UnavailableReason) -> None:
    assert answer.status is RecordStatus.SOURCE_UNAVAILABLE
    assert answer.incomplete
    assert answer.reason is reason
    assert answer.records == ()
    [record] = answer.case_records()
    assert record["status"] == "source_unavailable" and record["category"] == "litigation"


# --- HTTP: the healthy path --------------------------------------------------------------------


def test_healthy_source_answers_records_of_the_queried_category(
    server: tuple[str, ServerState], case_schema_validator: Any
) -> None:
    base, state = server
    with http_source(base, "healthy") as source:
        answer = source.fetch(query(Category.LITIGATION), permit_for(Category.LITIGATION))
    assert answer.status is RecordStatus.OK and not answer.incomplete
    assert answer.attempts == 1
    assert [record["id"] for record in answer.records] == ["lit-9"]
    assert answer.discarded == 1  # the education record was dropped unread
    body = state.bodies[-1]
    assert body["schema"] == "fairscreen/source-query/v1" and body["category"] == "litigation"
    assert body["subject"]["national_id"] == LUO.national_id
    assert CASE not in json.dumps(body)  # the case pseudonym is not the source's business
    assert LUO.national_id not in state.paths[-1]  # identifiers travel in the body only
    assert "罗示例" not in repr(answer) and LUO.national_id not in repr(answer)
    case_schema_validator.validate(_case_document(answer.case_records()))


def test_explicit_not_found(server: tuple[str, ServerState]) -> None:
    base, _ = server
    with http_source(base, "notfound") as source:
        answer = source.fetch(query(Category.LITIGATION), permit_for(Category.LITIGATION))
    assert answer.status is RecordStatus.NOT_FOUND and not answer.incomplete
    assert answer.case_records()[0]["status"] == "not_found"


def test_a_category_the_source_does_not_hold(server: tuple[str, ServerState]) -> None:
    base, state = server
    before = sum(state.hits.values())
    with http_source(base, "healthy") as source:
        answer = source.fetch(query(Category.EDUCATION), permit_for(Category.EDUCATION))
    assert answer.reason is UnavailableReason.NOT_COVERED
    assert sum(state.hits.values()) == before


# --- HTTP: every failure is an answer --------------------------------------------------------


def test_slow_source_times_out_and_is_retried(server: tuple[str, ServerState]) -> None:
    base, _ = server
    sleeps: list[float] = []
    started = time.monotonic()
    with http_source(base, "slow", sleeps=sleeps) as source:
        answer = source.fetch(query(Category.LITIGATION), permit_for(Category.LITIGATION))
    assert_unavailable(answer, UnavailableReason.TIMEOUT)
    assert answer.attempts == 3 and len(sleeps) == 2
    assert time.monotonic() - started < 2.5  # three 0.2 s read timeouts, no real backoff


def test_500s_are_retried_then_unavailable(server: tuple[str, ServerState]) -> None:
    base, state = server
    sleeps: list[float] = []
    before = state.hits["error500"]
    with http_source(base, "error500", sleeps=sleeps) as source:
        answer = source.fetch(query(Category.LITIGATION), permit_for(Category.LITIGATION))
    assert_unavailable(answer, UnavailableReason.SERVER_ERROR)
    assert answer.detail == "HTTP 500"
    assert state.hits["error500"] - before == 3 == answer.attempts
    # full jitter: each wait within [0, min(cap, base * 2^n)]
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 0.05 and 0 <= sleeps[1] <= 0.1


def test_retry_after_is_honoured_up_to_the_cap(server: tuple[str, ServerState]) -> None:
    base, _ = server
    sleeps: list[float] = []
    with http_source(base, "busy", sleeps=sleeps) as source:
        answer = source.fetch(query(Category.LITIGATION), permit_for(Category.LITIGATION))
    assert_unavailable(answer, UnavailableReason.SERVER_ERROR)
    assert sleeps == [0.5, 0.5]  # Retry-After: 1, capped at max_delay


def test_a_retry_after_date_is_counted_on_the_sources_clock() -> None:
    """RFC 9110 §10.2.3: ``Retry-After`` may be an HTTP-date; the wait is measured from
    the source's injected clock, like every other time the source reads."""
    later = format_datetime(NOW + timedelta(seconds=2), usegmt=True)
    busy = httpx.MockTransport(lambda request: httpx.Response(503, headers={"Retry-After": later}))
    sleeps: list[float] = []
    with HttpSource(
        "test-date",
        "http://source.invalid/",
        categories=[Category.LITIGATION],
        retry=RetryPolicy(attempts=2, base_delay=0.01, max_delay=5.0),
        transport=busy,
        now=lambda: NOW,
        sleep=sleeps.append,
    ) as source:
        answer = source.fetch(query(Category.LITIGATION), permit_for(Category.LITIGATION))
    assert_unavailable(answer, UnavailableReason.SERVER_ERROR)
    assert sleeps == [2.0]


def test_the_breaker_opens_stops_calling_and_half_opens_after_the_cool_down(
    server: tuple[str, ServerState],
) -> None:
    base, state = server
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=4, reset_after=30, clock=clock)
    with http_source(base, "error500", breaker=breaker) as source:
        before = state.hits["error500"]
        first = source.fetch(query(Category.LITIGATION), permit_for(Category.LITIGATION))
        assert first.attempts == 3 and breaker.state is BreakerState.CLOSED
        second = source.fetch(query(Category.LITIGATION), permit_for(Category.LITIGATION))
        # the fourth consecutive failure opened it in the middle of the retries
        assert second.reason is UnavailableReason.SERVER_ERROR and second.attempts == 1
        assert second.detail == "circuit opened"
        assert breaker.state is BreakerState.OPEN
        calls = state.hits["error500"]
        assert calls - before == 4
        for _ in range(5):
            answer = source.fetch(query(Category.LITIGATION), permit_for(Category.LITIGATION))
            assert_unavailable(answer, UnavailableReason.CIRCUIT_OPEN)
            assert answer.attempts == 0
        assert state.hits["error500"] == calls  # the open breaker did not call the source
        clock.now += 29
        assert breaker.state is BreakerState.OPEN
        clock.now += 1
        assert breaker.state is BreakerState.HALF_OPEN
        trial = source.fetch(query(Category.LITIGATION), permit_for(Category.LITIGATION))
        # one trial call went through, failed, and opened the breaker again
        assert state.hits["error500"] == calls + 1 and trial.attempts == 1
        assert trial.reason is UnavailableReason.SERVER_ERROR
        assert breaker.state is BreakerState.OPEN


def test_a_successful_trial_closes_the_breaker(server: tuple[str, ServerState]) -> None:
    base, state = server
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, reset_after=10, clock=clock)
    state.flaky_fails = True
    with http_source(base, "flaky", breaker=breaker) as source:
        down = source.fetch(query(Category.LITIGATION), permit_for(Category.LITIGATION))
        assert down.reason is UnavailableReason.SERVER_ERROR and breaker.state is BreakerState.OPEN
        state.flaky_fails = False
        clock.now += 10
        back = source.fetch(query(Category.LITIGATION), permit_for(Category.LITIGATION))
        assert back.status is RecordStatus.OK and breaker.state is BreakerState.CLOSED


@pytest.mark.parametrize(
    ("mode", "reason", "kinds"),
    [
        ("garbage", UnavailableReason.INVALID_JSON, (SourceKind.REGISTRY,)),
        ("list", UnavailableReason.INVALID_SHAPE, (SourceKind.REGISTRY,)),
        ("badrecord", UnavailableReason.INVALID_SHAPE, (SourceKind.REGISTRY,)),
        ("baddata", UnavailableReason.INVALID_SHAPE, (SourceKind.REGISTRY,)),
        ("claimsregistry", UnavailableReason.INVALID_SHAPE, (SourceKind.WITNESS,)),
        ("nowhere", UnavailableReason.HTTP_STATUS, (SourceKind.REGISTRY,)),
        ("redirect", UnavailableReason.HTTP_STATUS, (SourceKind.REGISTRY,)),
    ],
)
def test_garbage_and_wrong_shapes_are_unavailable_without_retry(
    server: tuple[str, ServerState], mode: str, reason: UnavailableReason, kinds: Any
) -> None:
    base, state = server
    before = state.hits[mode]
    with http_source(base, mode, kinds=kinds) as source:
        answer = source.fetch(query(Category.LITIGATION), permit_for(Category.LITIGATION))
    assert_unavailable(answer, reason)
    assert answer.attempts == 1 and state.hits[mode] - before == 1


def test_invalid_shape_detail_names_the_path_not_the_value(server: tuple[str, ServerState]) -> None:
    base, _ = server
    with http_source(base, "baddata") as source:
        answer = source.fetch(query(Category.LITIGATION), permit_for(Category.LITIGATION))
    assert answer.detail == "records[0].data"


def test_an_oversized_answer_is_cut_off(server: tuple[str, ServerState]) -> None:
    base, _ = server
    with http_source(base, "huge", max_response_bytes=4096) as source:
        answer = source.fetch(query(Category.LITIGATION), permit_for(Category.LITIGATION))
    assert_unavailable(answer, UnavailableReason.RESPONSE_TOO_LARGE)


def test_a_source_reporting_itself_down_is_retried(server: tuple[str, ServerState]) -> None:
    base, state = server
    before = state.hits["reportsdown"]
    with http_source(base, "reportsdown") as source:
        answer = source.fetch(query(Category.LITIGATION), permit_for(Category.LITIGATION))
    assert_unavailable(answer, UnavailableReason.REPORTED_UNAVAILABLE)
    assert state.hits["reportsdown"] - before == 3


def test_connection_refused() -> None:
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with http_source(f"http://127.0.0.1:{port}", "any") as source:
        answer = source.fetch(query(Category.LITIGATION), permit_for(Category.LITIGATION))
    assert_unavailable(answer, UnavailableReason.CONNECTION_ERROR)
    assert answer.attempts == 3


# --- the permit -----------------------------------------------------------------------------------


def test_no_query_without_a_permit(server: tuple[str, ServerState]) -> None:
    base, state = server
    before = sum(state.hits.values())
    registry = FileRegistrySource.demo(now=lambda: NOW)
    with http_source(base, "healthy") as remote:
        for source in (remote, registry):
            with pytest.raises(AuthorizationMissing):
                source.fetch(query(Category.LITIGATION), None)
            with pytest.raises(AuthorizationMissing):  # a permit for another category
                source.fetch(query(Category.LITIGATION), permit_for(Category.EDUCATION))
            with pytest.raises(AuthorizationMissing):  # a permit for another case
                source.fetch(
                    query(Category.LITIGATION), permit_for(Category.LITIGATION, case="case-other")
                )
            with pytest.raises(AuthorizationExpired):
                source.fetch(query(Category.LITIGATION), permit_for(Category.LITIGATION, until=NOW))
    assert sum(state.hits.values()) == before  # nothing reached the server


def _authorization(**changes: Any) -> Authorization:
    base: dict[str, Any] = {
        "employer_id": "emp-1",
        "purpose": "pre-employment screening",
        "categories": frozenset({Category.IDENTITY, Category.LITIGATION, Category.CREDIT}),
        "signed_at": NOW - timedelta(days=1),
        "expires_at": NOW + timedelta(days=29),
        "role_id": "role-1",
    }
    base.update(changes)
    return Authorization(**base)


def test_issue_permit_runs_the_authorization_check() -> None:
    def issue(
        authorization: Authorization | None, *categories: Category, ttl: timedelta | None = None
    ) -> QueryPermit:
        return issue_permit(
            authorization,
            authorization_ref="auth-1",
            case=CASE,
            employer_id="emp-1",
            role_id="role-1",
            categories=categories,
            at=NOW,
            **({"ttl": ttl} if ttl else {}),
        )

    permit = issue(_authorization(), Category.IDENTITY, Category.LITIGATION)
    assert permit.categories == {Category.IDENTITY, Category.LITIGATION}
    assert permit.valid_until == NOW + timedelta(minutes=15)  # short-lived
    # the permit never outlives the authorization
    tomorrow = _authorization(expires_at=NOW + timedelta(days=1))
    long_ttl = timedelta(days=3)
    assert issue(tomorrow, Category.IDENTITY, ttl=long_ttl).valid_until == NOW + timedelta(days=1)
    # on its last day the authorization covers queries until its expiry moment, not after
    later_today = _authorization(expires_at=NOW + timedelta(minutes=5))
    assert issue(later_today, Category.IDENTITY).valid_until == NOW + timedelta(minutes=5)
    with pytest.raises(AuthorizationExpired):
        issue(_authorization(expires_at=NOW - timedelta(minutes=1)), Category.IDENTITY)
    with pytest.raises(AuthorizationExpired):
        issue(_authorization(expires_at=NOW), Category.IDENTITY)
    with pytest.raises(AuthorizationMissing):
        issue(None, Category.IDENTITY)
    with pytest.raises(AuthorizationRevoked):
        issue(_authorization(revoked_at=NOW - timedelta(hours=1)), Category.IDENTITY)
    with pytest.raises(AuthorizationMissing):  # not in the authorization
        issue(_authorization(), Category.EDUCATION)
    with pytest.raises(AuthorizationMissing):  # sensitive: no separate consent
        issue(_authorization(), Category.CREDIT)
    sensitive = _authorization(sensitive_categories_consented=frozenset({Category.CREDIT}))
    assert Category.CREDIT in issue(sensitive, Category.CREDIT).categories
    with pytest.raises(ScopeViolation):
        issue(_authorization(), Category.PRIVATE_LIFE)
    with pytest.raises(ScopeViolation):
        permit_for(Category.MARITAL_STATUS)


# --- the file registry --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry() -> FileRegistrySource:
    return FileRegistrySource.demo(now=lambda: NOW)


def fetch_all(
    registry: FileRegistrySource, subject: SubjectIdentifiers, categories: list[Category]
) -> list[SourceAnswer]:
    permit = permit_for(*categories)
    return [registry.fetch(query(category, subject), permit) for category in categories]


def test_registry_luo_analogue(registry: FileRegistrySource) -> None:
    [identity, education, employment, litigation] = fetch_all(
        registry,
        LUO,
        [Category.IDENTITY, Category.EDUCATION, Category.EMPLOYMENT_HISTORY, Category.LITIGATION],
    )
    assert identity.records[0]["data"] == {"result": "match"}
    assert education.records[0]["data"]["degree"] == "bachelor"
    assert employment.records[0]["source"]["kind"] == "issuer"
    [record] = litigation.records
    assert record["data"]["party_role"] == "co_defendant"
    assert record["data"]["cause"] == "物业服务合同纠纷"


def test_registry_zhang_analogue(registry: FileRegistrySource) -> None:
    [litigation] = fetch_all(registry, ZHANG, [Category.LITIGATION])
    data = litigation.records[0]["data"]
    assert (data["party_role"], data["outcome"]) == ("plaintiff", "judgment_for")


def test_registry_wang_analogue(registry: FileRegistrySource) -> None:
    [references] = fetch_all(registry, WANG, [Category.REFERENCE])
    assert references.source_kind is SourceKind.WITNESS
    by_person = {r["source"]["person_id"]: r["data"] for r in references.records}
    assert by_person["colleague-1"]["statements"][0]["text"] == "此人生活作风存在问题。"
    assert by_person["manager-1"]["statements"][0]["polarity"] == "positive"
    [litigation] = fetch_all(registry, WANG, [Category.LITIGATION])
    assert litigation.status is RecordStatus.NOT_FOUND and not litigation.incomplete


def test_registry_unknown_subject_is_not_found(registry: FileRegistrySource) -> None:
    categories = sorted(registry.categories)
    for answer in fetch_all(registry, NOBODY, categories):
        assert answer.status is RecordStatus.NOT_FOUND, answer.category
        [record] = answer.case_records()
        assert record["status"] == "not_found"


def test_registry_id_numbers_normalise_and_licence_and_enforcement(
    registry: FileRegistrySource,
) -> None:
    [licence, enforcement] = fetch_all(
        registry, CHEN, [Category.PROFESSIONAL_LICENSE, Category.ENFORCEMENT]
    )  # CHEN's ID is given with a lower-case check digit x
    assert licence.records[0]["data"]["status"] == "valid"
    assert enforcement.records[0]["data"]["active"] is False


def test_registry_identity_mismatch_does_not_reveal_the_holder(
    registry: FileRegistrySource,
) -> None:
    impostor = SubjectIdentifiers(LUO.national_id, "冒名者", LUO.birth_date)
    [identity] = fetch_all(registry, impostor, [Category.IDENTITY])
    [record] = identity.records
    assert record["data"] == {"result": "mismatch"}
    assert record["identity"] == {"national_id": LUO.national_id}


def test_registry_category_without_a_register_is_unavailable(registry: FileRegistrySource) -> None:
    [answer] = fetch_all(registry, LUO, [Category.CRIMINAL_RECORD])
    assert answer.status is RecordStatus.SOURCE_UNAVAILABLE
    assert answer.reason is UnavailableReason.NOT_COVERED


def test_registry_answers_do_not_share_state(registry: FileRegistrySource) -> None:
    [first] = fetch_all(registry, LUO, [Category.LITIGATION])
    first.case_records()[0]["data"]["outcome"] = "dismissed"
    first.records[0]["data"]["court"] = "changed"
    [again] = fetch_all(registry, LUO, [Category.LITIGATION])
    assert again.records[0]["data"]["outcome"] == "judgment_against"
    assert again.records[0]["data"]["court"] != "changed"


def test_shipped_fixtures_hold_synthetic_people_only(case_schema_validator: Any) -> None:
    for entry in demo_fixtures().iterdir():
        if not entry.name.endswith(".json"):
            continue
        document = json.loads(entry.read_text("utf-8"))
        assert document["synthetic"] is True, entry.name
        for record in document["records"]:
            assert record["identity"]["national_id"].startswith("999999"), entry.name
        if document["category"] != "identity":  # identity data is computed per query
            case_schema_validator.validate(_case_document(document["records"]))


def test_malformed_fixtures_are_refused_at_start_up(tmp_path: Path) -> None:
    good = json.loads((Path(str(demo_fixtures())) / "courts.json").read_text("utf-8"))
    cases: dict[str, Any] = {
        "not-json": "{",
        "wrong-schema": {**good, "schema": "other"},
        "bad-category": {**good, "category": "astrology"},
        "mixed": {**good, "category": "education"},
        "no-id": {**good, "records": [{**good["records"][0], "identity": {}}]},
        "bad-record": {**good, "records": [{"id": "x"}]},
    }
    for name, content in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        text = content if isinstance(content, str) else json.dumps(content)
        (folder / "courts.json").write_text(text, "utf-8")
        with pytest.raises(InvalidInput) as caught:
            FileRegistrySource(folder)
        assert "courts.json" in str(caught.value), name
        assert LUO.national_id not in str(caught.value)


# --- end to end through the domain ----------------------------------------------------------------

RENAMED = {
    "华东理工大学": "示例理工大学",
    "同济大学": "示例大学",
    "某乳业有限公司": "示例乳业有限公司",
    "某信息科技有限公司": "示例信息科技有限公司",
    "某网络公司": "示例网络公司",
}
RECORD_IDS = {
    "seed-luo": {"lit-1": "lit-0001"},
    "seed-zhang": {"lit-1": "lit-0002"},
    "seed-wang": {"ref-1": "ref-0001"},
}


def _case_document(records: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema": "fairscreen/case/v1",
        "case_id": CASE,
        "as_of": "2026-11-29",
        "employer": {"id": "emp-1"},
        "role": {"profile": "general"},
        "subject": {"name": "x", "national_id": "x", "birth_date": "2000-01-01"},
        "requested_categories": [],
        "records": records,
    }
    document.update(fields)
    return document


@pytest.mark.parametrize(
    ("seed", "subject"), [("seed-luo", LUO), ("seed-zhang", ZHANG), ("seed-wang", WANG)]
)
def test_registry_answers_rate_like_the_worked_court_cases(
    seed: str,
    subject: SubjectIdentifiers,
    registry: FileRegistrySource,
    examples_dir: Path,
    case_schema_validator: Any,
) -> None:
    """The synthetic analogues, investigated through the registry, get the example's light
    and exclusions: the fixtures mirror Luo, Zhang and Wang faithfully."""
    case = json.loads((examples_dir / f"{seed}.case.json").read_text("utf-8"))
    want = json.loads((examples_dir / "expected.json").read_text("utf-8"))[seed]
    claims = json.dumps(case.get("claims", {}), ensure_ascii=False)
    for real, synthetic in RENAMED.items():
        claims = claims.replace(real, synthetic)
    categories = [Category(name) for name in case["requested_categories"]]
    records = [
        record
        for answer in fetch_all(registry, subject, categories)
        for record in answer.case_records()
    ]
    case.update(
        subject={
            "name": subject.name,
            "national_id": subject.national_id,
            "birth_date": str(subject.birth_date),
        },
        claims=json.loads(claims),
        records=records,
    )
    case_schema_validator.validate(case)
    report = evaluate_case(json.dumps(case, ensure_ascii=False)).document
    assert report["rating"]["light"] == want["light"]
    assert sorted(r["rule"] for r in report["rating"]["reasons"]) == sorted(want["rules"])
    for record_id, code in want.get("record_exclusions", {}).items():
        ours = RECORD_IDS[seed][record_id]
        codes = [f["exclusion"] for f in report["findings"] if ours in f["records"]]
        codes += [d["reason"] for d in report["discarded"] if d["record"] == ours]
        assert codes == [code], record_id
    for dropped in want.get("dropped_statements", []):
        assert {**dropped, "record": RECORD_IDS[seed][dropped["record"]]} in report[
            "dropped_statements"
        ]


def test_the_recorded_source_answers_from_the_records_in_hand() -> None:
    """A category's records answer ``ok``; none, or only ``not_found`` status records,
    answer ``not_found``; only ``source_unavailable`` ones answer that, without records."""
    unreachable = {
        "id": "emp-0",
        "category": "employment_history",
        "status": "source_unavailable",
        "source": {"id": "employers", "kind": "registry"},
    }
    absent = {**unreachable, "id": "deg-0", "category": "education", "status": "not_found"}
    source = RecordedSource([LITIGATION_RECORD, unreachable, absent], now=lambda: NOW)

    def ask(category: Category) -> SourceAnswer:
        return source.fetch(query(category), permit_for(category))

    found = ask(Category.LITIGATION)
    assert (found.status, found.records, found.attempts) == (
        RecordStatus.OK,
        (LITIGATION_RECORD,),
        1,
    )
    assert found.records[0] is not LITIGATION_RECORD  # a copy: the caller cannot alter it
    for category, status in (
        (Category.EMPLOYMENT_HISTORY, RecordStatus.SOURCE_UNAVAILABLE),
        (Category.EDUCATION, RecordStatus.NOT_FOUND),
        (Category.REFERENCE, RecordStatus.NOT_FOUND),
    ):
        answer = ask(category)
        assert (answer.status, answer.records, answer.attempts) == (status, (), 1), category
