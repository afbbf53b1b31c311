"""Field-definition rules (FD_*): one generated case that fires and one that does not per rule
and year, from the same table the rules use, plus hand-written boundaries and edge cases."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from ilr_validation_builders import (
    Record,
    ctx,
    employment,
    findings,
    fires,
    learner,
    only,
    programme_aim,
    with_aim,
    without,
)

from ilr_shared.validation import validate_learner
from ilr_shared.validation.access import LearnerView
from ilr_shared.validation.field_table import (
    EntityChecks,
    FieldChecks,
    Occurs,
    fd_rule_years,
    field_table,
    split_name,
    unresolved,
)
from ilr_shared.validation.official import live_rules
from ilr_shared.validation.registry import LEARNER_RULES, SOURCE_V4
from ilr_shared.validation.rules.field_definitions import walk

YEARS = ("2025/26", "2026/27")
# Valid values for elements whose pattern a plain "A" or a number does not match.
_SAMPLES: dict[str, object] = {
    "UCASPERID": "1234567890",
    "UCASSCHEMECODE": "AB12",
    "TelNo": "0123456789",
    "Email": "jo@example.com",
}
# The longest valid values where "A" repeated is not one.
_LONGEST: dict[str, str] = {
    "UCASPERID": "9999999999",
    "UCASSCHEMECODE": "123456789",
    "TelNo": "1" * 18,
    "Email": "a@" + "b" * 98,
}


def valid_value(field: FieldChecks) -> object:
    if field.element in _SAMPLES:
        return _SAMPLES[field.element]
    if field.base == "date":
        return "2026-08-01"
    if field.base == "decimal":
        return "1.5"
    if field.base in ("int", "long"):
        low = field.range.low if field.range is not None else None
        return int(low) if low is not None else 1
    return "A"


def sample_entity(checks: EntityChecks) -> Record:
    return {field.element: valid_value(field) for field in checks.required}


@dataclass(frozen=True)
class Case:
    """Where a rule checks: the entities from the learner down, and the field or entity."""

    year: str
    rule: str
    chain: tuple[EntityChecks, ...]
    field: FieldChecks | None = None
    entity: EntityChecks | None = None

    def place(self, record: Record) -> tuple[Record, str]:
        """Make the chain exist in the record; the innermost entity and its path prefix."""
        current, prefix = record, ""
        for checks in self.chain:
            if checks.name == "LearningDelivery":
                current, prefix = current["LearningDelivery"][0], prefix + "LearningDelivery[0]."
                continue
            sample = sample_entity(checks)
            current[checks.name] = [sample] if checks.repeated else sample
            prefix += f"{checks.name}[0]." if checks.repeated else f"{checks.name}."
            current = sample
        return current, prefix


def _cases(year: str) -> list[Case]:
    found: list[Case] = []

    def visit(entity: EntityChecks, chain: tuple[EntityChecks, ...]) -> None:
        if entity.occurs is not None:
            found.append(Case(year, entity.occurs.rule, chain[:-1], entity=entity))
        for field in entity.fields.values():
            rules = [field.mandatory] + [
                c.rule if c else None for c in (field.length, field.pattern, field.range)
            ]
            found.extend(Case(year, rule, chain, field=field) for rule in rules if rule)
        for child in entity.children:
            visit(child, (*chain, child))

    visit(field_table(year).learner, ())
    return found


CASES = [case for year in YEARS for case in _cases(year)]


def _breaking(case: Case) -> object:
    """A value that breaks the case's rule; None (remove the field) for MA."""
    field = case.field
    assert field is not None
    _, check = split_name(case.rule)
    if check == "AL":
        assert field.length is not None
        chars = field.length.chars
        return 10**chars if field.base in ("int", "long") else "1" * (chars + 1)
    if check == "AP":
        return "|"
    if check == "AR":
        assert field.range is not None and field.range.low is not None
        if field.base == "string":
            return "0" * 10
        if field.base == "decimal":
            return str(field.range.low - Decimal("0.1"))
        return int(field.range.low) - 1
    return None


