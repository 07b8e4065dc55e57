//! The borrowed view ([`otbill_era::visit_835`]) against the owned model
//! ([`otbill_era::parse_835`], [`otbill_era::Stream835`]) on our fixture, odd
//! inputs and every shared sample 835: same claims, lines, amounts, codes,
//! balance verdicts and findings, read field by field through the view's
//! accessors (not through `to_claim`).

use otbill_era::{
    parse_835, visit_835, AdjustmentRef, Claim, ClaimRef, Event, Qualified, RemitVisitor,
    Remittance, ServiceLine, Stream835, Text,
};
use std::path::PathBuf;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn adjustments<'a>(view: impl Iterator<Item = AdjustmentRef<'a>>) -> Vec<String> {
    view.map(|a| {
        format!(
            "{}/{}/{}/{:?}",
            text(a.group),
            text(a.reason),
            a.amount,
            a.quantity
        )
    })
    .collect()
}

fn owned_adjustments(owned: &[otbill_era::Adjustment]) -> Vec<String> {
    owned
        .iter()
        .map(|a| format!("{}/{}/{}/{:?}", a.group, a.reason, a.amount, a.quantity))
        .collect()
}

fn qualified<'a, T: std::fmt::Debug>(view: impl Iterator<Item = Qualified<'a, T>>) -> Vec<String> {
    view.map(|q| format!("{}={:?}", text(q.qualifier), q.value))
        .collect()
}

/// One claim as seen through the view, flattened to comparable strings.
fn describe_view(c: &ClaimRef<'_>) -> Vec<String> {
    let mut out = vec![
        format!(
            "claim {} {} {} {} {} {} {} {} {} balanced={}",
            text(c.patient_control_number()),
            text(c.status()),
            c.charge(),
            c.paid(),
            c.patient_responsibility(),
            text(c.filing_indicator()),
            text(c.payer_claim_number()),
            text(c.facility_code()),
            text(c.frequency()),
            c.balanced()
        ),
        format!("patient {:?}", c.patient().map(|p| p.map(text))),
        format!("adjustments {:?}", adjustments(c.adjustments())),
        format!("dates {:?}", qualified(c.dates())),
        format!("amounts {:?}", qualified(c.amounts())),
        format!(
            "references {:?}",
            qualified(c.references().map(|r| Qualified {
                qualifier: r.qualifier,
                value: text(r.value),
            }))
        ),
    ];
    for l in c.lines() {
        let p = l.procedure_code();
        out.push(format!(
            "line {}:{}:{:?} {} {} rev={} units={} orig={:?} orig_units={:?} ctl={:?} allowed={:?}",
            text(p.qualifier()),
            text(p.code()),
            p.modifiers().map(text).collect::<Vec<_>>(),
            l.charge(),
            l.paid(),
            text(l.revenue_code()),
            l.units(),
            l.original().map(|o| format!(
                "{}:{}:{:?}",
                text(o.qualifier()),
                text(o.code()),
                o.modifiers().map(text).collect::<Vec<_>>()
            )),
            l.original_units(),
            l.control_number().map(text),
            l.allowed(),
        ));
        out.push(format!("  adjustments {:?}", adjustments(l.adjustments())));
        out.push(format!("  dates {:?}", qualified(l.dates())));
        out.push(format!("  amounts {:?}", qualified(l.amounts())));
        out.push(format!(
            "  references {:?}",
            qualified(l.references().map(|r| Qualified {
                qualifier: r.qualifier,
                value: text(r.value),
            }))
        ));
        out.push(format!(
            "  remarks {:?}",
            l.remarks().map(text).collect::<Vec<_>>()
        ));
    }
    out
}

