"""A small reader for the subset of XML Schema the ILR XSDs use.

Anything outside it raises ``XsdError``, so a future year's XSD with a new construct is
noticed instead of silently mis-modelled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import TypeVar

from lxml import etree

from .years import AcademicYear, safe_parser, schema_bytes, year_info

XS = "http://www.w3.org/2001/XMLSchema"
_BUILTINS = {"string", "int", "long", "decimal", "date", "dateTime"}
_INTEGER_RANGES = {
    "int": (Decimal(-(2**31)), Decimal(2**31 - 1)),
    "long": (Decimal(-(2**63)), Decimal(2**63 - 1)),
}


_N = TypeVar("_N", int, Decimal)


class XsdError(ValueError):
    """The XSD uses a construct this reader does not support."""


@dataclass(frozen=True, slots=True)
class SimpleType:
    """The facets of one simple type, merged over its derivation chain."""

    base: str  # one of _BUILTINS
    # One tuple per derivation step: a value must match some pattern of every step.
    patterns: tuple[tuple[str, ...], ...] = ()
    enumerations: tuple[str, ...] | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_inclusive: Decimal | None = None
    max_inclusive: Decimal | None = None
    total_digits: int | None = None
    fraction_digits: int | None = None

    @property
    def is_integer(self) -> bool:
        return self.base in _INTEGER_RANGES

    def numeric_bounds(self) -> tuple[Decimal | None, Decimal | None]:
        """Effective inclusive bounds from min/maxInclusive, totalDigits and the base type."""
        lows: list[Decimal] = []
        highs: list[Decimal] = []
        if self.base in _INTEGER_RANGES:
            low, high = _INTEGER_RANGES[self.base]
            lows.append(low)
            highs.append(high)
        if self.total_digits is not None and self.base in {"int", "long", "decimal"}:
            # totalDigits bounds the magnitude; exact for integers.
            limit = Decimal(10) ** self.total_digits - 1
            if self.base == "decimal" and self.fraction_digits:
                limit = (Decimal(10) ** self.total_digits - 1) / Decimal(10) ** self.fraction_digits
            lows.append(-limit)
            highs.append(limit)
        if self.min_inclusive is not None:
            lows.append(self.min_inclusive)
        if self.max_inclusive is not None:
            highs.append(self.max_inclusive)
        return (max(lows) if lows else None, min(highs) if highs else None)


@dataclass(frozen=True, slots=True)
class ElementSpec:
    """One ``xs:element``: either simple (``simple`` set) or complex (``children``)."""

    name: str
    min_occurs: int
    max_occurs: int | None  # None = unbounded
    simple: SimpleType | None = None
    children: tuple[ElementSpec, ...] = field(default=())

    @property
    def is_complex(self) -> bool:
        return self.simple is None

    @property
    def is_repeated(self) -> bool:
        return self.max_occurs is None or self.max_occurs > 1

    @property
    def is_required(self) -> bool:
        return self.min_occurs > 0

    def child(self, name: str) -> ElementSpec:
        for child in self.children:
            if child.name == name:
                return child
        raise KeyError(f"{self.name} has no child element {name!r}")

    def walk(self) -> Iterator[ElementSpec]:
        """This element and all its descendants, depth first in document order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True, slots=True)
class SchemaSpec:
    namespace: str
    message: ElementSpec

    def entity(self, name: str) -> ElementSpec:
        """The complex element called ``name`` anywhere under ``Message``."""
        found = [spec for spec in self.message.walk() if spec.is_complex and spec.name == name]
        if len(found) != 1:
            raise KeyError(f"no single complex element {name!r} in the schema")
        return found[0]

    def complex_names(self) -> list[str]:
        return [spec.name for spec in self.message.walk() if spec.is_complex]


@cache
def _spec_for(academic_year: str) -> SchemaSpec:
    return read_xsd(schema_bytes(academic_year))


def schema_spec(academic_year: str | AcademicYear) -> SchemaSpec:
    """The parsed element tree of the year's XSD (cached)."""
    return _spec_for(year_info(academic_year).academic_year)


def read_xsd(xsd: bytes) -> SchemaSpec:
    root = etree.fromstring(xsd, safe_parser())
    reader = _Reader(root)
    return SchemaSpec(namespace=reader.target_ns, message=reader.top_element("Message"))


