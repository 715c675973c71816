"""A source that answers from records already in hand: the records of a case file.

The live demo runs the three worked court cases through the service with it, so the
service's report can be compared with ``fairscreen evaluate`` on the same case file; tests
use it to put any record in front of the service. It obeys the permit like every adapter.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from fairscreen.adapters.sources.port import (
    QueryPermit,
    SourceAnswer,
    SourceQuery,
    check_permit,
    utc_now,
)
from fairscreen.domain.categories import Category, RecordStatus, SourceKind


class RecordedSource:
    def __init__(
        self,
        records: Iterable[Mapping[str, Any]],
        *,
        source_id: str = "recorded",
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._records = [copy.deepcopy(dict(r)) for r in records]
        self._source_id = source_id
        self._now = now

    @property
    def source_id(self) -> str:
        return self._source_id

    @property
    def categories(self) -> frozenset[Category]:
        return frozenset(Category)

    def fetch(self, query: SourceQuery, permit: QueryPermit | None) -> SourceAnswer:
        check_permit(permit, query, at=self._now())
        held = [r for r in self._records if r.get("category") == query.category.value]
        statuses = {r.get("status", "ok") for r in held}
        if held and statuses == {RecordStatus.SOURCE_UNAVAILABLE.value}:
            status = RecordStatus.SOURCE_UNAVAILABLE
        elif not held or statuses == {RecordStatus.NOT_FOUND.value}:
            status = RecordStatus.NOT_FOUND
        else:
            status = RecordStatus.OK
        return SourceAnswer(
            self._source_id,
            SourceKind.REGISTRY,
            query.category,
            status,
            records=tuple(copy.deepcopy(held)) if status is RecordStatus.OK else (),
            attempts=1,
        )
