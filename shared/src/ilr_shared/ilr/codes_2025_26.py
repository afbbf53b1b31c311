"""ILR 2025/26 code lists (labels paraphrase the ILR specification 2025 to 2026).

List name -> CodeList, named as in ``codes``. How dated and incomplete lists behave:
docs/ENGINEERING.md "Code lists".
"""

from __future__ import annotations

from datetime import date

from .codelist import CodeList, closed, open_list
from .codes_he_tables import DOMICILE, SOC2010

ACADEMIC_YEAR = "2025/26"

# Apprenticeship frameworks closed to new starts; traineeships closed a year later.
_FRAMEWORKS_END = date(2020, 7, 31)
_TRAINEESHIPS_END = date(2023, 7, 31)
_BSI_2020_END = date(2020, 7, 31)
_BSI_2020_START = date(2020, 8, 1)

_GCSE_GRADES: dict[str | int, str] = {
    **{str(n): f"Grade {n}" for n in range(9, 0, -1)},
    **{g: f"Grade {g}" for g in ("A*", "A", "B", "C", "D", "E", "F", "G")},
    **{
        g: f"Grade {g} (double award)"
        for g in (
            "A*A*", "A*A", "AA", "AB", "BB", "BC", "CC", "CD",
            "DD", "DE", "EE", "EF", "FF", "FG", "GG",
        )
    },
    "U": "Unclassified",
    "N": "Grade N (not awarded)",
    "X": "Grade X (no result)",
    "NONE": "No GCSE in this subject, or the result is not yet known",
}  # fmt: skip

LEARNER_LISTS: dict[str, CodeList] = {
    "Ethnicity": closed(
        {
            31: "English / Welsh / Scottish / Northern Irish / British",
            32: "Irish",
            33: "Gypsy or Irish Traveller",
            34: "Any other White background",
            35: "White and Black Caribbean",
            36: "White and Black African",
            37: "White and Asian",
            38: "Any other Mixed / multiple ethnic background",
            39: "Indian",
            40: "Pakistani",
            41: "Bangladeshi",
            42: "Chinese",
            43: "Any other Asian background",
            44: "African",
            45: "Caribbean",
            46: "Any other Black / African / Caribbean background",
            47: "Arab",
            98: "Any other ethnic group",
            99: "Not provided",
        }
    ),
    "Sex": closed({"F": "Female", "M": "Male"}),
    "LLDDHealthProb": closed(
        {
            1: "Learner considers themselves to have a learning difficulty and/or disability "
            "and/or health problem",
            2: "Learner does not consider themselves to have a learning difficulty and/or "
            "disability and/or health problem",
            9: "No information provided by the learner",
        }
    ),
    "LLDDCat": closed(
        {
            1: "Emotional/behavioural difficulties (historic)",
            2: "Multiple disabilities (historic)",
            3: "Multiple learning difficulties (historic)",
            4: "Visual impairment",
            5: "Hearing impairment",
            6: "Disability affecting mobility",
            7: "Profound complex disabilities",
            8: "Social and emotional difficulties",
            9: "Mental health difficulty",
            10: "Moderate learning difficulty",
            11: "Severe learning difficulty",
            12: "Dyslexia",
            13: "Dyscalculia",
            14: "Autism spectrum disorder",
            15: "Asperger's syndrome (valid to 31 July 2025)",
            16: "Temporary disability after illness (for example post-viral) or accident",
            17: "Speech, Language and Communication Needs",
            93: "Other physical disability",
            94: "Other specific learning difficulty (e.g. Dyspraxia)",
            95: "Other medical condition (for example epilepsy, asthma, diabetes)",
            96: "Other learning difficulty",
            97: "Other disability",
            98: "Prefer not to say",
            99: "Not provided",
        },
        valid_to={
            1: date(2015, 7, 31),
            2: date(2015, 7, 31),
            3: date(2015, 7, 31),
            15: date(2025, 7, 31),
        },
    ),
    "PrimaryLLDD": closed({1: "Primary LLDD and health problem"}),
    # PriorAttain.PriorLevel: the numbering of the PriorAttain entity (since 2021/22),
    # used by R_148, LearnDelFAMType_65 and PriorAttain_04.
    "PriorLevel": closed(
        {
            1: "Entry level",
            2: "Level 1",
            3: "Level 2",
            4: "Full level 2",
            5: "Level 3",
            6: "Full level 3",
            7: "Level 4",
            8: "Level 5",
            9: "Level 6",
            10: "Level 7 and above",
            97: "Other qualification, level not known",
            98: "Not known",
            99: "No qualifications",
        }
    ),
    "Accom": closed({5: "Learner is living away from home"}),
    # A GCSE grade of the outcome grade list, or NONE (EngGrade_02, MathGrade_02).
    "EngGrade": closed(_GCSE_GRADES),
    "MathGrade": closed(_GCSE_GRADES),
}