class _Reader:
    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.target_ns = root.get("targetNamespace", "")
        self.named_simple = {
            el.get("name", ""): el for el in root.iterchildren(f"{{{XS}}}simpleType")
        }
        if root.find(f"{{{XS}}}complexType") is not None:
            raise XsdError("named complex types are not supported")

    def top_element(self, name: str) -> ElementSpec:
        for el in self.root.iterchildren(f"{{{XS}}}element"):
            if el.get("name") == name:
                return self.element(el)
        raise XsdError(f"no top-level element {name!r}")

    def element(self, el: etree._Element) -> ElementSpec:
        name = el.get("name")
        if not name or el.get("ref"):
            raise XsdError("only named local elements are supported")
        min_occurs = int(el.get("minOccurs", "1"))
        raw_max = el.get("maxOccurs", "1")
        max_occurs = None if raw_max == "unbounded" else int(raw_max)
        type_name = el.get("type")
        if type_name is not None:
            simple = self.named_type(el, type_name)
            return ElementSpec(name, min_occurs, max_occurs, simple=simple)
        inline_simple = el.find(f"{{{XS}}}simpleType")
        if inline_simple is not None:
            return ElementSpec(name, min_occurs, max_occurs, simple=self.simple_type(inline_simple))
        complex_el = el.find(f"{{{XS}}}complexType")
        if complex_el is None:
            raise XsdError(f"element {name!r} has no type")
        return ElementSpec(name, min_occurs, max_occurs, children=self.sequence(complex_el, name))

    def sequence(self, complex_el: etree._Element, owner: str) -> tuple[ElementSpec, ...]:
        parts = [c for c in complex_el if isinstance(c.tag, str) and c.tag != f"{{{XS}}}annotation"]
        if len(parts) != 1 or parts[0].tag != f"{{{XS}}}sequence":
            raise XsdError(f"{owner}: only a plain xs:sequence is supported")
        children = []
        for child in parts[0]:
            if not isinstance(child.tag, str) or child.tag == f"{{{XS}}}annotation":
                continue
            if child.tag != f"{{{XS}}}element":
                raise XsdError(f"{owner}: unsupported particle {child.tag}")
            children.append(self.element(child))
        return tuple(children)

    def named_type(self, context: etree._Element, qname: str) -> SimpleType:
        ns, local = _resolve_qname(context, qname)
        if ns == XS:
            if local not in _BUILTINS:
                raise XsdError(f"unsupported built-in type xs:{local}")
            return SimpleType(base=local)
        if ns == self.target_ns and local in self.named_simple:
            return self.simple_type(self.named_simple[local])
        raise XsdError(f"unknown type {qname!r}")

    def simple_type(self, simple_el: etree._Element) -> SimpleType:
        restriction = simple_el.find(f"{{{XS}}}restriction")
        if restriction is None:
            raise XsdError("only xs:restriction simple types are supported")
        base = self.named_type(restriction, restriction.get("base", ""))
        return _apply_facets(base, restriction)


def _resolve_qname(context: etree._Element, qname: str) -> tuple[str, str]:
    prefix, _, local = qname.rpartition(":")
    ns = context.nsmap.get(prefix or None)
    if ns is None:
        raise XsdError(f"unbound prefix in {qname!r}")
    return ns, local


def _apply_facets(base: SimpleType, restriction: etree._Element) -> SimpleType:
    facets: dict[str, list[str]] = {}
    for facet in restriction:
        if not isinstance(facet.tag, str):
            continue
        local = etree.QName(facet).localname
        facets.setdefault(local, []).append(facet.get("value", ""))
    unknown = set(facets) - {
        "pattern", "enumeration", "length", "minLength", "maxLength",
        "minInclusive", "maxInclusive", "totalDigits", "fractionDigits",
    }  # fmt: skip
    if unknown:
        raise XsdError(f"unsupported facets {sorted(unknown)}")
    patterns = base.patterns + ((tuple(facets["pattern"]),) if "pattern" in facets else ())
    length = _one_int(facets, "length")
    return SimpleType(
        base=base.base,
        patterns=patterns,
        enumerations=tuple(facets["enumeration"]) if "enumeration" in facets else base.enumerations,
        min_length=_tighter(max, base.min_length, length, _one_int(facets, "minLength")),
        max_length=_tighter(min, base.max_length, length, _one_int(facets, "maxLength")),
        min_inclusive=_tighter(max, base.min_inclusive, _one_dec(facets, "minInclusive")),
        max_inclusive=_tighter(min, base.max_inclusive, _one_dec(facets, "maxInclusive")),
        total_digits=_tighter(min, base.total_digits, _one_int(facets, "totalDigits")),
        fraction_digits=_tighter(min, base.fraction_digits, _one_int(facets, "fractionDigits")),
    )


def _one_int(facets: dict[str, list[str]], name: str) -> int | None:
    values = facets.get(name)
    return int(values[0].strip()) if values else None


def _one_dec(facets: dict[str, list[str]], name: str) -> Decimal | None:
    values = facets.get(name)
    # Facet values of numeric types are whitespace-collapsed ("99999999 " in the header).
    return Decimal(values[0].strip()) if values else None


def _tighter(pick: Callable[[list[_N]], _N], *values: _N | None) -> _N | None:
    present = [v for v in values if v is not None]
    return pick(present) if present else None


def xsd_pattern_to_python(pattern: str) -> str:
    """Translate an XSD regular expression into an anchored Python one.

    XSD patterns match the whole value, ``.`` excludes only CR and LF, and ``^``/``$``
    are ordinary characters outside character classes.
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            if escaped in "iIcC":
                raise XsdError(f"unsupported XSD escape \\{escaped} in {pattern!r}")
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
            elif ch == "[" and out and out[-1] == "-":
                raise XsdError(f"character class subtraction is not supported: {pattern!r}")
            out.append(ch)
        elif ch == "[":
            in_class = True
            out.append(ch)
        elif ch == ".":
            out.append("[^\\n\\r]")
        elif ch in "^$":
            out.append("\\" + ch)
        else:
            out.append(ch)
        i += 1
    return "(?:" + "".join(out) + ")"
