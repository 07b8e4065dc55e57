//! The coordination-of-benefits loops of a claim: 2320 (other subscriber information),
//! 2330A/2330B (the other subscriber and payer) and 2430 (line adjudication), read into
//! `Claim::other_payers` and `ServiceLine::adjudications`.

use super::*;

impl State {
    /// SBR inside a claim: a 2320 other-subscriber loop begins.
    pub(super) fn other_sbr(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        self.end_other();
        if self.line.is_some() {
            self.error(codes::STRUCTURE, "SBR (2320) after the service lines", pos);
            return;
        }
        self.ctx = Ctx::Other;
        let rel = seg.str(2);
        let patient_relationship = if rel == "18" {
            None
        } else {
            let r = Relationship::from_code(rel);
            if r.is_none() {
                self.bad_value(
                    format!("2320 SBR02 {rel:?} is not a relationship code"),
                    pos,
                );
            }
            r
        };
        let empty = PersonName {
            last: String::new(),
            first: String::new(),
            middle: None,
        };
        self.other = Some(OtherDraft {
            other: OtherPayer {
                payer_responsibility: seg.str(1).to_owned(),
                patient_relationship,
                group_number: opt(seg.str(3)),
                claim_filing_indicator: seg.str(9).to_owned(),
                adjustments: Vec::new(),
                paid_amount: None,
                remaining_patient_liability: None,
                benefits_assigned: true,
                release_of_information: true,
                outpatient_adjudication: None,
                subscriber: OtherSubscriber {
                    name: empty,
                    member_id: String::new(),
                    address: None,
                },
                payer: OtherPayerName {
                    name: String::new(),
                    payer_id: String::new(),
                    adjudication_date: None,
                    claim_number: None,
                },
            },
            subscriber_seen: false,
            payer_seen: false,
            position: pos,
        });
    }

    /// Ends the 2320 loop being read: it joins the claim when 2330A and 2330B were there.
    pub(super) fn end_other(&mut self) {
        let Some(d) = self.other.take() else { return };
        if !(d.subscriber_seen && d.payer_seen) {
            if self.claim.is_some() {
                self.claim_bad = true;
            }
            self.error(
                codes::MISSING,
                "2320 loop without its 2330A (NM1*IL) and 2330B (NM1*PR)",
                d.position,
            );
            return;
        }
        if let Some(c) = &mut self.claim {
            c.other_payers.push(d.other);
        }
    }

    /// Ends the 2430 loop being read: it joins the line when it had its DTP*573.
    pub(super) fn end_adjudication(&mut self) {
        let Some((adj, dated)) = self.adjudication.take() else {
            return;
        };
        if !dated {
            self.claim_bad = true;
            self.findings.push(Finding::error(
                codes::MISSING,
                "2430 line adjudication without DTP*573",
                None,
            ));
        }
        if let Some(l) = &mut self.line {
            l.adjudications.push(adj);
        }
    }

    pub(super) fn cas(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        let group = seg.str(1).to_owned();
        let mut adjustments = Vec::new();
        let mut problem = None;
        // Up to 6 reason/amount/quantity triples after the group code.
        for k in 0..6 {
            let at = 2 + 3 * k;
            let reason = seg.str(at);
            if reason.is_empty() {
                break;
            }
            let amount = Money::parse(seg.str(at + 1));
            let quantity = match seg.str(at + 2) {
                "" => Ok(None),
                q => q.parse::<u32>().map(Some),
            };
            match (amount, quantity) {
                (Ok(amount), Ok(quantity)) => adjustments.push(Adjustment {
                    group: group.clone(),
                    reason: reason.to_owned(),
                    amount,
                    quantity,
                }),
                _ => {
                    problem = Some(format!(
                        "CAS{:02}/CAS{:02} is not an amount and whole quantity",
                        at + 1,
                        at + 2
                    ))
                }
            }
        }
        if let Some(msg) = problem {
            self.bad_value(msg, pos);
        }
        if let Some((adj, _)) = &mut self.adjudication {
            adj.adjustments.extend(adjustments);
        } else if let Some(d) = &mut self.other {
            d.other.adjustments.extend(adjustments);
        } else {
            self.warn(
                codes::IGNORED,
                "CAS outside a 2320 or 2430 loop; ignored",
                pos,
            );
        }
    }

