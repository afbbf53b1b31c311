"""Derived data (DDxx) helpers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from ilr_validation_builders import (
    component_aim,
    employment,
    fam,
    learner,
    programme_aim,
    standalone_aim,
    tnp,
)

from ilr_shared.validation.access import Delivery
from ilr_shared.validation.derived.dd04 import earliest_programme_start
from ilr_shared.validation.derived.dd05 import emp_id_check_digit
from ilr_shared.validation.derived.dd06 import earliest_start
from ilr_shared.validation.derived.dd12 import adult_on_main_benefits
from ilr_shared.validation.derived.dd13 import latest_programme_end
from ilr_shared.validation.derived.dd14 import work_place_emp_id_check_digit
from ilr_shared.validation.derived.dd17 import over_government_cap
from ilr_shared.validation.derived.dd18 import earliest_standard_start
from ilr_shared.validation.derived.dd21 import adult_unemployed_other_benefits
from ilr_shared.validation.derived.dd27 import publicly_funded_provider
from ilr_shared.validation.derived.dd28 import adult_unemployed_or_benefits
from ilr_shared.validation.derived.dd29 import traineeship_work_preparation
from ilr_shared.validation.derived.dd31 import adult_skills_english_maths
from ilr_shared.validation.derived.dd32 import open_apprenticeship_programme
from ilr_shared.validation.derived.dd33 import open_apprenticeship_start
from ilr_shared.validation.derived.dd34 import apprenticeship_programme_end
from ilr_shared.validation.derived.dd35 import devolved_funding
from ilr_shared.validation.derived.dd36 import OPEN_ENDED, effective_end
from ilr_shared.validation.derived.dd37 import adult_unemployed_on_benefits
from ilr_shared.validation.derived.dd38 import adult_unemployed_or_benefits_2019
from ilr_shared.validation.derived.dd40 import adult_skills_fund_english_maths
from ilr_shared.validation.official import official_rules
from ilr_shared.validation.registry import DERIVED

Record = dict[str, Any]


def aim(data: Record, index: int = 0) -> Delivery:
    return Delivery(index, data)


@pytest.mark.parametrize("year", ["2025/26", "2026/27"])
def test_every_official_derived_data_definition_is_registered(year: str) -> None:
    names = {
        name
        for name, rule in official_rules(year).items()
        if rule.category == "Derived Data for validation" and rule.live
    }
    assert names <= set(DERIVED)


def test_dd04_and_dd18_earliest_programme_start() -> None:
    record = learner(
        programme_aim(LearnStartDate="2026-09-01"),
        programme_aim(LearnStartDate="2026-08-15", StdCode=92),
        component_aim(),
    )
    component = aim(record["LearningDelivery"][2], 2)
    assert earliest_programme_start(record, component) == date(2026, 8, 15)
    assert earliest_standard_start(record, component) == date(2026, 9, 1)
    no_prog_type = aim(standalone_aim())
    assert earliest_programme_start(record, no_prog_type) is None
    assert earliest_standard_start(record, no_prog_type) is None


@pytest.mark.parametrize(("identifier", "digit"), [
    ("154549452", "2"),
    ("100000000", "2"),  # 9 mod 11 = 9, 11 - 9 = 2
    ("000000000", "0"),  # 11 - 0 = 11 gives 0
    ("000000060", "X"),  # 2 * 6 = 12, 12 mod 11 = 1, 11 - 1 = 10 gives X
    ("12345678", "X"),  # not 9 characters
    ("ABCDEFGHI", "X"),
])  # fmt: skip
def test_dd05_and_dd14_employer_check_digit(identifier: str, digit: str) -> None:
    assert emp_id_check_digit(identifier) == digit
    assert work_place_emp_id_check_digit(identifier) == digit


def test_dd06_earliest_start_of_any_aim() -> None:
    record = learner(programme_aim(), component_aim(LearnStartDate="2026-07-01"))
    assert earliest_start(record) == date(2026, 7, 1)
    assert earliest_start(learner(standalone_aim(LearnStartDate="bad"))) is None


def _status(stat: int, *monitoring: tuple[str, int], on: str = "2026-08-01") -> Record:
    esm = [{"ESMType": t, "ESMCode": c} for t, c in monitoring]
    status: Record = employment(EmpStat=stat, DateEmpStatApp=on, EmploymentStatusMonitoring=esm)
    return status


def _adult(
    *statuses: Record, fams: Iterable[Record] = (), fund_model: int = 35
) -> tuple[Record, Delivery]:
    data = standalone_aim(FundModel=fund_model, LearningDeliveryFAM=[fam("SOF", "105"), *fams])
    record = learner(data, LearnerEmploymentStatus=list(statuses))
    return record, aim(record["LearningDelivery"][0])


def test_dd12_main_benefits_or_mandated_universal_credit() -> None:
    assert adult_on_main_benefits(*_adult(_status(11, ("BSI", 1))))
    assert adult_on_main_benefits(*_adult(_status(10, ("BSI", 2))))
    assert adult_on_main_benefits(*_adult(_status(11, ("BSI", 4)), fams=[fam("LDM", "318")]))
    assert not adult_on_main_benefits(*_adult(_status(11, ("BSI", 4))))
    assert not adult_on_main_benefits(*_adult(_status(11, ("BSI", 1)), fund_model=38))
    assert not adult_on_main_benefits(*_adult(_status(11, ("BSI", 1), on="2026-09-02")))


def test_dd12_uses_the_status_applying_on_the_start_date() -> None:
    earlier = _status(11, ("BSI", 1), on="2026-06-01")
    later = _status(10, on="2026-08-31")
    assert not adult_on_main_benefits(*_adult(earlier, later))
    assert adult_on_main_benefits(*_adult(later, earlier, _status(11, ("BSI", 2), on="2026-09-01")))


def test_dd21_and_dd37_unemployed_on_other_benefits() -> None:
    ldm = [fam("LDM", "034")]
    assert adult_unemployed_other_benefits(*_adult(_status(11, ("BSI", 3))))
    assert adult_unemployed_other_benefits(*_adult(_status(12, ("BSI", 4)), fams=ldm))
    assert not adult_unemployed_other_benefits(*_adult(_status(12, ("BSI", 4))))
    mandated = [fam("LDM", "318")]
    assert not adult_unemployed_other_benefits(*_adult(_status(12, ("BSI", 4)), fams=mandated))
    assert not adult_unemployed_other_benefits(*_adult(_status(10, ("BSI", 3))))
    assert adult_unemployed_on_benefits(*_adult(_status(11, ("BSI", 6))))
    assert adult_unemployed_on_benefits(*_adult(_status(11, ("BSI", 4)), fams=ldm))
    assert not adult_unemployed_on_benefits(*_adult(_status(11, ("BSI", 3))))
    assert not adult_unemployed_on_benefits(*_adult(_status(11, ("BSI", 6)), fund_model=38))


@pytest.mark.parametrize(("status", "dd28", "dd38"), [
    (_status(98, ("BSI", 1)), True, True),
    (_status(98, ("BSI", 2)), True, False),
    (_status(11, ("BSI", 3)), True, False),
    (_status(12, ("BSI", 5)), False, True),
    (_status(10, ("BSI", 4)), False, False),
    (_status(10, ("BSI", 4), ("EII", 2)), True, True),
    (_status(10, ("BSI", 6), ("EII", 6)), False, True),
    (_status(10, ("BSI", 3), ("EII", 8)), False, False),
])  # fmt: skip
def test_dd28_and_dd38_unemployed_or_on_benefits(status: Record, dd28: bool, dd38: bool) -> None:
    assert adult_unemployed_or_benefits(*_adult(status)) is dd28
    assert adult_unemployed_or_benefits_2019(*_adult(status)) is dd38
    assert not adult_unemployed_or_benefits(*_adult(status, fund_model=38))


def test_dd13_latest_end_of_matching_programme_aims() -> None:
    record = learner(
        programme_aim(LearnActEndDate="2026-10-01"),
        programme_aim(LearnActEndDate="2026-12-01", AimSeqNumber=3),
        programme_aim(LearnActEndDate="2027-01-01", AimSeqNumber=4, StdCode=92),
        component_aim(),
    )
    component = aim(record["LearningDelivery"][3], 3)
    assert latest_programme_end(record, component) == date(2026, 12, 1)
    assert latest_programme_end(record, aim(standalone_aim())) is None


def _cap(limit: int | None) -> Any:
    def lookup(std_code: int, on: date) -> Decimal | None:
        assert (std_code, on) == (91, date(2026, 7, 1))
        return None if limit is None else Decimal(limit)

    return lookup


def test_dd17_two_thirds_of_the_price_over_the_cap() -> None:
    fm81 = {"FundModel": 81, "OrigLearnStartDate": "2026-07-01"}
    prices = [tnp(1, on="2026-08-01", amount=1000), tnp(1, on="2026-09-01", amount=9000),
              tnp(2, amount=3000)]  # fmt: skip
    record = learner(programme_aim(AppFinRecord=prices, **fm81))
    programme = aim(record["LearningDelivery"][0])
    assert over_government_cap(record, programme, _cap(7999))  # 2/3 * 12000 = 8000
    assert not over_government_cap(record, programme, _cap(8000))
    assert not over_government_cap(record, programme, _cap(None))
    fm36 = learner(programme_aim(AppFinRecord=prices))
    assert not over_government_cap(fm36, aim(fm36["LearningDelivery"][0]), _cap(1))


def test_dd27_publicly_funded_provider() -> None:
    types = {10000001: "UGFE", 10000002: "PRIV"}
    assert publicly_funded_provider(10000001, types.get)
    assert not publicly_funded_provider(10000002, types.get)
    assert not publicly_funded_provider(10000003, types.get)
    assert not publicly_funded_provider(None, types.get)


def test_dd29_traineeship_category_2_or_4() -> None:
    categories = {"60000001": [2], "60000002": [3]}
    traineeship = aim(standalone_aim(ProgType=24, LearnAimRef="60000001"))
    assert traineeship_work_preparation(traineeship, lambda ref: categories.get(ref, []))
    other = aim(standalone_aim(ProgType=24, LearnAimRef="60000002"))
    assert not traineeship_work_preparation(other, lambda ref: categories.get(ref, []))
    not_traineeship = aim(standalone_aim(LearnAimRef="60000001"))
    assert not traineeship_work_preparation(not_traineeship, lambda ref: categories.get(ref, []))


def _basic_skills(ref: str, on: date) -> Iterable[int]:
    return {"60143009": [1], "60000002": [9]}.get(ref, []) if on >= date(2020, 8, 1) else []


def test_dd31_and_dd40_english_maths_aims() -> None:
    fm35 = aim(standalone_aim(FundModel=35, LearnAimRef="60143009"))
    fm38 = aim(standalone_aim(LearnAimRef="60143009"))
    assert adult_skills_english_maths(fm35, _basic_skills)
    assert not adult_skills_english_maths(fm38, _basic_skills)
    assert adult_skills_fund_english_maths(fm38, _basic_skills)
    assert not adult_skills_fund_english_maths(fm35, _basic_skills)
    other = aim(standalone_aim(LearnAimRef="60000002"))
    assert not adult_skills_fund_english_maths(other, _basic_skills)
    too_early = aim(standalone_aim(LearnAimRef="60143009", LearnStartDate="2020-07-31"))
    assert not adult_skills_fund_english_maths(too_early, _basic_skills)


def test_dd32_dd33_dd34_apprenticeship_programme_dates() -> None:
    open_aim = aim(programme_aim())
    closed = aim(programme_aim(LearnActEndDate="2027-01-31", CompStatus=3))
    assert open_apprenticeship_programme(open_aim)
    assert open_apprenticeship_start(open_aim) == date(2026, 8, 1)
    assert apprenticeship_programme_end(open_aim) is None
    assert not open_apprenticeship_programme(closed)
    assert open_apprenticeship_start(closed) is None
    assert apprenticeship_programme_end(closed) == date(2027, 1, 31)
    assert not open_apprenticeship_programme(aim(component_aim()))
    assert (
        apprenticeship_programme_end(aim(programme_aim(FundModel=99, LearnActEndDate="2027-01-31")))
        is None
    )


@pytest.mark.parametrize(("code", "year", "devolved"), [
    ("110", "2025/26", True),
    ("120", "2025/26", True),
    ("121", "2025/26", False),
    ("121", "2026/27", True),
    ("130", "2026/27", True),
    ("131", "2026/27", False),
    ("109", "2026/27", False),
])  # fmt: skip
def test_dd35_devolved_sources_of_funding(code: str, year: str, devolved: bool) -> None:
    delivery = aim(standalone_aim(LearningDeliveryFAM=[fam("SOF", code)]))
    assert devolved_funding(delivery, year) is devolved


@pytest.mark.parametrize(("overrides", "expected"), [
    ({}, OPEN_ENDED),
    ({"LearnActEndDate": "2027-01-31"}, date(2027, 1, 31)),
    ({"LearnActEndDate": "2027-01-31", "AchDate": "2027-03-31"}, date(2027, 3, 31)),
    ({"ProgType": 31, "LearnActEndDate": "2027-01-31", "AchDate": "2027-03-31"}, date(2027, 1, 31)),
    ({"ProgType": 32, "AchDate": "2027-03-31"}, date(2027, 3, 31)),
    ({"ProgType": 32, "LearnActEndDate": "2027-01-31", "AchDate": "2027-03-31"}, date(2027, 1, 31)),
    ({"AimType": 3}, None),
])  # fmt: skip
def test_dd36_effective_end_date(overrides: Record, expected: date | None) -> None:
    assert effective_end(aim(programme_aim(**overrides))) == expected
