"""Pydantic models of the ILR ``Message`` tree, generated from each year's XSD at import.

Each complex element becomes a model of the same name whose fields are its child elements,
in order; how XSD types map to Python: docs/ENGINEERING.md "The ILR record model".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    create_model,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError, core_schema

from .xsd import ElementSpec, SimpleType, schema_spec, xsd_pattern_to_python
from .years import AcademicYear, year_info

# Entity names under Learner the platform treats as "the record".
RECORD_ROOT = "Learner"
DELIVERY = "LearningDelivery"


class IlrModel(BaseModel):
    """Base of every generated ILR model."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


# Characters outside the XML 1.0 Char production (some XSD patterns would allow them).
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True, slots=True)
class XsdRestriction:
    """Pydantic metadata enforcing XSD patterns and enumerations on a string field.

    ``patterns`` holds one tuple of alternatives per derivation step (XSD semantics:
    every step must match one of its alternatives, matching the whole value).
    """

    patterns: tuple[tuple[str, ...], ...] = ()
    enumerations: tuple[str, ...] | None = None

    def __get_pydantic_core_schema__(
        self, source: Any, handler: Callable[[Any], core_schema.CoreSchema]
    ) -> core_schema.CoreSchema:
        compiled = [[re.compile(xsd_pattern_to_python(p)) for p in step] for step in self.patterns]
        enumerations = self.enumerations

        def check(value: Any) -> Any:
            if not isinstance(value, str):
                return value
            if _NOT_XML_CHAR.search(value):
                raise PydanticCustomError(
                    "string_not_xml", "String contains a character XML cannot carry"
                )
            for step, raw in zip(compiled, self.patterns, strict=True):
                if not any(regex.fullmatch(value) for regex in step):
                    raise PydanticCustomError(
                        "string_pattern_mismatch",
                        "String should match pattern '{pattern}'",
                        {"pattern": " | ".join(raw)},
                    )
            if enumerations is not None and value not in enumerations:
                raise PydanticCustomError(
                    "enum", "Input should be one of {expected}", {"expected": list(enumerations)}
                )
            return value

        return core_schema.no_info_after_validator_function(check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: Callable[[Any], dict[str, Any]]
    ) -> dict[str, Any]:
        json_schema = handler(schema)
        if self.patterns:
            # The most specific (last) step is the informative one for clients.
            json_schema["pattern"] = "^" + xsd_pattern_to_python(self.patterns[-1][0]) + "$"
        if self.enumerations is not None:
            json_schema["enum"] = list(self.enumerations)
        return json_schema


# Fixed-point text ("12.5", never "1.25E+1") so the canonical value is valid XSD lexical.
_DECIMAL_TEXT = PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")


# An xs:date may carry a time zone: "Z" or an offset from -14:00 to +14:00.
_DATE_WITH_ZONE = re.compile(
    r"(-?[0-9]{4,}-[0-9]{2}-[0-9]{2})(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
)


def plain_date_text(text: str) -> str:
    """The calendar date of an ``xs:date`` lexical value without its time zone
    (``"2001-02-03+01:00"`` -> ``"2001-02-03"``); other text is returned unchanged."""
    match = _DATE_WITH_ZONE.fullmatch(text.strip())
    return match.group(1) if match else text


def _date_only(value: Any) -> Any:
    # Lax pydantic would turn numbers into dates (unix time); ILR dates are ISO strings.
    if isinstance(value, dt.datetime) or not isinstance(value, str | dt.date):
        raise PydanticCustomError("date_type", "Input should be a date string 'YYYY-MM-DD'")
    # The platform stores plain dates: a time zone is dropped, keeping the calendar date.
    return plain_date_text(value) if isinstance(value, str) else value


def _datetime_only(value: Any) -> Any:
    if not isinstance(value, str | dt.datetime):
        raise PydanticCustomError("datetime_type", "Input should be an ISO date-time string")
    return value