def _with_value(case: Case, value: object) -> tuple[Record, str]:
    record = learner()
    assert case.field is not None
    entity, prefix = case.place(record)
    if value is None:
        entity.pop(case.field.element, None)
    else:
        entity[case.field.element] = value
    return record, prefix + case.field.element


def _with_occurrences(case: Case, count: int) -> tuple[Record, str]:
    record = learner()
    entity = case.entity
    assert entity is not None and entity.occurs is not None
    parent, prefix = case.place(record)
    if entity.name == "LearningDelivery":
        items = [programme_aim(AimSeqNumber=n + 1) for n in range(count)]
    else:
        items = [sample_entity(entity) for _ in range(count)]
    parent[entity.name] = items if entity.repeated or count != 1 else items[0]
    return record, prefix + entity.name


def _breaking_count(occurs: Occurs) -> int:
    return occurs.low - 1 if occurs.low > 0 else (occurs.high or 0) + 1


def _ok_count(occurs: Occurs) -> int:
    return occurs.high if occurs.high is not None else occurs.low


@pytest.mark.parametrize("case", CASES, ids=[f"{c.year}-{c.rule}" for c in CASES])
def test_each_rule_fires_at_its_path(case: Case) -> None:
    if case.entity is not None:
        assert case.entity.occurs is not None
        record, path = _with_occurrences(case, _breaking_count(case.entity.occurs))
    else:
        record, path = _with_value(case, _breaking(case))
    assert [f.field for f in findings(record, case.rule, ctx(case.year))] == [path]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.year}-{c.rule}" for c in CASES])
def test_each_rule_is_silent_on_a_valid_value(case: Case) -> None:
    if case.entity is not None:
        assert case.entity.occurs is not None
        record, _ = _with_occurrences(case, _ok_count(case.entity.occurs))
    else:
        assert case.field is not None
        record, _ = _with_value(case, valid_value(case.field))
    assert not fires(record, case.rule, ctx(case.year))


LENGTH_CASES = [c for c in CASES if c.field is not None and c.field.length is not None
                and c.rule == c.field.length.rule]  # fmt: skip


@pytest.mark.parametrize("case", LENGTH_CASES, ids=[f"{c.year}-{c.rule}" for c in LENGTH_CASES])
def test_each_length_rule_allows_its_longest_value(case: Case) -> None:
    field = case.field
    assert field is not None and field.length is not None
    chars = field.length.chars
    if field.base in ("int", "long"):
        longest: object = 10**chars - 1
    elif field.base == "decimal":
        longest = "1" * (chars - 2) + ".5"
    else:
        longest = _LONGEST.get(field.element, "A" * chars)
    record, _ = _with_value(case, longest)
    assert not fires(record, case.rule, ctx(case.year))


RANGE_CASES = [c for c in CASES if c.field is not None and c.field.range is not None
               and c.rule == c.field.range.rule]  # fmt: skip


@pytest.mark.parametrize("case", RANGE_CASES, ids=[f"{c.year}-{c.rule}" for c in RANGE_CASES])
def test_each_range_rule_allows_both_bounds(case: Case) -> None:
    field = case.field
    assert field is not None and field.range is not None
    for bound in (field.range.low, field.range.high):
        if bound is None:
            continue
        value: object = str(bound) if field.base in ("decimal", "string") else int(bound)
        if field.base == "string":
            value = str(int(bound)).zfill(10)
        record, _ = _with_value(case, value)
        assert not fires(record, case.rule, ctx(case.year)), value


# --- the table and the registration -----------------------------------------------------


@pytest.mark.parametrize("year", YEARS)
def test_every_live_fd_rule_of_the_year_is_checked(year: str) -> None:
    live = {n for n, r in live_rules(year).items() if r.category == "Field Definition"}
    assert unresolved(year) == []
    assert {case.rule for case in _cases(year)} == live
    assert {
        n for n in LEARNER_RULES if n.startswith("FD_") and year in LEARNER_RULES[n].meta.years
    } == live


