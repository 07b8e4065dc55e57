//! Medicare physician fee schedule pricing for therapy lines, with the arithmetic shown.
//!
//! Per unit: `(work × work GPCI + PE × PE GPCI + MP × MP GPCI) × CF` (rules.md §5.2), the
//! date's conversion factor (non-QP by default). Therapy MPPR (§5.3): among the visit's
//! units of MULT PROC 5 codes, the one unit with the highest PE payment keeps its full PE;
//! every other such unit gets 50% of its PE. Then, in CMS's order (cqco.md §1.7): the
//! deductible, the patient's 20% coinsurance, the 15% assistant (CO/CQ) reduction of the
//! 80% Medicare share, and 2% sequestration of what Medicare pays.
//!
//! **Rounding rule:** all arithmetic is exact decimal; every amount shown is rounded to
//! cents, half away from zero, from its exact value (never from rounded parts). Rounded
//! lines can therefore differ from the rounded total by a cent: in the §5.3 example the
//! units show $34.61, $24.58 and $21.83 and the total $81.03 (exact 81.0279825).

use std::fmt::Write as _;

use otbill_types::{CptCode, Money};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::Serialize;

use crate::tables::{gpci::Locality, rvu::RvuRow};

/// The rounding rule, stated in every priced output.
pub const ROUNDING_RULE: &str = "exact decimal arithmetic; each amount shown is rounded to cents half away from zero from its exact value, so rounded lines may differ from the rounded total by a cent";

const HALF: Decimal = dec!(0.5);
const COINSURANCE: Decimal = dec!(0.20);
const MEDICARE_SHARE: Decimal = dec!(0.80);
const ASSISTANT_FACTOR: Decimal = dec!(0.85);
const SEQUESTRATION: Decimal = dec!(0.02);

/// One line to price.
#[derive(Clone, Copy, Debug)]
pub struct LineToPrice<'a> {
    /// The code.
    pub code: CptCode,
    /// Units.
    pub units: u32,
    /// The RVU row, when the code is in the file.
    pub rvu: Option<&'a RvuRow>,
    /// Whether the line carries CO or CQ (paid at 85% of the Medicare share).
    pub assistant: bool,
    /// Why the line is expected to be denied (an NCCI edit), pricing it at zero.
    pub denied: Option<&'static str>,
}

/// The context for a visit's pricing.
#[derive(Clone, Copy, Debug)]
pub struct PriceContext<'a> {
    /// Locality GPCIs.
    pub locality: &'a Locality,
    /// Conversion factor in force.
    pub cf: Decimal,
    /// Facility setting (uses the facility PE RVU).
    pub facility: bool,
    /// Apply Medicare Part B's deductible, coinsurance, CO/CQ reduction and sequestration.
    pub medicare: bool,
    /// Part B deductible the patient still owes this year.
    pub deductible_remaining: Decimal,
    /// Apply 2% sequestration.
    pub sequestration: bool,
}

/// How one arithmetic step combined its numbers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Expr {
    /// `a × b`
    Mul(Decimal, Decimal),
    /// `(a + b + c) × d`
    SumMul(Decimal, Decimal, Decimal, Decimal),
    /// `n × a + m × b`
    Units(u32, Decimal, u32, Decimal),
    /// `a − b`
    Sub(Decimal, Decimal),
    /// `min(a, b)`
    Min(Decimal, Decimal),
}

/// One step of a line's arithmetic. The text is rendered only when serialized.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// What the step computes.
    pub what: &'static str,
    /// How.
    pub expr: Expr,
    /// Exact result.
    pub result: Decimal,
}

impl Step {
    /// The arithmetic as text, e.g. `0.44 × 1.000 = 0.44`.
    pub fn arithmetic(&self) -> String {
        let mut s = String::new();
        let n = Decimal::normalize;
        let _ = match self.expr {
            Expr::Mul(a, b) => write!(s, "{} × {}", n(&a), n(&b)),
            Expr::SumMul(a, b, c, d) => {
                write!(s, "({} + {} + {}) × {}", n(&a), n(&b), n(&c), n(&d))
            }
            Expr::Units(k, a, m, b) => write!(s, "{k} × {} + {m} × {}", n(&a), n(&b)),
            Expr::Sub(a, b) => write!(s, "{} − {}", n(&a), n(&b)),
            Expr::Min(a, b) => write!(s, "min({}, {})", n(&a), n(&b)),
        };
        let _ = write!(s, " = {}", self.result.normalize());
        s
    }
}

