//! Sorting 835 adjustments into denial categories, and the worklist built from them.
//!
//! [`classify`] works on plain values (group, reason, remarks) so the ledger can classify
//! stored adjustments; [`worklist`] walks a parsed 835 and adds what a biller needs to act:
//! the claim and line, the amount, the plain-words reason, the fix, the route and its
//! deadline. The worklist is sorted by days left, then by amount (largest first).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::appeals::{reopening_limit, timely_filing_limit, AppealRules, Deadline, Level};
use crate::catalog::Catalog;
use crate::category::{Category, PayerKind, Route};

/// What one adjustment means and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classification {
    /// What went wrong.
    pub category: Category,
    /// How it is fixed.
    pub route: Route,
    /// The reason in plain words (from the catalog; the published text for codes we have
    /// not annotated).
    pub reason: String,
    /// The fix: the category's fix, then code-specific hints.
    pub fix: String,
}

/// Classifies one adjustment: CAS group and reason code, with the remark codes that came
/// with it (line LQ plus claim MOA), for a payer kind.
///
/// Rules, in order: a *generic* reason (16, 96, 234) takes the category of its first
/// annotated remark; a PR group on a denial means the patient was notified and is liable,
/// so the route is to post it; a remark that forces a route (N211: no appeal; MA130:
/// resubmit) wins over everything.
pub fn classify(
    catalog: &Catalog,
    group: &str,
    reason: &str,
    remarks: &[String],
    payer: PayerKind,
) -> Classification {
    let carc = catalog.carc(reason);
    let rarcs: Vec<_> = remarks.iter().filter_map(|r| catalog.rarc(r)).collect();

    let mut category = carc.and_then(|e| e.category).unwrap_or(Category::Unknown);
    let generic = carc.is_none_or(|e| e.generic);
    if generic {
        if let Some(c) = rarcs.iter().find_map(|r| r.category) {
            category = c;
        }
    }
    let mut route = category.route(payer);
    if group.trim() == "PR" && !category.is_expected() && category != Category::Unknown {
        route = Route::Post;
    }
    if let Some(forced) = rarcs.iter().find_map(|r| r.route) {
        route = forced;
        if forced == Route::Resubmit && category == Category::Unknown {
            category = Category::MissingInformation;
        }
    }

    let mut reason_text = match carc.and_then(|e| e.text()) {
        Some(t) => t.to_owned(),
        None => format!("Reason code {reason} is not in the catalog."),
    };
    for r in remarks {
        if let Some(t) = catalog.rarc(r).and_then(|e| e.text()) {
            reason_text.push_str(&format!(" {r}: {t}"));
        }
    }
    let mut fix = category.fix().to_owned();
    if group.trim() == "PR" && route == Route::Post && !category.is_expected() {
        fix = "The payer made the patient liable (PR): bill the patient, who was told in advance; check the ABN is on file.".to_owned();
    }
    // The category says what to do; a remark code adds what exactly (its field, its code).
    // The reason code's own hint is used only when we do not know the category.
    let hints = rarcs.iter().filter_map(|e| e.fix.as_deref());
    let carc_hint = carc
        .filter(|_| category == Category::Unknown)
        .and_then(|e| e.fix.as_deref());
    for hint in hints.chain(carc_hint) {
        if !fix.contains(hint) {
            fix.push(' ');
            fix.push_str(hint);
        }
    }
    Classification {
        category,
        route,
        reason: reason_text,
        fix,
    }
}

/// What the worklist needs besides the 835: the catalog, the appeal rules and two dates.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Code meanings.
    pub catalog: &'a Catalog,
    /// Appeal levels and deadlines.
    pub rules: &'a AppealRules,
    /// The day the remittance (the initial determination) was received.
    pub notice_received: NaiveDate,
    /// Today, for days left.
    pub today: NaiveDate,
}

