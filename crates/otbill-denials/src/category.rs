//! Denial categories, the fix each one needs, and the route that fix takes.
//!
//! The category says *what went wrong*; the [`Route`] says *how it is fixed*: by a corrected
//! claim, a reopening, an appeal, a new claim, or not at all. Medicare Part B fixes most
//! clerical errors by a clerical reopening rather than a frequency-7 replacement (Part B
//! contractors generally do not take 837P replacement claims [unverified across every MAC]),
//! so the route depends on the payer kind.

use serde::{Deserialize, Serialize};

/// What kind of problem an adjustment reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A missing or wrong modifier (CO-4).
    Modifier,
    /// NCCI procedure-to-procedure bundling (CO-97, CO-236, CO-234; M80, N20, N19).
    NcciBundling,
    /// Units above the MUE or not supported (CO-151; N362, N640, N435).
    MueUnits,
    /// Not medically necessary, or diagnosis not covered (CO-50, CO-167; N115, N386).
    MedicalNecessity,
    /// Above the therapy threshold without KX (CO-119).
    ThresholdKx,
    /// Authorization missing (CO-197).
    Authorization,
    /// Another payer is primary, or eligibility (CO-22).
    EligibilityCob,
    /// Filed after the time limit (CO-29).
    TimelyFiling,
    /// Exact duplicate (OA-18).
    Duplicate,
    /// Missing or invalid information, often unprocessable (CO-16 with M51, M53, MA130...).
    MissingInformation,
    /// Procedure code, place of service or diagnosis does not fit (CO-5, CO-11; N657).
    WrongCode,
    /// The rendering provider's type or enrollment (CO-8, CO-170, CO-185).
    ProviderEnrollment,
    /// Not covered by the plan (CO-96, CO-204).
    NonCovered,
    /// Expected: charge above the allowed amount (CO-45).
    Contractual,
    /// Expected: Medicare sequestration (CO-253).
    Sequestration,
    /// Expected: multiple procedure payment reduction (CO-59).
    Mppr,
    /// Expected: deductible, coinsurance, copay (PR-1, PR-2, PR-3).
    PatientShare,
    /// Information only (OA-23).
    Informational,
    /// A code we have not annotated: a person must read it.
    Unknown,
}

/// How a problem is fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// Nothing to send: post the adjustment (write off, or bill the patient or secondary).
    Post,
    /// Nothing to send: the payer has the claim already; check its status.
    CheckStatus,
    /// A frequency-7 replacement claim with the payer's claim number.
    CorrectedClaim,
    /// A clerical reopening (Medicare: phone, portal or form), within a year.
    Reopening,
    /// A redetermination request (appeal level 1) with the record.
    Appeal,
    /// The claim was not processed: correct it and send it as a new claim. No appeal rights.
    Resubmit,
    /// The decision cannot be appealed.
    NoAppeal,
    /// Unknown code: a person decides.
    Review,
}

/// Who pays, as far as the route is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayerKind {
    /// Medicare fee-for-service Part B (CLP06 `MB`): clerical errors go to a reopening.
    MedicarePartB,
    /// Any other payer: clerical errors go to a corrected (frequency-7) claim.
    Other,
}

impl PayerKind {
    /// From the claim filing indicator (CLP06 / SBR09).
    pub fn from_filing_indicator(code: &str) -> PayerKind {
        match code.trim() {
            "MB" => PayerKind::MedicarePartB,
            _ => PayerKind::Other,
        }
    }
}

impl Category {
    /// Expected reductions and information: posted, never worked.
    pub fn is_expected(self) -> bool {
        matches!(
            self,
            Category::Contractual
                | Category::Sequestration
                | Category::Mppr
                | Category::PatientShare
                | Category::Informational
        )
    }