impl Serialize for Step {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = ser.serialize_struct("Step", 3)?;
        st.serialize_field("step", self.what)?;
        st.serialize_field("arithmetic", &self.arithmetic())?;
        st.serialize_field("result", &self.result.normalize())?;
        st.end()
    }
}

/// A priced line. Amounts are rounded to cents; `steps` hold the exact figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PricedLine {
    /// The code.
    pub code: CptCode,
    /// Units.
    pub units: u32,
    /// Units paid with full PE.
    pub full_pe_units: u32,
    /// Units paid with 50% PE (therapy MPPR).
    pub reduced_pe_units: u32,
    /// Fee schedule allowed amount after MPPR.
    pub allowed: Money,
    /// Part of the allowed amount applied to the deductible (patient).
    pub deductible: Money,
    /// Patient's 20% coinsurance.
    pub coinsurance: Money,
    /// The 15% CO/CQ reduction of the Medicare share (provider write-off).
    pub assistant_reduction: Money,
    /// Sequestration (CARC 253).
    pub sequestration: Money,
    /// What Medicare pays.
    pub medicare_pays: Money,
    /// Why the line pays nothing, when it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_payable: Option<&'static str>,
    /// The arithmetic.
    pub steps: Vec<Step>,
    /// Exact allowed amount (for totals and the KX accumulator).
    #[serde(skip)]
    pub allowed_exact: Decimal,
    /// Exact amounts for totals: deductible, coinsurance, reduction, sequestration, paid.
    #[serde(skip)]
    pub exact: [Decimal; 5],
}

/// Totals of a visit.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Allowed.
    pub allowed: Money,
    /// Deductible.
    pub deductible: Money,
    /// Coinsurance.
    pub coinsurance: Money,
    /// CO/CQ reduction.
    pub assistant_reduction: Money,
    /// Sequestration.
    pub sequestration: Money,
    /// Medicare pays.
    pub medicare_pays: Money,
    /// Patient owes (deductible + coinsurance).
    pub patient_owes: Money,
}

fn cents(d: Decimal) -> Money {
    // Most amounts already have two decimals or fewer (zeros, whole dollars): skip the
    // comparatively slow rounding for them.
    if d.scale() <= 2 {
        Money::new(d)
    } else {
        Money::new(d).round_cents()
    }
}

