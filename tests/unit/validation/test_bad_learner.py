"""The learner of the provider's report: every bad value gets a finding at its field."""

from __future__ import annotations

from ilr_validation_builders import Record, ctx, fam, learner, programme_aim

from ilr_shared.validation import validate_learner


def _bad_learner() -> Record:
    aim = programme_aim(
        AimType=7,
        Outcome=5,
        WithdrawReason=13,
        LearnActEndDate="2026-10-01",
        CompStatus=3,
        LearningDeliveryFAM=[fam("SOF", "108"), fam("ACT", "1", "2026-08-01"), fam("ASL", "1")],
        AppFinRecord=[{"AFinType": "XYZ", "AFinCode": 1, "AFinDate": "2026-08-01",
                       "AFinAmount": 9000}],
    )  # fmt: skip
    return learner(
        aim,
        Sex="X",
        Ethnicity=-1,
        LLDDHealthProb=7,
        LearnerFAM=[{"LearnFAMType": "ZZZ", "LearnFAMCode": 1}],
        LearnerEmploymentStatus=[
            {
                "EmpStat": 55,
                "DateEmpStatApp": "2026-07-01",
                "EmploymentStatusMonitoring": [{"ESMType": "QQQ", "ESMCode": 1}],
            }
        ],
    )


def test_every_bad_value_has_a_finding_at_its_field() -> None:
    found = validate_learner(_bad_learner(), ctx())
    fields = {f.field for f in found if f.severity == "error"}
    expected = {
        "Sex",
        "Ethnicity",
        "LLDDHealthProb",
        "LearningDelivery[0].AimType",
        "LearnerEmploymentStatus[0].EmpStat",
        "LearnerEmploymentStatus[0].EmploymentStatusMonitoring[0].ESMCode",
        "LearnerFAM[0].LearnFAMCode",
        "LearningDelivery[0].Outcome",
        "LearningDelivery[0].WithdrawReason",
        "LearningDelivery[0].AppFinRecord[0].AFinCode",
    }
    assert expected <= fields, sorted(expected - fields)
    fam_fields = {f.field for f in found if "LearningDeliveryFAM" in f.field}
    assert any(path.startswith("LearningDelivery[0].LearningDeliveryFAM[0]") for path in fam_fields)
    assert any(path.startswith("LearningDelivery[0].LearningDeliveryFAM[2]") for path in fam_fields)


def test_the_named_rules_are_the_official_lookups() -> None:
    rules = {f.rule for f in validate_learner(_bad_learner(), ctx())}
    assert {"Sex_01", "Ethnicity_01", "LLDDHealthProb_01", "AimType_01"} <= rules
    assert {"Outcome_01", "WithdrawReason_02", "AFinType_02", "ESMType_01"} <= rules
    assert {"LearnFAMType_01", "LearnDelFAMType_04", "EmpStat_05"} <= rules