def test_rules_run_in_the_years_their_rule_sets_have_them() -> None:
    assert LEARNER_RULES["FD_HRSType_MA"].meta.years == {"2026/27"}
    assert LEARNER_RULES["FD_HRSType_MA"].meta.source == SOURCE_V4
    assert LEARNER_RULES["FD_AgreemId_AP"].meta.years == {"2026/27"}
    assert LEARNER_RULES["FD_PHours_AL"].meta.years == {"2025/26"}
    assert LEARNER_RULES["FD_FUNDCOMP_AL"].meta.years == {"2025/26"}
    assert LEARNER_RULES["FD_Sex_MA"].meta.years == set(YEARS)
    assert "FD_ContPrefType_MA" not in LEARNER_RULES  # Deleted in 2025/26, gone in 2026/27
    assert all(len(fd_rule_years()[n]) >= 1 for n in fd_rule_years())


def test_every_rule_has_a_docstring_naming_its_check() -> None:
    for name in fd_rule_years():
        doc = LEARNER_RULES[name].check.__doc__ or ""
        assert doc.startswith(f"{name}: {split_name(name)[0]} ")


def test_split_name() -> None:
    assert split_name("FD_LearnAimRef_AL") == ("LearnAimRef", "AL")
    assert split_name("FD_ProviderSpecDeliveryMonitoring_EO") == (
        "ProviderSpecDeliveryMonitoring",
        "EO",
    )
    with pytest.raises(ValueError):
        split_name("FD_Sex_XX")


def test_facets_come_from_the_year_xsd() -> None:
    old = field_table("2025/26").learner.children
    new = field_table("2026/27").learner.children
    old_epa = next(c for c in old if c.name == "LearningDelivery").fields["EPAOrgID"]
    new_epa = next(c for c in new if c.name == "LearningDelivery").fields["EPAOrgID"]
    assert old_epa.length is not None and old_epa.length.chars == 7
    assert new_epa.length is not None and new_epa.length.chars == 8
    learner_fields = field_table("2026/27").learner.fields
    lrn = learner_fields["LearnRefNumber"].length
    names = learner_fields["FamilyName"].length
    assert lrn is not None and lrn.chars == 12  # from the pattern [A-Za-z0-9 ]{1,12}
    assert names is not None and names.chars == 100
    from_patterns = {"TelNo": 18, "CampId": 8, "PrevLearnRefNumber": 12}
    for element, chars in from_patterns.items():
        assert getattr(learner_fields[element].length, "chars", None) == chars
    he = next(c for c in new if c.name == "LearnerHE").fields["UCASPERID"]
    assert he.length is not None and he.length.chars == 10  # [0-9]{10}
    deliveries = next(c for c in new if c.name == "LearningDelivery")
    delivery_he = next(c for c in deliveries.children if c.name == "LearningDeliveryHE")
    scheme = delivery_he.fields["UCASSCHEMECODE"].length
    assert scheme is not None and scheme.chars == 9  # [a-zA-Z]{2}[0-9]{2}|[0-9]{9}
    assert {c.name for c in new} - {c.name for c in old} == set()
    deliveries_new = next(c for c in new if c.name == "LearningDelivery")
    assert "HRSRecord" in {c.name for c in deliveries_new.children}


# --- hand-written edges -----------------------------------------------------------------


def test_clean_learner_has_no_fd_findings_in_either_year() -> None:
    for year in YEARS:
        assert walk(learner(), year) == {}
        assert not [f for f in validate_learner(learner(), ctx(year)) if f.rule.startswith("FD_")]


@pytest.mark.parametrize("year", YEARS)
def test_missing_sex_is_reported_at_sex(year: str) -> None:
    finding = only(without(learner(), "Sex"), "FD_Sex_MA", ctx(year))
    assert finding.field == "Sex"
    assert finding.severity == "error"
    assert only(learner(Sex="   "), "FD_Sex_MA").field == "Sex"


