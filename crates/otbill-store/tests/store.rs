//! The store test suite, run on SQLite and on PostgreSQL (see `common.rs`).

mod common;

use chrono::NaiveDate;
use otbill_store::records::{
    Address, Authorization, Coverage, Credential, Patient, Payer, PayerKey, Provider, ProviderKey,
    Visit, VisitService,
};
use otbill_store::sim::{self, RemitSpec, Verdict};
use otbill_store::{demo, Error, Store};
use rust_decimal::Decimal;

both!(
    migrations_apply_once,
    bad_records_are_refused_whole,
    demo_runs_the_whole_path,
    posting_twice_posts_once,
    lifecycle_after_the_835,
    control_numbers_never_reused,
    reversal_and_unmatched,
    acks_277ca_reject_and_resubmit,
    concurrent_posting_posts_once,
    reports_add_up,
    secondary_claim_carries_the_primary_adjudication,
    secondary_claim_from_a_claim_level_835,
    providers_and_payers_are_corrected_and_retired,
    claims_carry_the_plan_start_as_initial_treatment,
    a_secondary_claim_keeps_the_initial_treatment_date,
    a_coverage_moved_to_an_active_payer_releases_a_held_visit,
    a_large_835_posts_once_when_posted_twice_at_once,
    a_claim_twice_in_one_835_ends_as_posted_in_order,
);

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

/// A store with the demo practice run through batching, the 999 and the 835.
fn demo_store(url: &str, dir: &std::path::Path) -> Store {
    let mut store = Store::open(url).unwrap();
    let r = common::rules();
    demo::run(&mut store, dir, &r.engine(), today()).unwrap();
    store
}

fn migrations_apply_once(url: &str) {
    let mut a = Store::open(url).unwrap();
    let v = a.schema_version().unwrap();
    assert!(v >= 1);
    drop(a);
    let mut b = Store::open(url).unwrap();
    assert_eq!(b.schema_version().unwrap(), v);
}

fn bad_records_are_refused_whole(url: &str) {
    let mut s = Store::open(url).unwrap();
    let bad_npi = Provider {
        npi: "1234567890".into(),
        last_name: "X".into(),
        first_name: "Y".into(),
        credential: Credential::OT,
        taxonomy: "225X00000X".into(),
        supervisor_npi: None,
    };
    match s.add_provider(&bad_npi) {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "provider.npi"),
        other => panic!("expected an invalid NPI, got {other:?}"),
    }
    let ota_with_ot_taxonomy = Provider {
        npi: "1234567893".into(),
        credential: Credential::OTA,
        ..bad_npi
    };
    match s.add_provider(&ota_with_ot_taxonomy) {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "provider.taxonomy"),
        other => panic!("expected a taxonomy error, got {other:?}"),
    }
    let patient = Patient {
        account: "Z1".into(),
        last_name: "SECRETNAME".into(),
        first_name: "ANN".into(),
        birth_date: NaiveDate::from_ymd_opt(1950, 1, 1).unwrap(),
        gender: "F".into(),
        address: Address {
            line1: "1 A ST".into(),
            line2: None,
            city: "SALEM".into(),
            state: "OR".into(),
            zip: "97301".into(),
        },
        coverages: vec![otbill_store::records::Coverage {
            payer_id: "NOPE".into(),
            rank: 1,
            member_id: "SECRETMEMBER".into(),
            group_number: None,
            relationship: "self".into(),
            subscriber: None,
            effective: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            expires: None,
        }],
    };
    let err = s.add_patient(&patient).unwrap_err().to_string();
    assert!(err.contains("patient.coverages[0].payer_id"), "{err}");
    assert!(!err.contains("SECRET"), "PHI in an error message: {err}");
    assert!(
        s.patient_accounts().unwrap().is_empty(),
        "a refused patient was stored"
    );
}

fn demo_runs_the_whole_path(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = demo_store(url, dir.path());
    let ids = s.claims(None).unwrap();
    assert!(
        ids.len() >= 50,
        "a month of visits makes claims: {}",
        ids.len()
    );
    let statuses: Vec<String> = ids.iter().map(|&i| s.claim(i).unwrap().status).collect();
    let count = |st: &str| statuses.iter().filter(|s| *s == st).count();
    assert!(count("paid") > 10, "{statuses:?}");
    assert!(count("partly_paid") >= 1, "{statuses:?}");
    assert!(count("denied") >= 1, "{statuses:?}");
    assert_eq!(
        count("paid") + count("partly_paid") + count("denied"),
        ids.len(),
        "{statuses:?}"
    );
    // Every claim is in exactly one written batch, and the outbox holds its file.
    for (_, state, file, _) in s.batches().unwrap() {
        assert_eq!(state, "written");
        assert!(dir.path().join("outbox").join(file).exists());
    }
    // The lines the payer sent without REF*6R were matched by procedure.
    assert!(
        s.unmatched().unwrap().is_empty(),
        "{:?}",
        s.unmatched().unwrap()
    );
    // A denied claim keeps its payer balance open; a paid one has none.
    for &i in &ids {
        let c = s.claim(i).unwrap();
        match c.status.as_str() {
            "paid" => assert_eq!(c.payer_balance + c.patient_balance, Decimal::ZERO, "{c:?}"),
            "partly_paid" => assert!(c.patient_balance > Decimal::ZERO, "{c:?}"),
            "denied" => assert_eq!(c.payer_balance, c.charge, "{c:?}"),
            _ => {}
        }
        assert!(c.payer_claim_number.is_some());
    }
    // Running the demo again does nothing new.
    let paid = s.total_paid_cents().unwrap();
    let r = common::rules();
    let again = demo::run(&mut s, dir.path(), &r.engine(), today()).unwrap();
    assert!(again.iter().any(|l| l.contains("already")), "{again:?}");
    assert_eq!(s.total_paid_cents().unwrap(), paid);
    assert_eq!(s.claims(None).unwrap().len(), ids.len());
}

fn posting_twice_posts_once(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = demo_store(url, dir.path());
    let before = s.counts().unwrap();
    let paid = s.total_paid_cents().unwrap();
    for e in std::fs::read_dir(dir.path().join("inbox")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "835") {
            let out = s
                .post_835(&std::fs::read(&p).unwrap(), "again.835", false)
                .unwrap();
            assert!(out.remittances.iter().all(|r| r.duplicate));
        }
    }
    assert_eq!(s.counts().unwrap(), before);
    assert_eq!(s.total_paid_cents().unwrap(), paid);
}

