//! Scrubbing one visit: code it (otbill-core), run the edits, price it, apply KX, check
//! the documentation rules, and collect every finding.

use std::borrow::Cow;

use chrono::NaiveDate;
use otbill_core::{
    code_visit, Catalog, CodedVisit, Discipline, Dropped, Finding, InputError, LookupError,
    PayerProfile, Payers, ServiceInput, Severity, Visit, VisitInput,
};
use otbill_types::{CptCode, Modifier, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::documentation::{self, Billed, PlanRules};
use crate::edits::{self, Distinct, EditContext, EditLine, EditPolicy};
use crate::episode::Episode;
use crate::estimate::{estimate_share, ShareEstimate};
use crate::evaluation::{self, EvalSuggestion};
use crate::fees::CfKind;
use crate::kx::{self, KxInput, KxOutcome};
use crate::payer_checks;
use crate::payer_rules::DatedRules;
use crate::pricing::{price_lines, LineToPrice, PriceContext, PricedLine, Totals, ROUNDING_RULE};
use crate::tables::gpci::Locality;
use crate::RuleSet;

/// The national locality key (all GPCIs 1.000).
pub const NATIONAL: &str = "00000-00";

/// Claim-level options.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimOptions {
    /// GPCI locality as `MAC-NN` (e.g. `01112-05`) or its name; national when absent.
    #[serde(default)]
    pub locality: Option<String>,
    /// Facility setting (facility PE RVUs).
    #[serde(default)]
    pub facility: bool,
    /// Which conversion factor (non-QP by default).
    #[serde(default)]
    pub conversion_factor: CfKind,
    /// The date the claim will be filed, for timely filing.
    #[serde(default)]
    pub filing_date: Option<NaiveDate>,
    /// Apply 2% sequestration (default true).
    #[serde(default)]
    pub sequestration: Option<bool>,
    /// Records that services were distinct, for NCCI modifiers.
    #[serde(default)]
    pub distinct: Vec<Distinct>,
}

/// One scrub request: the visit as documented, its episode, and claim options.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScrubInput<'a> {
    /// The visit, as `otbill code` takes it.
    #[serde(borrow)]
    pub visit: VisitInput<'a>,
    /// The episode of care.
    #[serde(default)]
    pub episode: Episode,
    /// Claim options.
    #[serde(default)]
    pub claim: ClaimOptions,
    /// The claim's payer's rule set in force on the date of service (the caller picks it
    /// with [`crate::payer_rules::rules_on`]); the profile's and the built-in rules when
    /// absent.
    #[serde(default)]
    pub payer_rules: Option<DatedRules>,
}

/// A scrubbed, priced claim line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScrubbedLine {
    /// Modifiers after the scrub (KX, GA or a justified 59/X may have been added).
    pub modifiers: otbill_core::Modifiers,
    /// Minutes behind the line.
    pub minutes: u32,
    /// Why the coding engine chose these units and modifiers.
    #[serde(skip_serializing_if = "smallvec::SmallVec::is_empty")]
    pub why: otbill_core::Reasons,
    /// Price and arithmetic.
    #[serde(flatten)]
    pub price: PricedLine,
}

/// The tables a scrub used, with their labels (SAMPLE ones say so).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TablesUsed {
    /// NCCI PTP table.
    pub ptp: Option<String>,
    /// MUE table.
    pub mue: Option<String>,
    /// RVU file.
    pub rvu: Option<String>,
    /// GPCI file and locality.
    pub gpci: Option<String>,
    /// Conversion factor and its source.
    pub conversion_factor: Option<String>,
}

/// Pricing parameters echoed in the output.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PricingInfo {
    /// Locality key and name.
    pub locality: String,
    /// Conversion factor used.
    pub conversion_factor: Option<Decimal>,
    /// Which factor.
    pub conversion_factor_kind: CfKind,
    /// Medicare Part B split applied (deductible, coinsurance, sequestration).
    pub medicare_split: bool,
    /// The rounding rule.
    pub rounding: &'static str,
}

