//! 277CA claim acknowledgments (005010X214) into per-claim accepted/rejected
//! results. A 277 claim-status response (X212) is read the same way, with a
//! finding saying so.
//!
//! Outcome rule (X12 RFIs 1942/2203): STC01-1 categories `A3`, `A6`, `A7`,
//! `A8` (or STC03 `U`) reject the claim; `A2` accepts it; anything else
//! (e.g. `A1` received) is neither.

use otbill_x12::{decode, EnvelopeChecker, Finding, Reader, Segment};
use serde::Serialize;

/// One 277 transaction.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Ack277 {
    /// ST02.
    pub control_number: String,
    /// ST03 / GS08 implementation guide, e.g. `005010X214`.
    pub version: String,
    /// Statuses at the information source, receiver and provider levels (HL 20/21/19).
    pub batch_statuses: Vec<ClaimStatus>,
    /// One entry per claim (2200D TRN): patient level (PT) in a 277CA,
    /// subscriber or dependent level (22/23) in an X212 status response.
    pub claims: Vec<ClaimAck>,
}

/// Accepted, rejected, or neither (only received, forwarded...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Accepted into adjudication (`A2`).
    Accepted,
    /// Rejected (`A3`, `A6`, `A7`, `A8`, or STC03 `U`).
    Rejected,
    /// Anything else.
    #[default]
    Other,
}

/// The acknowledgment of one claim (2200D).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ClaimAck {
    /// TRN02: our CLM01.
    pub patient_control_number: String,
    /// REF*1K payer claim control number.
    pub payer_claim_number: String,
    /// The result, from all statuses of the claim and its lines.
    pub outcome: Outcome,
    /// Claim-level STC statuses.
    pub statuses: Vec<ClaimStatus>,
    /// Line-level (2220D) STC statuses.
    pub line_statuses: Vec<ClaimStatus>,
}

/// One status composite of an STC segment (STC01, STC10 or STC11).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ClaimStatus {
    /// Category code (STC0x-1), e.g. `A2`, `A7`.
    pub category: String,
    /// Status code (STC0x-2), code source 508.
    pub code: String,
    /// Entity code (STC0x-3), e.g. `85` billing provider.
    pub entity: String,
    /// STC03 action: `WQ` accepted, `U` rejected.
    pub action: String,
    /// STC04 total charge.
    pub amount: String,
    /// STC12 free-form message.
    pub message: String,
}

impl ClaimStatus {
    fn outcome(&self) -> Outcome {
        match self.category.as_str() {
            "A3" | "A6" | "A7" | "A8" => Outcome::Rejected,
            _ if self.action == "U" => Outcome::Rejected,
            "A2" => Outcome::Accepted,
            _ => Outcome::Other,
        }
    }
}

/// Reads every 277 transaction of `input`, with reading and envelope findings.
pub fn parse_277ca(input: &[u8]) -> (Vec<Ack277>, Vec<Finding>) {
    let input = decode(input);
    let mut reader = Reader::new(&input);
    let mut checker = EnvelopeChecker::default();
    let mut acks: Vec<Ack277> = Vec::new();
    let mut findings = Vec::new();
    let mut gs08 = String::new();
    let mut in_277 = false;
    // HL level code of the current loop ("20", "21", "19", "PT"...), and whether an SVC opened 2220D.
    let mut level = String::new();
    let mut in_line = false;
    // Whether a claim-level TRN has been seen since the last HL.
    let mut in_claim = false;
    for seg in reader.by_ref() {
        checker.push(&seg);
        match seg.id() {
            "GS" => gs08 = text(&seg, 8),
            "ST" => {
                in_277 = seg.str(1) == "277";
                if !in_277 {
                    findings.push(Finding::warning(
                        "ACK-NOT-277",
                        format!("transaction set {:?} is not a 277; skipped", seg.str(1)),
                        Some(seg.position()),
                    ));
                    continue;
                }
                let version = Some(text(&seg, 3))
                    .filter(|v| !v.is_empty())
                    .unwrap_or(gs08.clone());
                if !version.starts_with("005010X214") {
                    findings.push(Finding::info(
                        "ACK-NOT-277CA",
                        format!("277 version {version:?} is not a 277CA (005010X214); read as one"),
                        Some(seg.position()),
                    ));
                }
                acks.push(Ack277 {
                    control_number: text(&seg, 2),
                    version,
                    ..Ack277::default()
                });
                level.clear();
            }
            _ if !in_277 => {}
            "HL" => {
                level = text(&seg, 3);
                in_line = false;
                in_claim = false;
            }
            "SVC" => in_line = true,
            // Each claim (2200D) starts with its TRN: under the patient level
            // (PT) in a 277CA, under the subscriber/dependent (22/23) in X212.
            "TRN" if claim_level(&level) => {
                in_line = false;
                in_claim = true;
                if let Some(ack) = acks.last_mut() {
                    ack.claims.push(ClaimAck {
                        patient_control_number: text(&seg, 2),
                        ..ClaimAck::default()
                    });
                }
            }
            "REF" if in_claim && !in_line && seg.str(1) == "1K" => {
                if let Some(claim) = acks.last_mut().and_then(|a| a.claims.last_mut()) {
                    claim.payer_claim_number = text(&seg, 2);
                }
            }
            "STC" => {
                let Some(ack) = acks.last_mut() else { continue };
                let statuses = stc(&seg);
                match ack.claims.last_mut().filter(|_| in_claim) {
                    Some(claim) if in_line => claim.line_statuses.extend(statuses),
                    Some(claim) => claim.statuses.extend(statuses),
                    None => ack.batch_statuses.extend(statuses),
                }
            }
            _ => {}
        }
    }
    for claim in acks.iter_mut().flat_map(|a| a.claims.iter_mut()) {
        let all = claim.statuses.iter().chain(&claim.line_statuses);
        let outcomes: Vec<Outcome> = all.map(ClaimStatus::outcome).collect();
        claim.outcome = if outcomes.contains(&Outcome::Rejected) {
            Outcome::Rejected
        } else if outcomes.contains(&Outcome::Accepted) {
            Outcome::Accepted
        } else {
            Outcome::Other
        };
    }
    findings.extend(reader.take_findings());
    findings.extend(checker.finish());
    findings.sort_by_key(|f| f.position.map_or(0, |p| p.segment));
    (acks, findings)
}

