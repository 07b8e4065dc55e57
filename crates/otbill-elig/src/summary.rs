//! [`BenefitSummary`]: one patient's 271 reduced to the figures the scrub and the
//! patient page use (active or not, copay, coinsurance, deductible, out of pocket,
//! visit limit, prior authorization).

use crate::codes::{BenefitKind, TimePeriod};
use crate::model::{Benefit, Response271};
use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What a 271 says about one kind of service, in or out of network.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BenefitSummary {
    /// `true` when the chosen active/inactive EB is EB01 `1`..`5`, `false` for
    /// `6`..`8`; `None` when the 271 has neither.
    pub active: Option<bool>,
    /// EB05 of the chosen active benefit, else of the best benefit that has one.
    pub plan_name: Option<String>,
    /// The patient's plan begin (2100C/D DTP), else the chosen active benefit's
    /// DTP*346/356/348 or the start of its RD8 DTP*291/292.
    pub plan_begin: Option<NaiveDate>,
    /// The same for the plan end (DTP*347/357/349, end of an RD8).
    pub plan_end: Option<NaiveDate>,
    /// The `in_network` asked for.
    pub in_network: bool,
    /// EB01 `B`: EB07.
    pub copay: Option<Decimal>,
    /// EB01 `A`: EB08, a fraction (0.2 = the patient pays 20%).
    pub coinsurance: Option<Decimal>,
    /// EB01 `C` with a yearly EB06 (23 calendar year, 22 service year, 21 years,
    /// 25 contract): EB07.
    pub deductible_total: Option<Decimal>,
    /// EB01 `C` with EB06 `29` (remaining): EB07.
    pub deductible_remaining: Option<Decimal>,
    /// EB01 `G` with a yearly EB06: EB07.
    pub out_of_pocket_total: Option<Decimal>,
    /// EB01 `G` with EB06 `29`: EB07.
    pub out_of_pocket_remaining: Option<Decimal>,
    /// EB01 `F` counting visits (EB09 `VS` with EB10, or an HSD01 `VS` with HSD02)
    /// for a yearly period (EB06 or HSD05).
    pub visit_limit: Option<u32>,
    /// The same with the period `29` (remaining).
    pub visits_remaining: Option<u32>,
    /// EB11 of the best benefit that has a Y or N there.
    pub authorization_required: Option<bool>,
    /// MSG texts of every benefit that applies (matching service type or plan
    /// level, matching network), without repeats, in input order.
    pub messages: Vec<String>,
}

impl Response271 {
    /// Reduces the patient's benefits to a [`BenefitSummary`] for `service_types`
    /// (most wanted first, e.g. `["AD", "30"]`) in or out of network.
    ///
    /// How a figure is chosen, when several EB loops could give it:
    /// 1. service type: an EB whose EB03 includes `service_types[0]` beats one with
    ///    `service_types[1]`, and so on; after them come plan-level EBs (EB03 empty or
    ///    `30`); an EB for other service types only is never used;
    /// 2. network: an EB whose EB12 equals `in_network` beats one without EB12 (it
    ///    applies to both); one with the other EB12 is never used;
    /// 3. coverage level: individual (`IND`, `EMP`) beats none, which beats family
    ///    and the other levels (`FAM`, `ESP`, `ECH`...);
    /// 4. the first in the file.
    ///
    /// `active` is decided by the best-ranked EB01 `1`..`8`; when none is eligible by
    /// rule 1 or 2, any EB01 `1`..`5` in the response means active, else any
    /// `6`..`8` inactive. Figures the 271 does not give stay `None`: a deductible with
    /// no EB06 is neither a total nor a remainder.
    pub fn summary(&self, service_types: &[&str], in_network: bool) -> BenefitSummary {
        let pick = |keep: &dyn Fn(&Benefit) -> bool| -> Option<&Benefit> {
            self.benefits
                .iter()
                .enumerate()
                .filter(|(_, b)| keep(b))
                .filter_map(|(i, b)| rank(b, service_types, in_network).map(|r| (r, i, b)))
                .min_by_key(|(r, i, _)| (*r, *i))
                .map(|(_, _, b)| b)
        };
        let status = pick(&|b| b.kind.is_active() || b.kind.is_inactive());
        let active = match status {
            Some(b) => Some(b.kind.is_active()),
            None if self.benefits.iter().any(|b| b.kind.is_active()) => Some(true),
            None if self.benefits.iter().any(|b| b.kind.is_inactive()) => Some(false),
            None => None,
        };
        let plan_name = status
            .and_then(|b| b.plan_name.clone())
            .or_else(|| pick(&|b| b.plan_name.is_some()).and_then(|b| b.plan_name.clone()));
        let patient = self.dependent.as_ref().unwrap_or(&self.subscriber);
        let amount = |kind: BenefitKind, yearly: bool| {
            pick(&|b| {
                b.kind == kind
                    && b.amount.is_some()
                    && b.time_period.as_ref().is_some_and(|p| {
                        if yearly {
                            p.is_yearly()
                        } else {
                            *p == TimePeriod::Remaining
                        }
                    })
            })
            .and_then(|b| b.amount)
        };
        let visits = |yearly: bool| {
            self.benefits
                .iter()
                .enumerate()
                .filter(|(_, b)| b.kind == BenefitKind::Limitations)
                .filter_map(|(i, b)| {
                    let r = rank(b, service_types, in_network)?;
                    Some((r, i, visit_count(b, yearly)?))
                })
                .min_by_key(|(r, i, _)| (*r, *i))
                .map(|(_, _, n)| n)
        };
        let mut messages: Vec<String> = Vec::new();
        for b in &self.benefits {
            if rank(b, service_types, in_network).is_some() {
                for m in &b.messages {
                    if !messages.contains(m) {
                        messages.push(m.clone());
                    }
                }
            }
        }
        BenefitSummary {
            active,
            plan_name,
            plan_begin: patient
                .plan_begin
                .or_else(|| status.and_then(|b| benefit_date(b, &["346", "356", "348"], true))),
            plan_end: patient
                .plan_end
                .or_else(|| status.and_then(|b| benefit_date(b, &["347", "357", "349"], false))),
            in_network,
            copay: pick(&|b| b.kind == BenefitKind::CoPayment && b.amount.is_some())
                .and_then(|b| b.amount),
            coinsurance: pick(&|b| b.kind == BenefitKind::Coinsurance && b.percent.is_some())
                .and_then(|b| b.percent),
            deductible_total: amount(BenefitKind::Deductible, true),
            deductible_remaining: amount(BenefitKind::Deductible, false),
            out_of_pocket_total: amount(BenefitKind::OutOfPocket, true),
            out_of_pocket_remaining: amount(BenefitKind::OutOfPocket, false),
            visit_limit: visits(true),
            visits_remaining: visits(false),
            authorization_required: pick(&|b| b.authorization_required.is_some())
                .and_then(|b| b.authorization_required),
            messages,
        }
    }
}