LEARNER_FAM_LISTS: dict[str, CodeList] = {
    "LearnFAMType": closed(
        {
            "DLA": "Disabled students allowance",
            "ECF": "GCSE English condition of funding",
            "EDF": "Eligibility for 16-19 (excluding Apprenticeships) disadvantage funding",
            "EHC": "Education Health Care plan",
            "EMH": "English minimum hours",
            "FME": "Free meals eligibility",
            "HNS": "High needs students",
            "LSR": "Learner support reason",
            "MCF": "GCSE maths condition of funding",
            "MMH": "Maths minimum hours",
            "NLM": "National learner monitoring",
            "PPE": "Pupil premium funding eligibility",
            "SEN": "Special educational needs",
        }
    ),
    "LearnFAMCode.DLA": closed(
        {1: "Learner is funded by HE and is in receipt of disabled students allowance"}
    ),
    "LearnFAMCode.ECF": closed(
        {
            1: "Learner is exempt from GCSE English condition of funding due to a learning "
            "difficulty",
            2: "Learner is exempt from GCSE English condition of funding as they hold an "
            "equivalent overseas qualification",
            3: "Learner has met the GCSE English condition of funding as they hold an approved "
            "equivalent UK qualification",
            4: "Learner has met the GCSE English condition of funding by undertaking or "
            "completing a valid English GCSE or equivalent at another institution",
            5: "Learner holds a pass grade for functional skills level 2 in English",
        },
        valid_from={5: date(2019, 8, 1)},
    ),
    "LearnFAMCode.EDF": closed(
        {
            1: "Learner has not achieved a maths GCSE (grade 9-4, A*-C) by the end of year 11",
            2: "Learner has not achieved an English GCSE (grade 9-4, A*-C) by the end of year 11",
        }
    ),
    "LearnFAMCode.EHC": closed({1: "Learner has an Education Health Care plan"}),
    "LearnFAMCode.EMH": closed({1: "Planned English hours meet the minimum for the band"}),
    "LearnFAMCode.FME": closed(
        {
            1: "14-15 year old learner is eligible for free meals",
            2: "16-19 year old learner is eligible for and in receipt of free meals",
        }
    ),
    "LearnFAMCode.HNS": closed(
        {
            1: "Learner is a high needs student in receipt of element 3 "
            "top-up funding from the local authority"
        }
    ),
    "LearnFAMCode.LSR": closed(
        {
            36: "Care to Learn",
            55: "16-19 Bursary Fund - learner is a member of a vulnerable group",
            56: "16-19 Bursary Fund - learner has been awarded a discretionary bursary",
            57: "Residential support",
            58: "19+ Hardship",
            59: "20+ Childcare",
            60: "Residential Access Fund",
        }
    ),
    "LearnFAMCode.MCF": closed(
        {
            1: "Learner is exempt from GCSE maths condition of funding due to a learning "
            "difficulty",
            2: "Learner is exempt from GCSE maths condition of funding as they hold an "
            "equivalent overseas qualification",
            3: "Learner has met the GCSE maths condition of funding as they hold an approved "
            "equivalent UK qualification",
            4: "Learner has met the GCSE maths condition of funding by undertaking or "
            "completing a valid maths GCSE or equivalent at another institution",
            5: "Learner holds a pass grade for functional skills level 2 in maths",
        },
        valid_from={5: date(2019, 8, 1)},
    ),
    "LearnFAMCode.MMH": closed({1: "Planned maths hours meet the minimum for the band"}),
    "LearnFAMCode.NLM": closed(
        {
            17: "Learner migrated as part of provider merger",
            18: "Learner moved as a result of Minimum Contract Level",
            22: "Learner repeating up to one full final year of 16-19 funded provision",
        }
    ),
    "LearnFAMCode.PPE": closed(
        {
            1: "Learner is eligible for Service Child premium",
            2: "Learner is eligible for Adopted from Care premium",
        }
    ),
    "LearnFAMCode.SEN": closed({1: "Special educational needs"}),
}