fn claim_level(level: &str) -> bool {
    matches!(level, "PT" | "22" | "23")
}

/// The status composites of one STC (STC01, STC10, STC11).
fn stc(seg: &Segment<'_>) -> Vec<ClaimStatus> {
    [1, 10, 11]
        .into_iter()
        .filter(|n| !seg.element(*n).is_empty())
        .map(|n| {
            let c = seg.element(n);
            ClaimStatus {
                category: c.component(1).to_string(),
                code: c.component(2).to_string(),
                entity: c.component(3).to_string(),
                action: text(seg, 3),
                amount: text(seg, 4),
                message: text(seg, 12),
            }
        })
        .collect()
}

fn text(seg: &Segment<'_>, n: usize) -> String {
    seg.element(n).to_str_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_and_rejected_claims() {
        let input = b"ST*277*1*005010X214~BHT*0085*08*B*20261128*1530*TH~HL*1**20*1~HL*2*1*21*1~TRN*2*BATCH~\
            STC*A1:20*20261128*WQ*300~HL*3*2*19*1~HL*4*3*PT~TRN*2*PCN1~STC*A2:20*20261128*WQ*100~REF*1K*ICN1~\
            HL*5*3*PT~TRN*2*PCN2~STC*A7:562:85*20261128*WQ*200********BAD NPI~\
            HL*6*3*PT~TRN*2*PCN3~STC*A2:20*20261128*WQ*50~SVC*HC:97530*50~STC*A7:454*20261128*U~SE*22*1~";
        let (acks, _) = parse_277ca(input);
        let ack = &acks[0];
        assert_eq!(ack.batch_statuses[0].category, "A1");
        let outcomes: Vec<(&str, Outcome)> = ack
            .claims
            .iter()
            .map(|c| (c.patient_control_number.as_str(), c.outcome))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("PCN1", Outcome::Accepted),
                ("PCN2", Outcome::Rejected),
                ("PCN3", Outcome::Rejected)
            ]
        );
        assert_eq!(ack.claims[0].payer_claim_number, "ICN1");
        assert_eq!(ack.claims[1].statuses[0].entity, "85");
        assert_eq!(ack.claims[1].statuses[0].message, "BAD NPI");
        assert_eq!(ack.claims[2].line_statuses.len(), 1);
    }

    #[test]
    fn x212_claims_sit_under_the_subscriber_and_repeat() {
        let input = b"ST*277*1*005010X212~HL*1**20*1~HL*2*1*21*1~HL*3*2*19*1~HL*4*3*22*0~\
            TRN*2*A1~STC*F1:65*20261128**100*80~REF*1K*ICN1~TRN*2*A2~STC*P3:317*20261128~SE*11*1~";
        let (acks, findings) = parse_277ca(input);
        let claims: Vec<(&str, &str, &str)> = acks[0]
            .claims
            .iter()
            .map(|c| {
                let category = c.statuses.first().map_or("", |s| s.category.as_str());
                (
                    c.patient_control_number.as_str(),
                    category,
                    c.payer_claim_number.as_str(),
                )
            })
            .collect();
        assert_eq!(claims, [("A1", "F1", "ICN1"), ("A2", "P3", "")]);
        assert!(findings.iter().any(|f| f.code == "ACK-NOT-277CA"));
    }
}