/// The rank of `b` under the rules of [`Response271::summary`] (lower is better), or
/// `None` when it does not apply.
fn rank(b: &Benefit, service_types: &[&str], in_network: bool) -> Option<(usize, u8, u8)> {
    let service = match service_types
        .iter()
        .position(|t| b.service_types.iter().any(|s| s == t))
    {
        Some(i) => i,
        None if b.service_types.is_empty() || b.service_types.iter().any(|s| s == "30") => {
            service_types.len()
        }
        None => return None,
    };
    let network = match b.in_network {
        Some(n) if n == in_network => 0,
        None => 1,
        Some(_) => return None,
    };
    let level = match b.coverage_level.as_deref() {
        Some("IND" | "EMP") => 0,
        None => 1,
        Some(_) => 2,
    };
    Some((service, network, level))
}

/// The visit count of an EB*F: from EB09 `VS`/EB10 with EB06, or from an HSD with
/// HSD01 `VS`, HSD02 and HSD05 (or the EB06 when HSD05 is absent).
fn visit_count(b: &Benefit, yearly: bool) -> Option<u32> {
    let fits = |p: Option<&TimePeriod>| {
        p.is_some_and(|p| {
            if yearly {
                p.is_yearly()
            } else {
                *p == TimePeriod::Remaining
            }
        })
    };
    if b.quantity_qualifier.as_deref() == Some("VS") && fits(b.time_period.as_ref()) {
        if let Some(n) = b.quantity.and_then(whole) {
            return Some(n);
        }
    }
    b.delivery
        .iter()
        .filter(|d| d.quantity_qualifier.as_deref() == Some("VS"))
        .filter(|d| fits(d.time_period.as_ref().or(b.time_period.as_ref())))
        .find_map(|d| d.quantity.and_then(whole))
}

fn whole(d: Decimal) -> Option<u32> {
    if d.fract().is_zero() {
        d.to_u32()
    } else {
        None
    }
}

/// The first benefit DTP with one of `qualifiers` (D8), or a 291/292 RD8's start
/// (`begin`) or end.
fn benefit_date(b: &Benefit, qualifiers: &[&str], begin: bool) -> Option<NaiveDate> {
    let d8 = |v: &str| NaiveDate::parse_from_str(v, "%Y%m%d").ok();
    for q in qualifiers {
        if let Some((_, v)) = b.dates.iter().find(|(k, _)| k == q) {
            if let Some(d) = d8(v) {
                return Some(d);
            }
        }
    }
    b.dates
        .iter()
        .filter(|(k, _)| k == "291" || k == "292")
        .find_map(|(_, v)| {
            let (a, z) = v.split_once('-')?;
            d8(if begin { a } else { z })
        })
}