EMPLOYMENT_LISTS: dict[str, CodeList] = {
    "EmpStat": closed(
        {
            10: "In paid employment",
            11: "Not in paid employment, looking for work and available to start work",
            12: "Not in paid employment, not looking for work and/or not available to start work",
            98: "Not known / not provided",
        }
    ),
    "ESMType": closed(
        {
            "BSI": "Benefit status indicator",
            "EII": "Employment intensity indicator",
            "LOE": "Length of employment",
            "LOU": "Length of unemployment",
            "OET": "Other employment type",
            "PEI": "Previous education indicator",
            "SEI": "Self employment indicator",
            "SEM": "Small employer",
        }
    ),
    "ESMCode.BSI": closed(
        {
            1: "Learner is in receipt of Jobseeker's Allowance (JSA)",
            2: "Learner is in receipt of Employment and Support Allowance - Work Related "
            "Activity Group (historic)",
            3: "Learner is in receipt of another state benefit other than JSA, Universal Credit "
            "or ESA (WRAG) (historic)",
            4: "Learner is in receipt of Universal Credit",
            5: "Learner is in receipt of Employment and Support Allowance (all categories)",
            6: "Learner is in receipt of other state benefits",
        },
        valid_to={2: _BSI_2020_END, 3: _BSI_2020_END},
        valid_from={5: _BSI_2020_START, 6: _BSI_2020_START},
    ),
    "ESMCode.EII": closed(
        {
            1: "Learner is employed for 16 hours or more per week (historic)",
            2: "Learner is employed for less than 16 hours per week (historic)",
            3: "Learner is employed for 16 - 19 hours per week (historic)",
            4: "Learner is employed for 20 hours or more per week (historic)",
            5: "Learner is employed for 0 to 10 hours per week",
            6: "Learner is employed for 11 to 20 hours per week",
            7: "Learner is employed for 21 to 30 hours per week",
            8: "Learner is employed for 31 or more hours per week",
        },
        valid_to={
            1: date(2013, 7, 31),
            2: date(2018, 7, 31),
            3: date(2018, 7, 31),
            4: date(2018, 7, 31),
        },
    ),
    "ESMCode.LOE": closed(
        {
            1: "Learner has been employed for up to 3 months",
            2: "Learner has been employed for 4 to 6 months",
            3: "Learner has been employed for 7 to 12 months",
            4: "Learner has been employed for more than 12 months",
        }
    ),
    "ESMCode.LOU": closed(
        {
            1: "Learner has been unemployed for less than 6 months",
            2: "Learner has been unemployed for 6 to 11 months",
            3: "Learner has been unemployed for 12 to 23 months",
            4: "Learner has been unemployed for 24 to 35 months",
            5: "Learner has been unemployed for 36 months or more",
        }
    ),
    "ESMCode.OET": closed(
        {
            1: "Learner has been made redundant",
            2: "Small or medium employer (Skills Bootcamps)",
            3: "Employer has changed",
        }
    ),
    "ESMCode.PEI": closed({1: "Learner was in full time education or training prior to enrolment"}),
    "ESMCode.SEI": closed({1: "Learner is self employed"}),
    "ESMCode.SEM": closed({1: "Small employer"}),
}

