"""The notifier port: how the service tells a person something happened (an adverse-action
notice, a sign-in code). A notification carries ids, codes and links — never the content
of a report — so whatever transport carries it (console, a file, SMS) holds no personal
data; the person reads the content in their portal, where it is decrypted for them.

Some fields are secrets meant for the recipient alone (a one-time sign-in code): they go
to the recipient's channel only, never to a log. The console echo masks them, and the
file the development notifier writes is its owner's alone (0600)."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from fairscreen.adapters.secret_files import private_directory, private_file

#: Fields only the recipient may read: masked wherever a notification is logged.
SECRET_FIELDS = frozenset({"code"})
MASK = "[secret]"


@dataclass(frozen=True, slots=True)
class Notification:
    recipient: str  # a pseudonym, never a name, phone number or e-mail address
    kind: str  # e.g. adverse_action, review_opened, sign_in
    fields: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self, *, masked: bool = False) -> str:
        """One JSON line; ``masked`` replaces the secret fields (for logs)."""
        fields = {
            name: MASK if masked and name in SECRET_FIELDS else value
            for name, value in self.fields.items()
        }
        return json.dumps(
            {"recipient": self.recipient, "kind": self.kind, **fields},
            ensure_ascii=False,
            sort_keys=True,
            default=str,
        )


class Notifier(Protocol):
    def send(self, notification: Notification) -> None: ...


class MemoryNotifier:
    """Keeps what was sent (tests, and the demo's summary)."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []
        self._lock = threading.Lock()

    def send(self, notification: Notification) -> None:
        with self._lock:
            self.sent.append(notification)


class ConsoleFileNotifier:
    """The development notifier: one JSON line per notification in a file (0600, the
    recipient's stand-in channel, secrets included) and, masked, on stderr."""

    def __init__(self, path: Path | None, *, echo: bool = True) -> None:
        self._path = path
        self._echo = echo
        self._lock = threading.Lock()
        if path is not None:
            private_directory(path.parent)
            private_file(path)

    def send(self, notification: Notification) -> None:
        line = notification.to_json()
        with self._lock:
            if self._echo:
                sys.stderr.write(f"notify: {notification.to_json(masked=True)}\n")
            if self._path is not None:
                with self._path.open("a", encoding="utf-8") as handle:
                    handle.write(line + "\n")