    pub(super) fn amt(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        let qualifier = seg.str(1).to_owned();
        let amount = match Money::parse(seg.str(2)) {
            Ok(a) => a,
            Err(e) => {
                self.bad_value(format!("AMT02: {e}"), pos);
                return;
            }
        };
        match (qualifier.as_str(), &mut self.adjudication, &mut self.other) {
            ("EAF", Some((adj, _)), _) => adj.remaining_patient_liability = Some(amount),
            ("D", None, Some(d)) => d.other.paid_amount = Some(amount),
            ("EAF", None, Some(d)) => d.other.remaining_patient_liability = Some(amount),
            _ => self.warn(
                codes::IGNORED,
                format!("AMT*{qualifier} is not part of the claim model; ignored"),
                pos,
            ),
        }
    }

    pub(super) fn oi(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        let (oi03, oi06) = (seg.str(3), seg.str(6));
        if !matches!(oi03, "Y" | "N" | "W") || !matches!(oi06, "Y" | "I") {
            self.bad_value("OI03 is not Y, N or W, or OI06 not Y or I".into(), pos);
        }
        match &mut self.other {
            Some(d) => {
                d.other.benefits_assigned = oi03 == "Y";
                d.other.release_of_information = oi06 == "Y";
            }
            None => self.error(codes::STRUCTURE, "OI outside a 2320 loop", pos),
        }
    }

    pub(super) fn moa(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        let rate = match seg.str(1) {
            "" => Ok(None),
            r => r.parse::<Decimal>().map(Some).map_err(|_| ()),
        };
        let payable = match seg.str(2) {
            "" => Ok(None),
            a => Money::parse(a).map(Some).map_err(|_| ()),
        };
        let (Ok(reimbursement_rate), Ok(hcpcs_payable_amount)) = (rate, payable) else {
            self.bad_value("MOA01 or MOA02 is not a number".into(), pos);
            return;
        };
        if !seg.str(8).is_empty() || !seg.str(9).is_empty() {
            self.warn(
                codes::IGNORED,
                "MOA08/MOA09 are not part of the claim model; ignored",
                pos,
            );
        }
        let moa = OutpatientAdjudication {
            reimbursement_rate,
            hcpcs_payable_amount,
            remarks: (3..=7)
                .map(|i| seg.str(i))
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        match &mut self.other {
            Some(d) => d.other.outpatient_adjudication = Some(moa),
            None => self.error(codes::STRUCTURE, "MOA outside a 2320 loop", pos),
        }
    }

    pub(super) fn svd(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        self.end_adjudication();
        if self.line.is_none() {
            self.error(codes::STRUCTURE, "SVD outside a service line", pos);
            return;
        }
        let mut problems = Vec::new();
        let (code, modifiers) = procedure(seg, 3, "SVD03", &mut problems);
        let paid = Money::parse(seg.str(2))
            .map_err(|e| problems.push(e.to_string()))
            .ok();
        let units = seg
            .str(5)
            .parse::<u32>()
            .map_err(|_| problems.push("SVD05 is not a whole number of units".to_owned()))
            .ok();
        if !problems.is_empty() {
            self.bad_value(format!("SVD: {}", problems.join("; ")), pos);
        }
        let (Some(procedure), Some(paid_amount), Some(paid_units)) = (code, paid, units) else {
            return;
        };
        self.adjudication = Some((
            LineAdjudication {
                payer_id: seg.str(1).to_owned(),
                paid_amount,
                procedure,
                modifiers,
                paid_units,
                adjustments: Vec::new(),
                adjudication_date: NaiveDate::default(),
                remaining_patient_liability: None,
            },
            false,
        ));
    }

    /// DTP*573: the 2430 line's adjudication date, or the 2330B claim's.
    pub(super) fn dtp573(&mut self, seg: &Segment<'_>) {
        let pos = seg.position();
        let date = (seg.str(2) == "D8").then(|| d8(seg.str(3))).flatten();
        let Some(date) = date else {
            self.bad_value("DTP*573 is not a D8 date".into(), pos);
            return;
        };
        if let Some((adj, dated)) = &mut self.adjudication {
            adj.adjudication_date = date;
            *dated = true;
        } else if let (Some(d), Ctx::OtherPayer) = (&mut self.other, self.ctx) {
            d.other.payer.adjudication_date = Some(date);
        } else {
            self.error(
                codes::STRUCTURE,
                "DTP*573 outside a 2330B or 2430 loop",
                pos,
            );
        }
    }
}
