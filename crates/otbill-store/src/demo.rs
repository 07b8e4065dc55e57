//! `otbill demo`: a realistic practice in a new database, and the whole path run on it.
//!
//! [`fill`] adds a practice (Bright Hands Occupational Therapy, Salem OR), two OTs and an
//! OTA, three payers (Medicare Part B, Aetna, Regence BCBS), eight patients (two with a
//! secondary), their certified plans of care, and a month of visits (twice a week, the
//! month before `today`). [`run`] codes every visit, batches the claims into an 837P in
//! `dir/outbox`, answers it with a simulated 999 and 835 in `dir/inbox` (most claims paid,
//! one partly paid with CO-45/PR-2, one denied CO-50, one paid without line control
//! numbers), applies and posts them, posts the 835 a second time to show that nothing is
//! posted twice, and returns what happened as lines of text. Running it again on the same
//! database finds the practice there and re-runs the path, which then does nothing new.

use std::path::Path;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use otbill_837p::synth::npi_from_base;
use otbill_scrub::scrub::Engine;

use crate::records::{
    Address, Coverage, Credential, Patient, Payer, PlanOfCare, Practice, Provider, Subscriber,
    Visit, VisitService,
};
use crate::sim::{self, RemitSpec, Verdict};
use crate::{Error, Store};

fn npi(base: u32) -> String {
    npi_from_base(base)
        .map(|n| n.as_str().to_owned())
        .unwrap_or_default()
}

fn addr(line1: &str, zip: &str) -> Address {
    Address {
        line1: line1.into(),
        line2: None,
        city: "SALEM".into(),
        state: "OR".into(),
        zip: zip.into(),
    }
}

/// The first day of the month before `today`, and its last day.
pub fn demo_month(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first_this = today.with_day(1).unwrap_or(today);
    let last_prev = first_this.pred_opt().unwrap_or(first_this);
    (last_prev.with_day(1).unwrap_or(last_prev), last_prev)
}