/// The scrub result: the public JSON of `otbill scrub`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scrubbed {
    /// Caller's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<std::sync::Arc<str>>,
    /// Date of service.
    pub date: NaiveDate,
    /// Payer profile id.
    pub payer: std::sync::Arc<str>,
    /// Discipline.
    pub discipline: Discipline,
    /// True when an error finding blocks the claim.
    pub blocked: bool,
    /// Lines, in claim order.
    pub lines: Vec<ScrubbedLine>,
    /// Documented services that earned no unit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<Dropped>,
    /// Totals.
    pub totals: Totals,
    /// Pricing parameters.
    pub pricing: PricingInfo,
    /// The KX decision, for Medicare.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kx: Option<KxOutcome>,
    /// The evaluation level the documented components support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<EvalSuggestion>,
    /// Tables used.
    pub tables: TablesUsed,
    /// Everything found, coding engine's findings first.
    pub findings: Vec<Finding>,
    /// The patient's share of the allowed total, when the episode has eligibility
    /// benefits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<ShareEstimate>,
}

/// Everything a scrub consults besides the visit.
#[derive(Clone, Copy)]
pub struct Engine<'a> {
    /// Code catalog.
    pub catalog: &'a Catalog,
    /// Payer profiles.
    pub payers: &'a Payers,
    /// Rule tables.
    pub rules: &'a RuleSet,
}

/// Whether Medicare Part B rules (KX, coinsurance, sequestration) apply to a payer.
pub fn is_medicare(p: &PayerProfile) -> bool {
    p.kind == otbill_core::PayerKind::Medicare
}

/// Scrubs a documented visit: codes it, then [`scrub_coded`]. Codes that are deleted or not
/// valid on the date become findings and are left out rather than failing the request.
pub fn scrub(engine: &Engine<'_>, input: &ScrubInput<'_>) -> Result<Scrubbed, InputError> {
    let v = &input.visit;
    let mut early = Vec::new();
    let mut services = Vec::with_capacity(v.services.len());
    for (i, s) in v.services.iter().enumerate() {
        let dead =
            CptCode::parse(&s.code)
                .ok()
                .and_then(|c| match engine.catalog.lookup(c, v.date) {
                    Err(e @ (LookupError::Deleted { .. } | LookupError::NotOnDate { .. })) => {
                        Some(e)
                    }
                    _ => None,
                });
        if let Some(e) = dead {
            let mut f = Finding::new("CODE_NOT_VALID_ON_DATE", Severity::Error,
                format!("services[{i}]: {e}; the service was left out of the claim (payers deny with CO-16 and M51)"),
                "code catalog (data/codes)");
            f.carc = Some(Cow::Borrowed("16"));
            early.push(f);
        } else {
            services.push(ServiceInput {
                code: s.code.clone(),
                minutes: s.minutes,
                assistant_minutes: s.assistant_minutes,
            });
        }
    }
    if services.is_empty() && !early.is_empty() {
        return Err(InputError::new(
            "services",
            early
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        ));
    }
    let filtered = VisitInput {
        id: v.id.clone(),
        date: v.date,
        payer: v.payer.clone(),
        discipline: v.discipline,
        services,
    };
    // A rule set's unit method (and discipline modifier) code the visit.
    let ruled = input
        .payer_rules
        .as_ref()
        .zip(engine.payers.get(&filtered.payer))
        .map(|(r, p)| r.rules.coding_profile(p));
    let mut visit = Visit::resolve(&filtered, engine.catalog, engine.payers)?;
    let profile = visit.payer;
    if let Some(p) = &ruled {
        visit.payer = p;
    }
    let mut coded = code_visit(&visit);
    coded.findings.splice(0..0, early);
    Ok(scrub_coded(
        engine,
        profile,
        coded,
        &input.episode,
        &input.claim,
        input.payer_rules.as_ref(),
    ))
}

