//! Checks of the coordination-of-benefits data: other payers (2320/2330), their line
//! adjudications (2430) and the TR3 balancing rules (SV102 = SVD02 + line CAS;
//! AMT*D = ΣSVD02 − claim CAS).

use super::*;

/// The 2320/2330 loops: codes, texts, sequence, and that a secondary claim has them.
pub(super) fn other_payers(claim: &Claim, acc: &mut Acc) {
    let own = claim.subscriber.payer_responsibility.as_str();
    let others = &claim.other_payers;
    // A secondary payer adjudicates after the primary: it needs the primary's loop, a
    // tertiary both earlier payers' (TR3 2320 usage note).
    match (own, others.len()) {
        ("S" | "T", 0) => acc.error(
            codes::COB_MISSING,
            format!(
                "payer_responsibility {own:?} needs other_payers (2320/2330 loops with the earlier payers' adjudication)"
            ),
        ),
        ("T", 1) => acc.warn(
            codes::COB_MISSING,
            "a tertiary claim usually reports both earlier payers in other_payers".into(),
        ),
        _ => {}
    }
    if others.len() > 10 {
        acc.error(
            codes::COB_COUNT,
            format!(
                "{} other payers; loop 2320 repeats at most 10 times",
                others.len()
            ),
        );
    }
    for (i, o) in others.iter().enumerate() {
        let field = format!("other_payers[{i}]");
        let seq = o.payer_responsibility.as_str();
        if !SBR01.contains(&seq) {
            acc.error(
                codes::COB_SEQUENCE,
                format!("{field}.payer_responsibility must be P, S, T, A-H or U"),
            );
        } else if seq == own && seq != "U" {
            acc.error(
                codes::COB_SEQUENCE,
                format!("{field}.payer_responsibility {seq:?} is the claim's own; the other payer's must differ"),
            );
        } else if seq != "U" && others[..i].iter().any(|p| p.payer_responsibility == seq) {
            acc.error(
                codes::COB_SEQUENCE,
                format!("{field}.payer_responsibility {seq:?} repeats an earlier other payer's"),
            );
        }
        acc.opt_in(&field, "group_number", o.group_number.as_ref(), 50);
        let cfi = &o.claim_filing_indicator;
        if !(1..=2).contains(&cfi.len()) || !cfi.bytes().all(|b| b.is_ascii_alphanumeric()) {
            acc.error(
                codes::CODE,
                format!(
                    "{field}.claim_filing_indicator must be a 1-2 character code such as MB or CI"
                ),
            );
        }
        adjustments(acc, &format!("{field}.adjustments"), &o.adjustments);
        if let Some(paid) = o.paid_amount {
            signed_money(acc, &format!("{field}.paid_amount"), paid);
        }
        if let Some(left) = o.remaining_patient_liability {
            money(acc, &format!("{field}.remaining_patient_liability"), left);
        }
        if let Some(moa) = &o.outpatient_adjudication {
            if moa.reimbursement_rate.is_none()
                && moa.hcpcs_payable_amount.is_none()
                && moa.remarks.is_empty()
            {
                acc.error(
                    codes::REQUIRED,
                    format!("{field}.outpatient_adjudication is empty; leave it out instead"),
                );
            }
            if moa.remarks.len() > 5 {
                acc.error(
                    codes::LENGTH,
                    format!("{field}.outpatient_adjudication.remarks: MOA holds at most 5"),
                );
            }
            for r in &moa.remarks {
                acc.text_in(&field, "outpatient_adjudication.remarks", r, 50);
            }
            if let Some(a) = moa.hcpcs_payable_amount {
                signed_money(
                    acc,
                    &format!("{field}.outpatient_adjudication.hcpcs_payable_amount"),
                    a,
                );
            }
        }
        person(acc, &format!("{field}.subscriber.name"), &o.subscriber.name);
        id_text(acc, &field, "subscriber.member_id", &o.subscriber.member_id);
        if let Some(a) = &o.subscriber.address {
            address(acc, &format!("{field}.subscriber.address"), a, false);
        }
        acc.text_in(&field, "payer.name", &o.payer.name, 60);
        id_text(acc, &field, "payer.payer_id", &o.payer.payer_id);
        acc.opt_in(
            &field,
            "payer.claim_number",
            o.payer.claim_number.as_ref(),
            50,
        );
        // The adjudication date goes in 2330B or on every 2430 line of the payer.
        let has_lines = claim.lines.iter().any(|l| {
            l.adjudications
                .iter()
                .any(|a| a.payer_id == o.payer.payer_id)
        });
        if o.paid_amount.is_some() && o.payer.adjudication_date.is_none() && !has_lines {
            acc.warn(
                codes::COB_DATE,
                format!("{field} was adjudicated (paid_amount) but has no payer.adjudication_date and no line adjudications"),
            );
        }
    }
}