fn first_with(s: &mut Store, status: &str) -> i64 {
    *s.claims(Some(status))
        .unwrap()
        .first()
        .unwrap_or_else(|| panic!("no {status} claim"))
}

fn lifecycle_after_the_835(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = demo_store(url, dir.path());
    s.set_actor("biller1");
    let denied = first_with(&mut s, "denied");
    let fixed = s
        .correct_claim(denied, |c| c.lines[0].modifiers.clear())
        .unwrap();
    let orig = s.claim(denied).unwrap();
    let repl = s.claim(fixed).unwrap();
    assert_eq!(orig.status, "corrected");
    assert_eq!(
        orig.payer_balance,
        Decimal::ZERO,
        "the open balance moved to the replacement"
    );
    assert_eq!(
        (repl.frequency.as_str(), repl.status.as_str()),
        ("7", "ready")
    );
    assert!(orig
        .events
        .iter()
        .any(|e| e.1 == "biller1" && e.2 == "corrected"));
    let batch = s.build_batches(&dir.path().join("outbox"), 100).unwrap();
    assert_eq!(batch.len(), 1);
    let text = std::fs::read_to_string(&batch[0].file).unwrap();
    assert!(
        text.contains(&format!("REF*F8*{}", orig.payer_claim_number.unwrap())),
        "replacement carries the ICN"
    );
    assert!(text.contains(":7*"), "frequency 7 in CLM05");

    let paid = first_with(&mut s, "paid");
    let void = s.void_claim(paid).unwrap();
    assert_eq!(s.claim(void).unwrap().frequency, "8");
    assert_eq!(s.claim(paid).unwrap().status, "voided");

    let partly = first_with(&mut s, "partly_paid");
    s.appeal_claim(partly, "coinsurance in dispute").unwrap();
    assert_eq!(s.claim(partly).unwrap().status, "appealed");
    let before = s.claim(partly).unwrap().patient_balance;
    let off = s.write_off(partly, "patient", "hardship").unwrap();
    assert_eq!(off, before);
    assert_eq!(s.claim(partly).unwrap().patient_balance, Decimal::ZERO);
    assert!(
        s.write_off(partly, "patient", "again").is_err(),
        "nothing left to write off"
    );
}

fn control_numbers_never_reused(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = demo_store(url, dir.path());
    let first = s.batches().unwrap();
    let paid = first_with(&mut s, "paid");
    s.void_claim(paid).unwrap();
    let second = s.build_batches(&dir.path().join("outbox"), 10).unwrap();
    assert_eq!(second.len(), 1);
    let all = s.batches().unwrap();
    assert_eq!(all.len(), first.len() + 1);
    let mut names: Vec<_> = all.iter().map(|b| b.2.clone()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), all.len(), "file names (ISA13) are unique");
    assert!(second[0].interchange_control > first.len() as i64);
}

fn reversal_and_unmatched(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = demo_store(url, dir.path());
    let paid_id = first_with(&mut s, "paid");
    let c = s.claim(paid_id).unwrap();
    let paid_before = s.total_paid_cents().unwrap();
    let charge = c.charge;
    let paid_amt = (charge * Decimal::new(8, 1)).round_dp(2);
    let icn = c.payer_claim_number.clone().unwrap();
    let body = format!(
        "ST*835*0001~BPR*I*{neg}*C*ACH~TRN*1*REV001*1000001112~N1*PR*MEDICARE~N1*PE*CLINIC*XX*1234567893~LX*1~\
         CLP*{pcn}*22*-{charge}*-{paid_amt}*0*MB*{icn}~CAS*CO*45*-{co}~\
         CLP*NOSUCHPCN*1*10*10*0*MB*X1~SE*9*0001~",
        neg = -paid_amt + Decimal::from(10),
        pcn = c.pcn,
        co = charge - paid_amt,
    );
    let out = s.post_835(body.as_bytes(), "reversal.835", true).unwrap();
    let r = &out.remittances[0];
    assert_eq!((r.claims_posted, r.claims_unmatched), (1, 1), "{out:?}");
    let after = s.claim(paid_id).unwrap();
    assert_eq!(after.status, "reversed");
    assert_eq!(
        after.payer_balance, charge,
        "the reversal reopened the charge"
    );
    assert_eq!(
        s.total_paid_cents().unwrap(),
        paid_before - otbill_cents(paid_amt)
    );
    let un = s.unmatched().unwrap();
    assert!(
        un.iter()
            .any(|u| u.1 == "NOSUCHPCN" && u.4.contains("no claim")),
        "{un:?}"
    );
}

fn otbill_cents(d: Decimal) -> i64 {
    i64::try_from((d * Decimal::ONE_HUNDRED).round()).unwrap()
}

fn acks_277ca_reject_and_resubmit(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(url).unwrap();
    let r = common::rules();
    demo::fill(&mut s, today()).unwrap();
    for v in s.visits_in("entered").unwrap().into_iter().take(3) {
        assert!(!s.claim_visit(v, &r.engine()).unwrap().blocked);
    }
    s.build_batches(&dir.path().join("outbox"), 100).unwrap();
    let ids = s.claims(Some("batched")).unwrap();
    let (a, b) = (s.claim(ids[0]).unwrap(), s.claim(ids[1]).unwrap());
    let ack = format!(
        "ST*277*0001*005010X214~BHT*0085*08*X*20261128*1200*TH~\
         HL*1**20*1~NM1*PR*2*PAYER*****PI*01112~HL*2*1*21*1~NM1*41*2*CLINIC*****46*X~\
         HL*3*2*19*1~NM1*85*2*CLINIC*****XX*1234567893~\
         HL*4*3*PT~NM1*QC*1*DOE*JOHN~TRN*2*{}~STC*A2:20*20261128*WQ*100~REF*1K*PAYERICN1~\
         HL*5*3*PT~NM1*QC*1*DOE*JANE~TRN*2*{}~STC*A7:562:85*20261128*U*100~SE*17*0001~",
        a.pcn, b.pcn
    );
    let out = s.apply_ack(ack.as_bytes(), "x.277").unwrap();
    assert_eq!((out.accepted, out.rejected), (1, 1), "{out:?}");
    assert_eq!(s.claim(a.id).unwrap().status, "accepted");
    assert_eq!(
        s.claim(a.id).unwrap().payer_claim_number.as_deref(),
        Some("PAYERICN1")
    );
    assert_eq!(s.claim(b.id).unwrap().status, "rejected");
    assert!(s.apply_ack(ack.as_bytes(), "x.277").unwrap().duplicate);
    // Rejected for a wrong payer id (A7:562): once the payer is corrected on file, the
    // resubmission goes out with the corrected id.
    let payer = s.payer(PayerKey::PayerId(&b.payer_id)).unwrap();
    let corrected = Payer {
        payer_id: "CORRECTED01".into(),
        ..payer.payer.clone()
    };
    s.update_payer(PayerKey::Id(payer.id), &corrected).unwrap();
    let again = s.resubmit_claim(b.id, |_| {}).unwrap();
    assert_eq!(s.claim(again).unwrap().status, "ready");
    s.build_batches(&dir.path().join("outbox2"), 100).unwrap();
    let sent = s.batches().unwrap().last().unwrap().0;
    let file = s.batch_file(sent).unwrap();
    let pcn = s.claim(again).unwrap().pcn;
    let resent = file.claims.iter().find(|c| c.patient_control_number == pcn);
    assert_eq!(
        resent.map(|c| c.payer.payer_id.as_str()),
        Some("CORRECTED01"),
        "the resubmission carries the corrected payer id"
    );
    assert_eq!(s.claim(again).unwrap().status, "batched");
    assert_eq!(s.claim(b.id).unwrap().status, "resubmitted");
    assert_eq!(s.claim(b.id).unwrap().payer_balance, Decimal::ZERO);
}