def test_paths_name_the_occurrence() -> None:
    second = employment(DateEmpStatApp="2026-09-01")
    del second["EmpStat"]
    record = learner(LearnerEmploymentStatus=[employment(), second])
    assert only(record, "FD_EmpStat_MA").field == "LearnerEmploymentStatus[1].EmpStat"
    record = learner(LearnerHE={"UCASPERID": "12345"})
    assert only(record, "FD_UCASPERID_AP").field == "LearnerHE.UCASPERID"
    record = with_aim(learner(), 1, LearnAimRef="TOOLONG99")
    assert only(record, "FD_LearnAimRef_AL").field == "LearningDelivery[1].LearnAimRef"
    record = learner()
    record["LearningDelivery"][0]["LearningDeliveryFAM"][1]["LearnDelFAMCode"] = "123456"
    assert (
        only(record, "FD_LearnDelFAMCode_AL").field
        == "LearningDelivery[0].LearningDeliveryFAM[1].LearnDelFAMCode"
    )


@pytest.mark.parametrize(
    ("overrides", "rule", "path"),
    [
        ({"ULN": "abc"}, "FD_ULN_AR", "ULN"),
        ({"ULN": 12.5}, "FD_ULN_AR", "ULN"),
        ({"Ethnicity": "white"}, "FD_Ethnicity_AL", "Ethnicity"),
        ({"Sex": True}, "FD_Sex_AP", "Sex"),
        ({"Sex": ["F"]}, "FD_Sex_AP", "Sex"),
        ({"PlanLearnHours": "many"}, "FD_PlanLearnHours_AR", "PlanLearnHours"),
        ({"LearnerFAM": [{"LearnFAMType": "EHC", "LearnFAMCode": "x"}]},
         "FD_LearnFAMCode_AL", "LearnerFAM[0].LearnFAMCode"),
        ({"PriorAttain": [{"PriorLevel": 3, "DateLevelApp": "abc"}]},
         "FD_DateLevelApp_MA", "PriorAttain[0].DateLevelApp"),
        ({"PriorAttain": [{"PriorLevel": 3, "DateLevelApp": "2026-02-30"}]},
         "FD_DateLevelApp_MA", "PriorAttain[0].DateLevelApp"),
    ],
)  # fmt: skip
def test_values_of_the_wrong_type_are_findings_not_exceptions(
    overrides: dict[str, Any], rule: str, path: str
) -> None:
    assert only(learner(**overrides), rule).field == path


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("LearnStartDate", "abc", "FD_LearnStartDate_MA"),
        ("LearnStartDate", 20260801, "FD_LearnStartDate_MA"),
        ("AimType", "x", "FD_AimType_AL"),
        ("AimSeqNumber", 1.5, "FD_AimSeqNumber_AR"),
        ("LearnAimRef", {"ref": 1}, "FD_LearnAimRef_AP"),
        ("STULOAD", "n/a", None),
    ],
)
def test_wrong_types_in_a_delivery(field: str, value: object, rule: str | None) -> None:
    record = with_aim(learner(), 0, **{field: value})
    found = [f for f in validate_learner(record, ctx()) if f.rule.startswith("FD_")]
    expected = [(rule, f"LearningDelivery[0].{field}")] if rule else []
    assert [(f.rule, f.field) for f in found] == expected


def test_numbers_given_as_text_and_text_given_as_numbers_are_read() -> None:
    record = learner(ULN="1061484016", Ethnicity="31", LLDDHealthProb=" 2 ")
    record = with_aim(record, 0, LearnAimRef=60012345, AimSeqNumber="1")
    assert walk(record, "2026/27") == {}


@pytest.mark.parametrize(
    ("year", "value", "fires_al"),
    [("2025/26", "EPA0001", False), ("2025/26", "EPA00012", True),
     ("2026/27", "EPA00012", False), ("2026/27", "EPA000123", True)],
)  # fmt: skip
def test_epa_org_id_length_differs_by_year(year: str, value: str, fires_al: bool) -> None:
    record = with_aim(learner(), 0, EPAOrgID=value)
    assert fires(record, "FD_EPAOrgID_AL", ctx(year)) is fires_al


