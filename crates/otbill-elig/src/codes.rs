//! The code lists of 005010X279A1 the 271 reader turns into types or plain words:
//! EB01 benefit kinds, EB06/HSD05 time periods, AAA03 reasons and AAA04 follow-ups.
//! The code values are those of the pyx12 X279A1 map (tools/pyx12-x279/).

use serde::Serialize;

/// EB01, the eligibility or benefit information code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BenefitKind {
    /// `1` Active Coverage.
    Active,
    /// `2` Active - Full Risk Capitation.
    ActiveFullRiskCapitation,
    /// `3` Active - Services Capitated.
    ActiveServicesCapitated,
    /// `4` Active - Services Capitated to Primary Care Physician.
    ActiveCapitatedToPrimaryCare,
    /// `5` Active - Pending Investigation.
    ActivePendingInvestigation,
    /// `6` Inactive.
    Inactive,
    /// `7` Inactive - Pending Eligibility Update.
    InactivePendingEligibilityUpdate,
    /// `8` Inactive - Pending Investigation.
    InactivePendingInvestigation,
    /// `A` Co-Insurance (EB08 is the patient's share, 0.2 = 20%).
    Coinsurance,
    /// `B` Co-Payment (EB07).
    CoPayment,
    /// `C` Deductible (EB07).
    Deductible,
    /// `CB` Coverage Basis.
    CoverageBasis,
    /// `D` Benefit Description.
    BenefitDescription,
    /// `E` Exclusions.
    Exclusions,
    /// `F` Limitations (visit or dollar limits).
    Limitations,
    /// `G` Out of Pocket (Stop Loss).
    OutOfPocket,
    /// `H` Unlimited.
    Unlimited,
    /// `I` Non-Covered.
    NonCovered,
    /// `J` Cost Containment.
    CostContainment,
    /// `K` Reserve.
    Reserve,
    /// `L` Primary Care Provider.
    PrimaryCareProvider,
    /// `M` Pre-existing Condition.
    PreExistingCondition,
    /// `MC` Managed Care Coordinator.
    ManagedCareCoordinator,
    /// `N` Services Restricted to Following Provider.
    ServicesRestrictedToFollowingProvider,
    /// `O` Not Deemed a Medical Necessity.
    NotMedicallyNecessary,
    /// `P` Benefit Disclaimer.
    BenefitDisclaimer,
    /// `Q` Second Surgical Opinion Required.
    SecondSurgicalOpinionRequired,
    /// `R` Other or Additional Payor.
    OtherOrAdditionalPayor,
    /// `S` Prior Year(s) History.
    PriorYearsHistory,
    /// `T` Card(s) Reported Lost/Stolen.
    CardsReportedLostStolen,
    /// `U` Contact Following Entity for Eligibility or Benefit Information.
    ContactFollowingEntity,
    /// `V` Cannot Process.
    CannotProcess,
    /// `W` Other Source of Data.
    OtherSourceOfData,
    /// `X` Health Care Facility.
    HealthCareFacility,
    /// `Y` Spend Down.
    SpendDown,
    /// Any other EB01 value (the reader also reports a `271-EB01-UNKNOWN` finding).
    Other(String),
}

