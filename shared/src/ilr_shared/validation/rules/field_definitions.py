"""Field-definition rules (FD_*): mandatory elements are returned and every element has
the length, pattern, range and number of occurrences the year's XSD allows.

The checks are generated (``field_table``). One walk of the record finds the hits of every
FD rule: the first FD rule of an engine pass walks the learner view and the others of the
same pass reuse that walk. Called on a plain record, a rule walks it itself.
A value of the wrong type (text for a number, ``"abc"`` for a date) is a hit of the
element's range, pattern or length rule, and an unreadable date counts as not returned.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from ..access import LearnerView, Record
from ..field_table import (
    Check,
    EntityChecks,
    FieldChecks,
    Range,
    fd_rule_years,
    field_table,
    split_name,
)
from ..model import Hit, ValidationContext
from ..registry import SOURCE_CSV, SOURCE_V4, LearnerCheck, rule

Hits = dict[str, list[Hit]]
_NO_HITS: tuple[Hit, ...] = ()
_INT = re.compile(r"[+-]?\d+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def walk(record: Record, academic_year: str) -> Hits:
    """Every FD hit of the learner record in the year, by rule name."""
    found: Hits = {}
    _check_entity(record, field_table(academic_year).learner, "", found)
    return found


def _add(found: Hits, name: str, path: str) -> None:
    found.setdefault(name, []).append(Hit(path))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_entity(
    entity: Mapping[str, Any], checks: EntityChecks, prefix: str, found: Hits
) -> None:
    """The entity's returned fields, its missing mandatory fields, then its children."""
    fields = checks.fields
    for key, value in entity.items():
        field = fields.get(key)
        if field is None or value is None or (value.__class__ is str and not value.strip()):
            continue
        if not _CHECK_BY_BASE[field.base](value, field, prefix, found) and field.malformed:
            _add(found, field.malformed, prefix + field.element)
    for field in checks.required:
        if _blank(entity.get(field.element)):
            _add(found, cast(str, field.mandatory), prefix + field.element)
    for child in checks.children:
        value = entity.get(child.name)
        if value is not None or _must_occur(child):
            _check_children(value, child, prefix, found)


def _must_occur(checks: EntityChecks) -> bool:
    """An absent entity breaks its occurrence rule (it must occur at least once)."""
    return checks.occurs is not None and checks.occurs.low > 0


def _check_children(value: object, checks: EntityChecks, prefix: str, found: Hits) -> None:
    """The occurrences of a child entity: their number, then each one's fields."""
    path = prefix + checks.name
    items: list[object] = value if isinstance(value, list) else [] if value is None else [value]
    occurs = checks.occurs
    if occurs is not None and (
        len(items) < occurs.low or (occurs.high is not None and len(items) > occurs.high)
    ):
        _add(found, occurs.rule, path)
    indexed = checks.repeated or isinstance(value, list)
    for index, item in enumerate(items):
        if isinstance(item, Mapping):
            _check_entity(item, checks, f"{path}[{index}]." if indexed else f"{path}.", found)


def _check_string(value: object, field: FieldChecks, prefix: str, found: Hits) -> bool:
    """Length, pattern and (UCASPERID) range of a string; False when it is not one."""
    text = value if isinstance(value, str) else _number_as_text(value)
    if text is None:
        return False
    if field.length is not None and len(text) > field.length.chars:
        _add(found, field.length.rule, prefix + field.element)
    if field.pattern is not None:
        for step in field.pattern.steps:
            if step.fullmatch(text) is None:
                _add(found, field.pattern.rule, prefix + field.element)
                break
    if field.range is not None and (not text.isdigit() or _outside(int(text), field.range)):
        _add(found, field.range.rule, prefix + field.element)
    return True


def _check_integer(value: object, field: FieldChecks, prefix: str, found: Hits) -> bool:
    number = value if type(value) is int else _as_int(value)
    if number is None:
        return False
    if field.length is not None and len(str(number)) > field.length.chars:
        _add(found, field.length.rule, prefix + field.element)
    if field.range is not None and _outside(number, field.range):
        _add(found, field.range.rule, prefix + field.element)
    return True


def _check_decimal(value: object, field: FieldChecks, prefix: str, found: Hits) -> bool:
    number = _as_decimal(value)
    if number is None:
        return False
    length = field.length
    if length is not None:
        lexical = format(number.normalize(), "f")
        fraction = len(lexical.partition(".")[2])
        if len(lexical) > length.chars or (
            length.fraction is not None and fraction > length.fraction
        ):
            _add(found, length.rule, prefix + field.element)
    if field.range is not None and _outside(number, field.range):
        _add(found, field.range.rule, prefix + field.element)
    return True


def _check_date(value: object, field: FieldChecks, prefix: str, found: Hits) -> bool:
    """A date has no facets to check: only whether it is one."""
    return _is_date(value)


_CHECK_BY_BASE: dict[str, Callable[[object, FieldChecks, str, Hits], bool]] = {
    "string": _check_string,
    "int": _check_integer,
    "long": _check_integer,
    "decimal": _check_decimal,
    "date": _check_date,
}


def _outside(number: int | Decimal, allowed: Range) -> bool:
    return (allowed.low is not None and number < allowed.low) or (
        allowed.high is not None and number > allowed.high
    )


def _number_as_text(value: object) -> str | None:
    """A whole number given for a string element as its digits; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT.fullmatch(value.strip()):
        return int(value.strip())
    return None


def _as_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _is_date(value: object) -> bool:
    if isinstance(value, date):
        return True
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
        return False
    try:
        date.fromisoformat(value.strip())
    except ValueError:
        return False
    return True


# The last learner view walked, its year and its hits. The engine hands every rule of a
# pass the same new ``LearnerView`` (not changed while the rules run), so the FD rules of a
# pass share one walk; the tuple is replaced whole, so a thread that sees another thread's
# view just walks its own.
_shared: tuple[LearnerView | None, str, Hits] = (None, "", {})


def _walk_shared(record: Record, academic_year: str) -> Hits:
    global _shared
    found = walk(record, academic_year)
    if isinstance(record, LearnerView):
        _shared = (record, academic_year, found)
    return found


_CHECKED: dict[Check, str] = {
    "MA": "is returned",
    "AL": "is no longer than the year's XSD allows",
    "AP": "matches the year's XSD pattern",
    "AR": "lies in the year's XSD range",
    "EO": "occurs as often as the year's XSD allows",
}


def _fd_check(name: str) -> LearnerCheck:
    key, check = split_name(name)

    def fd_check(record: Record, ctx: ValidationContext) -> Iterable[Hit]:
        view, year, found = _shared
        if view is not record or year != ctx.academic_year:
            found = _walk_shared(record, ctx.academic_year)
        return found.get(name, _NO_HITS)

    fd_check.__doc__ = f"{name}: {key} {_CHECKED[check]}."
    fd_check.__name__ = fd_check.__qualname__ = name.lower()
    return fd_check


def _register() -> None:
    """One rule per official FD name, for the years whose rule set has it live."""
    table = fd_rule_years()
    for name, years in table.items():
        source = SOURCE_V4 if years == {"2026/27"} else SOURCE_CSV
        rule(name, years=years, source=source)(_fd_check(name))


_register()
