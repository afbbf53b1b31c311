"""The ILR file itself: per-learner checks, the streaming writer and read-back validation.

Everything here is synchronous lxml work. The service runs it on one dedicated thread
(`XML_THREAD`) so the event loop stays responsive and lxml objects never change thread.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from export_service.adapters import ilr_library as ilr
from export_service.domain.model import SCHEMA_RULE, ExportFailedError, ReportFinding

XML_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ilr-export-xml")


@dataclass
class BuildStats:
    """Seconds spent per phase of a build (for progress logs and the benchmark)."""

    fetch_s: float = 0.0
    rules_s: float = 0.0  # rules run on the XML thread
    rules_wait_s: float = 0.0  # waiting for the rule worker process
    xsd_s: float = 0.0
    xml_s: float = 0.0
    readback_s: float = 0.0
    store_s: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def xsd_total_s(self) -> float:
        return self.xsd_s + self.readback_s


@dataclass(frozen=True)
class FileSpec:
    academic_year: str
    ukprn: int
    serial_no: str
    prepared_at: dt.datetime  # local time, no tzinfo (as written in the header)
    software_supplier: str
    software_package: str
    release: str


class LearnerChecker:
    """Validates one learner against the year's XSD and the shared rule engine.

    The XSD check puts the `<Learner>` into a minimal `<Message>` (the real header and
    LearningProvider) and validates that with the official schema, so a learner that
    passes is valid in the file as written.
    """

    def __init__(self, spec: FileSpec, stats: BuildStats) -> None:
        self.spec = spec
        self.academic_year = spec.academic_year
        self._year = spec.academic_year
        self._schema = ilr.schema(spec.academic_year)
        self._context = ilr.validation_context(
            spec.academic_year, spec.ukprn, spec.prepared_at.date()
        )
        self._stats = stats
        ns = ilr.year_facts(spec.academic_year).namespace
        self._probe = etree.Element(f"{{{ns}}}Message", nsmap={None: ns})  # type: ignore[dict-item]
        self._probe.append(header_of(spec))
        self._probe.append(ilr.provider_element(spec.academic_year, spec.ukprn))

    def check(
        self, record: Mapping[str, Any], rule_findings: list[ReportFinding] | None = None
    ) -> tuple[etree._Element | None, list[ReportFinding]]:
        """(the element when it is schema-valid, findings: schema problems + rule findings);
        the rule findings are computed here unless a rule worker already has."""
        started = time.perf_counter()
        findings = (
            ilr.rule_findings(record, self._context) if rule_findings is None else rule_findings
        )
        built = time.perf_counter()
        self._stats.rules_s += built - started
        element: etree._Element | None
        problem = ReportFinding(SCHEMA_RULE, "error", "not valid against the schema", "")
        xml_record = ilr.xml_ready(record)
        try:
            element = ilr.learner_element(self._year, xml_record)
        except (ValueError, TypeError) as exc:
            element = None
            problem = ReportFinding(SCHEMA_RULE, "error", str(exc), "")
        checked = time.perf_counter()
        self._stats.xml_s += checked - built
        if element is not None:
            self._probe.append(element)
            valid = self._schema.validate(self._probe)
            self._probe.remove(element)
            if not valid:
                problem = _first_schema_error(self._schema)
                element = None
        if element is None:
            findings = _with_schema_findings(
                findings, ilr.schema_findings(self._year, xml_record), problem
            )
        self._stats.xsd_s += time.perf_counter() - checked
        return element, findings


def _with_schema_findings(
    rule_findings: list[ReportFinding], schema: list[ReportFinding], problem: ReportFinding
) -> list[ReportFinding]:
    """The rule findings, plus the schema's own findings for what no error finding
    already reports (the field-definition rules name most schema problems themselves);
    the schema's message when nothing else explains why the learner was left out."""
    reported = {f.field for f in rule_findings if f.severity == "error"}
    extra = [f for f in schema if f.field not in reported]
    if not extra and not reported:
        extra = [problem]
    return extra + rule_findings


def _first_schema_error(schema: etree.XMLSchema) -> ReportFinding:
    log: Any = schema.error_log
    entry = next(iter(log), None)
    message = str(entry.message) if entry is not None else "not valid against the schema"
    return ReportFinding(SCHEMA_RULE, "error", message, "")


def header_of(spec: FileSpec) -> etree._Element:
    return ilr.header_element(
        spec.academic_year,
        ukprn=spec.ukprn,
        serial_no=spec.serial_no,
        prepared_at=spec.prepared_at,
        software_supplier=spec.software_supplier,
        software_package=spec.software_package,
        release=spec.release,
    )


class FileWriter:
    """Streams `<Message>` to a file: header, provider, then learners one at a time."""

    def __init__(self, path: Path, spec: FileSpec, stats: BuildStats) -> None:
        self._stack = contextlib.ExitStack()
        self._stats = stats
        ns = ilr.year_facts(spec.academic_year).namespace
        self._xf: Any = self._stack.enter_context(etree.xmlfile(str(path), encoding="utf-8"))
        self._xf.write_declaration()
        self._stack.enter_context(self._xf.element(f"{{{ns}}}Message", nsmap={None: ns}))
        ilr.write_element(self._xf, header_of(spec))
        ilr.write_element(self._xf, ilr.provider_element(spec.academic_year, spec.ukprn))
        self.learners = 0

    def write(self, element: etree._Element) -> None:
        started = time.perf_counter()
        ilr.write_element(self._xf, element)
        self._xf.flush()
        self.learners += 1
        self._stats.xml_s += time.perf_counter() - started

    def close(self) -> None:
        self._stack.close()

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._stack.close()


def read_back(path: Path, academic_year: str, stats: BuildStats | None = None) -> int:
    """Validates the written file against the official XSD while streaming it back.

    Returns the number of learners; raises ExportFailedError when the file is not valid.
    Parsed elements are cleared as they end, so memory does not grow with the file.
    """
    started = time.perf_counter()
    ns = ilr.year_facts(academic_year).namespace
    learner_tag = f"{{{ns}}}Learner"
    learners = 0
    try:
        for _, element in etree.iterparse(
            str(path),
            events=("end",),
            schema=ilr.schema(academic_year),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
        ):
            if element.tag == learner_tag:
                learners += 1
            if element.getparent() is not None and element.getparent().getparent() is None:
                # a direct child of <Message> is complete: drop it and what came before
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
    except (etree.XMLSyntaxError, etree.DocumentInvalid) as exc:
        raise ExportFailedError(f"the written file is not valid against the schema: {exc}") from exc
    finally:
        if stats is not None:
            stats.readback_s += time.perf_counter() - started
    return learners
