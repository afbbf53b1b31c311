"""The canonical JSON form of an ILR record and its schema validation.

The form stored, sent in events and served (a ``dict`` keyed by XSD element names, in XSD
order) is defined in docs/ENGINEERING.md "The ILR record model".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from .models import IlrModel, entity_model, learner_model
from .years import AcademicYear


@dataclass(frozen=True, slots=True)
class SchemaProblem:
    """One schema violation: ``path`` like ``"LearningDelivery[0].LearnAimRef"``
    (empty for the record itself), a readable ``message`` and a stable ``code``
    (pydantic error type, e.g. ``"string_too_long"``, ``"missing"``, ``"extra_forbidden"``)."""

    path: str
    message: str
    code: str


class InvalidRecordError(ValueError):
    """Raised by ``parse_record`` when the data does not fit the year's schema."""

    def __init__(self, problems: list[SchemaProblem]) -> None:
        self.problems = problems
        summary = "; ".join(f"{p.path or '<record>'}: {p.message}" for p in problems[:5])
        more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"invalid ILR record: {summary}{more}")


def format_path(loc: tuple[int | str, ...]) -> str:
    """``("LearningDelivery", 0, "LearnAimRef")`` -> ``"LearningDelivery[0].LearnAimRef"``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def problems_from_error(error: ValidationError) -> list[SchemaProblem]:
    return [
        SchemaProblem(path=format_path(tuple(e["loc"])), message=e["msg"], code=e["type"])
        for e in error.errors(include_url=False, include_context=False, include_input=False)
    ]


def validate_entity(
    academic_year: str | AcademicYear, entity: str, data: object
) -> list[SchemaProblem]:
    """Schema problems of ``data`` as the XSD element ``entity``; never raises on bad data."""
    model = entity_model(academic_year, entity)
    if not isinstance(data, Mapping):
        return [SchemaProblem("", f"{entity} must be an object", "model_type")]
    try:
        model.model_validate(data)
    except ValidationError as error:
        return problems_from_error(error)
    return []


def validate_record(academic_year: str | AcademicYear, data: object) -> list[SchemaProblem]:
    """Schema problems of a canonical ``Learner`` dict; an empty list means valid."""
    return validate_entity(academic_year, "Learner", data)


def parse_entity(academic_year: str | AcademicYear, entity: str, data: object) -> IlrModel:
    problems = validate_entity(academic_year, entity, data)
    if problems:
        raise InvalidRecordError(problems)
    return entity_model(academic_year, entity).model_validate(data)


def parse_record(academic_year: str | AcademicYear, data: object) -> IlrModel:
    """The ``Learner`` model of ``data``; raises ``InvalidRecordError`` listing problems."""
    model = learner_model(academic_year)
    if not isinstance(data, Mapping):
        raise InvalidRecordError([SchemaProblem("", "Learner must be an object", "model_type")])
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidRecordError(problems_from_error(error)) from None


def dump_record(model: IlrModel) -> dict[str, Any]:
    """The canonical dict of any generated ILR model (Learner, LearningDelivery, ...)."""
    dumped = model.model_dump(mode="json", exclude_none=True)
    pruned: dict[str, Any] = _prune(dumped)
    return pruned


def canonicalise(academic_year: str | AcademicYear, data: object) -> dict[str, Any]:
    """Validate and normalise a Learner dict into canonical form (XSD key order, no
    ``None``, no empty lists, decimals as strings)."""
    return dump_record(parse_record(academic_year, data))


def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            pruned = _prune(item)
            if pruned is None or pruned == []:
                continue
            out[key] = pruned
        return out
    if isinstance(value, list):
        return [_prune(item) for item in value]
    return value
