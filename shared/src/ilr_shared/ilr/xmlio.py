"""Mechanical mapping between canonical ILR dicts and the year's XML.

Conversion follows the XSD element tree and does *not* validate: an invalid record
(e.g. a 20-character LearnRefNumber) still converts both ways, so the export and the
import can report problems instead of losing data. Validate with
``records.validate_record`` or ``validate_xml``.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, NamedTuple, cast

from lxml import etree

from .models import plain_date_text
from .records import SchemaProblem
from .xsd import ElementSpec, SimpleType, schema_spec
from .years import AcademicYear, load_schema, year_for_namespace, year_info

PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE-Personal"
XmlSource = str | Path | bytes | IO[bytes]


class UnsafeXmlError(ValueError):
    """The document has a DTD (and so possibly entity definitions); it is refused."""


# ---------------------------------------------------------------- dict -> XML


def entity_to_xml(
    academic_year: str | AcademicYear, entity: str, data: Mapping[str, Any]
) -> etree._Element:
    """The element ``entity`` (any complex XSD element) built from its canonical dict."""
    spec = schema_spec(academic_year)
    nsmap = {None: spec.namespace}  # the default namespace, as in the official files
    element = etree.Element(_qname(spec.namespace, entity), nsmap=nsmap)  # type: ignore[arg-type]
    _fill(element, spec.entity(entity), data, spec.namespace)
    return element


def learner_to_xml(academic_year: str | AcademicYear, record: Mapping[str, Any]) -> etree._Element:
    """The ``<Learner>`` element (year namespace, children in XSD order) of a record dict."""
    return entity_to_xml(academic_year, "Learner", record)


def _fill(element: etree._Element, spec: ElementSpec, data: Mapping[str, Any], ns: str) -> None:
    unknown = set(data) - {child.name for child in spec.children}
    if unknown:
        raise ValueError(f"{spec.name} has no element(s) {sorted(unknown)}")
    for child in spec.children:
        value = data.get(child.name)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            sub = etree.SubElement(element, _qname(ns, child.name))
            if child.simple is None:
                if not isinstance(item, Mapping):
                    raise ValueError(f"{child.name} must be an object, got {type(item).__name__}")
                _fill(sub, child, item, ns)
            else:
                sub.text = to_lexical(child.simple, item)


def to_lexical(simple: SimpleType, value: Any) -> str:
    """The XML text of a canonical (or model) value."""
    if isinstance(value, bool):
        raise ValueError("booleans are not ILR values")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | str):
        return str(value)
    raise ValueError(f"cannot write {type(value).__name__} as {simple.base}")


# ---------------------------------------------------------------- XML -> dict


def entity_from_xml(
    academic_year: str | AcademicYear, entity: str, element: etree._Element
) -> dict[str, Any]:
    spec = schema_spec(academic_year)
    return _read(element, spec.entity(entity), spec.namespace)


def learner_from_xml(element: etree._Element) -> dict[str, Any]:
    """The canonical dict of a ``<Learner>`` element of any supported year.

    Integers become numbers when they parse (otherwise the text is kept so that
    ``validate_record`` reports it); dates and decimals stay strings; unexpected
    elements are kept under their local name so validation flags them.
    """
    info = year_for_namespace(etree.QName(element).namespace or "")
    return entity_from_xml(info.academic_year, "Learner", element)


def _read(element: etree._Element, spec: ElementSpec, ns: str) -> dict[str, Any]:
    collected: dict[str, list[Any]] = {}
    known = {child.name: child for child in spec.children}
    for sub in element:
        if not isinstance(sub.tag, str):
            continue  # comments and processing instructions
        qname = etree.QName(sub)
        child = known.get(qname.localname) if qname.namespace == ns else None
        name = qname.localname if qname.namespace == ns else qname.text
        collected.setdefault(name, []).append(_read_value(sub, child, ns))
    out: dict[str, Any] = {}
    for child in spec.children:  # XSD order
        values = collected.pop(child.name, None)
        if values is not None:
            out[child.name] = values if child.is_repeated or len(values) > 1 else values[0]
    for name, values in collected.items():  # unknown elements, kept for reporting
        out[name] = values if len(values) > 1 else values[0]
    return out


def _read_value(element: etree._Element, spec: ElementSpec | None, ns: str) -> Any:
    if spec is not None and spec.simple is None:
        return _read(element, spec, ns)
    if spec is None and len(element):
        return _generic(element)
    text = element.text or ""
    if spec is None or spec.simple is None:
        return text
    return from_lexical(spec.simple, text)


def _generic(element: etree._Element) -> dict[str, Any]:
    return {
        etree.QName(sub).localname: _generic(sub) if len(sub) else (sub.text or "")
        for sub in element
        if isinstance(sub.tag, str)
    }


def from_lexical(simple: SimpleType, text: str) -> Any:
    """The canonical value of XML text (strings keep their whitespace, as in XSD)."""
    if simple.base == "string":
        return text
    collapsed = text.strip()
    if simple.is_integer:
        try:
            return int(collapsed)
        except ValueError:
            return text
    if simple.base == "date":
        return plain_date_text(collapsed)  # "2001-02-03Z" -> "2001-02-03"
    return collapsed


# ---------------------------------------------------------------- header


def build_header(
    academic_year: str | AcademicYear,
    *,
    ukprn: int,
    serial_no: str,
    file_preparation_date: dt.date,
    date_time: dt.datetime,
    software_supplier: str | None = None,
    software_package: str | None = None,
    release: str | None = None,
) -> dict[str, Any]:
    """The canonical ``<Header>`` dict: CollectionDetails + Source."""
    info = year_info(academic_year)
    source: dict[str, Any] = {"ProtectiveMarking": PROTECTIVE_MARKING, "UKPRN": ukprn}
    optional = {
        "SoftwareSupplier": software_supplier,
        "SoftwarePackage": software_package,
        "Release": release,
    }
    source.update({k: v for k, v in optional.items() if v is not None})
    source["SerialNo"] = serial_no
    source["DateTime"] = date_time.replace(microsecond=0).isoformat()
    return {
        "CollectionDetails": {
            "Collection": "ILR",
            "Year": info.year_code,
            "FilePreparationDate": file_preparation_date.isoformat(),
        },
        "Source": source,
    }


def write_message(
    target: str | Path | IO[bytes],
    academic_year: str | AcademicYear,
    *,
    header: Mapping[str, Any],
    ukprn: int,
    learners: Iterable[Mapping[str, Any]],
) -> None:
    """Stream a whole ``<Message>`` (Header, LearningProvider, Learners) to ``target``."""
    ns = year_info(academic_year).namespace
    with etree.xmlfile(target, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(_qname(ns, "Message"), nsmap={None: ns}):
            stream_element(xf, entity_to_xml(academic_year, "Header", header))
            stream_element(xf, entity_to_xml(academic_year, "LearningProvider", {"UKPRN": ukprn}))
            for learner in learners:
                write_learner(xf, academic_year, learner)


def write_learner(xf: Any, academic_year: str | AcademicYear, record: Mapping[str, Any]) -> None:
    """Write one ``<Learner>`` into an open ``etree.xmlfile`` inside ``<Message>``."""
    stream_element(xf, learner_to_xml(academic_year, record))


def stream_element(xf: Any, element: etree._Element) -> None:
    """Write ``element`` through ``xf`` element by element.

    ``xf.write(element)`` would repeat the default namespace declaration on every
    learner; nested ``xf.element`` contexts inherit it from ``<Message>`` instead.
    """
    with xf.element(element.tag):
        if len(element):
            for child in element:
                stream_element(xf, child)
        elif element.text:
            xf.write(element.text)


# ---------------------------------------------------------------- reading files


class MessageLearner(NamedTuple):
    academic_year: str
    ukprn: int | None
    header: dict[str, Any]
    learner: dict[str, Any]


@dataclass(frozen=True, slots=True)
class IlrMessage:
    academic_year: str
    ukprn: int | None
    header: dict[str, Any]
    learners: list[dict[str, Any]]


def read_message(source: XmlSource) -> Iterator[MessageLearner]:
    """Stream the learners of an ILR file of any supported year.

    Yields one ``MessageLearner`` (year, UKPRN, header dict, learner dict) per
    ``<Learner>``. Refuses documents with a DTD; never loads entities or the network.
    """
    academic_year = ""
    namespace = ""
    header: dict[str, Any] = {}
    ukprn: int | None = None
    events = etree.iterparse(
        _as_input(source),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    for event, element in events:
        if event == "start":
            if not academic_year:
                academic_year, namespace = _start_document(element)
            continue
        if element.getparent() is None or element.getparent().getparent() is not None:
            continue  # only direct children of <Message> are handled
        local = etree.QName(element).localname
        if local == "Header":
            header = entity_from_xml(academic_year, "Header", element)
        elif local == "LearningProvider":
            value = entity_from_xml(academic_year, "LearningProvider", element).get("UKPRN")
            ukprn = value if isinstance(value, int) else None
        elif local == "Learner" and etree.QName(element).namespace == namespace:
            yield MessageLearner(academic_year, ukprn, header, learner_from_xml(element))
        _release(element)


def load_message(source: XmlSource) -> IlrMessage:
    """Read a whole ILR file into memory (see ``read_message``)."""
    first: MessageLearner | None = None
    learners: list[dict[str, Any]] = []
    for item in read_message(source):
        first = first or item
        learners.append(item.learner)
    if first is None:
        raise ValueError("the ILR file has no Learner")
    return IlrMessage(first.academic_year, first.ukprn, first.header, learners)


def _start_document(root: etree._Element) -> tuple[str, str]:
    if root.getroottree().docinfo.doctype:  # type: ignore[attr-defined]  # missing in lxml-stubs
        raise UnsafeXmlError("ILR files must not contain a DOCTYPE")
    qname = etree.QName(root)
    if qname.localname != "Message":
        raise ValueError(f"expected <Message>, found <{qname.localname}>")
    info = year_for_namespace(qname.namespace or "")
    return info.academic_year, info.namespace


def _release(element: etree._Element) -> None:
    # Free parsed learners so large files stream in bounded memory.
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _as_input(source: XmlSource) -> Any:
    if isinstance(source, bytes):
        return io.BytesIO(source)
    if isinstance(source, Path):
        return str(source)
    return source


# ---------------------------------------------------------------- XSD validation


def validate_xml(
    academic_year: str | AcademicYear, document: etree._Element | etree._ElementTree
) -> list[SchemaProblem]:
    """XSD problems of a ``<Message>`` document (or any element validated as one)."""
    schema = load_schema(academic_year)
    if schema.validate(document):
        return []
    return [
        SchemaProblem(
            path=f"{entry.path} (line {entry.line})", message=entry.message, code=entry.type_name
        )
        for entry in cast(Iterable[etree._LogEntry], schema.error_log)
    ]


def _qname(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"
