"""The field-definition (FD_*) checks, generated from the official rules and the year's XSD.

``FD_<Field>_<Check>``: ``MA`` returned, ``AL`` length, ``AP`` pattern, ``AR`` range, ``EO``
occurrences; facets come from the XSD, ``EXPLICIT_RANGES`` from the rules alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Literal

from ..ilr.xsd import ElementSpec, SimpleType, schema_spec, xsd_pattern_to_python
from .official import CSV_BY_YEAR, live_rules

Check = Literal["MA", "AL", "AP", "AR", "EO"]
CHECKS: tuple[Check, ...] = ("MA", "AL", "AP", "AR", "EO")
FD_CATEGORY = "Field Definition"
NUMERIC_BASES = frozenset({"int", "long", "decimal"})

# UCASPERID is a string of ten digits in the XSD; the ILR specification gives its range.
EXPLICIT_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "FD_UCASPERID_AR": (Decimal(1), Decimal(9999999999)),
}


def split_name(name: str) -> tuple[str, Check]:
    """``FD_LearnAimRef_AL`` -> (``LearnAimRef``, ``AL``)."""
    _, _, rest = name.partition("_")
    key, _, check = rest.rpartition("_")
    if not key or check not in CHECKS:
        raise ValueError(f"{name} is not a field-definition rule name")
    return key, check


@cache
def fd_rule_years() -> dict[str, frozenset[str]]:
    """Every live field-definition rule with the years whose rule set has it live."""
    years: dict[str, set[str]] = {}
    for year in CSV_BY_YEAR:
        for name, official in live_rules(year).items():
            if official.category == FD_CATEGORY and name.startswith("FD_"):
                years.setdefault(name, set()).add(year)
    return {name: frozenset(found) for name, found in sorted(years.items())}


@dataclass(frozen=True, slots=True)
class Length:
    """``AL``: at most ``chars`` characters (a number's digits and sign, a decimal's
    point too) and, for decimals, at most ``fraction`` fraction digits."""

    rule: str
    chars: int
    fraction: int | None = None


@dataclass(frozen=True, slots=True)
class Pattern:
    """``AP``: the value matches one regular expression of every derivation step."""

    rule: str
    steps: tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class Range:
    """``AR``: the value read as a number lies in ``[low, high]`` (either may be open)."""

    rule: str
    low: Decimal | None
    high: Decimal | None


@dataclass(frozen=True, slots=True)
class FieldChecks:
    """The FD checks of one simple element of an entity."""

    element: str
    base: str  # string, int, long, decimal or date
    mandatory: str | None = None
    length: Length | None = None
    pattern: Pattern | None = None
    range: Range | None = None
    # The rule that reports a value that cannot be read as the element's type.
    malformed: str | None = None


@dataclass(frozen=True, slots=True)
class Occurs:
    """``EO``: the entity occurs between ``low`` and ``high`` times (``None`` = unbounded)."""

    rule: str
    low: int
    high: int | None


@dataclass(frozen=True, slots=True)
class EntityChecks:
    """The FD checks of one complex element and of everything below it."""

    name: str
    repeated: bool
    occurs: Occurs | None
    fields: dict[str, FieldChecks]  # by element name, in XSD order
    required: tuple[FieldChecks, ...]  # the fields with a mandatory (MA) rule
    children: tuple[EntityChecks, ...]


@dataclass(frozen=True, slots=True)
class FieldTable:
    learner: EntityChecks
    resolved: frozenset[str]  # the year's FD rules the table checks


@cache
def field_table(academic_year: str) -> FieldTable:
    """The year's FD checks, built once from its rule set and XSD."""
    names = {
        split_name(name): name for name, years in fd_rule_years().items() if academic_year in years
    }
    by_key = {(key.lower(), check): name for (key, check), name in names.items()}
    learner = _entity(schema_spec(academic_year).entity("Learner"), by_key)
    return FieldTable(learner=learner, resolved=frozenset(_rules_in(learner)))


def _entity(spec: ElementSpec, by_key: dict[tuple[str, Check], str]) -> EntityChecks:
    fields = []
    children = []
    for child in spec.children:
        if child.simple is not None:
            found = _field(child.name, child.simple, by_key)
            if found is not None:
                fields.append(found)
            continue
        entity = _entity(child, by_key)
        if entity.occurs is not None or entity.fields or entity.children:
            children.append(entity)
    eo = by_key.get((spec.name.lower(), "EO"))
    return EntityChecks(
        name=spec.name,
        repeated=spec.is_repeated,
        occurs=Occurs(eo, spec.min_occurs, spec.max_occurs) if eo else None,
        fields={field.element: field for field in fields},
        required=tuple(field for field in fields if field.mandatory),
        children=tuple(children),
    )


