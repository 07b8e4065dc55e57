//! Documentation and plan-of-care rules (rules.md §6, Pub. 100-02 Ch. 15 §220), timely
//! filing (§9.1) and commercial authorizations.
//!
//! Day counting: the first day of treatment is day 0, so "within 30 days" means on or
//! before `start + 30` (day 30 is timely, day 31 late) and the initial certification
//! covers through `start + 90` at most. Each check returns findings; none fails.

use std::borrow::Cow;

use chrono::{Months, NaiveDate};
use otbill_core::{Discipline, Finding, Severity};

use crate::episode::{Episode, ReevaluationReason};
use crate::payer_rules::DatedRules;

/// What a payer rule set changes in the plan-of-care and filing checks. The default is the
/// built-in Medicare rules: a progress report every 10 treatment days, a 90-day
/// certification period, and findings citing the manual.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlanRules<'a> {
    /// The rule set in force, when one is given; its cadence and period replace the
    /// built-in ones, and its findings cite it.
    pub rules: Option<&'a DatedRules>,
}

impl PlanRules<'_> {
    fn every_visits(&self) -> Option<u32> {
        match self.rules {
            Some(r) => r.rules.progress_report.every_visits,
            None => Some(10),
        }
    }

    fn every_days(&self) -> Option<u32> {
        self.rules.and_then(|r| r.rules.progress_report.every_days)
    }

    fn recertification_days(&self) -> Option<u32> {
        match self.rules {
            Some(r) => r.rules.recertification_days,
            None => Some(90),
        }
    }

    /// The source of a finding: the rule set's field when one is given, else the built-in
    /// citation.
    fn source(&self, field: &str, builtin: &'static str) -> Cow<'static, str> {
        match self.rules {
            Some(r) => Cow::Owned(r.source_of(field)),
            None => Cow::Borrowed(builtin),
        }
    }
}

/// What the visit bills, as the rules need it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Billed {
    /// An initial evaluation line.
    pub evaluation: bool,
    /// A re-evaluation line.
    pub reevaluation: bool,
    /// Any line that is not an evaluation.
    pub treatment: bool,
    /// Units on the claim (for authorizations).
    pub units: u32,
}

/// First date the 2025 certification relief can apply (rules.md §1, §6).
pub fn relief_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or(NaiveDate::MIN)
}

fn f(
    code: &'static str,
    sev: Severity,
    msg: String,
    source: &'static str,
    carc: Option<&'static str>,
) -> Finding {
    let mut out = Finding::new(code, sev, msg, source);
    out.carc = carc.map(Cow::Borrowed);
    out
}

fn fc(
    code: &'static str,
    sev: Severity,
    msg: String,
    source: Cow<'static, str>,
    carc: Option<&'static str>,
) -> Finding {
    Finding {
        code: Cow::Borrowed(code),
        severity: sev,
        message: msg,
        source,
        carc: carc.map(Cow::Borrowed),
    }
}

const CERT_SRC: &str = "Pub. 100-02 Ch. 15 §220.1.3 (rules.md §6)";

/// Plan of care, certification, recertification, progress report and re-evaluation rules.
pub fn check_plan(
    date: NaiveDate,
    discipline: Discipline,
    ep: &Episode,
    billed: Billed,
    out: &mut Vec<Finding>,
) {
    check_plan_with(date, discipline, ep, billed, &PlanRules::default(), out);
}