fn describe_line(l: &ServiceLine, out: &mut Vec<String>) {
    let proc = |q: &Text, c: &Text, m: &[Text]| {
        (
            format!("{q}:{c}"),
            m.iter().map(|m| m.to_string()).collect::<Vec<_>>(),
        )
    };
    let (head, mods) = proc(&l.qualifier, &l.code, &l.modifiers);
    out.push(format!(
        "line {head}:{mods:?} {} {} rev={} units={} orig={:?} orig_units={:?} ctl={:?} allowed={:?}",
        l.charge,
        l.paid,
        l.revenue_code,
        l.units,
        l.original.as_ref().map(|o| {
            let (head, mods) = proc(&o.qualifier, &o.code, &o.modifiers);
            format!("{head}:{mods:?}")
        }),
        l.original_units,
        l.control_number.as_ref().map(|c| c.to_string()),
        l.allowed,
    ));
    out.push(format!(
        "  adjustments {:?}",
        owned_adjustments(&l.adjustments)
    ));
    let dates: Vec<String> = l
        .dates
        .iter()
        .map(|d| format!("{}={:?}", d.qualifier, d.date))
        .collect();
    out.push(format!("  dates {dates:?}"));
    let amounts: Vec<String> = l
        .amounts
        .iter()
        .map(|a| format!("{}={:?}", a.qualifier, a.amount))
        .collect();
    out.push(format!("  amounts {amounts:?}"));
    let refs: Vec<String> = l
        .references
        .iter()
        .map(|r| format!("{}={:?}", r.qualifier, r.value.as_str()))
        .collect();
    out.push(format!("  references {refs:?}"));
    let remarks: Vec<String> = l.remarks.iter().map(|r| r.to_string()).collect();
    out.push(format!("  remarks {remarks:?}"));
}

fn describe_owned(c: &Claim) -> Vec<String> {
    let mut out = vec![
        format!(
            "claim {} {} {} {} {} {} {} {} {} balanced={}",
            c.patient_control_number,
            c.status,
            c.charge,
            c.paid,
            c.patient_responsibility,
            c.filing_indicator,
            c.payer_claim_number,
            c.facility_code,
            c.frequency,
            c.balanced
        ),
        format!(
            "patient {:?}",
            c.patient.as_ref().map(|p| [
                p.last_name.to_string(),
                p.first_name.to_string(),
                p.id.to_string()
            ])
        ),
        format!("adjustments {:?}", owned_adjustments(&c.adjustments)),
        format!(
            "dates {:?}",
            c.dates
                .iter()
                .map(|d| format!("{}={:?}", d.qualifier, d.date))
                .collect::<Vec<_>>()
        ),
        format!(
            "amounts {:?}",
            c.amounts
                .iter()
                .map(|a| format!("{}={:?}", a.qualifier, a.amount))
                .collect::<Vec<_>>()
        ),
        format!(
            "references {:?}",
            c.references
                .iter()
                .map(|r| format!("{}={:?}", r.qualifier, r.value.as_str()))
                .collect::<Vec<_>>()
        ),
    ];
    for l in &c.lines {
        describe_line(l, &mut out);
    }
    out
}

#[derive(Default)]
struct Seen {
    claims: Vec<Vec<String>>,
    owned: Vec<Claim>,
    remittances: Vec<Remittance>,
    /// Per claim: lines whose own balance fails, and the claim verdict.
    line_verdicts: Vec<(usize, bool)>,
}

impl RemitVisitor for Seen {
    fn claim(&mut self, c: &ClaimRef<'_>) {
        self.claims.push(describe_view(c));
        self.owned.push(c.to_claim());
        let bad = c.lines().filter(|l| !l.balanced()).count();
        self.line_verdicts.push((bad, c.balanced()));
    }
    fn remittance(&mut self, r: Remittance) {
        self.remittances.push(r);
    }
}