/// One adjustment to work (or to post, when expected).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkItem {
    /// CLP01: our claim id.
    pub patient_control_number: String,
    /// CLP07: the payer's claim number (REF*F8 of a corrected claim).
    pub payer_claim_number: String,
    /// REF*6R of the line; `None` for a claim-level adjustment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line_control_number: Option<String>,
    /// The procedure as adjudicated, e.g. `97530:GO`; `None` at claim level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub procedure: Option<String>,
    /// Date of service (line DTM*472/150, else claim DTM*232).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_date: Option<NaiveDate>,
    /// CAS group.
    pub group: String,
    /// CARC.
    pub reason_code: String,
    /// RARCs that came with it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remarks: Vec<String>,
    /// The adjusted amount.
    pub amount: Decimal,
    /// Whether the whole line (or claim) was denied rather than reduced.
    pub denied: bool,
    /// What it means and what to do.
    #[serde(flatten)]
    pub classification: Classification,
    /// Whether the route keeps appeal rights.
    pub appealable: bool,
    /// When the route must be taken by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Deadline>,
}

impl WorkItem {
    /// Expected reductions are posted, not worked.
    pub fn needs_work(&self) -> bool {
        !self.classification.category.is_expected() && self.classification.route != Route::Post
    }
}

/// Every adjustment of every claim of an 835, classified and sorted (most urgent first).
///
/// `claim_remarks` holds each claim's MOA/MIA remark codes in CLP order (see
/// [`crate::claim_remarks`]); pass an empty slice when there are none.
pub fn worklist(
    ctx: &Context<'_>,
    era: &otbill_era::Era,
    claim_remarks: &[Vec<String>],
) -> Vec<WorkItem> {
    let claims = era.remittances.iter().flat_map(|r| r.claims.iter());
    let mut items = Vec::new();
    for (idx, claim) in claims.enumerate() {
        let remarks = claim_remarks.get(idx).map_or(&[][..], Vec::as_slice);
        items.extend(claim_items(ctx, claim, remarks));
    }
    sort(&mut items);
    items
}

/// Sorts by days left (no deadline last), then amount (largest first), then claim.
pub fn sort(items: &mut [WorkItem]) {
    items.sort_by(|a, b| {
        let days = |i: &WorkItem| i.deadline.as_ref().map_or(i64::MAX, |d| d.days_left);
        days(a)
            .cmp(&days(b))
            .then(b.amount.cmp(&a.amount))
            .then(a.patient_control_number.cmp(&b.patient_control_number))
    });
}

/// The work items of one remittance claim (unsorted).
pub fn claim_items(
    ctx: &Context<'_>,
    claim: &otbill_era::Claim,
    claim_remarks: &[String],
) -> Vec<WorkItem> {
    let payer = PayerKind::from_filing_indicator(&claim.filing_indicator);
    let claim_date = claim
        .dates
        .iter()
        .find(|d| d.qualifier.as_str() == "232")
        .map(|d| d.date)
        .or_else(|| claim.lines.iter().find_map(line_date));
    let claim_denied =
        claim.status.as_str() == "4" || (claim.paid.is_zero() && !claim.charge.is_zero());
    let mut items = Vec::new();
    for adj in &claim.adjustments {
        let c = classify(ctx.catalog, &adj.group, &adj.reason, claim_remarks, payer);
        items.push(item(
            ctx,
            claim,
            None,
            claim_date,
            claim_remarks.to_vec(),
            adj,
            claim_denied,
            c,
        ));
    }
    for line in &claim.lines {
        let mut remarks: Vec<String> = line.remarks.iter().map(|r| r.as_str().to_owned()).collect();
        remarks.extend(claim_remarks.iter().cloned());
        let date = line_date(line).or(claim_date);
        let denied = line.paid.is_zero() && !line.charge.is_zero();
        for adj in &line.adjustments {
            let c = classify(ctx.catalog, &adj.group, &adj.reason, &remarks, payer);
            items.push(item(
                ctx,
                claim,
                Some(line),
                date,
                remarks.clone(),
                adj,
                denied,
                c,
            ));
        }
    }
    items
}

fn line_date(line: &otbill_era::ServiceLine) -> Option<NaiveDate> {
    line.dates
        .iter()
        .find(|d| matches!(d.qualifier.as_str(), "472" | "150"))
        .map(|d| d.date)
}