def simple_field(spec: SimpleType) -> tuple[Any, dict[str, Any]]:
    """(python type, Field kwargs) for an XSD simple type."""
    if spec.base in {"int", "long"}:
        low, high = spec.numeric_bounds()
        return Annotated[int, Strict()], {"ge": _as_int(low), "le": _as_int(high)}
    if spec.base == "decimal":
        low, high = spec.numeric_bounds()
        return Annotated[Decimal, _DECIMAL_TEXT], {
            "ge": low,
            "le": high,
            "decimal_places": spec.fraction_digits,
            "max_digits": spec.total_digits,
            "allow_inf_nan": False,
        }
    if spec.base == "date":
        return Annotated[dt.date, BeforeValidator(_date_only)], {}
    if spec.base == "dateTime":
        return Annotated[dt.datetime, BeforeValidator(_datetime_only)], {}
    # Always attached: besides XSD facets it rejects characters XML 1.0 cannot carry.
    restriction = XsdRestriction(spec.patterns, spec.enumerations)
    python_type: Any = Annotated[str, Strict(), restriction]
    return python_type, {"min_length": spec.min_length, "max_length": spec.max_length}


def _as_int(value: Decimal | None) -> int | None:
    return None if value is None else int(value)


class _Builder:
    """Builds (and memoises) one model class per complex element of one year."""

    def __init__(self, academic_year: str) -> None:
        self.academic_year = academic_year
        self.models: dict[str, type[IlrModel]] = {}

    def model_for(self, spec: ElementSpec) -> type[IlrModel]:
        if spec.name in self.models:
            raise ValueError(f"{self.academic_year}: complex element {spec.name!r} defined twice")
        fields = {child.name: self.field_for(child) for child in spec.children}
        model = create_model(  # type: ignore[call-overload]  # dynamic field dict
            spec.name,
            __base__=IlrModel,
            __module__=__name__,
            __doc__=f"ILR {self.academic_year} <{spec.name}> element.",
            **fields,
        )
        self.models[spec.name] = model
        return model

    def field_for(self, spec: ElementSpec) -> tuple[Any, FieldInfo]:
        kwargs: dict[str, Any]
        if spec.is_complex:
            item_type: Any = self.model_for(spec)
            kwargs = {}
        else:
            assert spec.simple is not None
            item_type, kwargs = simple_field(spec.simple)
        if spec.is_repeated:
            list_type: Any = list[item_type]
            occurs = {
                "min_length": spec.min_occurs or None,
                "max_length": spec.max_occurs,
            }
            return _finish(list_type, spec, occurs)
        return _finish(item_type, spec, kwargs)


def _finish(python_type: Any, spec: ElementSpec, kwargs: dict[str, Any]) -> tuple[Any, FieldInfo]:
    constraints = {k: v for k, v in kwargs.items() if v is not None}
    if spec.is_required:
        return python_type, Field(**constraints)
    return python_type | None, Field(default=None, **constraints)


@dataclass(frozen=True, slots=True)
class YearModels:
    academic_year: str
    by_name: dict[str, type[IlrModel]]

    @property
    def message(self) -> type[IlrModel]:
        return self.by_name["Message"]


@cache
def _models_for(academic_year: str) -> YearModels:
    builder = _Builder(academic_year)
    builder.model_for(schema_spec(academic_year).message)
    return YearModels(academic_year, dict(builder.models))


def year_models(academic_year: str | AcademicYear) -> YearModels:
    """All generated models of ``academic_year`` keyed by XSD element name (cached)."""
    return _models_for(year_info(academic_year).academic_year)


def entity_model(academic_year: str | AcademicYear, name: str) -> type[IlrModel]:
    """The model of the complex XSD element ``name`` (e.g. "AppFinRecord", "Header")."""
    models = year_models(academic_year)
    try:
        return models.by_name[name]
    except KeyError:
        raise KeyError(
            f"ILR {models.academic_year} has no entity {name!r}; known: {sorted(models.by_name)}"
        ) from None


def entity_names(academic_year: str | AcademicYear) -> list[str]:
    """Names of all complex elements of the year's ``Message``, in XSD order."""
    return schema_spec(academic_year).complex_names()


def learner_model(academic_year: str | AcademicYear) -> type[IlrModel]:
    """The ``<Learner>`` model: the ILR record of one learner."""
    return entity_model(academic_year, RECORD_ROOT)


def delivery_model(academic_year: str | AcademicYear) -> type[IlrModel]:
    """The ``<LearningDelivery>`` model: one learning aim of a learner."""
    return entity_model(academic_year, DELIVERY)


def learning_provider_model(academic_year: str | AcademicYear) -> type[IlrModel]:
    return entity_model(academic_year, "LearningProvider")


def header_model(academic_year: str | AcademicYear) -> type[IlrModel]:
    return entity_model(academic_year, "Header")
