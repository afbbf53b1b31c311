"""Reading an uploaded ILR file: safe XML parsing, the `<Message>` as plain data and the
year's XSD findings by line; the checks themselves are the domain's (`domain/importing`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from lxml import etree

from ilr_service.domain.importing import (
    ChildElement,
    IlrFile,
    ReadMessage,
    SchemaError,
    check_message,
    message_year,
    not_well_formed,
    refuse_unsafe,
)
from ilr_shared.ilr import UnsafeXmlError, entity_from_xml, learner_from_xml, load_schema
from ilr_shared.ilr.years import safe_parser


def read_file(data: bytes) -> IlrFile:
    """Parses and checks a whole ILR file; raises ImportFileError / UnsafeXmlError."""
    return check_message(parse_message(data))


def parse_message(data: bytes) -> ReadMessage:
    """The file's `<Message>` as plain data; refuses what is not a safe ILR `<Message>`."""
    refuse_unsafe(data)
    root = _parse(data)
    qname = etree.QName(root)
    info = message_year(qname.localname, qname.namespace)
    message = ReadMessage(info.academic_year, info.namespace)
    for child in root:
        if isinstance(child.tag, str):
            message.children.append(ChildElement(_line(child), _read_child(message, child)))
    message.schema_errors = schema_errors(info.academic_year, root.getroottree())
    return message


def schema_errors(academic_year: str, tree: etree._ElementTree) -> list[SchemaError]:
    """The whole document against the year's XSD."""
    schema = load_schema(academic_year)
    if schema.validate(tree):
        return []
    return [
        SchemaError(entry.line, entry.message, entry.type_name)
        for entry in cast(Iterable[etree._LogEntry], schema.error_log)
    ]


def _parse(data: bytes) -> etree._Element:
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise not_well_formed(exc.lineno, str(exc.msg)) from exc
    if getattr(root.getroottree().docinfo, "doctype", None):
        raise UnsafeXmlError("ILR files must not contain a DOCTYPE")
    return root


def _read_child(message: ReadMessage, child: etree._Element) -> int | None:
    """Reads a Header, LearningProvider or Learner of the year; a learner's index."""
    qname = etree.QName(child)
    if qname.namespace != message.namespace:
        return None
    if qname.localname == "Header":
        message.header = entity_from_xml(message.academic_year, "Header", child)
    elif qname.localname == "LearningProvider":
        message.provider = entity_from_xml(message.academic_year, "LearningProvider", child)
    elif qname.localname == "Learner":
        message.learners.append(learner_from_xml(child))
        return len(message.learners) - 1
    return None


def _line(element: etree._Element) -> int:
    line: object = element.sourceline
    return line if isinstance(line, int) else 0