fn concurrent_posting_posts_once(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = demo_store(url, dir.path());
    // A fresh 835 nobody has posted: pay the claims of the first batch again under a new trace.
    let first = s.batches().unwrap()[0].0;
    let file = s.batch_file(first).unwrap();
    let spec = RemitSpec {
        trace: "CONCURRENT1".into(),
        payer_name: "P".into(),
        payer_id: "1999999999".into(),
        control_number: 4242,
        date: today(),
    };
    let remit = sim::remit_835(&file, &spec, |_, _| Verdict::Paid).unwrap();
    let before = s.total_paid_cents().unwrap();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (url, remit) = (url.to_owned(), remit.clone());
            std::thread::spawn(move || {
                let mut s = Store::open(&url).unwrap();
                s.post_835(&remit, "same.835", false).unwrap()
            })
        })
        .collect();
    let outs: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let dups = outs.iter().filter(|o| o.remittances[0].duplicate).count();
    assert_eq!(dups, 1, "exactly one of two concurrent postings posts");
    let total: Decimal = outs.iter().map(|o| o.remittances[0].paid).sum();
    assert_eq!(s.total_paid_cents().unwrap() - before, otbill_cents(total));
}

fn reports_add_up(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = demo_store(url, dir.path());
    let ar = s.report_ar(today()).unwrap();
    let open: Decimal = ar.iter().map(|r| r.total).sum();
    let mut by_claim = Decimal::ZERO;
    for id in s.claims(None).unwrap() {
        let c = s.claim(id).unwrap();
        by_claim += c.payer_balance + c.patient_balance;
    }
    assert_eq!(open, by_claim);
    assert!(ar.iter().any(|r| r.owed_by == "PATIENT"));
    let denials = s.report_denials().unwrap();
    assert!(
        denials.iter().any(|d| d.group == "CO" && d.carc == "50"),
        "{denials:?}"
    );
    assert!(
        !denials.iter().any(|d| d.carc == "45"),
        "CO-45 is contractual, not a denial"
    );
    let kx = s.report_kx(2026, Decimal::from(2410)).unwrap();
    assert!(!kx.is_empty() && kx.iter().all(|k| k.allowed > Decimal::ZERO));
    let due = s.report_due(today(), 400).unwrap();
    assert!(due.iter().any(|d| d.what == "recertification"));
}

/// The 835 a primary payer would send for `claim`: each line allowed at 80% (CO-45 for the
/// rest), 20% of that left to the patient (PR-2), paid the remainder, REF*6R echoed; and a
/// claim-level CO-253 (sequestration) of 1.00 taken from the claim's payment. Without
/// `by_line` the same money is reported at claim level only (no SVC loops). Returns the file
/// and the claim's payment in cents.
fn primary_835(claim: &otbill_837p::model::Claim, icn: &str, by_line: bool) -> (String, i64) {
    let mut body = Vec::new();
    let mut paid = 0;
    let mut lines = Vec::new();
    for l in &claim.lines {
        let charge = otbill_cents(l.charge.amount());
        let allowed = charge * 8 / 10;
        let patient = allowed / 5;
        let line_paid = allowed - patient;
        paid += line_paid;
        let mods: String = l
            .modifiers
            .iter()
            .map(|m| format!(":{}", m.as_str()))
            .collect();
        lines.push(format!(
            "SVC*HC:{}{mods}*{}*{}**{}",
            l.procedure.as_str(),
            d(charge),
            d(line_paid),
            l.units
        ));
        lines.push(format!("DTM*472*{}", l.service_date.format("%Y%m%d")));
        lines.push(
            format!("CAS*CO*45*{}~CAS*PR*2*{}", d(charge - allowed), d(patient)).replace('~', "\n"),
        );
        lines.push(format!("REF*6R*{}", l.line_control_number));
    }
    paid -= 100;
    let charge = otbill_cents(claim.total_charge.amount());
    let patient: i64 = claim
        .lines
        .iter()
        .map(|l| otbill_cents(l.charge.amount()) * 8 / 10 / 5)
        .sum();
    body.push(format!(
        "BPR*I*{}*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*20261120",
        d(paid)
    ));
    body.push("TRN*1*COBTRACE1*1999999999".into());
    body.push("DTM*405*20261120".into());
    body.push("N1*PR*MEDICARE PART B".into());
    body.push("N1*PE*CLINIC*XX*1234567893".into());
    body.push("LX*1".into());
    body.push(format!(
        "CLP*{}*1*{}*{}*{}*MB*{icn}*11*1",
        claim.patient_control_number,
        d(charge),
        d(paid),
        d(patient)
    ));
    if by_line {
        body.push("CAS*CO*253*1.00".into());
        for l in lines {
            body.extend(l.lines().map(str::to_owned));
        }
    } else {
        let contractual = charge - paid - 100 - patient;
        body.push(format!("CAS*CO*253*1.00**45*{}", d(contractual)));
        body.push(format!("CAS*PR*2*{}", d(patient)));
    }
    let n = body.len() + 2;
    let text = format!(
        "ISA*00*          *00*          *ZZ*1999999999     *ZZ*BRIGHTHANDSOT  *261120*1200*^*00501*000000777*0*T*:~\
         GS*HP*1999999999*BRIGHTHANDSOT*20261120*1200*777*X*005010X221A1~ST*835*0001~{}~SE*{n}*0001~GE*1*777~IEA*1*000000777~",
        body.join("~")
    );
    (text, paid)
}