    /// A short label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Category::Modifier => "modifier",
            Category::NcciBundling => "NCCI bundling",
            Category::MueUnits => "MUE/units",
            Category::MedicalNecessity => "medical necessity",
            Category::ThresholdKx => "threshold/KX",
            Category::Authorization => "authorization",
            Category::EligibilityCob => "eligibility/COB",
            Category::TimelyFiling => "timely filing",
            Category::Duplicate => "duplicate",
            Category::MissingInformation => "missing information",
            Category::WrongCode => "wrong code",
            Category::ProviderEnrollment => "provider enrollment",
            Category::NonCovered => "non-covered",
            Category::Contractual => "contractual (expected)",
            Category::Sequestration => "sequestration (expected)",
            Category::Mppr => "MPPR (expected)",
            Category::PatientShare => "patient share",
            Category::Informational => "information",
            Category::Unknown => "unknown code",
        }
    }

    /// What fixes this kind of problem, in plain words.
    pub fn fix(self) -> &'static str {
        match self {
            Category::Modifier => "Correct the line's modifiers (GO for OT; CO with GO; KX above the threshold; 59/XU for distinct NCCI pairs) and send the fix.",
            Category::NcciBundling => "If the two services were separate and distinct and the NCCI modifier indicator is 1, add 59 or XU to the column-2 code and send the fix; otherwise write the line off.",
            Category::MueUnits => "Reconcile the billed units with the minutes log (8-minute rule); if the units were wrong, correct them; if they were right, appeal with the minutes log and notes.",
            Category::MedicalNecessity => "Appeal with the certified plan of care, progress reports and treatment notes showing the need for skilled therapy; issue an ABN and bill with GA next time the need is doubtful.",
            Category::ThresholdKx => "If the care above the therapy threshold is medically necessary and documented, add KX to the line and send the fix; otherwise the patient is liable only with a signed ABN (GA).",
            Category::Authorization => "Obtain a retroactive authorization if the plan allows one, then appeal with it; record the authorization number (box 23 / REF*G1).",
            Category::EligibilityCob => "Verify eligibility and other insurance, update the MSP/COB record, bill the primary payer first, then send this payer a new claim with the primary's payment.",
            Category::TimelyFiling => "Filed more than 12 months after the date of service: write off. Only a 42 CFR 424.44(b) exception (contractor error, retroactive entitlement or disenrollment) reopens it.",
            Category::Duplicate => "Do not send the claim again: check the status of the first claim. If a code's units for one date were split over two lines, send one line with all the units.",
            Category::MissingInformation => "Find the missing or invalid field from the remark code, correct it and send the claim again as a new claim (it was not processed).",
            Category::WrongCode => "Correct the procedure code, place of service or diagnosis pointers and send the fix.",
            Category::ProviderEnrollment => "Fix the rendering provider's enrollment, taxonomy or NPI, then send the fix.",
            Category::NonCovered => "Verify the plan's benefits; write off, or bill the patient only if they were told in advance (ABN or plan notice).",
            Category::Contractual => "Expected: post as a contractual write-off; do not bill the patient.",
            Category::Sequestration => "Expected: post the 2% sequestration as a write-off.",
            Category::Mppr => "Expected: post the multiple procedure payment reduction; check that the highest-valued unit was paid in full.",
            Category::PatientShare => "Bill the patient or the secondary payer for the deductible, coinsurance or copay.",
            Category::Informational => "Information only: nothing to do.",
            Category::Unknown => "A code otbill does not know: read its published text and decide.",
        }
    }

    /// The usual route for this category at a payer kind.
    pub fn route(self, payer: PayerKind) -> Route {
        let clerical = match payer {
            PayerKind::MedicarePartB => Route::Reopening,
            PayerKind::Other => Route::CorrectedClaim,
        };
        match self {
            Category::Modifier
            | Category::NcciBundling
            | Category::ThresholdKx
            | Category::WrongCode
            | Category::ProviderEnrollment => clerical,
            Category::MueUnits | Category::MedicalNecessity | Category::Authorization => {
                Route::Appeal
            }
            Category::EligibilityCob | Category::MissingInformation => Route::Resubmit,
            Category::TimelyFiling => Route::NoAppeal,
            Category::Duplicate => Route::CheckStatus,
            Category::NonCovered
            | Category::Contractual
            | Category::Sequestration
            | Category::Mppr
            | Category::PatientShare
            | Category::Informational => Route::Post,
            Category::Unknown => Route::Review,
        }
    }
}

impl Route {
    /// A short label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Route::Post => "post",
            Route::CheckStatus => "check status",
            Route::CorrectedClaim => "corrected claim (freq 7)",
            Route::Reopening => "reopening",
            Route::Appeal => "appeal",
            Route::Resubmit => "correct + resubmit (no appeal)",
            Route::NoAppeal => "cannot be appealed",
            Route::Review => "review",
        }
    }

    /// Whether the decision has appeal rights on this route.
    pub fn appealable(self) -> bool {
        !matches!(self, Route::Resubmit | Route::NoAppeal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clerical_fixes_go_to_a_reopening_at_medicare_and_a_corrected_claim_elsewhere() {
        assert_eq!(
            Category::Modifier.route(PayerKind::MedicarePartB),
            Route::Reopening
        );
        assert_eq!(
            Category::Modifier.route(PayerKind::Other),
            Route::CorrectedClaim
        );
        assert_eq!(
            PayerKind::from_filing_indicator("MB"),
            PayerKind::MedicarePartB
        );
        assert_eq!(PayerKind::from_filing_indicator("CI"), PayerKind::Other);
    }

    #[test]
    fn only_expected_categories_are_posted_without_work() {
        for c in [
            Category::Contractual,
            Category::Sequestration,
            Category::Mppr,
        ] {
            assert!(c.is_expected());
            assert_eq!(c.route(PayerKind::Other), Route::Post);
        }
        assert!(!Category::MedicalNecessity.is_expected());
        assert!(!Route::NoAppeal.appealable());
        assert!(!Route::Resubmit.appealable());
        assert!(Route::Appeal.appealable());
    }
}