#[allow(clippy::too_many_arguments)]
fn item(
    ctx: &Context<'_>,
    claim: &otbill_era::Claim,
    line: Option<&otbill_era::ServiceLine>,
    service_date: Option<NaiveDate>,
    remarks: Vec<String>,
    adj: &otbill_era::Adjustment,
    denied: bool,
    classification: Classification,
) -> WorkItem {
    let deadline = deadline(ctx, classification.route, service_date);
    WorkItem {
        patient_control_number: claim.patient_control_number.as_str().to_owned(),
        payer_claim_number: claim.payer_claim_number.as_str().to_owned(),
        line_control_number: line
            .and_then(|l| l.control_number.as_ref().map(|c| c.as_str().to_owned())),
        procedure: line.map(|l| {
            let mut p = l.code.as_str().to_owned();
            for m in &l.modifiers {
                p.push(':');
                p.push_str(m);
            }
            p
        }),
        service_date,
        group: adj.group.as_str().to_owned(),
        reason_code: adj.reason.as_str().to_owned(),
        remarks,
        amount: adj.amount,
        denied,
        appealable: classification.route.appealable(),
        classification,
        deadline,
    }
}

/// The deadline of a route: the redetermination for an appeal (or an unknown code, to keep
/// the appeal rights), one year for a reopening, the timely-filing limit for a new or
/// corrected claim.
pub fn deadline(
    ctx: &Context<'_>,
    route: Route,
    service_date: Option<NaiveDate>,
) -> Option<Deadline> {
    match route {
        Route::Appeal | Route::Review => {
            ctx.rules
                .status(Level::Redetermination, ctx.notice_received, ctx.today)
        }
        Route::Reopening => Some(Deadline::new(
            "request a reopening".to_owned(),
            reopening_limit(ctx.notice_received),
            ctx.today,
        )),
        Route::CorrectedClaim | Route::Resubmit => service_date.map(|dos| {
            let what = if route == Route::Resubmit {
                "resubmit within timely filing"
            } else {
                "send the corrected claim within timely filing"
            };
            Deadline::new(what.to_owned(), timely_filing_limit(dos), ctx.today)
        }),
        Route::Post | Route::CheckStatus | Route::NoAppeal => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify_one(group: &str, reason: &str, remarks: &[&str]) -> Classification {
        let remarks: Vec<String> = remarks.iter().map(|s| (*s).to_owned()).collect();
        classify(
            &Catalog::builtin(),
            group,
            reason,
            &remarks,
            PayerKind::MedicarePartB,
        )
    }

    #[test]
    fn generic_reasons_take_the_remark_category() {
        let c = classify_one("CO", "16", &["M53"]);
        assert_eq!(
            (c.category, c.route),
            (Category::MissingInformation, Route::Resubmit)
        );
        let c = classify_one("CO", "96", &["N657"]);
        assert_eq!(
            (c.category, c.route),
            (Category::WrongCode, Route::Reopening)
        );
        assert!(c.fix.contains("G0283"), "{}", c.fix);
        let c = classify_one("CO", "234", &["N20"]);
        assert_eq!(c.category, Category::NcciBundling);
    }

    #[test]
    fn forced_routes_win() {
        let c = classify_one("CO", "29", &["N211"]);
        assert_eq!(
            (c.category, c.route),
            (Category::TimelyFiling, Route::NoAppeal)
        );
        let c = classify_one("CO", "4", &["MA130"]);
        assert_eq!((c.category, c.route), (Category::Modifier, Route::Resubmit));
        let c = classify_one("CO", "999", &["MA130"]);
        assert_eq!(
            (c.category, c.route),
            (Category::MissingInformation, Route::Resubmit)
        );
    }

    #[test]
    fn patient_liable_denials_are_posted() {
        let c = classify_one("PR", "204", &[]);
        assert_eq!((c.category, c.route), (Category::NonCovered, Route::Post));
        let c = classify_one("PR", "50", &[]);
        assert_eq!(
            (c.category, c.route),
            (Category::MedicalNecessity, Route::Post)
        );
        assert!(c.fix.contains("ABN"), "{}", c.fix);
    }

    #[test]
    fn unknown_codes_go_to_review_with_a_message() {
        let c = classify_one("CO", "272", &[]);
        assert_eq!((c.category, c.route), (Category::Unknown, Route::Review));
        assert_eq!(c.reason, "Reason code 272 is not in the catalog.");
    }
}