fn d(cents: i64) -> String {
    otbill_store::dollars(cents).to_string()
}

/// What `secondary_case` leaves to look at.
struct Secondary {
    claim: otbill_837p::model::Claim,
    paid: i64,
    patient_cents: i64,
    /// The secondary claim's batch file, newlines removed.
    text: String,
    bytes: Vec<u8>,
    path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

/// Claims the demo month, posts a primary 835 with a partial payment for one of HARRIS's
/// claims (Medicare primary, BCBS secondary), moves it to the secondary and batches it.
fn secondary_case(url: &str, by_line: bool) -> Secondary {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let mut s = Store::open(url).unwrap();
    let r = common::rules();
    demo::fill(&mut s, today()).unwrap();
    for v in s.visits_in("entered").unwrap() {
        s.claim_visit(v, &r.engine()).unwrap();
    }
    let first = s.build_batches(&outbox, 1000).unwrap();
    // HARRIS (A1001): Medicare primary, BCBS secondary, the patient is the subscriber.
    let file = s.batch_file(first[0].batch_id).unwrap();
    let claim = file
        .claims
        .iter()
        .find(|c| c.subscriber.name.last == "HARRIS" && c.lines.len() > 1)
        .or_else(|| {
            file.claims
                .iter()
                .find(|c| c.subscriber.name.last == "HARRIS")
        })
        .expect("a claim for the patient with a secondary coverage")
        .clone();
    let primary_id = s.claim_by_pcn(&claim.patient_control_number).unwrap();
    let icn = "26324000123";
    let (era, paid) = primary_835(&claim, icn, by_line);
    let posted = s.post_835(era.as_bytes(), "primary.835", false).unwrap();
    assert_eq!(posted.remittances[0].claims_posted, 1, "{posted:?}");
    let before = s.claim(primary_id).unwrap();
    assert_eq!(before.status, "partly_paid");
    let patient_cents = otbill_cents(before.patient_balance);
    assert!(patient_cents > 0);

    let secondary_id = s.move_to_secondary(primary_id).unwrap();
    assert_eq!(s.claim(primary_id).unwrap().patient_balance, Decimal::ZERO);
    let sec = s.claim(secondary_id).unwrap();
    assert_eq!((sec.rank, sec.status.as_str()), (2, "ready"));
    assert_eq!(sec.payer_balance, before.patient_balance);

    let batches = s.build_batches(&outbox, 1000).unwrap();
    assert_eq!(batches.len(), 1);
    assert!(batches[0].refused.is_empty(), "{:?}", batches[0].refused);
    let bytes = std::fs::read(&batches[0].file).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap().replace('\n', "");
    pyx12_accepts(&batches[0].file);
    Secondary {
        claim,
        paid,
        patient_cents,
        text,
        bytes,
        path: batches[0].file.clone(),
        _dir: dir,
    }
}

fn secondary_claim_carries_the_primary_adjudication(url: &str) {
    use otbill_837p::model::Relationship;
    let Secondary {
        claim,
        paid,
        patient_cents,
        text,
        bytes,
        path,
        _dir,
    } = secondary_case(url, true);
    let icn = "26324000123";

    // 2000B/2010BB: the secondary payer; 2320/2330: the primary and what it did.
    assert!(text.contains("~SBR*S*18**"), "{text}");
    assert!(
        text.contains("~NM1*PR*2*REGENCE BCBS OREGON*****PI*00851~"),
        "{text}"
    );
    let member = &claim.subscriber.member_id;
    let cob = format!(
        "~SBR*P*18*******MB~CAS*CO*253*1.00~AMT*D*{}~AMT*EAF*{}~OI***Y***Y~NM1*IL*1*HARRIS*EVELYN****MI*{member}~",
        d(paid),
        d(patient_cents)
    );
    assert!(text.contains(&cob), "expected {cob} in\n{text}");
    // 2330B without DTP*573 (the dates are on the 2430 lines), with the primary's ICN.
    assert!(
        text.contains("~NM1*PR*2*MEDICARE PART B*****PI*01112~REF*F8*26324000123~LX*1~"),
        "{text}"
    );
    // 2430 per line, balanced: SVD02 + CO-45 + PR-2 = SV102.
    for l in &claim.lines {
        let charge = otbill_cents(l.charge.amount());
        let allowed = charge * 8 / 10;
        let patient = allowed / 5;
        let mods: String = l
            .modifiers
            .iter()
            .map(|m| format!(":{}", m.as_str()))
            .collect();
        let line = format!(
            "~SVD*01112*{}*HC:{}{mods}**{}~CAS*CO*45*{}~CAS*PR*2*{}~DTP*573*D8*20261120~AMT*EAF*{}~",
            d(allowed - patient),
            l.procedure.as_str(),
            l.units,
            d(charge - allowed),
            d(patient),
            d(patient)
        );
        assert!(text.contains(&line), "expected {line} in\n{text}");
    }

    // It reads back with the loops, and pyx12 accepts it.
    let back = otbill_837p::read_837p(&bytes);
    assert_eq!(back.findings, vec![]);
    let file = back.file.unwrap();
    let c = &file.claims[0];
    assert_eq!(c.other_payers.len(), 1);
    let o = &c.other_payers[0];
    assert_eq!(o.patient_relationship, None::<Relationship>);
    assert_eq!(o.paid_amount.map(|m| otbill_cents(m.amount())), Some(paid));
    assert_eq!(o.payer.claim_number.as_deref(), Some(icn));
    assert!(c.lines.iter().all(|l| l.adjudications.len() == 1));
    assert!(path.exists());
}

fn secondary_claim_from_a_claim_level_835(url: &str) {
    let Secondary {
        claim,
        paid,
        patient_cents,
        text,
        bytes,
        ..
    } = secondary_case(url, false);
    // Without line detail everything is at claim level, one triple per group and reason,
    // and the adjudication date is in 2330B.
    let charge = otbill_cents(claim.total_charge.amount());
    let member = &claim.subscriber.member_id;
    let cob = format!(
        "~SBR*P*18*******MB~CAS*CO*253*1.00**45*{}~CAS*PR*2*{}~AMT*D*{}~AMT*EAF*{}~OI***Y***Y~\
         NM1*IL*1*HARRIS*EVELYN****MI*{member}~N3*",
        d(charge - paid - 100 - patient_cents),
        d(patient_cents),
        d(paid),
        d(patient_cents)
    );
    assert!(text.contains(&cob), "expected {cob} in\n{text}");
    assert!(
        text.contains(
            "~NM1*PR*2*MEDICARE PART B*****PI*01112~DTP*573*D8*20261120~REF*F8*26324000123~LX*1~"
        ),
        "{text}"
    );
    assert!(!text.contains("~SVD*"), "{text}");
    let back = otbill_837p::read_837p(&bytes);
    assert_eq!(back.findings, vec![]);
}

/// Runs the 837P crate's pyx12 harness on one file; fails the test on any error.
fn pyx12_accepts(path: &std::path::Path) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../otbill-837p/tests/pyx12_check.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(path)
        .output()
        .expect("python3 with pyx12 4.0.0 (python3 -m pip install pyx12==4.0.0)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "pyx12:\n{stdout}\n{stderr}");
    assert!(stdout.contains("total 0 errors"), "{stdout}");
}

fn field_of<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Invalid { field, .. }) => field,
        other => panic!("expected a refusal naming a field, got {other:?}"),
    }
}