@pytest.mark.parametrize(
    ("overrides", "rule", "expected"),
    [
        ({"LearnRefNumber": "A" * 12}, "FD_LearnRefNumber_AL", False),
        ({"LearnRefNumber": "A" * 13}, "FD_LearnRefNumber_AL", True),
        ({"LearnRefNumber": "LRN-001"}, "FD_LearnRefNumber_AP", True),
        ({"LearnRefNumber": "LRN 001"}, "FD_LearnRefNumber_AP", False),
        ({"FamilyName": "Smith2"}, "FD_FamilyName_AP", True),
        ({"FamilyName": "O'Brien-Smith"}, "FD_FamilyName_AP", False),
        ({"FamilyName": "x" * 101}, "FD_FamilyName_AL", True),
        ({"GivenNames": 'Jo "JJ"'}, "FD_GivenNames_AP", True),
        ({"AddLine1": "1 High St #2"}, "FD_AddLine1_AP", True),
        ({"AddLine1": "Flat 2/3, O'Neil Court"}, "FD_AddLine1_AP", False),
        ({"AddLine4": "x" * 51}, "FD_AddLine4_AL", True),
        ({"TelNo": "0121 496 0000"}, "FD_TelNo_AP", True),
        ({"TelNo": "01214960000"}, "FD_TelNo_AP", False),
        ({"TelNo": "1" * 19}, "FD_TelNo_AL", True),
        ({"Email": "jo.example.com"}, "FD_Email_AP", True),
        ({"Email": "jo@example.com"}, "FD_Email_AP", False),
        ({"Email": "a@" + "b" * 99}, "FD_Email_AL", True),
        ({"Postcode": "SW1A|1AA"}, "FD_Postcode_AP", True),
        ({"Postcode": "SW1A  1AA"}, "FD_Postcode_AL", True),
        ({"NINumber": "AB123456C£"}, "FD_NINumber_AL", True),
        ({"NINumber": "AB12345£"}, "FD_NINumber_AP", False),
        ({"CampId": "CAMP-1"}, "FD_CampId_AP", True),
        ({"CampId": "CAMP0001"}, "FD_CampId_AP", False),
        ({"ULN": 999999999}, "FD_ULN_AR", True),
        ({"ULN": 10000000000}, "FD_ULN_AL", True),
        ({"PrevUKPRN": 9999999}, "FD_PrevUKPRN_AR", True),
        ({"PrevUKPRN": 10000000}, "FD_PrevUKPRN_AR", False),
        ({"ALSCost": -1}, "FD_ALSCost_AR", True),
        ({"LearnerHE": {"UCASPERID": "0000000000"}}, "FD_UCASPERID_AR", True),
        ({"LearnerHE": {"UCASPERID": "0000000001"}}, "FD_UCASPERID_AR", False),
        ({"LearnerHE": {"UCASPERID": "123456789"}}, "FD_UCASPERID_AP", True),
        ({"LearnerHE": {"UCASPERID": "12345678901"}}, "FD_UCASPERID_AL", True),
    ],
)  # fmt: skip
def test_learner_length_pattern_and_range_edges(
    overrides: dict[str, Any], rule: str, expected: bool
) -> None:
    assert fires(learner(**overrides), rule) is expected


def _he(**fields: object) -> Record:
    he: Record = {"TYPEYR": 1, "MODESTUD": 1, "YEARSTU": 1, "MSTUFEE": 1, "SPECFEE": 0}
    he.update(fields)
    return with_aim(learner(), 0, LearningDeliveryHE=he)


