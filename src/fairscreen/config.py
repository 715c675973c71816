"""Settings: one pydantic-settings class (prefix ``FAIRSCREEN_``), built once at start-up
and passed in. Outside development it refuses the default, well-known secrets."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class WitnessSetting(BaseModel):
    """A witness the log asks to cosign its checkpoints (C2SP tlog-witness)."""

    #: its cosigner verifier key, ``name+hex8+base64(0x04 ‖ Ed25519 public key)``
    vkey: str
    #: its submission prefix, e.g. ``https://witness.regulator.example`` (the log POSTs
    #: to ``<url>/add-checkpoint``)
    url: str


def _items(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAIRSCREEN_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    #: SQLite file by default (zero set-up); PostgreSQL by URL in production,
    #: e.g. ``postgresql+psycopg://user@host/db``.
    database_url: str = "sqlite:///var/fairscreen.db"
    #: Where development keys and other local state live.
    data_dir: Path = Path("var")
    #: The key store: the wrapped subject and case keys, in a database apart from the data
    #: so the data's backups hold no key (docs/operations.md, 'Backups'). Default: the
    #: SQLite file ``<data_dir>/keystore.db``; PostgreSQL by URL (another database than
    #: ``database_url``'s, with its own, short backup retention).
    key_store_url: str | None = None
    #: The origin line of the ledger's checkpoints (C2SP tlog-checkpoint): the log's URL
    #: prefix without its scheme (C2SP tlog-tiles), e.g. ``fairscreen.example/ledger``
    #: for a log read at ``https://fairscreen.example/ledger/checkpoint`` (the API serves
    #: the tiles under the origin's path as well as at its root; docs/ledger.md).
    ledger_origin: str = "fairscreen.example/ledger"
    #: Where the master, ledger signing and pseudonym keys come from: ``file`` (under
    #: ``data_dir``), ``env`` (``FAIRSCREEN_MASTER_KEY`` / ``FAIRSCREEN_LEDGER_SIGNING_KEY``
    #: / ``FAIRSCREEN_PSEUDONYM_KEY``, base64).
    key_provider: Literal["file", "env"] = "file"
    master_key: str | None = Field(default=None, repr=False)
    ledger_signing_key: str | None = Field(default=None, repr=False)
    pseudonym_key: str | None = Field(default=None, repr=False)
    #: Let webhooks go to loopback and private addresses (a receiver on this machine while
    #: developing). Off by default, refused in production: an employer's URL must not
    #: reach inside our network.
    webhook_private_targets: bool = False
    #: The reverse proxies in front of the service whose ``X-Forwarded-For`` /
    #: ``X-Forwarded-Proto`` are believed: comma-separated addresses or networks
    #: (``10.0.0.5,10.1.0.0/16``). Empty by default: the client address is the one that
    #: connected. Anything else would let any caller on a listed address (loopback
    #: included) pick the address the sign-in limit counts.
    trusted_proxies: str = ""
    #: Who may read ``/metrics`` without a token (the Prometheus server): comma-separated
    #: addresses or networks. Empty by default: an operator's token is then needed.
    metrics_allow: str = ""
    #: The log's format: ``text`` (one readable line) or ``json`` (one object per line:
    #: time, level, logger, message, request_id, route, status, duration_ms).
    log_format: Literal["text", "json"] = "text"

    #: The address people reach the portals at: the candidate's invitation links start
    #: with it (``https://screening.example.com``).
    public_url: str = "http://127.0.0.1:8000"
    #: E-mail (the candidate's invitation and codes, HR's "report released"): an SMTP
    #: server. Unset, e-mail goes to the development outbox, like SMS.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    #: ``starttls`` (port 587), ``tls`` (implicit TLS, port 465) or ``none`` (a relay on
    #: this machine or network only)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: str | None = Field(default=None, repr=False)
    smtp_sender: str = "fairscreen <no-reply@fairscreen.example>"
    #: SMS (the candidate's invitation and codes to a mobile number): on by default. Off,
    #: an employer invites by e-mail only and no text message is ever sent.
    sms_sign_in: bool = True
    #: The SMS gateway's endpoint: one JSON POST per message (adapters/sms_gateway.py,
    #: docs/service.md). Unset, SMS goes to the development outbox, which only the demo
    #: shows: ``fairscreen serve`` in production then refuses to start while
    #: ``sms_sign_in`` is on.
    sms_gateway_url: str | None = None
    #: The gateway's bearer key: in the variable, or in a file (a mounted secret) named by
    #: ``FAIRSCREEN_SMS_API_KEY_FILE``, read at start-up; one of them, not both.
    sms_api_key: str | None = Field(default=None, repr=False)
    sms_api_key_file: Path | None = None
    #: the sender name or number the gateway shows, when it takes one
    sms_sender: str | None = None
    #: seconds for each attempt; 429 and 5xx are tried three times in all
    sms_timeout: float = Field(default=5.0, gt=0, le=60)

    #: How long a PostgreSQL transaction may wait, in milliseconds (0: for ever), set in
    #: every transaction (works behind PgBouncer in transaction mode): a lock held by
    #: another process (``lock_timeout``), one statement (``statement_timeout``), and an
    #: open transaction left idle (``idle_in_transaction_session_timeout``, which ends
    #: a stalled process's session and frees its locks). docs/operations.md, 'Timeouts'.
    db_lock_timeout_ms: int = Field(default=5_000, ge=0, le=86_400_000)
    db_statement_timeout_ms: int = Field(default=30_000, ge=0, le=86_400_000)
    db_idle_in_transaction_timeout_ms: int = Field(default=60_000, ge=0, le=86_400_000)
    #: Where they are set: ``connection`` (once per connection, as startup options: no
    #: round trip per transaction) or ``transaction`` (``SET LOCAL`` in each: what
    #: PgBouncer in transaction mode needs). docs/operations.md, 'Timeouts'.
    db_timeouts_scope: Literal["connection", "transaction"] = "connection"
    #: PostgreSQL connections each process keeps open per database (data, key store),
    #: and how many more it may open at a peak (closed again when returned). Below the
    #: requests in flight, every request past it opened and closed a connection of its
    #: own (a new server process each time). docs/operations.md, 'Connections'.
    db_pool_size: int = Field(default=16, ge=1, le=1000)
    db_max_overflow: int = Field(default=8, ge=0, le=1000)
    #: Seconds between the rounds of the ledger's sequencer that ``serve`` runs on a
    #: thread of its own; 0: none. Unset: 0.2 on SQLite, none on PostgreSQL, where
    #: ``fairscreen worker`` runs it (one sequencer works at a time, whichever holds its
    #: lease; a second only polls). ``serve --sequencer-interval`` overrides it.
    serve_sequencer_interval: float | None = Field(default=None, ge=0, le=3600)

    @field_validator("public_url")
    @classmethod
    def _public_url_is_http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or " " in value:
            raise ValueError("public_url: an http:// or https:// address")
        return value.rstrip("/")

    @field_validator("sms_gateway_url")
    @classmethod
    def _gateway_is_http(cls, value: str | None) -> str | None:
        if value is not None and (
            not value.startswith(("http://", "https://")) or any(c.isspace() for c in value)
        ):
            raise ValueError("sms_gateway_url: an http:// or https:// address")
        return value

    @model_validator(mode="after")
    def _gateway_has_one_key(self) -> Settings:
        if self.sms_api_key and self.sms_api_key_file:
            raise ValueError("sms_api_key: set the key or sms_api_key_file, not both")
        if self.sms_gateway_url and not (self.sms_api_key or self.sms_api_key_file):
            raise ValueError(
                "sms_api_key: the SMS gateway needs its key (FAIRSCREEN_SMS_API_KEY or "
                "FAIRSCREEN_SMS_API_KEY_FILE)"
            )
        return self

    def sms_refusal(self) -> str | None:
        """Why a production server must not start as configured: SMS sign-in is on but
        no gateway is set, so candidates' codes would go to an outbox nobody reads."""
        if self.environment != "production" or not self.sms_sign_in or self.sms_gateway_url:
            return None
        return (
            "SMS sign-in is on (FAIRSCREEN_SMS_SIGN_IN) but no SMS gateway is configured: "
            "set FAIRSCREEN_SMS_GATEWAY_URL and FAIRSCREEN_SMS_API_KEY (or "
            "FAIRSCREEN_SMS_API_KEY_FILE), or FAIRSCREEN_SMS_SIGN_IN=false to invite by "
            "e-mail only"
        )

    @field_validator("trusted_proxies", "metrics_allow")
    @classmethod
    def _proxies_are_addresses(cls, value: str, info: ValidationInfo) -> str:
        for item in (part.strip() for part in value.split(",")):
            if item:
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError as exc:
                    raise ValueError(
                        f"{info.field_name}: comma-separated IP addresses or networks"
                    ) from exc
        return value

    @property
    def trusted_proxy_list(self) -> list[str]:
        return _items(self.trusted_proxies)

    @property
    def metrics_allow_list(self) -> list[str]:
        return _items(self.metrics_allow)

    #: The witnesses asked to cosign each new checkpoint, as JSON:
    #: ``FAIRSCREEN_WITNESSES='[{"vkey": "witness.example/w1+…", "url": "https://…"}]'``.
    witnesses: list[WitnessSetting] = Field(default_factory=list)
    #: Seconds a witness may take to answer before the log moves on (and asks again at
    #: the next publication).
    witness_timeout: float = Field(default=5.0, gt=0, le=60)

    @field_validator("ledger_origin")
    @classmethod
    def _origin_is_a_url_prefix(cls, origin: str) -> str:
        """tlog-tiles: the origin is a URL prefix of the log, scheme removed, no trailing
        slash; signed-note: a key name has no spaces and no '+'."""
        if "://" in origin:
            raise ValueError("the ledger origin is the log's URL prefix without its scheme")
        if not origin or origin.endswith("/") or origin.startswith("/"):
            raise ValueError("the ledger origin is host[/path], without a leading or trailing /")
        if "+" in origin or any(ch.isspace() for ch in origin):
            raise ValueError("the ledger origin must not contain spaces or '+'")
        return origin

    @model_validator(mode="after")
    def _refuse_development_defaults_in_production(self) -> Settings:
        if self.environment == "production":
            if self.database_url.startswith("sqlite"):
                raise ValueError("database_url: production needs PostgreSQL, not SQLite")
            if self.key_provider == "file":
                raise ValueError("key_provider: production keys must not live in local files")
            if self.sms_gateway_url and not self.sms_gateway_url.startswith("https://"):
                raise ValueError("sms_gateway_url: production sends SMS over https:// only")
            if self.webhook_private_targets:
                raise ValueError(
                    "webhook_private_targets: production webhooks go to public addresses only"
                )
            if self.key_store_url is None or self.key_store_url.startswith("sqlite"):
                raise ValueError(
                    "key_store_url: production keeps the wrapped keys in a PostgreSQL "
                    "database apart from the data, with its own backups (docs/operations.md)"
                )
        return self

    @property
    def key_store_database(self) -> str:
        return self.key_store_url or f"sqlite:///{self.data_dir / 'keystore.db'}"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"