/// Adds the demo practice; returns the number of visits added. Does nothing (returns 0)
/// when the database already has a practice.
pub fn fill(store: &mut Store, today: NaiveDate) -> Result<usize, Error> {
    if store.practice()?.is_some() {
        return Ok(0);
    }
    store.set_practice(&Practice {
        name: "BRIGHT HANDS OCCUPATIONAL THERAPY LLC".into(),
        npi: npi(123_456_789),
        ein: "931234567".into(),
        taxonomy: "225X00000X".into(),
        address: Address {
            line2: Some("SUITE 210".into()),
            ..addr("1450 COMMERCIAL ST SE", "973021234")
        },
        submitter_id: "BRIGHTHANDSOT".into(),
        receiver_id: "CLEARHOUSE01".into(),
        receiver_name: "CLEARHOUSE EXCHANGE".into(),
        contact_name: "BILLING OFFICE".into(),
        contact_phone: "5035550100".into(),
        usage: "test".into(),
    })?;
    let ots = [
        (134_567_890, "LOPEZ", "MARIA", Credential::OT, "225X00000X"),
        (134_567_891, "CHEN", "JAMES", Credential::OT, "225XH1200X"),
    ];
    for (base, last, first, cred, tax) in ots {
        store.add_provider(&Provider {
            npi: npi(base),
            last_name: last.into(),
            first_name: first.into(),
            credential: cred,
            taxonomy: tax.into(),
            supervisor_npi: None,
        })?;
    }
    store.add_provider(&Provider {
        npi: npi(134_567_892),
        last_name: "REED".into(),
        first_name: "DANA".into(),
        credential: Credential::OTA,
        taxonomy: "224Z00000X".into(),
        supervisor_npi: Some(npi(134_567_890)),
    })?;
    let payers = [
        ("01112", "MEDICARE PART B", "medicare", "MB"),
        ("60054", "AETNA", "commercial", "CI"),
        ("00851", "REGENCE BCBS OREGON", "commercial", "BL"),
    ];
    for (id, name, profile, fi) in payers {
        store.add_payer(&Payer {
            payer_id: id.into(),
            name: name.into(),
            profile: profile.into(),
            filing_indicator: fi.into(),
        })?;
    }
    let (first, last) = demo_month(today);
    let people: [Person; 8] = [
        (
            "A1001",
            "HARRIS",
            "EVELYN",
            (1948, 3, 14),
            "F",
            "01112",
            &["M6281", "I69351"],
        ),
        (
            "A1002",
            "NGUYEN",
            "THOMAS",
            (1952, 7, 2),
            "M",
            "01112",
            &["M19041", "M6281"],
        ),
        (
            "A1003",
            "PATEL",
            "ANITA",
            (1985, 11, 20),
            "F",
            "60054",
            &["S52501D"],
        ),
        (
            "A1004",
            "OKAFOR",
            "DANIEL",
            (1990, 1, 9),
            "M",
            "00851",
            &["G5601"],
        ),
        (
            "A1005",
            "SULLIVAN",
            "ROSE",
            (1945, 5, 30),
            "F",
            "01112",
            &["G20A1", "R2689"],
        ),
        (
            "A1006",
            "BROOKS",
            "LIAM",
            (2015, 9, 3),
            "M",
            "60054",
            &["F82"],
        ),
        (
            "A1007",
            "MORENO",
            "LUCIA",
            (1950, 12, 12),
            "F",
            "01112",
            &["M6281"],
        ),
        (
            "A1008",
            "KIM",
            "HAROLD",
            (1978, 4, 18),
            "M",
            "00851",
            &["S62101D"],
        ),
    ];
    let mut visits = 0;
    for (i, (acct, ln, fname, (y, m, d), g, payer, dx)) in people.iter().enumerate() {
        let birth = NaiveDate::from_ymd_opt(*y, *m, *d).unwrap_or(first);
        let child = *y > 2005;
        let mut coverages = vec![Coverage {
            payer_id: (*payer).into(),
            rank: 1,
            member_id: format!(
                "{}{:07}",
                if *payer == "01112" { "1EG4TE5MK" } else { "W" },
                7301 + i * 37
            ),
            group_number: (*payer != "01112").then(|| format!("GRP{:05}", 4400 + i)),
            relationship: if child { "child".into() } else { "self".into() },
            subscriber: child.then(|| Subscriber {
                last_name: (*ln).into(),
                first_name: "MARCUS".into(),
                birth_date: NaiveDate::from_ymd_opt(1984, 2, 2).unwrap_or(first),
                gender: "M".into(),
            }),
            effective: NaiveDate::from_ymd_opt(first.year() - 1, 1, 1).unwrap_or(first),
            expires: None,
        }];
        if matches!(*acct, "A1001" | "A1005") {
            coverages.push(Coverage {
                payer_id: "00851".into(),
                rank: 2,
                member_id: format!("SUPP{:06}", 5100 + i),
                group_number: None,
                relationship: "self".into(),
                subscriber: None,
                effective: coverages[0].effective,
                expires: None,
            });
        }
        store.add_patient(&Patient {
            account: (*acct).into(),
            last_name: (*ln).into(),
            first_name: (*fname).into(),
            birth_date: birth,
            gender: (*g).into(),
            address: addr(
                &format!("{} STATE ST", 200 + i * 110),
                &format!("9730{}", i % 10),
            ),
            coverages,
        })?;
        let start = first - Days::new(7 + i as u64);
        let therapist = if i % 2 == 0 { 134_567_890 } else { 134_567_891 };
        store.add_plan(&PlanOfCare {
            patient_account: (*acct).into(),
            provider_npi: npi(therapist),
            discipline: "OT".into(),
            start,
            certified: Some(start + Days::new(3)),
            certified_through: start + Days::new(if i == 4 { 45 } else { 89 }),
            referring_npi: npi(145_678_901),
            referring_last_name: "KIM".into(),
            referring_first_name: "SARAH".into(),
            diagnoses: dx.iter().map(|s| (*s).to_owned()).collect(),
            progress_every: 10,
        })?;
        let days: [Weekday; 2] = if i % 2 == 0 {
            [Weekday::Mon, Weekday::Thu]
        } else {
            [Weekday::Tue, Weekday::Fri]
        };
        let mut n = 0;
        let mut day = first;
        while day <= last && day <= today {
            if days.contains(&day.weekday()) {
                n += 1;
                let services = match (i + n) % 3 {
                    0 => vec![svc("97530", 38), svc("97110", 15)],
                    1 => vec![svc("97535", 30), svc("97530", 23)],
                    _ => vec![svc("97112", 25), svc("97530", 30), svc("97110", 8)],
                };
                let ota = n % 4 == 0 && i % 2 == 0;
                store.add_visit(&Visit {
                    patient_account: (*acct).into(),
                    provider_npi: npi(if ota { 134_567_892 } else { therapist }),
                    date: day,
                    place_of_service: "11".into(),
                    progress_report: n % 8 == 0,
                    services,
                })?;
                visits += 1;
            }
            day = day.succ_opt().unwrap_or(day);
        }
    }
    Ok(visits)
}