@pytest.mark.parametrize(
    ("fields", "rule", "expected"),
    [
        ({"STULOAD": "0.1"}, "FD_STULOAD_AR", False),
        ({"STULOAD": "0.0"}, "FD_STULOAD_AR", True),
        ({"STULOAD": "300.0"}, "FD_STULOAD_AR", False),
        ({"STULOAD": "300.1"}, "FD_STULOAD_AR", True),
        ({"STULOAD": 300}, "FD_STULOAD_AR", False),
        ({"STULOAD": "12.34"}, "FD_STULOAD_AL", True),
        ({"STULOAD": "12.30"}, "FD_STULOAD_AL", False),
        ({"STULOAD": "1000"}, "FD_STULOAD_AL", False),
        ({"STULOAD": "abc"}, "FD_STULOAD_AR", True),
        ({"PCOLAB": "100.0"}, "FD_PCOLAB_AR", False),
        ({"PCOLAB": "100.5"}, "FD_PCOLAB_AR", True),
        ({"UCASSCHEMECODE": "AB12"}, "FD_UCASSCHEMECODE_AP", False),
        ({"UCASSCHEMECODE": "123456789"}, "FD_UCASSCHEMECODE_AP", False),
        ({"UCASSCHEMECODE": "AB123"}, "FD_UCASSCHEMECODE_AP", True),
        ({"UCASSCHEMECODE": "1234567890"}, "FD_UCASSCHEMECODE_AL", True),
        ({"YEARSTU": 99}, "FD_YEARSTU_AR", True),
        ({"YEARSTU": 98}, "FD_YEARSTU_AR", False),
        ({"NETFEE": 1000000}, "FD_NETFEE_AR", True),
        ({"NETFEE": 1000000}, "FD_NETFEE_AL", True),
        ({"SOC": 12345}, "FD_SOC_AL", True),
        ({"SOC": 1234}, "FD_SOC_AL", False),
    ],
)  # fmt: skip
def test_he_decimal_and_pattern_edges(fields: dict[str, Any], rule: str, expected: bool) -> None:
    assert fires(_he(**fields), rule) is expected


@pytest.mark.parametrize(
    ("entity", "allowed"),
    [("LLDDandHealthProblem", 22), ("LearnerFAM", 17), ("ProviderSpecLearnerMonitoring", 2)],
)
def test_learner_entity_occurrences(entity: str, allowed: int) -> None:
    item = {
        "LLDDandHealthProblem": {"LLDDCat": 4},
        "LearnerFAM": {"LearnFAMType": "EHC", "LearnFAMCode": 1},
        "ProviderSpecLearnerMonitoring": {"ProvSpecLearnMonOccur": "A", "ProvSpecLearnMon": "X"},
    }[entity]
    rule = f"FD_{entity}_EO"
    assert not fires(learner(**{entity: [copy.deepcopy(item)] * allowed}), rule)
    assert only(learner(**{entity: [copy.deepcopy(item)] * (allowed + 1)}), rule).field == entity


def test_employment_status_monitoring_occurrences() -> None:
    ten = [{"ESMType": "EII", "ESMCode": 8}] * 10
    assert not fires(learner(LearnerEmploymentStatus=[employment(EmploymentStatusMonitoring=ten)]),
                     "FD_EmploymentStatusMonitoring_EO")  # fmt: skip
    record = learner(
        LearnerEmploymentStatus=[
            employment(),
            employment(EmploymentStatusMonitoring=[*ten, ten[0]]),
        ]
    )
    finding = only(record, "FD_EmploymentStatusMonitoring_EO")
    assert finding.field == "LearnerEmploymentStatus[1].EmploymentStatusMonitoring"