/// Checks one input; returns how many claims it had.
fn agree(name: &str, input: &[u8]) -> usize {
    let era = parse_835(input);
    let mut seen = Seen::default();
    let findings = visit_835(input, &mut seen);

    let owned: Vec<&Claim> = era.remittances.iter().flat_map(|r| &r.claims).collect();
    assert_eq!(seen.claims.len(), owned.len(), "{name}: claim count");
    for (i, (view, owned)) in seen.claims.iter().zip(&owned).enumerate() {
        assert_eq!(view, &describe_owned(owned), "{name}: claim {i}");
    }
    let converted: Vec<&Claim> = seen.owned.iter().collect();
    assert_eq!(converted, owned, "{name}: to_claim");

    // Same transactions, verdicts and findings (balancing ones included).
    let headers: Vec<Remittance> = era
        .remittances
        .iter()
        .map(|r| Remittance {
            claims: Vec::new(),
            ..r.clone()
        })
        .collect();
    assert_eq!(seen.remittances, headers, "{name}: remittances");
    let mut expected = era.findings.clone();
    expected.retain(|f| f.code != "ERA-NO-835");
    assert_eq!(findings, expected, "{name}: findings");

    // Line verdicts of the view match the line balance findings.
    let line_findings: usize = era
        .remittances
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|f| f.code == "ERA-LINE-BALANCE")
        .count();
    let bad_lines: usize = seen.line_verdicts.iter().map(|(bad, _)| bad).sum();
    assert_eq!(bad_lines, line_findings, "{name}: unbalanced lines");
    for (bad, balanced) in &seen.line_verdicts {
        assert!(
            *bad == 0 || !balanced,
            "{name}: claim balanced with a bad line"
        );
    }

    // The stream yields the same claims too.
    let streamed: Vec<Claim> = Stream835::new(input)
        .filter_map(|e| match e {
            Ok(Event::Claim(c)) => Some(*c),
            _ => None,
        })
        .collect();
    assert_eq!(streamed.iter().collect::<Vec<_>>(), owned, "{name}: stream");
    owned.len()
}

fn shared_835s() -> Vec<(String, Vec<u8>)> {
    let dir = match std::env::var_os("OTBILL_SHARED") {
        Some(shared) => [
            PathBuf::from(&shared).join("x12-samples"),
            PathBuf::from(shared),
        ]
        .into_iter()
        .find(|d| d.join("835").is_dir()),
        None => Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/x12-samples"))
            .filter(|d| d.join("835").is_dir()),
    };
    let Some(dir) = dir else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join("835"))
        .map(|it| {
            it.filter_map(Result::ok)
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    std::fs::read(e.path()).ok().map(|b| (name, b))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn fixture_and_odd_inputs() {
    let fixture = include_bytes!("fixtures/remit.835");
    assert_eq!(agree("remit.835", fixture), 3);
    let odd: &[&[u8]] = &[
        b"",
        b"ST*835*1~BPR*I*5*C*CHK~CLP*A*1*5*5~SE*4*1~",
        // Unbalanced line and claim, bad amounts, CAS/SVC out of place.
        b"ST*835*1~BPR*I*5*C*CHK~CAS*CO*45*1~SVC*HC:1*1*1~CLP*A*1*9*5~CAS*CO*1*1~\
SVC*HC:97530:GO::KX:59*5*x*2*3*HC:97110:GO*4~CAS*PR*1*1*1**2*x~REF*6R*L1~REF*6R*L2~\
REF*ZZ*Q~AMT*B6*4~AMT*ZZ*9~DTM*472*20261301~DTM*472*20261201~LQ*HE*N1~\
SVC*:*1*1*****~SVC*HC:1*1*1*****:~NM1*QC*1*DOE*JO****MI*9~CLP*B*4*1*0~SE*9*1~",
        // Two transactions, a non-835 one between, no SE at the end.
        b"ST*835*1~BPR*I*0*C*NON~CLP*A*1*1*0~CAS*CO*45*1~ST*999*2~AK1*HC*1~SE*3*2~\
ST*835*3~BPR*I*2*C*CHK~LX*1~CLP*C*1*2*2~SVC*HC:X*2*2~DTM*150*20260101~PLB*1*20261231*WO:X*1~",
        "ST*835*1~BPR*I*5*C*CHK~CLP*M\u{fc}LLER*1*5*5~SE*4*1~".as_bytes(),
    ];
    for (i, input) in odd.iter().enumerate() {
        agree(&format!("odd #{i}"), input);
    }
}

#[test]
fn shared_samples() {
    let samples = shared_835s();
    if samples.is_empty() {
        println!("skipped: no x12-samples folder (set OTBILL_SHARED to the shared folder)");
        return;
    }
    let claims: usize = samples.iter().map(|(name, b)| agree(name, b)).sum();
    assert!(claims > 0);
}
