"""Metrics and logs (issue 16 item 5): ``/metrics`` in Prometheus' text format, per route
template, with the database's gauges, open to an operator or a listed address only; JSON
log lines with request ids; and neither ever carries personal data, a token or a case id,
through a whole lifecycle with synthetic people."""

from __future__ import annotations

import functools
import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.conftest import Api, build_api, many_sign_ins, order_over_api, sign_over_api
from factories import SUBJECT
from fairscreen.adapters.db.gauges import table_backlog
from fairscreen.adapters.db.tables import ledger_pending
from fairscreen.entrypoints.api import create_app
from fairscreen.entrypoints.api.observability import log_handler
from fairscreen.entrypoints.api.scheduler import tick
from fairscreen.services.gauges import read_gauges

NEW_PERSON = {"name": "测试丙", "national_id": "999999199203030037", "birth_date": "1992-03-03"}
REFEREES = (
    {"name": "测试证明人戊", "contact": "referee-wu@example.test"},
    {"name": "测试证明人己", "contact": "+86 139 0000 0001"},
)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, by name and labels."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Every log record of the test, as ``serve`` writes it with FAIRSCREEN_LOG_FORMAT=json."""
    stream = io.StringIO()
    handler = log_handler("json", stream)
    # the test's own HTTP client logs the URLs it calls: the client's log, not the server's
    handler.addFilter(lambda record: not record.name.startswith("httpx"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_a_lifecycle_leaves_no_personal_data_in_logs_or_metrics(
    json_log: io.StringIO, database_url: str, tmp_path: Path
) -> None:
    api = build_api(database_url, tmp_path)
    try:
        _lifecycle_and_scrape(api, json_log)
    finally:
        api.world.svc.engine.dispose()


def _lifecycle_and_scrape(api: Api, json_log: io.StringIO) -> None:
    # A new candidate registered over the API, then the world's candidate's whole case.
    registered = api.call("employer", "POST", "/v1/candidates", json=NEW_PERSON)
    assert registered.status_code == 201, registered.text
    new_candidate = registered.json()["id"]
    new_token = api.sign_in(new_candidate)
    case_id = order_over_api(api)
    sign_over_api(api, case_id)
    for referee in REFEREES:
        invited = api.call("agency", "POST", f"/v1/cases/{case_id}/referees", json=referee)
        assert invited.status_code == 201, invited.text
    assert api.call("agency", "POST", f"/v1/cases/{case_id}/investigation").status_code == 200
    report = api.call("candidate", "GET", f"/v1/cases/{case_id}/report").json()
    finding = next(f["id"] for f in report["report"]["findings"] if f["disposition"] == "adverse")
    opened = api.call(
        "candidate",
        "POST",
        f"/v1/cases/{case_id}/disputes",
        json={"finding_ids": [finding], "statement": "该判决不是测试甲的案件。"},
    )
    assert opened.status_code == 201, opened.text
    (dispute,) = opened.json()["dispute_ids"]
    resolved = api.call(
        "agency",
        "POST",
        f"/v1/cases/{case_id}/disputes/{dispute}/resolution",
        json={"outcome": "removed", "answer": "无法核实，删除。"},
    )
    assert resolved.status_code == 204, resolved.text
    api.later(hours=1)
    accepted = api.call(
        "candidate", "POST", f"/v1/cases/{case_id}/acceptance", json={"statement": "已核对。"}
    )
    assert accepted.status_code == 204, accepted.text
    assert api.call("employer", "GET", f"/v1/cases/{case_id}/employer-view").status_code == 200
    decided = api.call(
        "employer",
        "POST",
        f"/v1/cases/{case_id}/decision",
        json={"outcome": "hired", "reason": "符合岗位要求"},
    )
    assert decided.status_code == 204, decided.text
    # Refusals quote nothing either: a bad registration, an unknown case, an unknown path.
    bad = api.call("employer", "POST", "/v1/candidates", json=NEW_PERSON | {"birth_date": "x"})
    assert bad.status_code == 422
    unknown = api.call("employer", "GET", f"/v1/cases/{case_id}x")
    assert unknown.status_code == 404
    assert api.client.get(f"/v1/people/{SUBJECT['national_id']}").status_code == 404
    # An untrusted peer's request id is not taken: it could carry anything.
    echoed = api.client.get(
        "/v1/cases", headers=api.h("candidate") | {"X-Request-ID": SUBJECT["national_id"]}
    )
    assert echoed.status_code == 200 and echoed.headers["x-request-id"] != SUBJECT["national_id"]
    assert api.call("candidate", "POST", "/v1/me/deletion-request").status_code == 200
    api.later(days=200)
    assert tick(api.world.svc).failed_steps == ()
    scrape = api.call("operator", "GET", "/metrics")
    assert scrape.status_code == 200, scrape.text

    secrets = {
        "name": [SUBJECT["name"], NEW_PERSON["name"], *(r["name"] for r in REFEREES)],
        "national id": [SUBJECT["national_id"], NEW_PERSON["national_id"]],
        "contact": [r["contact"] for r in REFEREES] + ["139 0000"],
        "token": [*api.tokens.values(), new_token],
        "case or subject id": [case_id, api.ids["candidate"], new_candidate, dispute],
    }
    lines = json_log.getvalue().splitlines()
    assert len(lines) > 20
    for where, text in (("log", json_log.getvalue()), ("metrics", scrape.text)):
        for kind, values in secrets.items():
            for value in values:
                assert value not in text, f"a {kind} in the {where}"

    records = [json.loads(line) for line in lines]  # every line is one JSON object
    access = [r for r in records if r["logger"] == "fairscreen.access"]
    for record in access:
        assert set(record) >= {"time", "level", "message", "request_id", "route", "status"}
        assert isinstance(record["duration_ms"], float)
    routes = {(r["route"], r["status"]) for r in access}
    assert ("/v1/cases/{case_id}/decision", 204) in routes
    assert ("unmatched", 404) in routes
    assert echoed.headers["x-request-id"] in {r["request_id"] for r in access}

    found = samples(scrape.text)
    decision = (("method", "POST"), ("route", "/v1/cases/{case_id}/decision"), ("status", "204"))
    assert found[("fairscreen_http_requests_total", decision)] == 1
    assert found[("fairscreen_http_request_duration_seconds_count", decision[:2])] == 1
    assert found[("fairscreen_http_requests_in_flight", ())] == 1  # the scrape itself
    assert found[("fairscreen_gauges_up", ())] == 1
    assert found[("fairscreen_checkpoint_age_seconds", ())] >= 0
    # The deletion request made the case due in 15 days; 200 days on the tick destroyed it.
    assert found[("fairscreen_purge_backlog_cases", (("hold", "none"),))] == 0


def test_metrics_are_for_operators_or_listed_addresses(api: Api) -> None:
    assert api.call("operator", "GET", "/metrics").status_code == 200
    assert api.call("anonymous", "GET", "/metrics").status_code == 401
    for who in ("employer", "agency", "candidate", "regulator"):
        assert api.call(who, "GET", "/metrics").status_code == 403, who
    app = create_app(api.world.svc, web=False, metrics_allow=["10.0.0.0/24"])
    allowed = TestClient(app, client=("10.0.0.7", 4000)).get("/metrics")
    assert allowed.status_code == 200 and "fairscreen_gauges_up 1.0" in allowed.text
    assert TestClient(app, client=("10.0.1.7", 4000)).get("/metrics").status_code == 401
    # A method of the caller's invention is counted, but under "other": no new series.
    assert TestClient(app).request("BREW", "/v1/cases").status_code == 405
    scrape = TestClient(app, client=("10.0.0.7", 4000)).get("/metrics").text
    assert 'method="other",route="/v1/cases",status="405"' in scrape and "BREW" not in scrape


def test_a_trusted_proxy_names_the_request(api: Api) -> None:
    app = create_app(
        api.world.svc, web=False, sign_in_limiter=many_sign_ins(), trusted_proxies=["10.0.0.5"]
    )
    proxy = TestClient(app, client=("10.0.0.5", 4000))
    assert proxy.get("/healthz", headers={"X-Request-ID": "edge-42.a"}).headers["x-request-id"] == (
        "edge-42.a"
    )
    # not a plain token: replaced, even from the proxy
    replaced = proxy.get("/healthz", headers={"X-Request-ID": "a b"}).headers["x-request-id"]
    assert replaced != "a b" and len(replaced) == 32
    other = TestClient(app, client=("10.0.0.6", 4000))
    assert other.get("/healthz", headers={"X-Request-ID": "edge-42"}).headers["x-request-id"] != (
        "edge-42"
    )


def test_the_purge_backlog_counts_cases_past_due(api: Api) -> None:
    case_id = order_over_api(api)
    held = order_over_api(api)
    svc = api.world.svc
    past = svc.now() - timedelta(days=1)
    with svc.engine.begin() as connection:
        from fairscreen.adapters.db.case_tables import cases

        connection.execute(
            sa.update(cases).where(cases.c.id.in_([case_id, held])).values(destruction_due=past)
        )
        connection.execute(sa.update(cases).where(cases.c.id == held).values(legal_hold=True))
    readings = {(r.name, r.labels): r.value for r in read_gauges(svc)}
    assert readings[("fairscreen_purge_backlog_cases", (("hold", "none"),))] == 1
    assert readings[("fairscreen_purge_backlog_cases", (("hold", "legal_hold"),))] == 1
    assert ("fairscreen_checkpoint_age_seconds", ()) not in readings  # none published yet


def test_a_queue_probe_reports_only_once_its_table_exists(api: Api) -> None:
    svc = api.world.svc
    probe = functools.partial(
        table_backlog,
        table="obs_pending_probe",
        created_column="created_at",
        metric="fairscreen_test_pending",
        what="Test rows",
    )
    names = {r.name for r in read_gauges(svc, [probe])}
    assert names == {"fairscreen_gauges_up"}  # no table: nothing, not a zero
    pending = sa.Table(
        "obs_pending_probe",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True)),
    )
    pending.create(svc.engine)
    try:
        with svc.engine.begin() as connection:
            connection.execute(
                pending.insert(), [{"created_at": svc.now() - timedelta(seconds=90)}] * 3
            )
        readings = {r.name: r.value for r in read_gauges(svc, [probe])}
        assert readings["fairscreen_test_pending_count"] == 3
        assert 89 <= readings["fairscreen_test_pending_oldest_age_seconds"] <= 3600
    finally:
        pending.drop(svc.engine)