def test_learner_he_and_its_financial_support_occurrences() -> None:
    support = [{"FINTYPE": 1, "FINAMOUNT": 100}]
    assert not fires(learner(LearnerHE={"LearnerHEFinancialSupport": support * 4}),
                     "FD_LearnerHEFinancialSupport_EO")  # fmt: skip
    record = learner(LearnerHE={"LearnerHEFinancialSupport": support * 5})
    assert (
        only(record, "FD_LearnerHEFinancialSupport_EO").field
        == "LearnerHE.LearnerHEFinancialSupport"
    )
    assert not fires(learner(LearnerHE={"TTACCOM": 1}), "FD_LearnerHE_EO")
    twice = learner(LearnerHE=[{"TTACCOM": 1}, {"TTACCOM": 2}])
    assert only(twice, "FD_LearnerHE_EO").field == "LearnerHE"
    assert not fires(twice, "FD_TTACCOM_AL")
    assert only(learner(LearnerHE=[{"TTACCOM": 12}]), "FD_TTACCOM_AL").field == (
        "LearnerHE[0].TTACCOM"
    )


def test_delivery_entity_occurrences() -> None:
    monitoring = [{"ProvSpecDelMonOccur": "A", "ProvSpecDelMon": "X"}]
    rule = "FD_ProviderSpecDeliveryMonitoring_EO"
    assert not fires(with_aim(learner(), 1, ProviderSpecDeliveryMonitoring=monitoring * 4), rule)
    record = with_aim(learner(), 1, ProviderSpecDeliveryMonitoring=monitoring * 5)
    assert only(record, rule).field == "LearningDelivery[1].ProviderSpecDeliveryMonitoring"
    he = {"TYPEYR": 1, "MODESTUD": 1, "YEARSTU": 1, "MSTUFEE": 1, "SPECFEE": 0}
    assert not fires(with_aim(learner(), 0, LearningDeliveryHE=he), "FD_LearningDeliveryHE_EO")
    record = with_aim(learner(), 0, LearningDeliveryHE=[he, he])
    assert (
        only(record, "FD_LearningDeliveryHE_EO").field == "LearningDelivery[0].LearningDeliveryHE"
    )


def test_a_learner_needs_a_learning_delivery() -> None:
    assert only(without(learner(), "LearningDelivery"), "FD_LearningDelivery_EO").field == (
        "LearningDelivery"
    )
    assert fires(learner(LearningDelivery=[]), "FD_LearningDelivery_EO")
    assert not fires(learner(programme_aim()), "FD_LearningDelivery_EO")


def test_hrs_record_rules_only_in_2026_27() -> None:
    record = with_aim(learner(), 0, HRSRecord=[{"HRSType": "HRS", "HRSAmount": 10000}])
    assert only(record, "FD_HRSCode_MA").field == "LearningDelivery[0].HRSRecord[0].HRSCode"
    assert only(record, "FD_HRSAmount_AR").field == "LearningDelivery[0].HRSRecord[0].HRSAmount"
    assert not [f for f in validate_learner(record, ctx("2025/26")) if f.rule.startswith("FD_HRS")]


def test_rules_deleted_in_2026_27_run_in_2025_26_only() -> None:
    record = with_aim(learner(), 0, PHours=10000, OTJActHours=-1)
    assert fires(record, "FD_PHours_AL", ctx("2025/26"))
    assert fires(record, "FD_OTJActHours_AR", ctx("2025/26"))
    assert not fires(record, "FD_PHours_AL", ctx("2026/27"))


def test_a_rule_called_on_a_plain_record_walks_it_itself() -> None:
    check = LEARNER_RULES["FD_Sex_MA"].check
    record = learner()
    assert list(check(record, ctx())) == []
    del record["Sex"]
    assert [h.field for h in check(record, ctx())] == ["Sex"]


def test_a_record_changed_between_validations_is_walked_again() -> None:
    record = learner()
    assert not fires(record, "FD_Sex_MA")
    del record["Sex"]
    assert fires(record, "FD_Sex_MA")
    record["Sex"] = "F"
    assert not fires(record, "FD_Sex_MA")
    view = LearnerView(learner(Sex=None))
    assert [h.field for h in LEARNER_RULES["FD_Sex_MA"].check(view, ctx("2025/26"))] == ["Sex"]
    assert [h.field for h in LEARNER_RULES["FD_Sex_MA"].check(view, ctx())] == ["Sex"]
