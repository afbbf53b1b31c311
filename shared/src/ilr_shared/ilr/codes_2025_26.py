"""ILR 2025/26 code lists (labels paraphrase the ILR specification 2025 to 2026).

Each entry: list name -> (codes -> label, complete?). An incomplete list (devolved
area and learning delivery monitoring codes, published separately by DfE and changed
during the year) accepts any code of the field's shape; its labels cover the codes
this platform knows.
"""

from __future__ import annotations

from .codelist import CodeList, closed, open_list

ACADEMIC_YEAR = "2025/26"

LISTS: dict[str, CodeList] = {
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
    "ProgType": closed(
        {
            25: "Apprenticeship standard",
            30: "T Level foundation year",
            31: "T Level programme",
            32: "Skills Bootcamps",
            33: "Combined Authorities",
        }
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
            7: "Learner has transferred between providers due to merger",
            29: "Learner has been made redundant",
            40: "Learner has transferred to a new provider due to intervention by the funding body",
            41: "Learner has transferred to another provider to undertake learning that meets a "
            "specific government strategy",
            42: "Academic failure / left in bad standing / not permitted to progress (HE only)",
            43: "Financial reasons",
            44: "Other personal reasons",
            45: "Written off after lapse of time (HE only)",
            46: "Exclusion",
            47: "Learner has transferred to another provider due to the provider stopping delivery",
            48: "Industry placement learner has withdrawn due to circumstances outside the "
            "provider's control",
            97: "Other",
            98: "Reason not known",
        }
    ),
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
            "PEI": "Previous education indicator",
            "SEI": "Self employment indicator",
            "SEM": "Small employer",
        }
    ),
    "ESMCode.BSI": closed(
        {
            1: "Learner is in receipt of Jobseeker's Allowance",
            2: "Learner is in receipt of Employment and Support Allowance - Work Related "
            "Activity Group",
            3: "Learner is in receipt of another state benefit",
            4: "Learner is in receipt of Universal Credit",
        }
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
        }
    ),
    "ESMCode.LOE": closed(
        {
            1: "Up to 3 months",
            2: "4 to 6 months",
            3: "7 to 12 months",
            4: "More than 12 months",
        }
    ),
    "ESMCode.PEI": closed({1: "Learner was in full time education or training prior to enrolment"}),
    "ESMCode.SEI": closed({1: "Learner is self employed"}),
    "ESMCode.SEM": closed({1: "Small employer"}),
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
    "LearnFAMCode.DLA": closed({1: "Learner is funded by HE Disabled Students Allowance"}),
    "LearnFAMCode.ECF": closed(
        {
            1: "Learner is exempt from GCSE English condition of funding due to a learning "
            "difficulty",
            2: "Learner is exempt from GCSE English condition of funding due to UK qualification "
            "equivalence from outside the UK",
            3: "Learner has met the GCSE English condition of funding by undertaking or "
            "completing a valid English GCSE or equivalent at another institution",
            4: "Learner has met the GCSE English condition of funding by undertaking or "
            "completing a valid English GCSE or equivalent at this institution",
        }
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
            58: "19+ Hardship (DfE funded)",
            59: "20+ Childcare (DfE funded)",
            60: "Residential Access Fund",
        }
    ),
    "LearnFAMCode.MCF": closed(
        {
            1: "Learner is exempt from GCSE maths condition of funding due to a learning "
            "difficulty",
            2: "Learner is exempt from GCSE maths condition of funding due to UK qualification "
            "equivalence from outside the UK",
            3: "Learner has met the GCSE maths condition of funding by undertaking or completing "
            "a valid maths GCSE or equivalent at another institution",
            4: "Learner has met the GCSE maths condition of funding by undertaking or completing "
            "a valid maths GCSE or equivalent at this institution",
        }
    ),
    "LearnFAMCode.MMH": closed({1: "Planned maths hours meet the minimum for the band"}),
    "LearnFAMCode.NLM": closed(
        {
            17: "Learner migrated as part of provider merger",
            18: "Learner moved as a result of Minimum Contract Level",
        }
    ),
    "LearnFAMCode.PPE": closed(
        {
            1: "Learner is eligible for Service Child premium",
            2: "Learner is eligible for Adopted from Care premium",
        }
    ),
    "LearnFAMCode.SEN": closed({1: "Special educational needs"}),
    "LearnDelFAMType": closed(
        {
            "ACL": "Adult community learning provision indicator",
            "ACT": "Apprenticeship contract type",
            "ADL": "Advanced Learner Loans indicator",
            "AFL": "Adult and family learning",
            "ALB": "Advanced Learner Loans Bursary funding",
            "ASL": "Community Learning provision type",
            "DAM": "Devolved area monitoring",
            "EEF": "Eligibility for enhanced apprenticeship funding",
            "EVI": "Event indicator",
            "FFI": "Full or co-funding indicator",
            "FLN": "Family English, Maths and Language",
            "HHS": "Household situation",
            "LDM": "Learning delivery monitoring",
            "LSF": "Learning support funding",
            "NSA": "National Skills Academy indicator (legacy)",
            "RES": "Restart indicator",
            "SOF": "Source of funding",
        }
    ),
    "LearnDelFAMCode.ACL": closed({1: "Adult community learning provision"}),
    "LearnDelFAMCode.ACT": closed(
        {
            "1": "Apprenticeship funded through a contract for services with the employer",
            "2": "Apprenticeship funded through a contract for services with the DfE",
        }
    ),
    "LearnDelFAMCode.ADL": closed({"1": "Aim is financed by an Advanced Learner Loan"}),
    "LearnDelFAMCode.AFL": closed({"1": "Adult and family learning"}),
    "LearnDelFAMCode.ALB": closed(
        {
            "1": "Advanced Learner Loans Bursary funding - rate 1",
            "2": "Advanced Learner Loans Bursary funding - rate 2",
            "3": "Advanced Learner Loans Bursary funding - area costs",
        }
    ),
    "LearnDelFAMCode.ASL": closed(
        {
            "1": "Personal and community development learning",
            "2": "Neighbourhood learning in deprived communities",
            "3": "Family English, maths and language",
            "4": "Wider family learning",
        }
    ),
    "LearnDelFAMCode.DAM": open_list(
        r"[0-9]{3}",
        {
            "023": "MCA/GLA delivery exclusion",
        },
    ),
    "LearnDelFAMCode.EEF": closed(
        {
            "2": "Entitlement to 16-18 apprenticeship funding",
            "4": "Entitlement to 19-23 apprenticeship funding",
            "5": "Entitlement to extended funding for apprentices",
        }
    ),
    "LearnDelFAMCode.EVI": open_list(r"[0-9]{1,2}", {}),
    "LearnDelFAMCode.FFI": closed(
        {"1": "Fully funded learning aim", "2": "Co-funded learning aim"}
    ),
    "LearnDelFAMCode.FLN": closed({"1": "Family English, Maths and Language"}),
    "LearnDelFAMCode.HHS": closed(
        {
            "1": "No household member is in employment and the household includes one or more "
            "dependent children",
            "2": "No household member is in employment and the household does not include any "
            "dependent children",
            "3": "Learner lives in a single adult household with dependent children",
            "98": "Learner wants to withhold this information",
            "99": "None of the above apply",
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
    "LearnDelFAMCode.LSF": closed({"1": "Learning support funding"}),
    "LearnDelFAMCode.NSA": open_list(r"[0-9]{1,2}", {}),
    "LearnDelFAMCode.RES": closed({"1": "Learning aim restarted"}),
    "LearnDelFAMCode.SOF": closed(
        {
            "1": "Office for Students",
            "105": "DfE - Adult",
            "107": "DfE - 16-19",
            "108": "Local authority - Community Learning",
            "110": "Greater London Authority",
            "111": "Greater Manchester Combined Authority",
            "112": "Liverpool City Region Combined Authority",
            "113": "West Midlands Combined Authority",
            "114": "West of England Combined Authority",
            "115": "Tees Valley Combined Authority",
            "116": "Cambridgeshire and Peterborough Combined Authority",
            "117": "North East Combined Authority",
            "118": "West Yorkshire Combined Authority",
        }
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
        }
    ),
    "PrimaryLLDD": closed({1: "Primary LLDD and health problem"}),
    "PriorLevel": closed(
        {
            1: "Level 1",
            2: "Full level 2",
            3: "Full level 3",
            4: "Level 4",
            5: "Level 5",
            6: "Level 6",
            7: "Level 7 and above",
            9: "Entry level",
            10: "Level 2 (below full level 2)",
            97: "Other qualification, level not known",
            98: "Not known",
            99: "No qualifications",
        }
    ),
    "Accom": closed({5: "Learner is living away from home"}),
    "WorkPlaceMode": closed(
        {1: "Internal (simulated) work placement", 2: "External work placement"}
    ),
}