/// Loop 2430 of one line: payer known, amounts, and line balancing.
pub(super) fn line_adjudications(claim: &Claim, line: &ServiceLine, acc: &mut Acc) {
    if line.adjudications.len() > 15 {
        acc.error(
            codes::COB_COUNT,
            format!(
                "{} line adjudications; loop 2430 repeats at most 15 times",
                line.adjudications.len()
            ),
        );
    }
    for (i, a) in line.adjudications.iter().enumerate() {
        let field = format!("adjudications[{i}]");
        id_text(acc, &field, "payer_id", &a.payer_id);
        if !claim
            .other_payers
            .iter()
            .any(|o| o.payer.payer_id == a.payer_id)
        {
            acc.error(
                codes::SVD_PAYER,
                format!("{field}.payer_id is not the payer_id of any other_payers entry (SVD01 must match a 2330B NM109)"),
            );
        }
        if a.modifiers.len() > 4 {
            acc.error(
                codes::MODIFIERS,
                format!(
                    "{field}: {} modifiers; SVD03 holds at most 4",
                    a.modifiers.len()
                ),
            );
        }
        signed_money(acc, &format!("{field}.paid_amount"), a.paid_amount);
        if a.paid_amount.amount().is_sign_negative() && !a.paid_amount.amount().is_zero() {
            // RFI 1583 allows it in the TR3; payers and clearinghouses reject it.
            acc.warn(
                codes::AMOUNT,
                format!("{field}.paid_amount is negative; payers usually reject a negative line paid amount"),
            );
        }
        if a.paid_units > 9_999 {
            acc.error(
                codes::UNITS,
                format!("{field}.paid_units {} is not plausible", a.paid_units),
            );
        }
        adjustments(acc, &format!("{field}.adjustments"), &a.adjustments);
        if let Some(left) = a.remaining_patient_liability {
            money(acc, &format!("{field}.remaining_patient_liability"), left);
        }
        // TR3 2430 balancing: SV102 - sum of the line's CAS amounts = SVD02.
        let adjusted: Money = a.adjustments.iter().map(|x| x.amount).sum();
        if a.paid_amount + adjusted != line.charge {
            acc.error(
                codes::LINE_BALANCE,
                format!(
                    "{field}: paid_amount {} plus adjustments {} is not the line charge {}",
                    a.paid_amount, adjusted, line.charge
                ),
            );
        }
    }
}

/// TR3 1.4.4 (RFI 524): for each other payer with line adjudications, the sum of its 2430
/// SVD02 less its 2320 claim-level CAS amounts equals its AMT*D.
pub(super) fn cob_paid(claim: &Claim, acc: &mut Acc) {
    for (i, o) in claim.other_payers.iter().enumerate() {
        let mut lines = claim
            .lines
            .iter()
            .flat_map(|l| &l.adjudications)
            .filter(|a| a.payer_id == o.payer.payer_id)
            .peekable();
        if lines.peek().is_none() {
            continue;
        }
        let line_paid: Money = lines.map(|a| a.paid_amount).sum();
        let claim_adjusted: Money = o.adjustments.iter().map(|a| a.amount).sum();
        match o.paid_amount {
            None => acc.error(
                codes::COB_PAID,
                format!("other_payers[{i}] has line adjudications but no paid_amount (AMT*D)"),
            ),
            Some(paid) if paid != line_paid - claim_adjusted => acc.error(
                codes::COB_PAID,
                format!(
                    "other_payers[{i}].paid_amount {paid} is not the line paid amounts {line_paid} less the claim-level adjustments {claim_adjusted}"
                ),
            ),
            Some(_) => {}
        }
    }
}

/// CAS group codes of the 837P map (`CR` is 4010's, still listed).
const CAS_GROUPS: [&str; 5] = ["CO", "CR", "OA", "PI", "PR"];

/// Adjustment triples: codes, amounts, and that they fit in 5 CAS segments.
pub(super) fn adjustments(acc: &mut Acc, field: &str, adjs: &[Adjustment]) {
    let mut segments = 0;
    let mut seen: Vec<&str> = Vec::new();
    for (i, a) in adjs.iter().enumerate() {
        if !CAS_GROUPS.contains(&a.group.as_str()) {
            acc.error(
                codes::CAS,
                format!(
                    "{field}[{i}].group {:?} is not CO, CR, OA, PI or PR",
                    a.group
                ),
            );
        }
        let r = a.reason.as_bytes();
        if r.is_empty() || r.len() > 5 || !r.iter().all(u8::is_ascii_alphanumeric) {
            acc.error(
                codes::CAS,
                format!("{field}[{i}].reason must be a CARC of 1 to 5 letters or digits"),
            );
        }
        signed_money(acc, &format!("{field}[{i}].amount"), a.amount);
        if !seen.contains(&a.group.as_str()) {
            seen.push(&a.group);
            let n = adjs.iter().filter(|x| x.group == a.group).count();
            segments += n.div_ceil(6);
        }
    }
    if segments > 5 {
        acc.error(
            codes::CAS,
            format!("{field} needs {segments} CAS segments (one per group code, 6 reasons each); at most 5 are allowed"),
        );
    }
}
