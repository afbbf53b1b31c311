"""Reads each XSD independently of the package's XSD reader and checks that every
element under Learner (and the header shapes) is modelled with the XSD's cardinality
and facets."""

from __future__ import annotations

import datetime as dt
import types
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, Union, get_args, get_origin

import annotated_types as at
import pytest
from lxml import etree
from pydantic import BaseModel

from ilr_shared.ilr import entity_model, supported_years
from ilr_shared.ilr.models import XsdRestriction
from ilr_shared.ilr.years import schema_bytes

XS = "{http://www.w3.org/2001/XMLSchema}"
INT_LIMITS = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
ENTITIES = ["Learner", "Header", "LearningProvider"]


@dataclass
class Facets:
    base: str = ""
    patterns: list[str] = field(default_factory=list)
    facets: dict[str, str] = field(default_factory=dict)


@dataclass
class Xel:
    name: str
    min_occurs: int
    max_occurs: int | None
    simple: Facets | None
    children: list[Xel]


def _restriction_facets(schema: etree._Element, simple: etree._Element) -> Facets:
    restriction = simple.find(f"{XS}restriction")
    assert restriction is not None
    base = restriction.get("base", "")
    if base.startswith("xs:"):
        out = Facets(base=base[3:])
    else:
        named = schema.find(f"{XS}simpleType[@name='{base}']")
        assert named is not None, base
        out = _restriction_facets(schema, named)
    for facet in restriction:
        if not isinstance(facet.tag, str):
            continue
        name = etree.QName(facet).localname
        value = facet.get("value", "")
        if name == "pattern":
            out.patterns.append(value)
        else:
            out.facets[name] = value.strip()
    return out


def _xel(schema: etree._Element, el: etree._Element) -> Xel:
    max_raw = el.get("maxOccurs", "1")
    name = el.get("name", "")
    min_occurs = int(el.get("minOccurs", "1"))
    max_occurs = None if max_raw == "unbounded" else int(max_raw)
    if el.get("type"):
        simple_facets = Facets(base=el.get("type", "")[3:])
        return Xel(name, min_occurs, max_occurs, simple_facets, [])
    simple = el.find(f"{XS}simpleType")
    if simple is not None:
        return Xel(name, min_occurs, max_occurs, _restriction_facets(schema, simple), [])
    seq = el.find(f"{XS}complexType/{XS}sequence")
    assert seq is not None
    kids = [_xel(schema, c) for c in seq.iterchildren(f"{XS}element")]
    return Xel(name, min_occurs, max_occurs, None, kids)


def _find(node: Xel, name: str) -> Xel:
    if node.name == name and node.simple is None:
        return node
    for child in node.children:
        try:
            return _find(child, name)
        except LookupError:
            continue
    raise LookupError(name)


def _xsd_tree(year: str) -> Xel:
    schema = etree.fromstring(schema_bytes(year))
    message = schema.find(f"{XS}element[@name='Message']")
    assert message is not None
    return _xel(schema, message)


def _unwrap(annotation: Any) -> tuple[bool, bool, Any, list[Any]]:
    """(optional, is_list, innermost type, Annotated metadata) of a field annotation."""
    optional = False
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        optional = len(args) < len(get_args(annotation))
        assert len(args) == 1
        annotation = args[0]
    is_list = get_origin(annotation) is list
    if is_list:
        annotation = get_args(annotation)[0]
    metadata: list[Any] = []
    while get_origin(annotation) is Annotated:
        parts: tuple[Any, ...] = get_args(annotation)
        annotation = parts[0]
        metadata.extend(parts[1:])
    return optional, is_list, annotation, metadata


def _find_meta(metadata: list[Any], kind: type) -> Any:
    found = [m for m in metadata if isinstance(m, kind)]
    return found[0] if found else None


def _expected_bounds(f: Facets) -> tuple[Decimal | None, Decimal | None]:
    lows: list[Decimal] = []
    highs: list[Decimal] = []
    if f.base in INT_LIMITS:
        lows.append(Decimal(INT_LIMITS[f.base][0]))
        highs.append(Decimal(INT_LIMITS[f.base][1]))
    if "totalDigits" in f.facets:
        limit = Decimal(10) ** int(f.facets["totalDigits"]) - 1
        lows.append(-limit)
        highs.append(limit)
    if "minInclusive" in f.facets:
        lows.append(Decimal(f.facets["minInclusive"]))
    if "maxInclusive" in f.facets:
        highs.append(Decimal(f.facets["maxInclusive"]))
    return (max(lows) if lows else None, min(highs) if highs else None)