const KINDS: &[(&str, BenefitKind, &str)] = &[
    ("1", BenefitKind::Active, "Active Coverage"),
    (
        "2",
        BenefitKind::ActiveFullRiskCapitation,
        "Active - Full Risk Capitation",
    ),
    (
        "3",
        BenefitKind::ActiveServicesCapitated,
        "Active - Services Capitated",
    ),
    (
        "4",
        BenefitKind::ActiveCapitatedToPrimaryCare,
        "Active - Services Capitated to Primary Care Physician",
    ),
    (
        "5",
        BenefitKind::ActivePendingInvestigation,
        "Active - Pending Investigation",
    ),
    ("6", BenefitKind::Inactive, "Inactive"),
    (
        "7",
        BenefitKind::InactivePendingEligibilityUpdate,
        "Inactive - Pending Eligibility Update",
    ),
    (
        "8",
        BenefitKind::InactivePendingInvestigation,
        "Inactive - Pending Investigation",
    ),
    ("A", BenefitKind::Coinsurance, "Co-Insurance"),
    ("B", BenefitKind::CoPayment, "Co-Payment"),
    ("C", BenefitKind::Deductible, "Deductible"),
    ("CB", BenefitKind::CoverageBasis, "Coverage Basis"),
    ("D", BenefitKind::BenefitDescription, "Benefit Description"),
    ("E", BenefitKind::Exclusions, "Exclusions"),
    ("F", BenefitKind::Limitations, "Limitations"),
    ("G", BenefitKind::OutOfPocket, "Out of Pocket (Stop Loss)"),
    ("H", BenefitKind::Unlimited, "Unlimited"),
    ("I", BenefitKind::NonCovered, "Non-Covered"),
    ("J", BenefitKind::CostContainment, "Cost Containment"),
    ("K", BenefitKind::Reserve, "Reserve"),
    (
        "L",
        BenefitKind::PrimaryCareProvider,
        "Primary Care Provider",
    ),
    (
        "M",
        BenefitKind::PreExistingCondition,
        "Pre-existing Condition",
    ),
    (
        "MC",
        BenefitKind::ManagedCareCoordinator,
        "Managed Care Coordinator",
    ),
    (
        "N",
        BenefitKind::ServicesRestrictedToFollowingProvider,
        "Services Restricted to Following Provider",
    ),
    (
        "O",
        BenefitKind::NotMedicallyNecessary,
        "Not Deemed a Medical Necessity",
    ),
    ("P", BenefitKind::BenefitDisclaimer, "Benefit Disclaimer"),
    (
        "Q",
        BenefitKind::SecondSurgicalOpinionRequired,
        "Second Surgical Opinion Required",
    ),
    (
        "R",
        BenefitKind::OtherOrAdditionalPayor,
        "Other or Additional Payor",
    ),
    ("S", BenefitKind::PriorYearsHistory, "Prior Year(s) History"),
    (
        "T",
        BenefitKind::CardsReportedLostStolen,
        "Card(s) Reported Lost/Stolen",
    ),
    (
        "U",
        BenefitKind::ContactFollowingEntity,
        "Contact Following Entity for Eligibility or Benefit Information",
    ),
    ("V", BenefitKind::CannotProcess, "Cannot Process"),
    ("W", BenefitKind::OtherSourceOfData, "Other Source of Data"),
    ("X", BenefitKind::HealthCareFacility, "Health Care Facility"),
    ("Y", BenefitKind::SpendDown, "Spend Down"),
];

impl BenefitKind {
    /// The kind for an EB01 code; `None` for a code not in the list.
    pub fn from_code(code: &str) -> Option<BenefitKind> {
        KINDS
            .iter()
            .find(|(c, _, _)| *c == code)
            .map(|(_, k, _)| k.clone())
    }

    /// The EB01 code (the raw value for [`BenefitKind::Other`]).
    pub fn code(&self) -> &str {
        match self {
            BenefitKind::Other(code) => code,
            kind => KINDS
                .iter()
                .find(|(_, k, _)| k == kind)
                .map_or("", |(c, _, _)| c),
        }
    }

    /// The TR3's name of the code, in plain words.
    pub fn label(&self) -> String {
        match self {
            BenefitKind::Other(code) => format!("unknown benefit code {code}"),
            kind => KINDS
                .iter()
                .find(|(_, k, _)| k == kind)
                .map_or(String::new(), |(_, _, l)| (*l).to_string()),
        }
    }

    /// EB01 `1`..=`5`: some form of active coverage.
    pub fn is_active(&self) -> bool {
        matches!(
            self,
            BenefitKind::Active
                | BenefitKind::ActiveFullRiskCapitation
                | BenefitKind::ActiveServicesCapitated
                | BenefitKind::ActiveCapitatedToPrimaryCare
                | BenefitKind::ActivePendingInvestigation
        )
    }

    /// EB01 `6`..=`8`: inactive.
    pub fn is_inactive(&self) -> bool {
        matches!(
            self,
            BenefitKind::Inactive
                | BenefitKind::InactivePendingEligibilityUpdate
                | BenefitKind::InactivePendingInvestigation
        )
    }
}

/// EB06 (and HSD05), the time period a benefit amount or limit applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimePeriod {
    /// `6` Hour.
    Hour,
    /// `7` Day.
    Day,
    /// `13` 24 Hours.
    Hours24,
    /// `21` Years.
    Years,
    /// `22` Service Year.
    ServiceYear,
    /// `23` Calendar Year.
    CalendarYear,
    /// `24` Year to Date.
    YearToDate,
    /// `25` Contract.
    Contract,
    /// `26` Episode.
    Episode,
    /// `27` Visit.
    Visit,
    /// `28` Outlier.
    Outlier,
    /// `29` Remaining.
    Remaining,
    /// `30` Exceeded.
    Exceeded,
    /// `31` Not Exceeded.
    NotExceeded,
    /// `32` Lifetime.
    Lifetime,
    /// `33` Lifetime Remaining.
    LifetimeRemaining,
    /// `34` Month.
    Month,
    /// `35` Week.
    Week,
    /// `36` Admission.
    Admission,
    /// Any other value (the reader also reports a finding).
    Other(String),
}