DELIVERY_LISTS: dict[str, CodeList] = {
    "FundModel": closed(
        {
            10: "Community Learning",
            11: "Tailored Learning",
            25: "16-19 (excluding Apprenticeships)",
            35: "Adult Skills (starts before 1 August 2024)",
            36: "Apprenticeships (from 1 May 2017)",
            37: "Skills Bootcamps",
            38: "Adult Skills Fund",
            81: "Other Adult",
            82: "Other 16-19",
            99: "Non-funded (no DfE funding for this learning aim)",
        }
    ),
    "AimType": closed(
        {
            1: "Programme aim",
            3: "Component learning aim within a programme",
            4: "Learning aim that is not part of a programme",
            5: "Core aim (16-19 excluding Apprenticeships)",
        }
    ),
    # ProgType_03 accepts a closed programme type only for aims started by its
    # "Valid to" date (frameworks and traineeships, kept for continuing learners).
    "ProgType": closed(
        {
            2: "Advanced-level apprenticeship (framework, historic)",
            3: "Intermediate-level apprenticeship (framework, historic)",
            20: "Higher apprenticeship - level 4 (framework, historic)",
            21: "Higher apprenticeship - level 5 (framework, historic)",
            22: "Higher apprenticeship - level 6 (framework, historic)",
            23: "Higher apprenticeship - level 7+ (framework, historic)",
            24: "Traineeship (historic)",
            25: "Apprenticeship standard",
            30: "T Level foundation year",
            31: "T Level programme",
            32: "Skills Bootcamps",
            33: "Combined authority programme",
        },
        valid_to={
            2: _FRAMEWORKS_END,
            3: _FRAMEWORKS_END,
            20: _FRAMEWORKS_END,
            21: _FRAMEWORKS_END,
            22: _FRAMEWORKS_END,
            23: _FRAMEWORKS_END,
            24: _TRAINEESHIPS_END,
        },
    ),
    "CompStatus": closed(
        {
            1: "The learner is continuing or intending to continue the learning activities",
            2: "The learner has completed the learning activities",
            3: "The learner has withdrawn from the learning activities",
            6: "Learner has temporarily withdrawn from the aim due to an agreed break in learning",
        }
    ),
    "Outcome": closed(
        {
            1: "Achieved",
            2: "Partial achievement",
            3: "No achievement",
            8: "Learning activities are complete but the outcome is not yet known",
        }
    ),
    "WithdrawReason": closed(
        {
            2: "Learner has transferred to another provider",
            3: "Learner injury / illness",
            7: "Learner has transferred between providers due to intervention by or with the "
            "written agreement of the funding body",
            28: "OLASS learner withdrawn due to circumstances outside the provider's control",
            29: "Learner has been made redundant",
            40: "Learner has transferred to a new learning aim with the same provider",
            41: "Learner has transferred to another provider to undertake learning that meets a "
            "specific government strategy",
            42: "Academic failure / left in bad standing / not permitted to progress (HE only)",
            43: "Financial reasons",
            44: "Other personal reasons",
            45: "Written off after lapse of time (HE only)",
            47: "Learner has transferred to another provider due to merger",
            48: "Industry placement learner has withdrawn due to circumstances outside the "
            "provider's control",
            98: "Reason not known",
        }
    ),
    # Tailored Learning outcome area (FundModel 11 aims completed or withdrawn).
    "TLOut": closed(
        {
            1: "Increased confidence",
            2: "Improved skills for progressing to further learning",
            3: "Improved skills for work",
            4: "Improved essential skills",
            5: "Improved ability to support a child's learning",
            6: "Improved physical health",
            7: "Improved mental health and well-being",
            8: "Improved skills to participate in community life",
            9: "Increased understanding of democratic values",
            10: "Improved skills for independent living",
            11: "No outcome area 1-10 achieved",
        }
    ),
    # Outcome grades (the specification's grade list) change with new qualifications:
    # any upper-case grade of up to six characters is accepted.
    "OutGrade": open_list(
        r"[A-Z0-9*]{1,6}",
        {
            **{k: v for k, v in _GCSE_GRADES.items() if k != "NONE"},
            "PA": "Pass",
            "ME": "Merit",
            "DS": "Distinction",
            "DS*": "Distinction*",
            "CR": "Credit",
            "FL": "Fail",
            "EL1": "Achievement at entry level 1",
            "EL2": "Achievement at entry level 2",
            "EL3": "Achievement at entry level 3",
            "FI": "First class honours",
            "SU": "Upper second class honours",
            "SL": "Lower second class honours",
            "SE": "Undivided second class honours",
            "TH": "Third class honours",
            "FO": "Fourth class honours",
            "UH": "Unclassified honours",
            "OR": "Ordinary",
            "GN": "General",
        },
    ),
    "WorkPlaceMode": closed(
        {1: "Internal (simulated) work placement", 2: "External work placement"}
    ),
    "AFinType": closed({"PMR": "Payment record", "TNP": "Total negotiated price"}),
    "AFinCode.TNP": closed(
        {
            1: "Total training price",
            2: "Total assessment price",
            3: "Residual training price",
            4: "Residual assessment price",
        }
    ),
    "AFinCode.PMR": closed(
        {
            1: "Training payment",
            2: "Assessment payment",
            3: "Employer payment reimbursed by provider",
        }
    ),
}