def test_serve_logs_every_logger_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    from fairscreen.entrypoints.api.observability import configure_logging, request_id_var

    root, queue = logging.getLogger(), logging.getLogger("procrastinate")
    saved = root.handlers[:], root.level, queue.level
    try:
        configure_logging("json")
        logging.getLogger("procrastinate.jobs").info("Deferred 1 job")  # left out
        logging.getLogger("uvicorn.error").info("Started server process")
        token = request_id_var.set("r-1")
        try:
            raise ValueError(SUBJECT["national_id"])
        except ValueError:
            logging.getLogger("fairscreen.api").exception("failed")
        finally:
            request_id_var.reset(token)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        queue.setLevel(saved[2])
    first, second = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert first["logger"] == "uvicorn.error" and first["request_id"] is None
    assert second == second | {"level": "ERROR", "request_id": "r-1", "error": "ValueError"}
    assert SUBJECT["national_id"] not in json.dumps(second)  # the exception's text stays out


def test_a_mounted_app_is_labelled_by_its_mount(api: Api) -> None:
    client = TestClient(create_app(api.world.svc))  # with the web portals and /static
    assert client.get("/static/no-such-file.css").status_code == 404
    scrape = client.get("/metrics", headers=api.h("operator")).text
    assert 'route="/static/{path}"' in scrape and "no-such-file" not in scrape


