"""Code lists per academic year: one accessor over the ``codes_YYYY_YY`` modules.

List names are XSD element names (``FundModel``); typed codes are ``"<CodeElement>.<Type>"``
(``"LearnDelFAMCode.SOF"``). Codes compare as XML text: ``36`` and ``"36"`` agree, and
DAM/LDM codes keep leading zeros (``"023"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from . import codes_2025_26, codes_2026_27
from .codelist import CodeList
from .years import AcademicYear, UnsupportedYearError, year_info

_BY_YEAR: dict[str, Mapping[str, CodeList]] = {
    codes_2025_26.ACADEMIC_YEAR: MappingProxyType(codes_2025_26.LISTS),
    codes_2026_27.ACADEMIC_YEAR: MappingProxyType(codes_2026_27.LISTS),
}


def code_lists(academic_year: str | AcademicYear) -> Mapping[str, CodeList]:
    """All code lists of ``academic_year`` by list name (read-only)."""
    year = year_info(academic_year).academic_year
    try:
        return _BY_YEAR[year]
    except KeyError:
        raise UnsupportedYearError(f"no code lists for {year}") from None


def code_list(academic_year: str | AcademicYear, list_name: str) -> CodeList:
    lists = code_lists(academic_year)
    try:
        return lists[list_name]
    except KeyError:
        raise KeyError(
            f"no code list {list_name!r} in {year_info(academic_year).academic_year}"
        ) from None


def is_valid_code(academic_year: str | AcademicYear, list_name: str, code: str | int) -> bool:
    """Whether ``code`` is valid in the year's list; False for an unknown list."""
    lists = code_lists(academic_year)
    return list_name in lists and lists[list_name].is_valid(code)


def labels(academic_year: str | AcademicYear, list_name: str) -> dict[str, str]:
    """Code text -> plain-English label for one list."""
    return dict(code_list(academic_year, list_name).labels)


def label(academic_year: str | AcademicYear, list_name: str, code: str | int) -> str | None:
    return code_list(academic_year, list_name).labels.get(str(code))


@dataclass(frozen=True, slots=True)
class CodeListDiff:
    """What changed in one list from ``old_year`` to ``new_year``."""

    list_name: str
    added: dict[str, str]  # code -> label in the new year
    removed: dict[str, str]  # code -> label in the old year
    relabelled: dict[str, tuple[str, str]]  # code -> (old label, new label)
    list_added: bool = False
    list_removed: bool = False


def code_list_diff(
    old_year: str | AcademicYear, new_year: str | AcademicYear
) -> list[CodeListDiff]:
    """Per-list differences between two years (only lists that changed)."""
    old, new = code_lists(old_year), code_lists(new_year)
    diffs = []
    for name in sorted(set(old) | set(new)):
        before = old[name].labels if name in old else {}
        after = new[name].labels if name in new else {}
        diff = CodeListDiff(
            list_name=name,
            added={c: after[c] for c in after if c not in before},
            removed={c: before[c] for c in before if c not in after},
            relabelled={
                c: (before[c], after[c]) for c in before if c in after and before[c] != after[c]
            },
            list_added=name not in old,
            list_removed=name not in new,
        )
        if diff.added or diff.removed or diff.relabelled or diff.list_added or diff.list_removed:
            diffs.append(diff)
    return diffs


def removed_in(new_year: str | AcademicYear, list_name: str) -> dict[str, str]:
    """Codes of ``list_name`` valid in the year before ``new_year`` but not in it
    (code -> old label); what a programme rollover into ``new_year`` must report."""
    from .years import previous_year

    new = year_info(new_year).academic_year
    old_lists = code_lists(previous_year(new))
    if list_name not in old_lists:
        return {}
    before = old_lists[list_name].labels
    after = code_lists(new).get(list_name)
    return {c: text for c, text in before.items() if after is None or c not in after.labels}
