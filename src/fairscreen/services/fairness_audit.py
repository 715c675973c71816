"""Use case: audit the fairness of any CSV of predictions (PRODUCT.md §7, issue 6 item 1).

The file is streamed with the standard library's :mod:`csv` reader: each row is reduced
to ``(group, flagged, outcome)`` and counted at once, so memory grows with the number of
distinct groups, never with the number of rows (a 10-million-row file is read in constant
memory; ``bench/fairness.py`` measures it). The metrics themselves are the pure domain's
(:mod:`fairscreen.domain.fairness`).

Input rules (each breach is :class:`~fairscreen.domain.errors.InvalidInput`, which the
CLI maps to exit 2 with a one-line message):

1. UTF-8 text (a leading byte-order mark is accepted, as spreadsheets write one).
2. A header row naming every column; the requested columns must each appear exactly once.
3. At least one data row; every row has as many fields as the header. Blank lines are
   skipped, as :class:`csv.DictReader` does.
4. A prediction is *flagged* when its cell equals ``positive`` exactly (no trimming, no
   number parsing: ``"1.0"`` is not ``"1"``); an outcome is positive by the same rule.

Messages name the file, column and line, never a cell's value (cells may be personal data).
"""

from __future__ import annotations

import csv
from pathlib import Path

from fairscreen.domain.errors import InvalidInput
from fairscreen.domain.fairness import (
    DEFAULT_MIN_GROUP,
    FairnessAccumulator,
    FairnessReport,
    validate_min_group,
)

#: The label of the file argument in error messages (it is positional on the CLI).
FILE_FIELD = "FILE"

_MAX_LISTED_COLUMNS = 20


def _column_index(header: list[str], name: str, option: str, path: Path) -> int:
    positions = [i for i, column in enumerate(header) if column == name]
    if not positions:
        listed = ", ".join(header[:_MAX_LISTED_COLUMNS])
        more = f", … ({len(header)} in all)" if len(header) > _MAX_LISTED_COLUMNS else ""
        raise InvalidInput(
            f"column {name!r} is not in the header of {path} (columns: {listed}{more})",
            field=option,
        )
    if len(positions) > 1:
        raise InvalidInput(
            f"column {name!r} appears {len(positions)} times in the header of {path}",
            field=option,
        )
    return positions[0]


def _ragged(path: Path, line: int, got: int, width: int) -> InvalidInput:
    return InvalidInput(
        f"{path} line {line} has {got} fields, the header has {width}", field=FILE_FIELD
    )


def audit_csv(
    path: Path,
    *,
    group: str,
    predicted: str,
    outcome: str | None = None,
    positive: str = "1",
    min_group: int = DEFAULT_MIN_GROUP,
) -> FairnessReport:
    """Stream ``path`` and return the fairness report of its rows.

    1. Check ``min_group`` before opening anything, so a bad flag fails fast.
    2. Read the header and find each requested column.
    3. Count each row as ``(group, flagged, outcome)`` in a dict keyed by that triple
       (at most 4 keys per group), checking the row's width as it goes.
    4. Feed the tallies to the domain accumulator and let it build the report.
    """
    validate_min_group(min_group)
    tally: dict[tuple[str, bool, bool], int] = {}
    width = 0
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            header = next(reader, None)
            if header is None:
                raise InvalidInput(f"{path} is empty: no header row", field=FILE_FIELD)
            width = len(header)
            group_at = _column_index(header, group, "--group", path)
            predicted_at = _column_index(header, predicted, "--predicted", path)
            # Without an outcome column the third element is a constant; one loop serves
            # both cases and keeps the hot path free of branches on the option.
            outcome_at = (
                _column_index(header, outcome, "--outcome", path)
                if outcome is not None
                else predicted_at
            )
            # The loop is the whole cost of a 10-million-row file: locals, no calls.
            get = tally.get
            try:
                for row in reader:
                    if len(row) != width:
                        if not row:
                            continue
                        raise _ragged(path, reader.line_num, len(row), width)
                    key = (
                        row[group_at],
                        row[predicted_at] == positive,
                        row[outcome_at] == positive,
                    )
                    tally[key] = get(key, 0) + 1
            except csv.Error as exc:
                raise InvalidInput(
                    f"{path} is not well-formed CSV near line {reader.line_num}: {exc}",
                    field=FILE_FIELD,
                ) from exc
            except UnicodeDecodeError as exc:
                # The decoder reads ahead in blocks, so the line is where decoding stopped.
                raise InvalidInput(
                    f"{path} is not UTF-8 text (invalid byte 0x{exc.object[exc.start]:02x}"
                    f" after line {reader.line_num})",
                    field=FILE_FIELD,
                ) from exc
    except InvalidInput:
        raise
    except FileNotFoundError as exc:
        raise InvalidInput(f"no such file: {path}", field=FILE_FIELD) from exc
    except IsADirectoryError as exc:
        raise InvalidInput(f"{path} is a directory, not a CSV file", field=FILE_FIELD) from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} is invalid)",
            field=FILE_FIELD,
        ) from exc
    except csv.Error as exc:
        raise InvalidInput(f"{path} is not well-formed CSV: {exc}", field=FILE_FIELD) from exc
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", field=FILE_FIELD) from exc

    if not tally:
        raise InvalidInput(f"{path} has a header but no data rows", field=FILE_FIELD)

    accumulator = FairnessAccumulator(with_outcome=outcome is not None)
    for (name, flagged, outcome_positive), count in tally.items():
        accumulator.add(
            name, flagged, outcome_positive if outcome is not None else None, count=count
        )
    return accumulator.report(min_group=min_group)