const PERIODS: &[(&str, TimePeriod, &str)] = &[
    ("6", TimePeriod::Hour, "hour"),
    ("7", TimePeriod::Day, "day"),
    ("13", TimePeriod::Hours24, "24 hours"),
    ("21", TimePeriod::Years, "years"),
    ("22", TimePeriod::ServiceYear, "service year"),
    ("23", TimePeriod::CalendarYear, "calendar year"),
    ("24", TimePeriod::YearToDate, "year to date"),
    ("25", TimePeriod::Contract, "contract"),
    ("26", TimePeriod::Episode, "episode"),
    ("27", TimePeriod::Visit, "visit"),
    ("28", TimePeriod::Outlier, "outlier"),
    ("29", TimePeriod::Remaining, "remaining"),
    ("30", TimePeriod::Exceeded, "exceeded"),
    ("31", TimePeriod::NotExceeded, "not exceeded"),
    ("32", TimePeriod::Lifetime, "lifetime"),
    ("33", TimePeriod::LifetimeRemaining, "lifetime remaining"),
    ("34", TimePeriod::Month, "month"),
    ("35", TimePeriod::Week, "week"),
    ("36", TimePeriod::Admission, "admission"),
];

impl TimePeriod {
    /// The period for an EB06/HSD05 code; `None` for a code not in the list.
    pub fn from_code(code: &str) -> Option<TimePeriod> {
        PERIODS
            .iter()
            .find(|(c, _, _)| *c == code)
            .map(|(_, p, _)| p.clone())
    }

    /// The code (the raw value for [`TimePeriod::Other`]).
    pub fn code(&self) -> &str {
        match self {
            TimePeriod::Other(code) => code,
            p => PERIODS
                .iter()
                .find(|(_, q, _)| q == p)
                .map_or("", |(c, _, _)| c),
        }
    }

    /// Plain words, lower case (`calendar year`).
    pub fn label(&self) -> String {
        match self {
            TimePeriod::Other(code) => format!("time period {code}"),
            p => PERIODS
                .iter()
                .find(|(_, q, _)| q == p)
                .map_or(String::new(), |(_, _, l)| (*l).to_string()),
        }
    }

    /// A yearly total: calendar year, service year, years or contract (23, 22, 21, 25).
    pub fn is_yearly(&self) -> bool {
        matches!(
            self,
            TimePeriod::CalendarYear
                | TimePeriod::ServiceYear
                | TimePeriod::Years
                | TimePeriod::Contract
        )
    }
}