def _field(
    element: str, simple: SimpleType, by_key: dict[tuple[str, Check], str]
) -> FieldChecks | None:
    key = element.lower()
    rules = {check: by_key[(key, check)] for check in CHECKS if (key, check) in by_key}
    if not rules:
        return None
    length = _length(rules["AL"], simple) if "AL" in rules else None
    pattern = _pattern(rules["AP"], simple) if "AP" in rules else None
    ranged = _range(rules["AR"], simple) if "AR" in rules else None
    return FieldChecks(
        element=element,
        base=simple.base,
        mandatory=rules.get("MA"),
        length=length,
        pattern=pattern,
        range=ranged,
        malformed=_malformed_rule(simple.base, rules),
    )


def _malformed_rule(base: str, rules: dict[Check, str]) -> str | None:
    """A value of the wrong type breaks the range of a number, the pattern of a string;
    else its length; an unreadable date is as good as no date."""
    if base in NUMERIC_BASES:
        order: tuple[Check, ...] = ("AR", "AL", "AP", "MA")
    elif base == "date":
        order = ("MA", "AL", "AP", "AR")
    else:
        order = ("AP", "AL", "AR", "MA")
    return next((rules[check] for check in order if check in rules), None)


def _length(rule: str, simple: SimpleType) -> Length | None:
    if simple.base == "string":
        chars = simple.max_length
        if chars is None:
            chars = _pattern_steps_max_length(simple.patterns)
        return Length(rule, chars) if chars is not None else None
    low, high = simple.numeric_bounds()
    if simple.base == "decimal" and high is not None:
        magnitude = max(abs(high), abs(low)) if low is not None else abs(high)
        fraction = simple.fraction_digits or 0
        chars = len(str(int(magnitude))) + (1 + fraction if fraction else 0)
        return Length(rule, chars, fraction)
    if simple.total_digits is not None:
        return Length(rule, simple.total_digits)
    bounds = [abs(b) for b in (simple.min_inclusive, simple.max_inclusive) if b is not None]
    return Length(rule, len(str(int(max(bounds))))) if bounds else None


def _pattern(rule: str, simple: SimpleType) -> Pattern | None:
    if not simple.patterns:
        return None
    steps = tuple(
        re.compile("|".join(xsd_pattern_to_python(p) for p in step)) for step in simple.patterns
    )
    return Pattern(rule, steps)


def _range(rule: str, simple: SimpleType) -> Range | None:
    if rule in EXPLICIT_RANGES:
        return Range(rule, *EXPLICIT_RANGES[rule])
    if simple.base not in NUMERIC_BASES:
        return None
    return Range(rule, *simple.numeric_bounds())


_ATOM = re.compile(r"(\[(?:\\.|[^\]\\])*\]|\\.|.)(\{(\d+)(?:,(\d*))?\}|[*+?])?", re.DOTALL)


def _pattern_steps_max_length(steps: tuple[tuple[str, ...], ...]) -> int | None:
    """The longest value every step's patterns allow (None when unbounded)."""
    limits = [_alternatives_max_length(step) for step in steps]
    bounded = [limit for limit in limits if limit is not None]
    return min(bounded) if bounded else None


def _alternatives_max_length(patterns: tuple[str, ...]) -> int | None:
    lengths = [_max_length(pattern) for pattern in patterns]
    bounded = [n for n in lengths if n is not None]
    return max(bounded) if bounded and len(bounded) == len(lengths) else None


def _max_length(pattern: str) -> int | None:
    """The longest string a flat XSD pattern (classes, escapes, literals, quantifiers and
    top-level alternatives) matches; None when it is unbounded or has groups."""
    longest = total = 0
    for atom in _ATOM.finditer(pattern):
        token, quantifier, low, high = atom.groups()
        if token in ("(", ")") or quantifier in ("*", "+") or high == "":
            return None
        if token == "|":
            longest, total = max(longest, total), 0
        else:
            total += 1 if low is None else int(high or low)
    return max(longest, total)


def _rules_in(entity: EntityChecks) -> list[str]:
    found = [entity.occurs.rule] if entity.occurs else []
    for field in entity.fields.values():
        found += [field.mandatory] if field.mandatory else []
        found += [c.rule for c in (field.length, field.pattern, field.range) if c]
    for child in entity.children:
        found += _rules_in(child)
    return found


def unresolved(academic_year: str) -> list[str]:
    """The year's live FD rules the table cannot check (their element or facet is missing)."""
    table = field_table(academic_year)
    return sorted(
        name
        for name, years in fd_rule_years().items()
        if academic_year in years and name not in table.resolved
    )