/// Prices a visit's lines. Lines without a payable RVU row price at zero with a reason.
pub fn price_lines(ctx: &PriceContext<'_>, lines: &[LineToPrice<'_>]) -> (Vec<PricedLine>, Totals) {
    let loc = ctx.locality;
    let pe_of = |r: &RvuRow| {
        if ctx.facility {
            r.pe_facility
        } else {
            r.pe_nonfacility
        }
    };

    // The one MPPR unit with the highest PE payment (first such line wins ties).
    let mut top: Option<(usize, Decimal)> = None;
    for (i, l) in lines.iter().enumerate() {
        if let Some(r) = l
            .rvu
            .filter(|r| r.payable() && r.mppr() && l.units > 0 && l.denied.is_none())
        {
            let pe_pay = pe_of(r) * loc.pe * ctx.cf;
            if top.is_none_or(|(_, best)| pe_pay > best) {
                top = Some((i, pe_pay));
            }
        }
    }

    let mut deductible_left = ctx.deductible_remaining;
    let mut out = Vec::with_capacity(lines.len());
    let mut sums = [Decimal::ZERO; 6];
    for (i, l) in lines.iter().enumerate() {
        let mut steps = Vec::with_capacity(12);
        let (allowed, full, reduced, not_payable) = match l.rvu {
            _ if l.denied.is_some() => (Decimal::ZERO, 0, 0, l.denied),
            None => (Decimal::ZERO, 0, 0, Some("not in the loaded RVU file")),
            Some(r) if !r.payable() => (
                Decimal::ZERO,
                0,
                0,
                Some(match r.status {
                    'B' => "bundled (PFS status B): never paid separately",
                    'I' => "not valid for Medicare (PFS status I)",
                    'N' => "non-covered (PFS status N)",
                    _ => "PFS status not payable",
                }),
            ),
            Some(r) => {
                let pe_rvu = pe_of(r);
                let work = r.work * loc.work;
                let pe = pe_rvu * loc.pe;
                let mp = r.mp * loc.mp;
                steps.push(step(
                    "work RVU × work GPCI",
                    Expr::Mul(r.work, loc.work),
                    work,
                ));
                steps.push(step(
                    if ctx.facility {
                        "facility PE RVU × PE GPCI"
                    } else {
                        "non-facility PE RVU × PE GPCI"
                    },
                    Expr::Mul(pe_rvu, loc.pe),
                    pe,
                ));
                steps.push(step("MP RVU × MP GPCI", Expr::Mul(r.mp, loc.mp), mp));
                let unit_full = (work + pe + mp) * ctx.cf;
                let (full, reduced) = if r.mppr() {
                    let full = u32::from(top.is_some_and(|(t, _)| t == i));
                    (full, l.units - full.min(l.units))
                } else {
                    (l.units, 0)
                };
                if full > 0 {
                    steps.push(step(
                        "unit with full PE: (work + PE + MP) × CF",
                        Expr::SumMul(work, pe, mp, ctx.cf),
                        unit_full,
                    ));
                }
                let mut unit_reduced = Decimal::ZERO;
                if reduced > 0 {
                    let pe_half = pe * HALF;
                    steps.push(step("therapy MPPR: PE × 50%", Expr::Mul(pe, HALF), pe_half));
                    unit_reduced = (work + pe_half + mp) * ctx.cf;
                    steps.push(step(
                        "unit with 50% PE: (work + PE × 50% + MP) × CF",
                        Expr::SumMul(work, pe_half, mp, ctx.cf),
                        unit_reduced,
                    ));
                }
                let allowed =
                    Decimal::from(full) * unit_full + Decimal::from(reduced) * unit_reduced;
                steps.push(step(
                    "allowed: full-PE units × amount + reduced units × amount",
                    Expr::Units(full, unit_full, reduced, unit_reduced),
                    allowed,
                ));
                (allowed, full, reduced, None)
            }
        };

        let mut exact = [Decimal::ZERO; 5];
        if ctx.medicare && allowed > Decimal::ZERO {
            let ded = allowed.min(deductible_left);
            steps.push(step(
                "Part B deductible applied",
                Expr::Min(allowed, deductible_left),
                ded,
            ));
            deductible_left -= ded;
            let after = allowed - ded;
            if ded > Decimal::ZERO {
                steps.push(step(
                    "allowed after deductible",
                    Expr::Sub(allowed, ded),
                    after,
                ));
            }
            let coins = after * COINSURANCE;
            steps.push(step(
                "patient coinsurance 20%",
                Expr::Mul(after, COINSURANCE),
                coins,
            ));
            let mut share = after * MEDICARE_SHARE;
            steps.push(step(
                "Medicare share 80%",
                Expr::Mul(after, MEDICARE_SHARE),
                share,
            ));
            let mut reduction = Decimal::ZERO;
            if l.assistant {
                let reduced_share = share * ASSISTANT_FACTOR;
                steps.push(step(
                    "CO/CQ: 85% of the Medicare share",
                    Expr::Mul(share, ASSISTANT_FACTOR),
                    reduced_share,
                ));
                reduction = share - reduced_share;
                share = reduced_share;
            }
            let seq = if ctx.sequestration {
                share * SEQUESTRATION
            } else {
                Decimal::ZERO
            };
            if ctx.sequestration {
                steps.push(step(
                    "sequestration 2%",
                    Expr::Mul(share, SEQUESTRATION),
                    seq,
                ));
            }
            let pays = share - seq;
            steps.push(step("Medicare pays", Expr::Sub(share, seq), pays));
            exact = [ded, coins, reduction, seq, pays];
        }
        sums[0] += allowed;
        for k in 0..5 {
            sums[k + 1] += exact[k];
        }
        out.push(PricedLine {
            code: l.code,
            units: l.units,
            full_pe_units: full,
            reduced_pe_units: reduced,
            allowed: cents(allowed),
            deductible: cents(exact[0]),
            coinsurance: cents(exact[1]),
            assistant_reduction: cents(exact[2]),
            sequestration: cents(exact[3]),
            medicare_pays: cents(exact[4]),
            not_payable,
            steps,
            allowed_exact: allowed,
            exact,
        });
    }
    let totals = Totals {
        allowed: cents(sums[0]),
        deductible: cents(sums[1]),
        coinsurance: cents(sums[2]),
        assistant_reduction: cents(sums[3]),
        sequestration: cents(sums[4]),
        medicare_pays: cents(sums[5]),
        patient_owes: cents(sums[1] + sums[2]),
    };
    (out, totals)
}

#[inline]
fn step(what: &'static str, expr: Expr, result: Decimal) -> Step {
    Step { what, expr, result }
}