/// [`check_plan`] under a payer rule set's progress-report cadence and certification
/// period.
pub fn check_plan_with(
    date: NaiveDate,
    discipline: Discipline,
    ep: &Episode,
    billed: Billed,
    rules: &PlanRules<'_>,
    out: &mut Vec<Finding>,
) {
    let Some(plan) = &ep.plan_of_care else {
        if billed.treatment {
            out.push(f("NO_PLAN_OF_CARE", Severity::Error,
                "No plan of care is recorded: treatment is payable only under a plan established by the therapist or physician/NPP".into(),
                "Pub. 100-02 Ch. 15 §220.1 (rules.md §6)", Some("50")));
        } else if billed.evaluation || billed.reevaluation {
            out.push(f("EVALUATION_ONLY_VISIT", Severity::Info,
                "Evaluation without a plan of care: the evaluation serves as the plan when it has a diagnosis, and the referral as the certification".into(),
                "Pub. 100-02 Ch. 15 §220.1 (rules.md §6, p.199)", None));
        }
        return;
    };
    if plan.discipline != discipline {
        out.push(f("PLAN_DISCIPLINE_MISMATCH", Severity::Error,
            format!("The visit is billed as {discipline:?} but the plan of care is for {:?}: each discipline has its own episode and plan", plan.discipline),
            "Pub. 100-02 Ch. 15 §220.1 (rules.md §6, episode of care)", Some("50")));
    }
    if date < plan.start {
        out.push(f(
            "VISIT_BEFORE_EPISODE",
            Severity::Error,
            format!(
                "Date of service {date} is before the episode's first treatment day {}",
                plan.start
            ),
            "episode input",
            None,
        ));
        return;
    }
    if billed.treatment && plan.established.is_some_and(|e| date < e) {
        out.push(f("TREATMENT_BEFORE_PLAN", Severity::Warning,
            format!("Treatment on {date} is before the plan of care was written ({}): payable only if the clinician who establishes the plan furnished or supervised it", plan.established.unwrap_or(date)),
            "Pub. 100-02 Ch. 15 §220.1.2 (rules.md §6)", Some("50")));
    }
    if plan.goals.is_empty() {
        out.push(f("PLAN_WITHOUT_GOALS", Severity::Warning,
            "The plan of care lists no long-term goals; a plan must state diagnoses, goals and the type, amount, duration and frequency of services".into(),
            "Pub. 100-02 Ch. 15 §220.1.2 (rules.md §6)", None));
    }
    let certified = check_certification(date, plan, out);
    if certified {
        check_recertification(date, plan, rules, out);
    }
    check_progress_report(date, ep, plan.start, rules, out);
    check_evaluations(ep, billed, out);
}

fn check_certification(
    date: NaiveDate,
    plan: &crate::episode::PlanOfCare,
    out: &mut Vec<Finding>,
) -> bool {
    let due = plan.start + chrono::Days::new(30);
    if let Some(signed) = plan.certified {
        let day = (signed - plan.start).num_days();
        if signed <= due {
            return true;
        }
        if let Some(reason) = &plan.delayed_certification_reason {
            out.push(f("CERT_DELAYED", Severity::Warning,
                format!("Certification was signed on day {day} after the first treatment (due by {due}); delayed certification is accepted with the documented reason: {reason}"),
                CERT_SRC, None));
            return true;
        }
        out.push(f("CERT_LATE", Severity::Error,
            format!("Certification was signed {signed}, day {day} after the first treatment; it had to be within 30 days (by {due}). Document the reason for a delayed certification"),
            CERT_SRC, Some("50")));
        return true;
    }
    if date >= relief_start() {
        if let (Some(_order), Some(sent)) = (plan.signed_order, plan.plan_sent_to_referrer) {
            if sent <= due {
                out.push(f("CERT_BY_ORDER_AND_PLAN", Severity::Info,
                    format!("Initial certification met by the signed order and the plan sent to the referrer on {sent} (within 30 days of the first treatment): 2025 relief"),
                    "Noridian JE certification page, 2025 relief (rules.md §1, §6)", None));
                return true;
            }
            out.push(f("CERT_RELIEF_LATE", Severity::Warning,
                format!("The plan was sent to the referrer on {sent}, after day 30 ({due}); the 2025 relief needs it within 30 days, so a signed certification is needed"),
                "Noridian JE certification page, 2025 relief (rules.md §1, §6)", None));
        }
    }
    if date <= due {
        out.push(f("CERT_PENDING", Severity::Warning,
            format!("The plan of care is not certified yet: the physician/NPP signature is due by {due} (30 days after the first treatment)"),
            CERT_SRC, None));
        return false;
    }
    if let Some(reason) = &plan.delayed_certification_reason {
        out.push(f("CERT_DELAYED", Severity::Warning,
            format!("The plan of care is still not certified (due {due}); a delayed certification is documented: {reason}"),
            CERT_SRC, None));
        return false;
    }
    out.push(f("CERT_MISSING", Severity::Error,
        format!("The plan of care was not certified within 30 days of the first treatment (due {due}) and no reason for delay is documented"),
        CERT_SRC, Some("50")));
    false
}