def test_the_metrics_allow_list_must_be_addresses() -> None:
    from pydantic import ValidationError

    from fairscreen.config import Settings

    with pytest.raises(ValidationError, match="metrics_allow: comma-separated"):
        Settings(metrics_allow="prometheus.internal")
    assert Settings(metrics_allow="10.0.3.7, 10.1.0.0/16").metrics_allow_list == [
        "10.0.3.7",
        "10.1.0.0/16",
    ]


def test_the_sequencer_backlog_counts_pending_entries_and_their_age(api: Api) -> None:
    svc = api.world.svc
    with svc.engine.begin() as connection:
        connection.execute(
            sa.insert(ledger_pending),
            [{"data": b"entry", "queued_at": svc.now().timestamp() - age} for age in (30, 5)],
        )
    readings = {r.name: r.value for r in read_gauges(svc)}
    assert readings["fairscreen_sequencer_pending_count"] == 2
    assert 29 <= readings["fairscreen_sequencer_pending_oldest_age_seconds"] <= 31
    with svc.engine.begin() as connection:
        connection.execute(sa.delete(ledger_pending))
    readings = {r.name: r.value for r in read_gauges(svc)}
    assert readings["fairscreen_sequencer_pending_count"] == 0
    assert "fairscreen_sequencer_pending_oldest_age_seconds" not in readings  # none waiting


def test_a_request_does_not_ask_for_opentelemetry_providers(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service sets no OpenTelemetry provider and observes itself; FastAPI's own
    hooks are off (``NO_OPENTELEMETRY``), so a request does not look the global
    providers up (three reads of the environment on every request before)."""
    import opentelemetry.metrics
    import opentelemetry.trace

    asked: list[str] = []

    def looked_up(*_: object) -> None:
        asked.append("provider")

    monkeypatch.setattr(opentelemetry.trace, "get_tracer_provider", looked_up)
    monkeypatch.setattr(opentelemetry.metrics, "get_meter_provider", looked_up)
    assert api.call("employer", "GET", "/v1/cases").status_code == 200
    assert asked == []
