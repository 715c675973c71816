"""The composition root: build the service from the settings, once, at start-up.

Settings come in (``fairscreen.config.Settings``); every adapter is chosen here and
passed on, so nothing below reads the environment or picks an implementation itself.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from fairscreen.adapters.crypto import KeyProvider
from fairscreen.adapters.db.engine import PostgresTimeouts, create_engine
from fairscreen.adapters.db.key_store import key_store_exists, upgrade_key_store
from fairscreen.adapters.db.migrations import pending_upgrade, upgrade
from fairscreen.adapters.high_water import database_identity, high_water
from fairscreen.adapters.jobs import InProcessQueue, JobQueue, ProcrastinateQueue
from fairscreen.adapters.keys_provider import EnvKeyProvider, FileKeyProvider
from fairscreen.adapters.ledger_keys import load_ledger_signer
from fairscreen.adapters.messages import (
    DevOutbox,
    Mailer,
    Messenger,
    SmsSender,
    SmtpMailer,
    SmtpSettings,
)
from fairscreen.adapters.notify import ConsoleFileNotifier, Notifier
from fairscreen.adapters.secret_files import private_directory, write_secret_once
from fairscreen.adapters.sms_gateway import HttpSmsGateway, SmsGatewaySettings, SmsTurnedOff
from fairscreen.adapters.sources.file_registry import FileRegistrySource
from fairscreen.adapters.sources.port import SourcePort, utc_now
from fairscreen.config import Settings
from fairscreen.domain.categories import Category
from fairscreen.domain.errors import InvalidInput, LedgerError, SchemaDrift
from fairscreen.services.context import ServiceConfig, Services
from fairscreen.services.evaluation import current_rulebook, published_rulebook_digests
from fairscreen.services.witnessing import WitnessPeer

PSEUDONYM_KEY_FILE = "pseudonym.key"
PSEUDONYM_KEY_BYTES = 32


def key_provider(settings: Settings) -> KeyProvider:
    if settings.key_provider == "env":
        return EnvKeyProvider(settings.master_key)
    return FileKeyProvider(settings.keys_dir)


def pseudonym_key(settings: Settings) -> bytes:
    """The HMAC key behind every pseudonym and blind index (never in the ledger): from
    ``FAIRSCREEN_PSEUDONYM_KEY`` with ``key_provider=env``, else a file in the keys
    directory, made once (0600) by whichever process gets there first."""
    if settings.key_provider == "env":
        if not settings.pseudonym_key:
            raise ValueError("FAIRSCREEN_PSEUDONYM_KEY: required with key_provider=env")
        return _checked_pseudonym_key(settings.pseudonym_key, "FAIRSCREEN_PSEUDONYM_KEY")
    path: Path = settings.keys_dir / PSEUDONYM_KEY_FILE
    if not path.exists():
        write_secret_once(path, base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    if path.stat().st_mode & 0o077:
        raise ValueError(f"{path} is readable by others; chmod 600")
    return _checked_pseudonym_key(path.read_text().strip(), str(path))


def _checked_pseudonym_key(text: str, where: str) -> bytes:
    """A wrong key makes every pseudonym wrong, silently: refuse it instead."""
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"{where}: the pseudonym key is not base64") from exc
    if len(key) < PSEUDONYM_KEY_BYTES:
        raise ValueError(f"{where}: the pseudonym key must be at least 32 bytes")
    return key


def witness_peers(settings: Settings) -> tuple[WitnessPeer, ...]:
    """The configured witnesses, their keys checked now rather than at first publication."""
    peers = []
    for number, witness in enumerate(settings.witnesses):
        try:
            peers.append(WitnessPeer.parse(witness.vkey, witness.url))
        except LedgerError as exc:
            raise ValueError(f"FAIRSCREEN_WITNESSES[{number}]: {exc.message}") from exc
    return tuple(peers)


def job_queue(engine: Engine) -> JobQueue:
    """Procrastinate on PostgreSQL (``fairscreen worker`` runs the jobs); on SQLite the
    jobs go to the in-process runner of ``serve``."""
    if engine.dialect.name == "postgresql":
        return ProcrastinateQueue()
    return InProcessQueue()


def postgres_timeouts(settings: Settings) -> PostgresTimeouts:
    return PostgresTimeouts(
        lock_ms=settings.db_lock_timeout_ms,
        statement_ms=settings.db_statement_timeout_ms,
        idle_in_transaction_ms=settings.db_idle_in_transaction_timeout_ms,
        scope=settings.db_timeouts_scope,
    )


def pool_options(settings: Settings, url: str) -> dict[str, Any]:
    """The connection pool's size on PostgreSQL (SQLite keeps SQLAlchemy's own)."""
    if not url.startswith("postgresql"):
        return {}
    return {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow}


def key_store_engine(settings: Settings, **engine_options: Any) -> Engine:
    """An engine on the key store (``create_engine``'s options); the default one, a
    SQLite file in the data folder, needs the folder to exist before it is opened."""
    if settings.key_store_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return create_engine(settings.key_store_database, **engine_options)


def service_config(settings: Settings) -> ServiceConfig:
    return ServiceConfig(
        webhook_private_targets=settings.webhook_private_targets,
        witnesses=witness_peers(settings),
        witness_timeout=settings.witness_timeout,
        public_url=settings.public_url,
        sms_sign_in=settings.sms_sign_in,
    )


def settings_messenger(settings: Settings) -> Messenger:
    """SMS through the HTTP gateway when one is set (``adapters/sms_gateway.py``), refused
    out loud when SMS is off, else to the development outbox (only the demo shows it, and
    a production ``serve`` refuses to start that way: ``Settings.sms_refusal``); e-mail
    over SMTP when a host is set, else to the same outbox."""
    outbox = DevOutbox()
    sms: SmsSender = outbox
    if not settings.sms_sign_in:
        sms = SmsTurnedOff()
    elif settings.sms_gateway_url:
        sms = HttpSmsGateway(
            SmsGatewaySettings(
                url=settings.sms_gateway_url,
                api_key=sms_api_key(settings),
                sender=settings.sms_sender,
                timeout=settings.sms_timeout,
            )
        )
    mail: Mailer = outbox
    if settings.smtp_host:
        mail = SmtpMailer(
            SmtpSettings(
                host=settings.smtp_host,
                port=settings.smtp_port,
                security=settings.smtp_security,
                username=settings.smtp_username,
                password=settings.smtp_password,
                sender=settings.smtp_sender,
            )
        )
    return Messenger(sms=sms, mail=mail, outbox=outbox)


def sms_api_key(settings: Settings) -> str:
    """The SMS gateway's key: ``FAIRSCREEN_SMS_API_KEY``, or the first line of the file
    ``FAIRSCREEN_SMS_API_KEY_FILE`` names (a mounted secret)."""
    if settings.sms_api_key:
        return settings.sms_api_key
    path = settings.sms_api_key_file
    assert path is not None  # Settings requires one of the two with a gateway
    try:
        key = path.read_text("utf-8").strip()
    except OSError as exc:
        raise InvalidInput(
            "cannot read the SMS gateway's key file: {reason}",
            field="sms_api_key_file",
            reason=type(exc).__name__,
        ) from exc
    if not key:
        raise InvalidInput("the SMS gateway's key file is empty", field="sms_api_key_file")
    return key


def build_services(
    settings: Settings,
    *,
    sources: Mapping[Category, SourcePort] | None = None,
    notifier: Notifier | None = None,
    messenger: Messenger | None = None,
    clock: Callable[[], datetime] = utc_now,
    config: ServiceConfig | None = None,
    migrate: bool = True,
    require_schema: bool = False,
) -> Services:
    """The service over the configured stores. ``migrate``: bring the schemas up to date
    first (tests, the demo, the CLI's own commands). ``require_schema`` (``serve``,
    ``worker``): migrate nothing and refuse, with one line naming ``fairscreen db
    upgrade``, a database that is not at the code's revision or a key store never made
    (issue 16 item 3: many processes starting must not all migrate)."""
    private_directory(settings.data_dir)  # keys, the SQLite file, notifications: 0700
    private_directory(settings.keys_dir)
    if database_identity(settings.key_store_database) == database_identity(settings.database_url):
        raise ValueError("key_store_url: must name another database than database_url")
    engine = create_engine(
        settings.database_url,
        postgres_timeouts=postgres_timeouts(settings),
        **pool_options(settings, settings.database_url),
    )
    key_engine = key_store_engine(
        settings,
        postgres_timeouts=postgres_timeouts(settings),
        **pool_options(settings, settings.key_store_database),
    )
    if migrate:
        upgrade(engine)
        upgrade_key_store(engine, key_engine)
    elif require_schema:
        _refuse_unmigrated(engine, key_engine)
    if sources is None:
        registry = FileRegistrySource.demo(now=clock)
        sources = {category: registry for category in registry.categories}
    signer = load_ledger_signer(
        settings.key_provider,
        origin=settings.ledger_origin,
        keys_dir=settings.keys_dir,
        env_value=settings.ledger_signing_key,
    )
    services = Services(
        engine=engine,
        key_provider=key_provider(settings),
        pseudonym_key=pseudonym_key(settings),
        signer=signer,
        sources=sources,
        notifier=notifier or ConsoleFileNotifier(settings.data_dir / "notifications.jsonl"),
        rulebook=current_rulebook(),
        published_rulebooks=published_rulebook_digests(),
        config=config or service_config(settings),
        clock=clock,
        key_engine=key_engine,
        messenger=messenger or settings_messenger(settings),
        high_water=high_water(
            settings.data_dir, settings.ledger_origin, settings.database_url, signer.verifier
        ),
        jobs=job_queue(engine),
    )
    if migrate or require_schema:
        _seal_legacy_plaintext(services)  # the part of the upgrade that needs keys
    return services


def _refuse_unmigrated(engine: Engine, key_engine: Engine) -> None:
    problem = pending_upgrade(engine)
    if problem is None and not key_store_exists(key_engine):
        where = key_engine.url.render_as_string(hide_password=True)
        problem = f"the key store at {where} has no schema: run `fairscreen db upgrade` first"
    if problem is not None:
        engine.dispose()
        key_engine.dispose()
        raise SchemaDrift(problem)


def _seal_legacy_plaintext(services: Services) -> None:
    """Encrypt what a database from before ``0010_privacy`` holds in plaintext (the
    employers' purposes): the migration cannot, it has no keys. Looked for with a reader,
    so a database with nothing left to seal (every one after the first start) is not
    written to."""
    with services.reader() as uow:
        if not uow.repo.has_legacy_purposes():
            return
    with services.uow() as uow:
        uow.repo.seal_legacy_purposes()
        uow.commit()