fn providers_and_payers_are_corrected_and_retired(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let mut s = Store::open(url).unwrap();
    let r = common::rules();
    demo::fill(&mut s, today()).unwrap();
    // Half the visits are claimed and sent before the corrections, the rest after.
    let entered = s.visits_in("entered").unwrap();
    let (sent, later) = entered.split_at(entered.len() / 2);
    for v in sent {
        s.claim_visit(*v, &r.engine()).unwrap();
    }
    s.build_batches(&outbox, 100).unwrap();
    let first_batch = s.batches().unwrap()[0].0;
    for v in later {
        s.claim_visit(*v, &r.engine()).unwrap();
    }

    // The lists carry the row id and the active flag.
    let medicare = s
        .payers()
        .unwrap()
        .into_iter()
        .find(|p| p.payer.payer_id == "01112")
        .unwrap();
    assert!(medicare.active);
    let json = serde_json::to_value(&medicare).unwrap();
    assert_eq!(json["payer_id"], "01112", "flat JSON: {json}");
    assert_eq!(json["active"], true);

    // Bad corrections name the field and change nothing.
    let bad = Payer {
        filing_indicator: "MBX".into(),
        ..medicare.payer.clone()
    };
    assert_eq!(
        field_of(s.update_payer(PayerKey::Id(medicare.id), &bad)),
        "payer.filing_indicator"
    );
    let blank = Payer {
        name: " ".into(),
        ..medicare.payer.clone()
    };
    assert_eq!(
        field_of(s.update_payer(PayerKey::Id(medicare.id), &blank)),
        "payer.name"
    );
    let taken = Payer {
        payer_id: "60054".into(),
        ..medicare.payer.clone()
    };
    assert!(matches!(
        s.update_payer(PayerKey::Id(medicare.id), &taken),
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        s.update_payer(PayerKey::PayerId("NOPE"), &medicare.payer),
        Err(Error::NotFound(_))
    ));
    assert_eq!(s.payer(PayerKey::Id(medicare.id)).unwrap(), medicare);

    // A corrected payer id: claims already sent keep what they were sent with; claims
    // not yet sent go out with the correction.
    let fixed = Payer {
        payer_id: "MCR01".into(),
        name: "MEDICARE PART B OREGON".into(),
        ..medicare.payer.clone()
    };
    let e = s.update_payer(PayerKey::PayerId("01112"), &fixed).unwrap();
    assert_eq!((e.id, e.active, &e.payer), (medicare.id, true, &fixed));
    let old = s.batch_file(first_batch).unwrap();
    assert!(old.claims.iter().any(|c| c.payer.payer_id == "01112"));
    assert!(old.claims.iter().all(|c| c.payer.payer_id != "MCR01"));
    let ready = s.claims(Some("ready")).unwrap();
    let updated = ready
        .iter()
        .filter(|id| {
            s.claim(**id)
                .unwrap()
                .events
                .iter()
                .any(|e| e.2 == "payer_updated")
        })
        .count();
    assert!(updated > 0, "no unsent Medicare claim was rewritten");
    s.build_batches(&outbox, 100).unwrap();
    let second = s.batches().unwrap().last().unwrap().0;
    assert_ne!(second, first_batch);
    let new = s.batch_file(second).unwrap();
    assert!(new
        .claims
        .iter()
        .any(|c| c.payer.payer_id == "MCR01" && c.payer.name == "MEDICARE PART B OREGON"));
    assert!(new.claims.iter().all(|c| c.payer.payer_id != "01112"));

    // Providers: LOPEZ (OT) supervises REED (OTA).
    let providers = s.providers().unwrap();
    assert!(providers.iter().all(|p| p.active));
    let (lopez, reed) = (providers[0].clone(), providers[2].clone());
    assert_eq!(
        reed.provider.supervisor_npi.as_deref(),
        Some(lopez.provider.npi.as_str())
    );
    let bad_npi = Provider {
        npi: "1234567890".into(),
        ..lopez.provider.clone()
    };
    assert_eq!(
        field_of(s.update_provider(ProviderKey::Id(lopez.id), &bad_npi)),
        "provider.npi"
    );
    let to_ota = Provider {
        credential: Credential::OTA,
        taxonomy: "224Z00000X".into(),
        ..lopez.provider.clone()
    };
    assert_eq!(
        field_of(s.update_provider(ProviderKey::Id(lopez.id), &to_ota)),
        "provider.credential"
    );
    let own = Provider {
        supervisor_npi: Some(reed.provider.npi.clone()),
        ..reed.provider.clone()
    };
    assert_eq!(
        field_of(s.update_provider(ProviderKey::Id(reed.id), &own)),
        "provider.supervisor_npi"
    );
    let renamed = Provider {
        last_name: "LOPEZ-DIAZ".into(),
        ..lopez.provider.clone()
    };
    let e = s
        .update_provider(ProviderKey::Npi(&lopez.provider.npi), &renamed)
        .unwrap();
    assert_eq!((e.id, &e.provider), (lopez.id, &renamed));

    // A deactivated provider stays on file and is refused for new visits.
    let e = s
        .set_provider_active(ProviderKey::Id(lopez.id), false)
        .unwrap();
    assert!(!e.active);
    assert!(s
        .providers()
        .unwrap()
        .iter()
        .any(|p| p.id == lopez.id && !p.active && p.provider.last_name == "LOPEZ-DIAZ"));
    let visit = Visit {
        patient_account: "A1001".into(),
        provider_npi: lopez.provider.npi.clone(),
        date: today(),
        place_of_service: "11".into(),
        progress_report: false,
        services: vec![VisitService {
            code: "97530".into(),
            minutes: Some(30),
            assistant_minutes: None,
        }],
    };
    assert_eq!(field_of(s.add_visit(&visit)), "visit.provider_npi");
    // ... nor named as a supervisor.
    assert_eq!(
        field_of(s.update_provider(ProviderKey::Id(reed.id), &reed.provider)),
        "provider.supervisor_npi"
    );
    assert!(
        s.set_provider_active(ProviderKey::Id(lopez.id), true)
            .unwrap()
            .active
    );

    // A deactivated payer: refused for a new coverage or authorization; a visit whose
    // coverage names it is held, not claimed.
    assert!(
        !s.set_payer_active(PayerKey::Id(medicare.id), false)
            .unwrap()
            .active
    );
    let patient = Patient {
        account: "Z9".into(),
        last_name: "SECRETNAME".into(),
        first_name: "ANN".into(),
        birth_date: NaiveDate::from_ymd_opt(1950, 1, 1).unwrap(),
        gender: "F".into(),
        address: Address {
            line1: "1 A ST".into(),
            line2: None,
            city: "SALEM".into(),
            state: "OR".into(),
            zip: "97301".into(),
        },
        coverages: vec![Coverage {
            payer_id: "MCR01".into(),
            rank: 1,
            member_id: "SECRETMEMBER".into(),
            group_number: None,
            relationship: "self".into(),
            subscriber: None,
            effective: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            expires: None,
        }],
    };
    let err = s.add_patient(&patient).unwrap_err();
    assert!(!err.to_string().contains("SECRET"), "{err}");
    assert_eq!(field_of::<i64>(Err(err)), "patient.coverages[0].payer_id");
    let auth = Authorization {
        patient_account: "A1001".into(),
        payer_id: "MCR01".into(),
        number: "AUTH1".into(),
        visits_allowed: Some(10),
        start: today(),
        end: today(),
    };
    assert_eq!(
        field_of(s.add_authorization(&auth)),
        "authorization.payer_id"
    );
    let v = s.add_visit(&visit).unwrap();
    let out = s.claim_visit(v, &r.engine()).unwrap();
    assert!(out.blocked);
    assert!(
        out.findings.iter().any(|f| f.code == "PAYER_INACTIVE"),
        "{out:?}"
    );
    assert!(
        s.set_payer_active(PayerKey::PayerId("MCR01"), true)
            .unwrap()
            .active
    );
    let out = s.claim_visit(v, &r.engine()).unwrap();
    assert!(
        out.findings.iter().all(|f| f.code != "PAYER_INACTIVE"),
        "{out:?}"
    );
}