fn check_recertification(
    date: NaiveDate,
    plan: &crate::episode::PlanOfCare,
    rules: &PlanRules<'_>,
    out: &mut Vec<Finding>,
) {
    const SRC: &str = "Pub. 100-02 Ch. 15 §220.1.3 (rules.md §6)";
    let period = rules.recertification_days();
    let limit = period.map(|d| plan.start + chrono::Days::new(u64::from(d)));
    let covered_through = match (plan.certified_through, limit) {
        (Some(t), Some(l)) => t.min(l),
        (Some(t), None) => t,
        (None, Some(l)) => l,
        (None, None) => return,
    };
    let src = || rules.source("recertification_days", SRC);
    if date <= covered_through {
        if (covered_through - date).num_days() <= 7
            && !plan
                .recertifications
                .iter()
                .any(|r| r.through > covered_through)
        {
            out.push(fc("RECERT_SOON", Severity::Info,
                format!("The certification covers through {covered_through}: recertify before then to keep treating"),
                src(), None));
        }
        return;
    }
    let recert = plan
        .recertifications
        .iter()
        .any(|r| r.signed <= date && date <= r.through);
    if !recert {
        let period = match period {
            Some(d) => {
                format!("the plan's end or {d} days after the first treatment, whichever is sooner")
            }
            None => "the plan's end".to_owned(),
        };
        out.push(fc("RECERT_DUE", Severity::Error,
            format!("The certification ran out on {covered_through} ({period}) and no recertification covers {date}"),
            src(), Some("50")));
    }
}

fn check_progress_report(
    date: NaiveDate,
    ep: &Episode,
    start: NaiveDate,
    rules: &PlanRules<'_>,
    out: &mut Vec<Finding>,
) {
    const SRC: &str = "Pub. 100-02 Ch. 15 §220.3.D (rules.md §6)";
    if ep.progress_report_today {
        return;
    }
    let mut overdue = false;
    let mut due = None;
    if let Some(n) = rules.every_visits() {
        let day = ep.treatment_days_since_progress_report.saturating_add(1);
        let src = rules.source("progress_report.every_visits", SRC);
        if rules.rules.is_none() {
            // The built-in rule's own words.
            if day == 10 {
                due = Some(fc("PROGRESS_REPORT_DUE", Severity::Warning,
                    "This is the 10th treatment day of the reporting period: a progress report is due today".into(),
                    src, None));
            } else if day > 10 {
                overdue = true;
                out.push(fc("PROGRESS_REPORT_OVERDUE", Severity::Error,
                    format!("Treatment day {day} without a progress report: one is required at least once every 10 treatment days"),
                    src, Some("50")));
            }
        } else if day == n {
            due = Some(fc("PROGRESS_REPORT_DUE", Severity::Warning,
                format!("This is treatment day {day} of the reporting period: the payer requires a progress report every {n} treatment days, so one is due today"),
                src, None));
        } else if day > n {
            overdue = true;
            out.push(fc("PROGRESS_REPORT_OVERDUE", Severity::Error,
                format!("Treatment day {day} without a progress report: the payer requires one at least every {n} treatment days"),
                src, Some("50")));
        }
    }
    if let Some(n) = rules.every_days() {
        let since = ep.last_progress_report.unwrap_or(start);
        let what = if ep.last_progress_report.is_some() {
            "the last progress report"
        } else {
            "the episode's first treatment day (no progress report yet)"
        };
        let days = (date - since).num_days();
        let src = || rules.source("progress_report.every_days", SRC);
        if days > i64::from(n) {
            overdue = true;
            out.push(fc("PROGRESS_REPORT_OVERDUE", Severity::Error,
                format!("{days} days since {what} ({since}): the payer requires a progress report at least every {n} days"),
                src(), Some("50")));
        } else if days >= 0 && days >= i64::from(n.saturating_sub(7)) && due.is_none() {
            let by = since + chrono::Days::new(u64::from(n));
            due = Some(fc("PROGRESS_REPORT_DUE", Severity::Warning,
                format!("{days} days since {what} ({since}): the payer requires a progress report every {n} days, so one is due by {by}"),
                src(), None));
        }
    }
    if let (false, Some(d)) = (overdue, due) {
        out.push(d);
    }
}