/// AAA03 in plain words; `None` for a code not in the list.
pub fn reject_reason(code: &str) -> Option<&'static str> {
    Some(match code {
        "04" => "Authorized Quantity Exceeded",
        "15" => "Required Application Data Missing",
        "33" => "Input Errors",
        "35" => "Out of Network",
        "41" => "Authorization/Access Restrictions",
        "42" => "Unable to Respond at Current Time",
        "43" => "Invalid/Missing Provider Identification",
        "44" => "Invalid/Missing Provider Name",
        "45" => "Invalid/Missing Provider Specialty",
        "46" => "Invalid/Missing Provider Phone Number",
        "47" => "Invalid/Missing Provider State",
        "48" => "Invalid/Missing Referring Provider Identification Number",
        "49" => "Provider is Not Primary Care Physician",
        "50" => "Provider Ineligible for Inquiries",
        "51" => "Provider Not on File",
        "52" => "Service Dates Not Within Provider Plan Enrollment",
        "53" => "Inquired Benefit Inconsistent with Provider Type",
        "54" => "Inappropriate Product/Service ID Qualifier",
        "55" => "Inappropriate Product/Service ID",
        "56" => "Inappropriate Date",
        "57" => "Invalid/Missing Date(s) of Service",
        "58" => "Invalid/Missing Date-of-Birth",
        "60" => "Date of Birth Follows Date(s) of Service",
        "61" => "Date of Death Precedes Date(s) of Service",
        "62" => "Date of Service Not Within Allowable Inquiry Period",
        "63" => "Date of Service in Future",
        "64" => "Invalid/Missing Patient ID",
        "65" => "Invalid/Missing Patient Name",
        "66" => "Invalid/Missing Patient Gender Code",
        "67" => "Patient Not Found",
        "68" => "Duplicate Patient ID Number",
        "69" => "Inconsistent with Patient's Age",
        "70" => "Inconsistent with Patient's Gender",
        "71" => "Patient Birth Date Does Not Match That for the Patient on the Database",
        "72" => "Invalid/Missing Subscriber/Insured ID",
        "73" => "Invalid/Missing Subscriber/Insured Name",
        "74" => "Invalid/Missing Subscriber/Insured Gender Code",
        "75" => "Subscriber/Insured Not Found",
        "76" => "Duplicate Subscriber/Insured ID Number",
        "77" => "Subscriber Found, Patient Not Found",
        "78" => "Subscriber/Insured Not in Group/Plan Identified",
        "79" => "Invalid Participant Identification",
        "80" => "No Response received - Transaction Terminated",
        "97" => "Invalid or Missing Provider Address",
        "98" => "Experimental Service or Procedure",
        "AA" => "Authorization Number Not Found",
        "AE" => "Requires Primary Care Physician Authorization",
        "AF" => "Invalid/Missing Diagnosis Code(s)",
        "AG" => "Invalid/Missing Procedure Code(s)",
        "AO" => "Additional Patient Condition Information Required",
        "CI" => "Certification Information Does Not Match Patient",
        "E8" => "Requires Medical Review",
        "IA" => "Invalid Authorization Number Format",
        "MA" => "Missing Authorization",
        "T4" => "Payer Name or Identifier Missing",
        _ => return None,
    })
}

/// AAA04 in plain words; `None` for a code not in the list.
pub fn follow_up(code: &str) -> Option<&'static str> {
    Some(match code {
        "C" => "Please Correct and Resubmit",
        "N" => "Resubmission Not Allowed",
        "P" => "Please Resubmit Original Transaction",
        "R" => "Resubmission Allowed",
        "S" => "Do Not Resubmit; Inquiry Initiated to a Third Party",
        "W" => "Please Wait 30 Days and Resubmit",
        "X" => "Please Wait 10 Days and Resubmit",
        "Y" => "Do Not Resubmit; We Will Hand Deliver",
        _ => return None,
    })
}

/// EB09/HSD01 quantity qualifiers in plain words (the common ones; others as the code).
pub fn quantity_label(code: &str) -> String {
    match code {
        "VS" => "visits",
        "DY" => "days",
        "HS" => "hours",
        "MN" => "months",
        "FL" => "units",
        "99" => "quantity used",
        "CA" => "covered (actual)",
        "CE" => "covered (estimated)",
        "LA" => "life-time reserve (actual)",
        "LE" => "life-time reserve (estimated)",
        "P6" => "number of services or procedures",
        "QA" => "quantity approved",
        "S7" => "age, high value",
        "S8" => "age, low value",
        "D3" => "number of co-insurance days",
        "DB" => "deductible blood units",
        "M2" => "maximum",
        "8H" => "minimum",
        "YY" => "years",
        other => return format!("quantity {other}"),
    }
    .to_string()
}

/// NM101 entity codes of the 2120 loops, in plain words.
pub fn entity_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "13" => "Contracted Service Provider",
        "1I" => "Preferred Provider Organization",
        "1P" => "Provider",
        "2B" => "Third-Party Administrator",
        "36" => "Employer",
        "73" => "Other Physician",
        "FA" => "Facility",
        "GP" => "Gateway Provider",
        "GW" => "Group",
        "I3" => "Independent Physicians Association",
        "IL" => "Insured or Subscriber",
        "LR" => "Legal Representative",
        "OC" => "Origin Carrier",
        "P3" => "Primary Care Provider",
        "P4" => "Prior Insurance Carrier",
        "P5" => "Plan Sponsor",
        "PR" => "Payer",
        "PRP" => "Primary Payer",
        "SEP" => "Secondary Payer",
        "TTP" => "Tertiary Payer",
        "VER" => "Party Performing Verification",
        "VN" => "Vendor",
        "VY" => "Organization Completing Configuration Change",
        "X3" => "Utilization Management Organization",
        "Y2" => "Managed Care Organization",
        _ => return None,
    })
}