/// A claim built from a visit carries the start of the patient's plan of care as its
/// initial treatment date (2300 DTP*454); the plan has no onset date, so no DTP*431.
fn claims_carry_the_plan_start_as_initial_treatment(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(url).unwrap();
    let r = common::rules();
    demo::fill(&mut s, today()).unwrap();
    for v in s.visits_in("entered").unwrap() {
        s.claim_visit(v, &r.engine()).unwrap();
    }
    let batches = s.build_batches(&dir.path().join("outbox"), 1000).unwrap();
    assert!(!batches.is_empty());
    let mut by_member = std::collections::HashMap::new();
    for b in &batches {
        for c in s.batch_file(b.batch_id).unwrap().claims {
            let first = c.lines.iter().map(|l| l.service_date).min().unwrap();
            let initial = c.initial_treatment_date.expect("DTP*454 from the plan");
            assert!(initial <= first, "{initial} after {first}");
            assert_eq!(c.onset_date, None);
            // One plan per demo patient: every claim of the patient has its start.
            let seen = by_member
                .entry(c.subscriber.member_id.clone())
                .or_insert(initial);
            assert_eq!(*seen, initial);
        }
        let text = std::fs::read_to_string(&b.file).unwrap();
        assert!(text.contains("DTP*454*D8*"), "{text}");
        assert!(!text.contains("DTP*431"), "{text}");
    }
    assert!(by_member.len() > 1);
}

/// The secondary claim is the primary's claim: it keeps DTP*454 (pyx12 judges the file in
/// `secondary_case`).
fn a_secondary_claim_keeps_the_initial_treatment_date(url: &str) {
    let case = secondary_case(url, true);
    let initial = case.claim.initial_treatment_date.expect("DTP*454");
    let segment = format!("DTP*454*D8*{}", initial.format("%Y%m%d"));
    assert!(case.text.contains(&segment), "{}", case.text);
}

