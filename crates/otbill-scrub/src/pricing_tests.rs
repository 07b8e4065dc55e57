//! Pricing tests: rules.md §5.3 to the cent, CO, the Medicare split, and properties.

use chrono::NaiveDate;
use otbill_types::{CptCode, Money};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::pricing::{price_lines, LineToPrice, PriceContext};
use crate::rules::{builtin, RuleSet};

fn rules() -> RuleSet {
    builtin().unwrap()
}

fn m(s: &str) -> Money {
    Money::parse(s).unwrap()
}

fn ctx<'a>(rules: &'a RuleSet, medicare: bool) -> PriceContext<'a> {
    let date = NaiveDate::from_ymd_opt(2025, 6, 2).unwrap();
    let (loc, _, _) = rules.locality_for(date, "00000-00").unwrap();
    PriceContext {
        locality: loc,
        cf: rules.conversion_factors.on(date).unwrap().non_qp,
        facility: false,
        medicare,
        deductible_remaining: Decimal::ZERO,
        sequestration: true,
    }
}

fn line<'a>(rules: &'a RuleSet, code: &str, units: u32, assistant: bool) -> LineToPrice<'a> {
    let code = CptCode::parse(code).unwrap();
    let date = NaiveDate::from_ymd_opt(2025, 6, 2).unwrap();
    LineToPrice {
        code,
        units,
        rvu: rules.rvu_for(date).unwrap().0.get(code),
        assistant,
        denied: None,
    }
}

#[test]
fn mppr_worked_example_of_rules_5_3_to_the_cent() {
    let r = rules();
    let c = ctx(&r, false);
    let (lines, totals) = price_lines(
        &c,
        &[line(&r, "97530", 2, false), line(&r, "97110", 1, false)],
    );
    // 97530 unit 1 full PE, unit 2 and 97110 at 50% PE.
    assert_eq!((lines[0].full_pe_units, lines[0].reduced_pe_units), (1, 1));
    assert_eq!((lines[1].full_pe_units, lines[1].reduced_pe_units), (0, 1));
    let unit_amounts: Vec<Decimal> = lines
        .iter()
        .flat_map(|l| l.steps.iter().filter(|s| s.what.starts_with("unit with")))
        .map(|s| s.result.round_dp(2))
        .collect();
    assert_eq!(unit_amounts, [dec!(34.61), dec!(24.58), dec!(21.83)]);
    assert_eq!(lines[0].allowed, m("59.19"));
    assert_eq!(lines[1].allowed, m("21.83"));
    assert_eq!(totals.allowed, m("81.03"));
    // Without MPPR the same units would be $98.01.
    let full: Decimal =
        [dec!(1.07), dec!(1.07), dec!(0.89)].iter().sum::<Decimal>() * dec!(32.3465);
    assert_eq!(Money::new(full).round_cents(), m("98.01"));
}

#[test]
fn assistant_line_is_paid_85_percent_of_the_medicare_share() {
    let r = rules();
    let c = ctx(&r, true);
    let (lines, totals) = price_lines(&c, &[line(&r, "97530", 1, true)]);
    let l = &lines[0];
    assert_eq!(l.allowed, m("34.61"));
    // 20% coinsurance is unchanged by the reduction (cqco.md §1.7).
    assert_eq!(l.coinsurance, m("6.92"));
    // 85% of 80% = 68% of 34.610755 = 23.5353134; less 2% sequestration = 23.06.
    assert_eq!(l.assistant_reduction, m("4.15"));
    assert_eq!(l.sequestration, m("0.47"));
    assert_eq!(l.medicare_pays, m("23.06"));
    assert_eq!(totals.patient_owes, m("6.92"));
}

#[test]
fn co_inside_the_5_3_example() {
    let r = rules();
    let c = ctx(&r, true);
    let (lines, totals) = price_lines(
        &c,
        &[line(&r, "97530", 2, false), line(&r, "97110", 1, true)],
    );
    // 97110 allowed 21.8338875: Medicare 80% = 17.46711, × 85% = 14.8470435, − 2% = 14.55.
    assert_eq!(lines[1].medicare_pays, m("14.55"));
    // 97530: 59.194095 × 80% = 47.355276, − 2% = 46.41.
    assert_eq!(lines[0].medicare_pays, m("46.41"));
    assert_eq!(totals.allowed, m("81.03"));
    assert_eq!(totals.coinsurance, m("16.21"));
}