DELIVERY_FAM_LISTS: dict[str, CodeList] = {
    "LearnDelFAMType": closed(
        {
            "ACL": "Tailored Learning purpose",
            "ACT": "Apprenticeship contract type",
            "ADL": "Advanced Learner Loans indicator",
            "AFL": "Community Learning which is Family learning",
            "ALB": "Advanced Learner Loans Bursary funding",
            "ASL": "Community Learning provision type",
            "DAM": "Devolved area monitoring",
            "EEF": "Eligibility for enhanced apprenticeship funding",
            "EVI": "Event indicator (Skills Bootcamps)",
            "FFI": "Full or co-funding indicator",
            "FLN": "Family English, Maths and Language",
            "HHS": "Household situation",
            "LDM": "Learning delivery monitoring",
            "LSF": "Learning support funding",
            "NSA": "National Skills Academy indicator (historic)",
            "RES": "Restart indicator",
            "SOF": "Source of funding",
        }
    ),
    "LearnDelFAMCode.ACL": closed(
        {
            1: "Engaging and/or building confidence",
            2: "Preparation for further learning",
            3: "Preparation for employment",
            4: "Improving essential skills including English, ESOL, maths and digital",
            5: "Equipping parents/carers to support children's learning",
            6: "Health and well-being",
            7: "Developing stronger communities",
        }
    ),
    "LearnDelFAMCode.ACT": closed(
        {
            1: "Apprenticeship funded through a contract for services with the employer",
            2: "Apprenticeship funded through a contract for services with the DfE",
        }
    ),
    "LearnDelFAMCode.ADL": closed({1: "Aim is financed by an Advanced Learner Loan"}),
    "LearnDelFAMCode.AFL": closed({1: "Community Learning which is Family learning"}),
    "LearnDelFAMCode.ALB": closed(
        {
            1: "Advanced Learner Loans Bursary funding - rate 1",
            2: "Advanced Learner Loans Bursary funding - rate 2",
            3: "Advanced Learner Loans Bursary funding - rate 3",
        }
    ),
    # Replaced by ACL for starts from 1 August 2023; kept for earlier starts.
    "LearnDelFAMCode.ASL": closed(
        {
            1: "Personal and community development learning",
            2: "Neighbourhood learning in deprived communities",
            3: "Family English, maths and language",
            4: "Wider family learning",
        },
        valid_to={code: date(2023, 7, 31) for code in (1, 2, 3, 4)},
    ),
    "LearnDelFAMCode.DAM": open_list(
        r"[0-9]{3}",
        {
            "001": "Postcode validation exclusion",
            "023": "MCA/GLA delivery exclusion",
        },
    ),
    "LearnDelFAMCode.EEF": closed(
        {
            2: "Entitlement to 16-18 apprenticeship funding, where the learner is 19 or over",
            3: "Entitlement to 19-23 apprenticeship funding, where the learner is 24 or over",
            4: "Entitlement to extended funding for apprentices",
        }
    ),
    "LearnDelFAMCode.EVI": open_list(r"[0-9]{1,2}", {}),
    "LearnDelFAMCode.FFI": closed({1: "Fully funded learning aim", 2: "Co-funded learning aim"}),
    "LearnDelFAMCode.FLN": closed({1: "Family English, Maths and Language"}),
    "LearnDelFAMCode.HHS": closed(
        {
            1: "No household member is in employment and the household includes one or more "
            "dependent children",
            2: "No household member is in employment and the household does not include any "
            "dependent children",
            3: "Learner lives in a single adult household with dependent children",
            98: "Learner wants to withhold this information",
            99: "None of the above apply",
        }
    ),
    "LearnDelFAMCode.LDM": open_list(
        r"[0-9]{3}",
        {
            "034": "OLASS - Offenders in custody",
            "331": "King's Trust TEAM Programme",
            "378": "Level 3 Free Courses for Jobs Offer",
            "391": "Earnings threshold",
        },
    ),
    "LearnDelFAMCode.LSF": closed({1: "Learning support funding"}),
    # Ended 31 July 2016; still used by continuing records in DfE's 2025/26 sample file.
    "LearnDelFAMCode.NSA": closed(
        {n: f"National Skills Academy {n} (historic)" for n in range(1, 21)},
        valid_to={n: date(2016, 7, 31) for n in range(1, 21)},
    ),
    "LearnDelFAMCode.RES": closed({1: "Learning aim restarted"}),
    # Devolved authorities are 110-130 (DD35); 124-130 are unassigned in 2025/26.
    "LearnDelFAMCode.SOF": closed(
        {
            1: "Office for Students",
            105: "DfE - Adult skills funded",
            107: "DfE - 16-19 funded",
            108: "Local authority - Community Learning",
            110: "Greater Manchester Combined Authority",
            111: "Liverpool City Region Combined Authority",
            112: "West Midlands Combined Authority",
            113: "West of England Combined Authority",
            114: "Tees Valley Combined Authority",
            115: "Cambridgeshire and Peterborough Combined Authority",
            116: "Greater London Authority",
            117: "North of Tyne Combined Authority (valid to 31 July 2024)",
            118: "South Yorkshire Mayoral Combined Authority (formerly Sheffield City Region)",
            119: "West Yorkshire Combined Authority",
            120: "North East Mayoral Combined Authority",
            121: "East Midlands Combined County Authority",
            122: "York and North Yorkshire Combined Authority",
            123: "Cornwall Council",
        },
        valid_to={117: date(2024, 7, 31)},
    ),
}