/// A patient's primary coverage moves to another payer (their payer was retired): bad
/// input names the field, the visit held for `PAYER_INACTIVE` is claimed to the new payer
/// once coded again, and the claims already sent keep what they were sent with.
fn a_coverage_moved_to_an_active_payer_releases_a_held_visit(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let mut s = Store::open(url).unwrap();
    let r = common::rules();
    demo::fill(&mut s, today()).unwrap();
    for v in s.visits_in("entered").unwrap() {
        s.claim_visit(v, &r.engine()).unwrap();
    }
    s.build_batches(&outbox, 1000).unwrap();
    let batch_ids: Vec<i64> = s.batches().unwrap().iter().map(|b| b.0).collect();
    assert!(!batch_ids.is_empty());
    let sent: Vec<_> = batch_ids
        .iter()
        .map(|b| s.batch_file(*b).unwrap().claims)
        .collect();

    // Every demo payer retired; a new one takes over.
    for payer in s.payers().unwrap() {
        s.set_payer_active(PayerKey::Id(payer.id), false).unwrap();
    }
    s.add_payer(&Payer {
        payer_id: "NEW01".into(),
        name: "NEW HEALTH PLAN".into(),
        profile: "commercial".into(),
        filing_indicator: "CI".into(),
    })
    .unwrap();
    let lopez = s.providers().unwrap()[0].clone();
    let visit = Visit {
        patient_account: "A1001".into(),
        provider_npi: lopez.provider.npi.clone(),
        date: today(),
        place_of_service: "11".into(),
        progress_report: false,
        services: vec![VisitService {
            code: "97530".into(),
            minutes: Some(30),
            assistant_minutes: None,
        }],
    };
    let v = s.add_visit(&visit).unwrap();
    let out = s.claim_visit(v, &r.engine()).unwrap();
    assert!(out.blocked);
    assert!(
        out.findings.iter().any(|f| f.code == "PAYER_INACTIVE"),
        "{out:?}"
    );
    let patient = s
        .patient_accounts()
        .unwrap()
        .into_iter()
        .find(|p| p.1 == "A1001")
        .unwrap()
        .0;
    assert_eq!(s.held_visits(patient).unwrap(), vec![v]);

    let good = Coverage {
        payer_id: "NEW01".into(),
        rank: 1,
        member_id: "SECRETMEMBER9".into(),
        group_number: Some("G77".into()),
        relationship: "self".into(),
        subscriber: None,
        effective: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        expires: None,
    };
    // Bad input names the field, never the value, and changes nothing.
    let cases = [
        (
            Coverage {
                payer_id: "01112".into(),
                ..good.clone()
            },
            "coverage.payer_id",
        ),
        (
            Coverage {
                payer_id: "NOPE".into(),
                ..good.clone()
            },
            "coverage.payer_id",
        ),
        (
            Coverage {
                member_id: " ".into(),
                ..good.clone()
            },
            "coverage.member_id",
        ),
        (
            Coverage {
                rank: 2,
                ..good.clone()
            },
            "coverage.rank",
        ),
        (
            Coverage {
                relationship: "cousin".into(),
                ..good.clone()
            },
            "coverage.relationship",
        ),
        (
            Coverage {
                relationship: "spouse".into(),
                ..good.clone()
            },
            "coverage.subscriber",
        ),
        (
            Coverage {
                expires: NaiveDate::from_ymd_opt(2025, 1, 1),
                ..good.clone()
            },
            "coverage.expires",
        ),
    ];
    for (bad, field) in cases {
        let err = s.update_coverage(patient, 1, &bad).unwrap_err();
        assert!(!err.to_string().contains("SECRET"), "{err}");
        assert_eq!(field_of::<()>(Err(err)), field);
    }
    assert_eq!(field_of(s.update_coverage(patient, 4, &good)), "rank");
    assert!(matches!(
        s.update_coverage(999_999, 1, &good),
        Err(Error::NotFound(_))
    ));
    let out = s.claim_visit(v, &r.engine()).unwrap();
    assert!(
        out.findings.iter().any(|f| f.code == "PAYER_INACTIVE"),
        "{out:?}"
    );

    // The coverage moves: the held visit is claimed to the new payer.
    s.update_coverage(patient, 1, &good).unwrap();
    assert_eq!(s.coverage(patient, 1).unwrap().as_ref(), Some(&good));
    assert_eq!(s.coverage(patient, 3).unwrap(), None);
    assert!(matches!(s.coverage(999_999, 1), Err(Error::NotFound(_))));
    let out = s.claim_visit(v, &r.engine()).unwrap();
    assert!(
        out.findings.iter().all(|f| f.code != "PAYER_INACTIVE"),
        "{out:?}"
    );
    assert!(!out.blocked, "{out:?}");
    let claim = s.claim(out.claim_id.unwrap()).unwrap();
    assert_eq!(claim.payer_id, "NEW01");
    assert!(s.held_visits(patient).unwrap().is_empty());

    // A secondary coverage can be added the same way.
    let second = Coverage {
        rank: 2,
        member_id: "SECRETMEMBER8".into(),
        relationship: "spouse".into(),
        subscriber: Some(otbill_store::records::Subscriber {
            last_name: "SECRETSPOUSE".into(),
            first_name: "LEE".into(),
            birth_date: NaiveDate::from_ymd_opt(1950, 5, 5).unwrap(),
            gender: "M".into(),
        }),
        ..good.clone()
    };
    s.update_coverage(patient, 2, &second).unwrap();
    assert_eq!(s.coverage(patient, 2).unwrap(), Some(second));

    // The claims already sent are unchanged.
    let after: Vec<_> = batch_ids
        .iter()
        .map(|b| s.batch_file(*b).unwrap().claims)
        .collect();
    assert_eq!(after, sent);
    s.build_batches(&outbox, 1000).unwrap();
    let last = s.batches().unwrap().last().unwrap().0;
    let new = s.batch_file(last).unwrap();
    assert!(new
        .claims
        .iter()
        .any(|c| c.payer.payer_id == "NEW01" && c.subscriber.member_id == "SECRETMEMBER9"));
}

/// The benchmark's practice: the demo records, the synthetic payers and one patient.
fn synthetic_store(url: &str) -> Store {
    let mut s = Store::open(url).unwrap();
    demo::fill(&mut s, today()).unwrap();
    for (name, id, fi) in [
        ("MEDICARE PART B", "04412", "MB"),
        ("CASCADE HEALTH PLAN", "CHP01", "CI"),
        ("STATE MEDICAID", "SKMCD", "MC"),
    ] {
        s.add_payer(&Payer {
            payer_id: id.into(),
            name: name.into(),
            profile: "commercial".into(),
            filing_indicator: fi.into(),
        })
        .unwrap();
    }
    s.add_patient(&Patient {
        account: "BULK".into(),
        last_name: "BULK".into(),
        first_name: "PATIENT".into(),
        birth_date: NaiveDate::from_ymd_opt(1950, 1, 1).unwrap(),
        gender: "F".into(),
        address: Address {
            line1: "1 MAIN ST".into(),
            line2: None,
            city: "SALEM".into(),
            state: "OR".into(),
            zip: "97301".into(),
        },
        coverages: Vec::new(),
    })
    .unwrap();
    s
}

