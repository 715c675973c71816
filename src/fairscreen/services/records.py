"""What of a source's answer may be stored (PRODUCT.md P3): before a record is written,
records of a category outside the effective scope are discarded unread, witness
statements on a prohibited topic lose their text (only the topic is kept, as the
investigator's label, so the rating still reports the drop), and fields of a health
certificate other than its number and validity are blanked. The rating then sees exactly
what the offline evaluation would have dropped, and nothing prohibited is ever stored."""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from fairscreen.domain.categories import Category
from fairscreen.domain.evaluation import (
    HEALTH_CERTIFICATE_FIELDS,
    PROHIBITED_TOPIC_NAMES,
    statement_topic,
)
from fairscreen.domain.topics import TopicClassifier


def redact_for_storage(
    records: Iterable[Mapping[str, Any]], effective: Collection[str], classifier: TopicClassifier
) -> list[dict[str, Any]]:
    kept: list[dict[str, Any]] = []
    for original in records:
        category = original.get("category")
        if category not in effective or category in PROHIBITED_TOPIC_NAMES:
            continue  # discarded unread: not even stored
        record = copy.deepcopy(dict(original))
        data = record.get("data")
        if record.get("status", "ok") == "ok" and isinstance(data, dict):
            if category == Category.REFERENCE.value:
                for statement in data.get("statements") or []:
                    if not isinstance(statement, dict):
                        continue
                    text, label = statement.get("text"), statement.get("topic")
                    topic = statement_topic(
                        classifier,
                        text if isinstance(text, str) else "",
                        label if isinstance(label, str) else None,
                    )
                    if topic is not None:
                        statement.clear()
                        statement.update({"text": "", "topic": topic})
            elif category == Category.HEALTH_CERTIFICATE.value:
                for name in list(data):
                    if name not in HEALTH_CERTIFICATE_FIELDS:
                        data[name] = None
        kept.append(record)
    return kept