HE_LISTS: dict[str, CodeList] = {
    "TTACCOM": closed(
        {
            1: "Provider-maintained property",
            2: "Parental/guardian home",
            4: "Other",
            5: "Not known",
            6: "Not in attendance at the provider",
            7: "Own residence",
            8: "Other rented accommodation",
            9: "Private sector halls",
        }
    ),
    "FINTYPE": closed({1: "Cash", 2: "Near cash", 3: "Accommodation discounts", 4: "Other"}),
    "MODESTUD": closed(
        {
            1: "Full-time and sandwich",
            2: "Sandwich year-out",
            3: "Part-time",
            99: "Not in the Early Statistics / HESES population",
        }
    ),
    "FUNDLEV": closed(
        {
            10: "Undergraduate",
            11: "Long undergraduate",
            20: "Postgraduate taught",
            21: "Long postgraduate taught",
            30: "Postgraduate research",
            31: "Long postgraduate research",
            99: "Not in the HESES population",
        }
    ),
    "FUNDCOMP": closed(
        {
            1: "Completed the current year of programme of study",
            2: "Did not complete the current year of programme of study",
            3: "Year of programme of study not yet completed, but has not failed to complete",
            9: "Not in the HESES population",
        }
    ),
    "TYPEYR": closed(
        {
            1: "Year of instance contained within the reporting period 1 August to 31 July",
            2: "Year of instance not contained within the reporting period 1 August to 31 July",
        }
    ),
    "SPECFEE": closed(
        {
            0: "Standard / prescribed fee",
            1: "Sandwich placement",
            2: "Language year abroad and not full-year outgoing ERASMUS",
            3: "Full-year outgoing ERASMUS",
            4: "Final year of a full-time course lasting less than 15 weeks",
            5: "Final year of a full-time course lasting more than 14 weeks but less than 24 weeks",
            9: "Other fee",
        }
    ),
    "ELQ": closed({1: "Non-exempt ELQ", 2: "Exempt ELQ", 3: "Not ELQ", 9: "Not required"}),
    "SEC": closed(
        {
            1: "Higher managerial and professional occupations",
            2: "Lower managerial and professional occupations",
            3: "Intermediate occupations",
            4: "Small employers and own-account workers",
            5: "Lower supervisory and technical occupations",
            6: "Semi-routine occupations",
            7: "Routine occupations",
            8: "Never worked and long-term unemployed",
            9: "Not classified",
        }
    ),
    "MSTUFEE": closed(
        {
            1: "No award or financial backing",
            2: "English or Welsh LEA award",
            3: "Student Awards Agency for Scotland (SAAS)",
            4: "DELNI/Northern Ireland Education and Library Boards",
            5: "Provider waiver of support costs",
            6: "Local Government - Channel Islands and Isle of Man",
            7: "Fee waiver under government unemployed learners scheme",
            8: "British Academy",
            9: "Part-time graduate apprentice study programme",
            10: "Student Loans Company (SLC)",
            11: "Research Council - BBSRC",
            12: "Research Council - MRC",
            13: "Research Council - NERC",
            14: "Research Council - EPSRC",
            15: "Research Council - ESRC",
            17: "Arts and Humanities Research Council",
            18: "Science & Technology Facilities Council (STFC)",
            19: "Research Council - not specified",
            22: "International agency",
            23: "Cancer Research UK",
            24: "Wellcome Trust",
            25: "Other AMRC charity",
            26: "Other charitable foundation",
            31: "Departments of Health/NHS/Social Care",
            32: "Departments of Social Services",
            33: "BIS",
            34: "Other HM government departments/public bodies",
            35: "Scholarship of HM forces",
            36: "Scottish Enterprise/Highlands and Islands Enterprise/Training Enterprise Council/Local Enterprise Company",
            37: "LEA training grants scheme",
            38: "Department of Agriculture & Rural Development for Northern Ireland (DARD)",
            39: "Scottish Local Authority discretionary award",
            41: "EU Commission (EC)",
            42: "Overseas learner award from HM government/British Council",
            43: "Overseas government",
            44: "Overseas Development Administration",
            45: "Overseas institution",
            46: "Overseas industry or commerce",
            47: "Other overseas funding",
            48: "Other overseas - repayable loan",
            49: "ORSAS",
            52: "Mix of learner & SLC",
            53: "Mix of learner & SAAS/SLC",
            54: "Mix of learner & DELNI/NIELB",
            61: "UK industry/commerce",
            71: "Absent for a year",
            81: "Learner's employer",
            96: "FE student New Deal",
            97: "Other",
            98: "No fees",
            99: "Not known",
        },
        valid_to={33: date(2018, 7, 31)},
        valid_from={10: date(2025, 8, 1)},
    ),
    "QUALENT3": closed(
        {
            "C20": "Certificate of Higher Education",
            "C30": "Higher National Certificate (including BTEC and SQA equivalents)",
            "C44": "Higher Apprenticeships (Level 4)",
            "C80": "Other Qualification at Level C",
            "C90": "Undergraduate credits",
            "D80": "Other qualification at level D",
            "DUK": "UK Doctorate degree",
            "DZZ": "Non-UK Doctorate degree",
            "H11": "First degree leading to QTS",
            "H71": "Professional Graduate Certificate in Education",
            "H80": "Other Qualification at Level H",
            "HUK": "UK First degree",
            "HZZ": "Non-UK first degree",
            "J10": "Foundation degree",
            "J20": "Diploma of Higher Education",
            "J30": "Higher National Diploma (including BTEC and SQA equivalents)",
            "J48": "Certificate or diploma of education (i.e. non-graduate initial teacher training qualification)",
            "J49": "Foundation course at HE level",
            "J80": "Other Qualification at Level J",
            "JUK": "UK ordinary (non-honours) first degree",
            "M2X": "Integrated undergraduate/postgraduate taught Masters degree on the enhanced / extended pattern",
            "M41": "Diploma at Level M (Postgraduate Diploma)",
            "M44": "Certificate at Level M (Postgraduate Certificate)",
            "M71": "Postgraduate Certificate of Education or Professional Graduate Diploma in Education",
            "M80": "Other Qualification at Level M",
            "M90": "Postgraduate credits",
            "MUK": "UK Masters degree",
            "MZZ": "Non-UK Masters degree",
            "P41": "Diploma at Level 3",
            "P42": "Certificate at Level 3",
            "P46": "Award at Level 3",
            "P47": "AQA Baccalaureate",
            "P50": "GCE and VCE A/AS Level",
            "P51": "14-19 Advanced Diploma (Level 3)",
            "P53": "Scottish Baccalaureate",
            "P54": "Scottish Highers / Advanced Highers",
            "P62": "International Baccalaureate (IB) Diploma",
            "P63": "International Baccalaureate (IB) Certificate",
            "P64": "Cambridge Pre-U Diploma",
            "P65": "Cambridge Pre-U Certificate",
            "P68": "Welsh Baccalaureate Advanced Diploma (Level 3)",
            "P70": "Professional Qualification at Level 3",
            "P80": "Other Qualification at Level 3",
            "P91": "Mixed Level 3 qualifications of which some or all are subject to Tariff",
            "P92": "Mixed Level 3 qualifications of which none are subject to Tariff",
            "P93": "Level 3 qualifications of which all are subject to UCAS Tariff",
            "P94": "Level 3 qualifications of which some are subject to UCAS Tariff",
            "Q51": "14-19 Higher Diploma (Level 2)",
            "Q52": "Welsh Baccalaureate Intermediate Diploma (Level 2)",
            "Q80": "Other Qualification at Level 2",
            "R51": "14-19 Foundation Diploma (Level 1)",
            "R52": "Welsh Baccalaureate Foundation Diploma (Level 1)",
            "R80": "Other Qualification at Level 1",
            "X00": "HE Access Course, QAA recognised",
            "X01": "HE Access Course, not QAA recognised",
            "X02": "Mature student admitted on basis of previous experience and/or admissions test",
            "X04": "Other qualification level not known",
            "X05": "Student has no formal qualification",
            "X06": "Not known",
        },
        valid_to={"P70": date(2013, 7, 31), "P91": date(2014, 7, 31)},
    ),
    "PERMADDCOUNTRY": closed(DOMICILE),
    "SOC": closed(SOC2010),
}

LISTS: dict[str, CodeList] = {
    **LEARNER_LISTS,
    **LEARNER_FAM_LISTS,
    **EMPLOYMENT_LISTS,
    **DELIVERY_LISTS,
    **DELIVERY_FAM_LISTS,
    **HE_LISTS,
}