/// `(account, last, first, (birth y, m, d), gender, primary payer id, diagnoses)`.
type Person = (
    &'static str,
    &'static str,
    &'static str,
    (i32, u32, u32),
    &'static str,
    &'static str,
    &'static [&'static str],
);

fn svc(code: &str, minutes: u32) -> VisitService {
    VisitService {
        code: code.into(),
        minutes: Some(minutes),
        assistant_minutes: None,
    }
}

/// Runs the whole path on the demo practice and says what happened.
pub fn run(
    store: &mut Store,
    dir: &Path,
    engine: &Engine<'_>,
    today: NaiveDate,
) -> Result<Vec<String>, Error> {
    let mut say = Vec::new();
    let added = fill(store, today)?;
    if added > 0 {
        let (first, last) = demo_month(today);
        say.push(format!("Filled the practice: 3 providers, 3 payers, 8 patients with plans of care, {added} visits from {first} to {last}."));
    } else {
        say.push("The demo practice is already in this database: running the path again (it should do nothing new).".into());
    }
    let (mut ready, mut blocked) = (0, 0);
    for v in store.visits_in("entered")? {
        let o = store.claim_visit(v, engine)?;
        if o.blocked {
            blocked += 1;
            let why: Vec<&str> = o
                .findings
                .iter()
                .filter(|f| f.severity == "error")
                .map(|f| f.code.as_str())
                .collect();
            say.push(format!("  visit {v} blocked: {}", why.join(", ")));
        } else {
            ready += 1;
        }
    }
    say.push(format!(
        "Coded and scrubbed visits: {ready} claims ready, {blocked} blocked by an error finding."
    ));
    let outbox = dir.join("outbox");
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox).map_err(|e| Error::io("creating the inbox", e))?;
    let batches = store.build_batches(&outbox, 5000)?;
    if batches.is_empty() {
        let mut files: Vec<_> = std::fs::read_dir(&inbox)
            .map_err(|e| Error::io("reading the inbox", e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "835"))
            .collect();
        files.sort();
        say.push("No new claims to batch.".into());
        for path in files {
            let bytes = std::fs::read(&path)
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            let p = store.post_835(&bytes, &path.display().to_string(), false)?;
            let dup = p.remittances.iter().all(|r| r.duplicate);
            say.push(format!(
                "Posted {} again: {}",
                path.display(),
                if dup {
                    "already posted, nothing posted twice"
                } else {
                    "posted (it had not been posted before)"
                }
            ));
        }
    }
    for b in batches {
        say.push(format!(
            "Batched {} claims into {} (ISA13 {}, GS06 {}).",
            b.claims,
            b.file.display(),
            b.interchange_control,
            b.group_control
        ));
        let file = store.batch_file(b.batch_id)?;
        let when = file.envelope.created;
        let icn = u32::try_from(b.interchange_control).unwrap_or(1);
        let ack = sim::ack_999(&file, 700_000 + icn, when).map_err(|e| Error::Db(e.to_string()))?;
        let ack_path = inbox.join(format!("otbill-{icn:09}.999"));
        crate::batch::write_atomic(&ack_path, |w| w.write_all(&ack))?;
        let a = store.apply_ack(&ack, &ack_path.display().to_string())?;
        say.push(format!(
            "999 {}: {} claims accepted, {} rejected.",
            ack_path.display(),
            a.accepted,
            a.rejected
        ));
        let mut by_payer: Vec<(String, String)> = file
            .claims
            .iter()
            .map(|c| (c.payer.payer_id.clone(), c.payer.name.clone()))
            .collect();
        by_payer.sort();
        by_payer.dedup();
        // One 835 per payer; the verdicts depend on the claim's position in the file.
        for (k, (payer_id, payer_name)) in by_payer.iter().enumerate() {
            let spec = RemitSpec {
                trace: format!("EFT{icn:06}{k}"),
                payer_name: payer_name.clone(),
                payer_id: format!("1{payer_id:0>9}"),
                control_number: 800_000 + icn * 10 + k as u32,
                date: today,
            };
            let remit = sim::remit_835(&file, &spec, |i, c| {
                if &c.payer.payer_id != payer_id {
                    Verdict::Skip
                } else if i == 2 {
                    Verdict::PartlyPaid
                } else if i == 5 {
                    Verdict::Denied("50")
                } else if i == 7 {
                    Verdict::PaidWithoutLineRefs
                } else {
                    Verdict::Paid
                }
            })
            .map_err(|e| Error::Db(e.to_string()))?;
            let path = inbox.join(format!("otbill-{icn:09}-{payer_id}.835"));
            crate::batch::write_atomic(&path, |w| w.write_all(&remit))?;
            let p = store.post_835(&remit, &path.display().to_string(), false)?;
            for r in &p.remittances {
                let st: Vec<String> = r.statuses.iter().map(|(s, n)| format!("{n} {s}")).collect();
                say.push(format!(
                    "835 {} ({payer_name}, trace {}): {} claims posted ({}), ${} paid, {} unmatched lines.",
                    path.display(), r.trace_number, r.claims_posted, st.join(", "), r.paid, r.lines_unmatched
                ));
            }
            let again = store.post_835(&remit, &path.display().to_string(), false)?;
            let dup = again.remittances.iter().all(|r| r.duplicate);
            say.push(format!(
                "  posted the same 835 again: {}",
                if dup {
                    "recognised, nothing posted twice"
                } else {
                    "POSTED AGAIN (bug)"
                }
            ));
        }
    }
    if added > 0 {
        say.push(check_eligibility(store, &outbox, &inbox, today)?);
    }
    Ok(say)
}