fn check_evaluations(ep: &Episode, billed: Billed, out: &mut Vec<Finding>) {
    if billed.reevaluation {
        match ep.reevaluation_reason {
            None | Some(ReevaluationReason::Routine) => out.push(f("REEVAL_NOT_INDICATED", Severity::Error,
                "A re-evaluation is separately payable only for new clinical findings, a significant unexpected change, failure to respond to the plan, or before a planned discharge; routine or scheduled re-evaluations and progress reporting are not billable".into(),
                "Pub. 100-02 Ch. 15 §220.3.C (rules.md §6)", Some("50"))),
            Some(_) => {}
        }
        if ep.prior_evaluations.is_empty() {
            out.push(f(
                "REEVAL_WITHOUT_EVALUATION",
                Severity::Warning,
                "A re-evaluation is billed but no earlier evaluation is recorded in this episode"
                    .into(),
                "Pub. 100-02 Ch. 15 §220.3.C (rules.md §6)",
                None,
            ));
        }
    }
    if billed.evaluation && !ep.prior_evaluations.is_empty() {
        out.push(f("EVAL_REPEATED_IN_EPISODE", Severity::Warning,
            "An initial evaluation is billed but the episode already has an evaluation: a later one is a re-evaluation, billable only when indicated".into(),
            "Pub. 100-02 Ch. 15 §220.3.C (rules.md §6)", Some("50")));
    }
}

/// The last day a claim for `date` may be filed: 12 months later, Feb 29 → Feb 28.
pub fn filing_deadline(date: NaiveDate) -> NaiveDate {
    date.checked_add_months(Months::new(12))
        .unwrap_or(NaiveDate::MAX)
}

/// Timely filing (42 CFR 424.44; rules.md §9.1).
pub fn check_timely_filing(date: NaiveDate, filing: NaiveDate, out: &mut Vec<Finding>) {
    let deadline = filing_deadline(date);
    if filing > deadline {
        out.push(f("TIMELY_FILING_EXPIRED", Severity::Error,
            format!("Filed {filing}, after the deadline {deadline} (12 months after the date of service): Medicare denies with CO-29 and N211, no appeal rights"),
            "42 CFR 424.44 (rules.md §9.1)", Some("29")));
    } else if (deadline - filing).num_days() <= 30 {
        out.push(f(
            "TIMELY_FILING_SOON",
            Severity::Warning,
            format!("The filing deadline is {deadline}: submit now"),
            "42 CFR 424.44 (rules.md §9.1)",
            None,
        ));
    }
}

/// Timely filing under a payer rule set's `timely_filing_days`: the deadline is that many
/// days after the date of service; `source` is the rule set's. It warns in the last 30
/// days before the deadline (the last third of the limit, when that is shorter).
pub fn check_timely_filing_days(
    date: NaiveDate,
    filing: NaiveDate,
    days: u32,
    source: &str,
    out: &mut Vec<Finding>,
) {
    let deadline = date
        .checked_add_days(chrono::Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX);
    if filing > deadline {
        out.push(fc("TIMELY_FILING_EXPIRED", Severity::Error,
            format!("Filed {filing}, after the deadline {deadline} ({days} days after the date of service, the payer's timely filing limit): the payer denies with CO-29"),
            Cow::Owned(source.to_owned()), Some("29")));
    } else if (deadline - filing).num_days() <= 30.min(i64::from(days) / 3) {
        out.push(fc(
            "TIMELY_FILING_SOON",
            Severity::Warning,
            format!("The filing deadline is {deadline} ({days} days after the date of service): submit now"),
            Cow::Owned(source.to_owned()),
            None,
        ));
    }
}

/// A commercial payer's authorization: expiry, visits and units left.
pub fn check_authorization(date: NaiveDate, ep: &Episode, billed: Billed, out: &mut Vec<Finding>) {
    let Some(auth) = &ep.authorization else {
        return;
    };
    const SRC: &str = "payer authorization (episode input)";
    if let Some(exp) = auth.expires {
        if date > exp {
            out.push(f(
                "AUTH_EXPIRED",
                Severity::Error,
                format!("The authorization expired on {exp}, before this visit"),
                SRC,
                Some("197"),
            ));
        }
    }
    if auth.visits_remaining == Some(0) {
        out.push(f(
            "AUTH_NO_VISITS_LEFT",
            Severity::Error,
            "The authorization has no visits left".into(),
            SRC,
            Some("197"),
        ));
    } else if auth.visits_remaining == Some(1) {
        out.push(f(
            "AUTH_LAST_VISIT",
            Severity::Info,
            "This is the last authorized visit: request more now".into(),
            SRC,
            None,
        ));
    }
    if let Some(units) = auth.units_remaining {
        if billed.units > units {
            out.push(f(
                "AUTH_UNITS_EXCEEDED",
                Severity::Error,
                format!(
                    "The visit bills {} units but the authorization has {units} left",
                    billed.units
                ),
                SRC,
                Some("197"),
            ));
        }
    }
}