def _check_simple(where: str, f: Facets, inner: Any, metadata: list[Any]) -> list[str]:
    errors: list[str] = []
    expected_type = {"int": int, "long": int, "decimal": Decimal, "date": dt.date,
                     "dateTime": dt.datetime, "string": str}[f.base]  # fmt: skip
    if inner is not expected_type:
        errors.append(f"{where}: type {inner} != {expected_type}")
    min_len = f.facets.get("length", f.facets.get("minLength"))
    max_len = f.facets.get("length", f.facets.get("maxLength"))
    got_min = _find_meta(metadata, at.MinLen)
    got_max = _find_meta(metadata, at.MaxLen)
    if (int(min_len) if min_len else None) != (got_min.min_length if got_min else None):
        errors.append(f"{where}: minLength {min_len} != {got_min}")
    if (int(max_len) if max_len else None) != (got_max.max_length if got_max else None):
        errors.append(f"{where}: maxLength {max_len} != {got_max}")
    restriction = _find_meta(metadata, XsdRestriction)
    got_patterns = [p for step in restriction.patterns for p in step] if restriction else []
    if got_patterns != f.patterns:
        errors.append(f"{where}: patterns {got_patterns} != {f.patterns}")
    if f.base in {"int", "long", "decimal"}:
        low, high = _expected_bounds(f)
        ge, le = _find_meta(metadata, at.Ge), _find_meta(metadata, at.Le)
        if (ge.ge if ge else None) != low or (le.le if le else None) != high:
            errors.append(f"{where}: range [{ge}, {le}] != [{low}, {high}]")
    if "fractionDigits" in f.facets:
        places = [m for m in metadata if getattr(m, "decimal_places", None) is not None]
        if not places or places[0].decimal_places != int(f.facets["fractionDigits"]):
            errors.append(f"{where}: fractionDigits not enforced")
    return errors


def _check_entity(year: str, xel: Xel, model: type[BaseModel], path: str) -> list[str]:
    errors: list[str] = []
    xsd_names = [c.name for c in xel.children]
    model_names = list(model.model_fields)
    missing = [n for n in xsd_names if n not in model_names]
    extra = [n for n in model_names if n not in xsd_names]
    if missing:
        errors.append(f"{path}: missing fields {missing}")
    if extra:
        errors.append(f"{path}: extra fields {extra}")
    if not missing and not extra and xsd_names != model_names:
        errors.append(f"{path}: field order differs from XSD")
    for child in xel.children:
        if child.name not in model.model_fields:
            continue
        info = model.model_fields[child.name]
        where = f"{path}.{child.name}"
        optional, is_list, inner, metadata = _unwrap(info.annotation)
        metadata = [*info.metadata, *metadata]
        repeated = child.max_occurs is None or child.max_occurs > 1
        if is_list != repeated:
            errors.append(f"{where}: list={is_list}, XSD maxOccurs={child.max_occurs}")
        if info.is_required() != (child.min_occurs > 0) or optional == (child.min_occurs > 0):
            errors.append(f"{where}: required={info.is_required()}, minOccurs={child.min_occurs}")
        if repeated:
            got_min = _find_meta(list(info.metadata), at.MinLen)
            got_max = _find_meta(list(info.metadata), at.MaxLen)
            want_min = child.min_occurs or None
            if (got_min.min_length if got_min else None) != want_min:
                errors.append(f"{where}: min occurrences {got_min} != {want_min}")
            if (got_max.max_length if got_max else None) != child.max_occurs:
                errors.append(f"{where}: max occurrences {got_max} != {child.max_occurs}")
            metadata = [m for m in metadata if not isinstance(m, at.MinLen | at.MaxLen)]
        if child.simple is None:
            if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
                errors.append(f"{where}: expected a nested model, got {inner}")
                continue
            if inner is not entity_model(year, child.name):
                errors.append(f"{where}: nested model is not entity_model({child.name!r})")
            errors += _check_entity(year, child, inner, where)
        else:
            errors += _check_simple(where, child.simple, inner, metadata)
    return errors


@pytest.mark.parametrize("year", supported_years())
@pytest.mark.parametrize("entity", ENTITIES)
def test_every_xsd_element_is_modelled_exactly(year: str, entity: str) -> None:
    xel = _find(_xsd_tree(year), entity)
    assert _check_entity(year, xel, entity_model(year, entity), entity) == []


@pytest.mark.parametrize("year", supported_years())
def test_every_complex_element_under_learner_has_an_entity_model(year: str) -> None:
    def names(node: Xel) -> list[str]:
        own = [node.name] if node.simple is None else []
        return own + [n for c in node.children for n in names(c)]

    learner_entities = names(_find(_xsd_tree(year), "Learner"))
    assert "LearningDelivery" in learner_entities
    for name in learner_entities:
        assert entity_model(year, name).__name__ == name


def test_year_differences_are_visible_in_the_models() -> None:
    delivery_2526 = entity_model("2025/26", "LearningDelivery").model_fields
    delivery_2627 = entity_model("2026/27", "LearningDelivery").model_fields
    assert {"PHours", "OTJActHours", "AddHours"} <= set(delivery_2526)
    assert not {"PHours", "OTJActHours", "AddHours"} & set(delivery_2627)
    assert "HRSRecord" in delivery_2627 and "HRSRecord" not in delivery_2526
    assert "AgreemId" in entity_model("2026/27", "LearnerEmploymentStatus").model_fields
    assert "FUNDCOMP" not in entity_model("2026/27", "LearningDeliveryHE").model_fields
    with pytest.raises(KeyError):
        entity_model("2025/26", "HRSRecord")
    with pytest.raises(KeyError):
        entity_model("2026/27", "LearnerDestinationandProgression")