/// The demo payers' benefits for OT, as their 271s say them.
fn demo_benefits(payer_id: &str) -> Vec<String> {
    let ebs: &[&str] = match payer_id {
        "01112" => &[
            "EB*1*IND*30**MEDICARE PART B",
            "EB*C*IND*30***23*257",
            "EB*C*IND*30***29*0",
            "EB*A*IND*AD*****.2",
        ],
        "60054" => &[
            "EB*1*IND*30^AD**AETNA CHOICE POS II",
            "EB*B*IND*AD***27*30",
            "EB*F*IND*AD***23***VS*30",
            "EB*F*IND*AD***29***VS*24",
        ],
        _ => &[
            "EB*1*IND*30**REGENCE PREFERRED",
            "EB*C*IND*30***23*1500",
            "EB*C*IND*30***29*650",
            "EB*A*IND*AD*****.2",
            "EB*G*IND*30***29*3200",
        ],
    };
    ebs.iter().map(|s| (*s).to_owned()).collect()
}

/// Asks about every covered patient (a 270 in the outbox), has the simulated payers
/// answer (a 271 in the inbox) and posts the answer.
fn check_eligibility(
    store: &mut Store,
    outbox: &Path,
    inbox: &Path,
    today: NaiveDate,
) -> Result<String, Error> {
    let patients = store.patients_covered_on(1, today)?;
    let req = store.request_eligibility(outbox, &patients, 1, today, &[])?;
    let text = std::fs::read_to_string(&req.file)
        .map_err(|e| Error::io(format!("reading {}", req.file.display()), e))?;
    let answer = sim::answer_270(&text, demo_benefits)
        .ok_or_else(|| Error::Db("the simulated payer could not read our 270".into()))?;
    let path = inbox.join(format!("eligibility-{:09}.271", req.interchange_control));
    crate::batch::write_atomic(&path, |w| w.write_all(answer.as_bytes()))?;
    let posted = store.post_271(answer.as_bytes())?;
    Ok(format!(
        "Eligibility: asked about {} patients in {}; the 271 {} was posted, {} responses kept.",
        req.checks.len(),
        req.file.display(),
        path.display(),
        posted.stored.len()
    ))
}
