//! The store test suite, run on SQLite and on PostgreSQL (see `common.rs`).

mod common;

use chrono::NaiveDate;
use otbill_store::records::{Address, Credential, Patient, Provider};
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
    let again = s.resubmit_claim(b.id, |_| {}).unwrap();
    assert_eq!(s.claim(again).unwrap().status, "ready");
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