#[test]
fn deductible_comes_first_and_is_used_up_in_line_order() {
    let r = rules();
    let mut c = ctx(&r, true);
    c.deductible_remaining = dec!(40);
    let (lines, totals) = price_lines(
        &c,
        &[line(&r, "97530", 2, false), line(&r, "97110", 1, false)],
    );
    assert_eq!(lines[0].deductible, m("40.00"));
    assert_eq!(lines[1].deductible, m("0.00"));
    // (59.194095 − 40) × 20% = 3.838819
    assert_eq!(lines[0].coinsurance, m("3.84"));
    assert_eq!(totals.patient_owes, m("48.21"));
}

#[test]
fn bundled_and_invalid_codes_price_at_zero_and_skip_mppr() {
    let r = rules();
    let c = ctx(&r, true);
    let (lines, _) = price_lines(
        &c,
        &[
            line(&r, "97010", 1, false),
            line(&r, "97014", 1, false),
            line(&r, "97110", 1, false),
        ],
    );
    assert_eq!(lines[0].allowed, Money::ZERO);
    assert!(lines[0].not_payable.unwrap().contains("bundled"));
    assert!(lines[1].not_payable.unwrap().contains("not valid"));
    // 97110 is then the only MPPR unit: full PE, $28.79.
    assert_eq!(lines[2].allowed, m("28.79"));
}

#[test]
fn non_mppr_codes_keep_full_pe() {
    let r = rules();
    let c = ctx(&r, false);
    let (lines, _) = price_lines(
        &c,
        &[
            line(&r, "97129", 1, false),
            line(&r, "97530", 1, false),
            line(&r, "97110", 1, false),
        ],
    );
    assert_eq!(lines[0].allowed, m("21.67"));
    assert_eq!(lines[1].allowed, m("34.61"));
    assert_eq!(lines[2].allowed, m("21.83"));
}

#[test]
fn steps_render_their_numbers() {
    let r = rules();
    let c = ctx(&r, false);
    let (lines, _) = price_lines(&c, &[line(&r, "97530", 1, false)]);
    let json = serde_json::to_string(&lines[0].steps).unwrap();
    assert!(
        json.contains("(0.44 + 0.62 + 0.01) × 32.3465 = 34.610755"),
        "{json}"
    );
}

const CODES: [&str; 6] = ["97530", "97110", "97112", "97140", "97535", "97165"];

proptest! {
    #[test]
    fn mppr_never_raises_a_payment(units in proptest::collection::vec(0u32..5, 6)) {
        let r = rules();
        let c = ctx(&r, false);
        let lines: Vec<_> = CODES.iter().zip(&units).map(|(code, &u)| line(&r, code, u, false)).collect();
        let (priced, totals) = price_lines(&c, &lines);
        let mut unreduced = Decimal::ZERO;
        for (p, l) in priced.iter().zip(&lines) {
            let row = l.rvu.unwrap();
            let full = (row.work + row.pe_nonfacility + row.mp) * dec!(32.3465) * Decimal::from(l.units);
            prop_assert!(p.allowed_exact <= full);
            unreduced += full;
        }
        prop_assert!(totals.allowed.amount() <= Money::new(unreduced).round_cents().amount());
    }

    #[test]
    fn payment_is_monotone_in_units(units in proptest::collection::vec(0u32..5, 6), which in 0usize..6) {
        let r = rules();
        let c = ctx(&r, true);
        let lines: Vec<_> = CODES.iter().zip(&units).map(|(code, &u)| line(&r, code, u, false)).collect();
        let (_, before) = price_lines(&c, &lines);
        let mut more = lines.clone();
        more[which].units += 1;
        let (_, after) = price_lines(&c, &more);
        prop_assert!(after.allowed > before.allowed);
        prop_assert!(after.medicare_pays >= before.medicare_pays);
    }
}