/// Issue 15 (PostgreSQL at speed): claims are imported, batched and posted in groups of
/// rows. More claims than one import group (5,000), one posting group (2,000) and one
/// PostgreSQL statement (10,000 rows): the numbers come from counter blocks without gaps or
/// reuse, every claim goes out in the batch, and two postings of the same 835 at once post
/// it once.
fn a_large_835_posts_once_when_posted_twice_at_once(url: &str) {
    const N: usize = 5200;
    let dir = tempfile::tempdir().unwrap();
    let mut s = synthetic_store(url);
    let mut claims = otbill_837p::synth::claim_file(7, N).claims;
    let ids = s.import_claims("BULK", &mut claims).unwrap();
    assert_eq!(ids.len(), N);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids in claim order");
    let pcns: Vec<i64> = claims
        .iter()
        .map(|c| c.patient_control_number[2..].parse().unwrap())
        .collect();
    assert!(
        pcns.windows(2).all(|w| w[1] == w[0] + 1),
        "PCNs from consecutive counter blocks"
    );
    for (id, claim) in ids.iter().zip(&claims).step_by(997) {
        assert_eq!(s.claim_by_pcn(&claim.patient_control_number).unwrap(), *id);
    }
    // A second import continues the counter.
    let mut more = otbill_837p::synth::claim_file(8, 3).claims;
    s.import_claims("BULK", &mut more).unwrap();
    let next: i64 = more[0].patient_control_number[2..].parse().unwrap();
    assert_eq!(
        next,
        pcns[N - 1] + 1,
        "a counter value is never handed out twice"
    );

    let batches = s.build_batches(&dir.path().join("outbox"), 10_000).unwrap();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].claims, N + 3);
    assert!(batches[0].refused.is_empty(), "{:?}", batches[0].refused);
    let text = std::fs::read_to_string(&batches[0].file).unwrap();
    assert_eq!(text.matches("CLM*").count(), N + 3);
    let file = s.batch_file(batches[0].batch_id).unwrap();
    let spec = RemitSpec {
        trace: "BULK1".into(),
        payer_name: "P".into(),
        payer_id: "1999999999".into(),
        control_number: 77,
        date: today(),
    };
    let remit = sim::remit_835(&file, &spec, |i, _| match i % 20 {
        0 => Verdict::Denied("50"),
        1 | 2 => Verdict::PartlyPaid,
        3 => Verdict::PaidWithoutLineRefs,
        _ => Verdict::Paid,
    })
    .unwrap();
    let before = s.total_paid_cents().unwrap();
    let counts = s.counts().unwrap();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (url, remit) = (url.to_owned(), remit.clone());
            std::thread::spawn(move || {
                let mut s = Store::open(&url).unwrap();
                s.post_835(&remit, "bulk.835", false).unwrap()
            })
        })
        .collect();
    let outs: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let posted: Vec<_> = outs
        .iter()
        .filter(|o| !o.remittances[0].duplicate)
        .collect();
    assert_eq!(
        posted.len(),
        1,
        "exactly one of two concurrent postings posts"
    );
    let r = &posted[0].remittances[0];
    assert_eq!(r.claims_posted, N + 3);
    assert_eq!((r.claims_unmatched, r.lines_unmatched), (0, 0), "{r:?}");
    assert_eq!(
        s.total_paid_cents().unwrap() - before,
        otbill_cents(r.paid),
        "the money of one posting"
    );
    // One remittance more; every claim adjudicated once, with one event for it.
    let after = s.counts().unwrap();
    assert_eq!(after[2].1, counts[2].1 + 1, "{after:?}");
    for &id in ids.iter().step_by(613) {
        let c = s.claim(id).unwrap();
        assert!(
            matches!(c.status.as_str(), "paid" | "partly_paid" | "denied"),
            "{c:?}"
        );
        let adjudicated = c
            .events
            .iter()
            .filter(|e| e.3.starts_with("835 trace BULK1"))
            .count();
        assert_eq!(adjudicated, 1, "{c:?}");
        assert!(c.payer_claim_number.is_some());
    }
    // Posting the file again, alone, finds it posted.
    let again = s.post_835(&remit, "bulk.835", false).unwrap();
    assert!(again.remittances.iter().all(|r| r.duplicate));
    assert_eq!(s.counts().unwrap(), after);
}

/// Issue 15: the status update of a posting group is one statement per group, so a claim
/// that appears twice in one 835 (a reversal, then the corrected payment) must still end
/// as posting its CLP loops in order leaves it: the last status, the last payer claim
/// number given, and both postings' money.
fn a_claim_twice_in_one_835_ends_as_posted_in_order(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = demo_store(url, dir.path());
    let id = first_with(&mut s, "paid");
    let c = s.claim(id).unwrap();
    let before = s.total_paid_cents().unwrap();
    let old_paid = (c.charge * Decimal::new(8, 1)).round_dp(2);
    let new_paid = (c.charge * Decimal::new(9, 1)).round_dp(2);
    let body = format!(
        "ST*835*0001~BPR*I*{total}*C*ACH~TRN*1*READJ01*1000001112~N1*PR*MEDICARE~\
         N1*PE*CLINIC*XX*1234567893~LX*1~\
         CLP*{pcn}*22*-{charge}*-{old_paid}*0*MB*ICNREVERSAL~CAS*CO*45*-{old_co}~\
         CLP*{pcn}*1*{charge}*{new_paid}*0*MB~CAS*CO*45*{new_co}~SE*11*0001~",
        total = new_paid - old_paid,
        pcn = c.pcn,
        charge = c.charge,
        old_co = c.charge - old_paid,
        new_co = c.charge - new_paid,
    );
    let out = s
        .post_835(body.as_bytes(), "readjudicated.835", true)
        .unwrap();
    assert_eq!(out.remittances[0].claims_posted, 2, "{out:?}");
    let after = s.claim(id).unwrap();
    assert_eq!(after.status, "paid", "the last CLP's status");
    assert_eq!(
        after.payer_claim_number.as_deref(),
        Some("ICNREVERSAL"),
        "the last payer claim number given"
    );
    assert_eq!(
        s.total_paid_cents().unwrap(),
        before - otbill_cents(old_paid) + otbill_cents(new_paid)
    );
    let events: Vec<_> = after
        .events
        .iter()
        .filter(|e| e.3.contains("READJ01"))
        .collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(
        (events[0].2.as_str(), events[1].2.as_str()),
        ("reversed", "paid")
    );
}

/// Found by the multi-instance load (`bench/multi`, issue #15 point 4): two requests of one
/// server writing the same batch file at once (one building it, one finishing it as
/// `reserved`) shared one temporary file, so the second rename failed with "No such file or
/// directory" and the request answered 500. Each writer now has its own temporary file.
#[test]
fn two_writers_of_one_batch_file_in_one_process_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("otbill-000000001.837");
    // Both writers are inside `fill` (their temporary files created) before either
    // renames: the interleaving the load hit.
    let both_open = std::sync::Barrier::new(2);
    let results: Vec<_> = std::thread::scope(|s| {
        let writers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    otbill_store::batch::write_atomic(&path, |w| {
                        both_open.wait();
                        w.write_all(b"ISA*the same bytes~")
                    })
                })
            })
            .collect();
        writers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    for r in &results {
        assert!(r.is_ok(), "{r:?}");
    }
    assert_eq!(std::fs::read(&path).unwrap(), b"ISA*the same bytes~");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}