/// Scrubs and prices an already coded visit. Never fails: everything is a finding.
///
/// `payer_rules` is the claim's payer's rule set in force on the date of service, when
/// there is one: the visit should have been coded with
/// [`PayerRules::coding_profile`](crate::payer_rules::PayerRules::coding_profile) (a
/// warning says so when its unit method differs), and its limits, cadence, filing days and
/// modifier rules replace the built-in ones, each finding citing the rule set.
pub fn scrub_coded(
    engine: &Engine<'_>,
    payer: &PayerProfile,
    coded: CodedVisit,
    episode: &Episode,
    claim: &ClaimOptions,
    payer_rules: Option<&DatedRules>,
) -> Scrubbed {
    let rules = engine.rules;
    let date = coded.date;
    let medicare = is_medicare(payer);
    let mut findings = coded.findings;
    let mut tables = TablesUsed::default();
    let ruled_profile = payer_rules.map(|r| r.rules.coding_profile(payer));
    let payer = ruled_profile.as_ref().unwrap_or(payer);
    let mut coded_lines = coded.lines;
    let mut dropped = coded.dropped;
    if let Some(r) = payer_rules {
        findings.push(Finding {
            code: Cow::Borrowed("PAYER_RULES_APPLIED"),
            severity: Severity::Info,
            message: format!(
                "The rule set of payer {} effective {} applies to this date of service",
                r.payer, r.effective
            ),
            source: Cow::Owned(r.source_of("rule set")),
            carc: None,
        });
        if coded.unit_method != r.rules.unit_method {
            findings.push(Finding {
                code: Cow::Borrowed("PAYER_RULES_UNIT_METHOD_NOT_APPLIED"),
                severity: Severity::Warning,
                message: format!(
                    "The visit was coded with {:?} but the payer's rule set says {:?}: code it again with the rule set's coding profile",
                    coded.unit_method, r.rules.unit_method
                ),
                source: Cow::Owned(r.source_of("unit_method")),
                carc: None,
            });
        }
        payer_checks::cut_units(
            r,
            engine.catalog,
            date,
            &mut coded_lines,
            &mut dropped,
            &mut findings,
        );
    }

    // Which tables: warn whenever no real NCCI table covers the date.
    let ptp = rules.ptp_for(date);
    let mue = rules.mue_for(date);
    tables.ptp = ptp.table.map(|t| t.describe().to_owned());
    tables.mue = mue.table.map(|t| t.describe().to_owned());
    for (what, real, used) in [
        ("PTP", ptp.real, &tables.ptp),
        ("MUE", mue.real, &tables.mue),
    ] {
        if !real {
            // Built without the formatting machinery: this runs on most scrubs.
            let msg = match used {
                Some(label) => ["No real NCCI ", what, " table is loaded for this date of service: edits were checked against ", label.as_str(), ", synthetic rows that are not CMS's; load the quarter's CMS file (otbill data import)"].concat(),
                None => ["No NCCI ", what, " table is loaded for this date of service: ", what, " edits were not checked"].concat(),
            };
            findings.push(Finding::new(
                if what == "PTP" {
                    "NCCI_PTP_NOT_REAL"
                } else {
                    "NCCI_MUE_NOT_REAL"
                },
                Severity::Warning,
                msg,
                "rules.md §8 (load CMS's quarterly files)",
            ));
        }
    }
    let rvu = rules.rvu_for(date);
    match rvu {
        None => findings.push(Finding::new("RVU_MISSING", Severity::Error, "No RVU file is loaded: the visit cannot be priced".to_owned(), "PPRRVU (rules.md §5.5)")),
        Some((t, false)) => findings.push(Finding {
            code: Cow::Borrowed("RVU_YEAR_FALLBACK"),
            severity: Severity::Warning,
            message: format!("No RVU file for {} is loaded: priced with the {} RVUs ({}); load the year's PPRRVU file", chrono::Datelike::year(&date), t.year(), t.source().label),
            source: Cow::Borrowed("PPRRVU (rules.md §5.4-5.5)"),
            carc: None,
        }),
        Some(_) => {}
    }
    let rvu_table = rvu.map(|(t, _)| t);
    tables.rvu = rvu_table.map(|t| t.describe().to_owned());

    // Edits.
    let mut lines: Vec<EditLine> = coded_lines
        .iter_mut()
        .map(|l| EditLine {
            code: l.code,
            units: l.units,
            modifiers: std::mem::take(&mut l.modifiers),
            denied: None,
        })
        .collect();
    let ctx = EditContext {
        date,
        discipline: coded.discipline,
        payer,
        medicare,
        catalog: engine.catalog,
        ptp: ptp.table,
        mue: mue.table,
        rvu: rvu_table,
        distinct: &claim.distinct,
    };
    let distinct_source = payer_rules.map(|r| r.source_of("modifiers.distinct"));
    let policy = EditPolicy {
        distinct: payer_rules
            .zip(distinct_source.as_deref())
            .map(|(r, src)| (r.rules.modifiers.distinct, src)),
    };
    if let Some(r) = payer_rules {
        payer_checks::discipline_always(r, coded.discipline, &mut lines, &mut findings);
    }
    edits::check_with(&ctx, &policy, &mut lines, &mut findings);
    if let Some(r) = payer_rules {
        payer_checks::units_per_day(r, &mut lines, &mut findings);
    }

    // Pricing.
    let key = claim.locality.as_deref().unwrap_or(NATIONAL);
    let national;
    let locality = match rules.locality_for(date, key) {
        Some((loc, gpci, covered)) => {
            tables.gpci = Some(gpci.describe().to_owned());
            if gpci.source().sample && loc.key() != NATIONAL {
                findings.push(Finding::new("GPCI_SAMPLE", Severity::Warning, format!("Locality {} comes from a SAMPLE GPCI file: prices are illustrative; load CMS's GPCI file", loc.key()), "GPCI (rules.md §5.2)"));
            } else if !covered {
                findings.push(Finding::new(
                    "GPCI_NOT_FOR_DATE",
                    Severity::Warning,
                    format!("No GPCI file covers {date}: used {}", gpci.describe()),
                    "GPCI (rules.md §5.2)",
                ));
            }
            loc
        }
        None => {
            if key != NATIONAL {
                findings.push(Finding::new("LOCALITY_UNKNOWN", Severity::Warning, format!("Locality {key:?} is not in any loaded GPCI file: priced at national GPCIs (1.000)"), "GPCI (rules.md §5.2)"));
            }
            national = Locality {
                key: NATIONAL.into(),
                mac: "00000".into(),
                state: "US".into(),
                number: "00".into(),
                name: "NATIONAL".into(),
                work: Decimal::ONE,
                pe: Decimal::ONE,
                mp: Decimal::ONE,
                line: 0,
            };
            &national
        }
    };
    let cf = rules.conversion_factors.on(date);
    if let Some(cf) = cf {
        tables.conversion_factor = Some(cf.source.clone());
    } else {
        findings.push(Finding::new(
            "CONVERSION_FACTOR_MISSING",
            Severity::Error,
            format!("No conversion factor is loaded for {date}"),
            "data/fees/conversion-factors.toml (rules.md §5.1)",
        ));
    }
    let cf_amount = cf.map(|c| c.amount(claim.conversion_factor));
    let to_price: Vec<LineToPrice<'_>> = lines
        .iter()
        .map(|l| LineToPrice {
            code: l.code,
            units: l.units,
            rvu: rvu_table.and_then(|t| t.get(l.code)),
            assistant: l.modifiers.contains(&Modifier::CO) || l.modifiers.contains(&Modifier::CQ),
            denied: l.denied.or(if cf_amount.is_none() {
                Some("no conversion factor loaded")
            } else {
                None
            }),
        })
        .collect();
    let pctx = PriceContext {
        locality,
        cf: cf_amount.unwrap_or(Decimal::ZERO),
        facility: claim.facility,
        medicare,
        deductible_remaining: episode.deductible_remaining.amount(),
        sequestration: claim.sequestration.unwrap_or(true),
    };
    let (priced, totals) = price_lines(&pctx, &to_price);
    if !medicare {
        findings.push(Finding::new("PRICE_IS_MEDICARE_REFERENCE", Severity::Info, format!("{} is not Medicare: amounts are the Medicare fee schedule, for reference; the contract rate decides payment", payer.name), "payer profile"));
    }

    // KX: Medicare's, unless a rule set turns it on or off.
    let mut kx_outcome = None;
    let kx_on = payer_rules.map_or(medicare, |r| r.rules.modifiers.kx);
    if let Some(r) = payer_rules.filter(|_| medicare && !kx_on) {
        findings.push(Finding {
            code: Cow::Borrowed("PAYER_KX_OFF"),
            severity: Severity::Info,
            message: "The payer's rule set turns the KX threshold logic off: no KX or GA is added"
                .to_owned(),
            source: Cow::Owned(r.source_of("modifiers.kx")),
            carc: None,
        });
    }
    if kx_on {
        match rules.kx.for_date(date) {
            Some(year) => {
                let (ytd, threshold, acc) = match coded.discipline {
                    Discipline::Ot => (episode.year_to_date.ot, year.ot, "OT"),
                    _ => (episode.year_to_date.pt_slp, year.pt_slp, "PT+SLP"),
                };
                let input = KxInput {
                    year_to_date: ytd.amount(),
                    threshold,
                    targeted_review: rules.kx.targeted_review,
                    medical_necessity_documented: episode.medical_necessity_documented,
                    abn_on_file: episode.abn_on_file,
                    accumulator: acc,
                };
                let mut kx_lines: Vec<(CptCode, Decimal, &mut otbill_core::Modifiers)> = lines
                    .iter_mut()
                    .zip(&priced)
                    .map(|(l, p)| (l.code, p.allowed_exact, &mut l.modifiers))
                    .collect();
                kx_outcome = Some(kx::check(&input, &mut kx_lines, &mut findings));
            }
            None => findings.push(Finding::new(
                "KX_THRESHOLD_UNKNOWN",
                Severity::Warning,
                format!(
                    "No KX threshold is loaded for {}",
                    chrono::Datelike::year(&date)
                ),
                "data/kx/thresholds.toml (rules.md §4)",
            )),
        }
    }

    // Documentation, evaluation level, filing, authorization.
    let mut billed = Billed::default();
    let mut billed_eval: Option<CptCode> = None;
    for l in &lines {
        billed.units += l.units;
        match engine.catalog.lookup(l.code, date) {
            Ok(d) if d.reevaluation => billed.reevaluation = true,
            Ok(d) if d.evaluation => {
                billed.evaluation = true;
                billed_eval.get_or_insert(l.code);
            }
            _ => billed.treatment = true,
        }
    }
    documentation::check_plan_with(
        date,
        coded.discipline,
        episode,
        billed,
        &PlanRules { rules: payer_rules },
        &mut findings,
    );
    if let Some(f) = claim.filing_date {
        match payer_rules {
            Some(r) => documentation::check_timely_filing_days(
                date,
                f,
                r.rules.timely_filing_days,
                &r.source_of("timely_filing_days"),
                &mut findings,
            ),
            None => documentation::check_timely_filing(date, f, &mut findings),
        }
    }
    documentation::check_authorization(date, episode, billed, &mut findings);
    if let Some(r) = payer_rules {
        payer_checks::visit_limit(r, date, episode, &mut findings);
        payer_checks::authorization(r, episode, billed, &mut findings);
    }
    if let Some(b) = &episode.benefits {
        crate::benefits::check(b, episode.authorization.is_some(), &mut findings);
    }
    let estimate = episode
        .benefits
        .as_ref()
        .map(|b| estimate_share(totals.allowed, b));
    let evaluation = episode
        .evaluation
        .as_ref()
        .and_then(|c| evaluation::check(c, billed_eval, &mut findings));

    let out_lines = coded_lines
        .into_iter()
        .zip(lines)
        .zip(priced)
        .map(|((coded_line, edit_line), price)| ScrubbedLine {
            modifiers: edit_line.modifiers,
            minutes: coded_line.minutes,
            why: coded_line.why,
            price,
        })
        .collect();
    Scrubbed {
        id: coded.id,
        date,
        payer: coded.payer,
        discipline: coded.discipline,
        blocked: findings.iter().any(|f| f.severity == Severity::Error),
        lines: out_lines,
        dropped,
        totals,
        pricing: PricingInfo {
            locality: locality.key.clone(),
            conversion_factor: cf_amount,
            conversion_factor_kind: claim.conversion_factor,
            medicare_split: medicare,
            rounding: ROUNDING_RULE,
        },
        kx: kx_outcome,
        evaluation,
        tables,
        findings,
        estimate,
    }
}

/// The money a visit would add to the KX accumulator (its allowed total), for callers
/// that keep year-to-date amounts across visits.
pub fn allowed_total(s: &Scrubbed) -> Money {
    s.totals.allowed
}
