//! The denials worklist's actions over HTTP: corrected claim, appeal (with the letter) and
//! write-off, each a CSRF-checked form for billers only, changing the ledger and audited.

use otbill_server::auth::Role;

use crate::helpers::{spawn_app, Auth, TestApp};

/// The demo practice with its entered visits claimed, batched and answered by one 835 per
/// payer: Medicare denies CO-50 (appeal), Aetna CO-119 (corrected claim with KX), Regence
/// CO-29 (timely filing: cannot be appealed, write off).
pub async fn denied_practice(app: &TestApp) -> Auth {
    let mut store = otbill_store::Store::open(&app.db_url).unwrap_or_else(|e| panic!("{e}"));
    otbill_store::demo::fill(&mut store, otbill_store::today()).unwrap_or_else(|e| panic!("{e}"));
    let rules = otbill_server::Rules::builtin().unwrap_or_else(|e| panic!("{e}"));
    let engine = otbill_scrub::scrub::Engine {
        catalog: &rules.catalog,
        payers: &rules.payers,
        rules: &rules.rules,
    };
    for v in store.visits_in("entered").unwrap_or_default() {
        store
            .claim_visit(v, &engine)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let bill = app.session_for("bill", Role::Biller).await;
    let res = app.post_json("/api/v1/batches", &bill, "").await;
    assert_eq!(res.status, 201, "{}", res.body);
    let batches: Vec<i64> = res
        .json()
        .as_array()
        .map(|a| a.iter().filter_map(|b| b["batch_id"].as_i64()).collect())
        .unwrap_or_default();
    assert!(!batches.is_empty());
    for (n, batch) in batches.iter().enumerate() {
        let file = store.batch_file(*batch).unwrap_or_else(|e| panic!("{e}"));
        let mut payers: Vec<(String, String)> = file
            .claims
            .iter()
            .map(|c| (c.payer.payer_id.clone(), c.payer.name.clone()))
            .collect();
        payers.sort();
        payers.dedup();
        for (k, (payer, name)) in payers.iter().enumerate() {
            let spec = otbill_store::sim::RemitSpec {
                trace: format!("TW{n}{k}"),
                payer_name: name.clone(),
                payer_id: format!("1{payer:0>9}"),
                control_number: 900 + u32::try_from(n * 10 + k).unwrap_or(0),
                date: otbill_store::today(),
            };
            let verdict = match payer.as_str() {
                "01112" => "50",
                "60054" => "119",
                _ => "29",
            };
            let remit = otbill_store::sim::remit_835(&file, &spec, |_, c| {
                if &c.payer.payer_id == payer {
                    otbill_store::sim::Verdict::Denied(verdict)
                } else {
                    otbill_store::sim::Verdict::Skip
                }
            })
            .unwrap_or_else(|e| panic!("{e}"));
            store
                .post_835(&remit, "test.835", false)
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    bill
}

/// A denied claim whose adjustment has this CARC: `(claim id, patient id)`.
fn claim_with(app: &TestApp, carc: &str) -> (i64, i64) {
    let code = carc.to_owned();
    app.raw_db()
        .run_blocking(move |c| {
            Ok(c.one(
                "SELECT c.id, c.patient_id FROM claims c JOIN adjustments a ON a.claim_id = c.id \
                 WHERE a.reason = $1 AND c.status = 'denied' ORDER BY c.id",
                &[code.as_str().into()],
            )?
            .map(|r| (r.int(0), r.int(1))))
        })
        .unwrap_or_else(|e| panic!("{e:#}"))
        .unwrap_or_else(|| panic!("no claim denied with CO-{carc}"))
}

fn status(app: &TestApp, id: i64) -> String {
    app.raw_db()
        .run_blocking(move |c| {
            Ok(
                c.one("SELECT status FROM claims WHERE id = $1", &[id.into()])?
                    .map(|r| r.text(0)),
            )
        })
        .unwrap_or_else(|e| panic!("{e:#}"))
        .unwrap_or_default()
}

/// The audit entries `(action, resource, resource id, patient id)` of a route template.
fn audited(app: &TestApp, route: &str) -> Vec<(String, String, Option<String>, Option<i64>)> {
    let route = route.to_owned();
    app
        .raw_db()
        .run_blocking(move |c| {
            Ok(c.query(
                "SELECT action, resource, resource_id, patient_id FROM server_audit WHERE route = $1 ORDER BY id",
                &[route.as_str().into()],
            )?
            .iter()
            .map(|r| (r.text(0), r.text(1), r.opt_text(2), r.opt_int(3)))
            .collect())
        })
        .unwrap_or_else(|e| panic!("{e:#}"))
}

/// Posts an action: refused to a therapist and an admin (with their valid CSRF tokens) and
/// without the token, then done by the biller; returns the redirect's location.
async fn act(app: &TestApp, bill: &Auth, path: &str) -> String {
    let thera = app.session_for("thera", Role::Therapist).await;
    let root = app.session_for("root", Role::Admin).await;
    for who in [&thera, &root] {
        let res = app.post_form(path, who, &[("csrf", who.csrf())]).await;
        assert_eq!(res.status, 403, "{path}: {}", res.body);
    }
    assert_eq!(
        app.post_form(path, bill, &[]).await.status,
        403,
        "{path} without csrf"
    );
    let res = app.post_form(path, bill, &[("csrf", bill.csrf())]).await;
    assert_eq!(res.status, 303, "{path}: {}", res.body);
    res.header("location").unwrap_or_default().to_owned()
}

#[tokio::test]
async fn corrected_claim_action_creates_the_replacement_with_the_kx_fix() {
    let app = spawn_app().await;
    let bill = denied_practice(&app).await;
    let (id, patient) = claim_with(&app, "119");
    let page = app.get("/denials", &bill).await;
    assert!(
        page.body
            .contains(&format!("action=\"/denials/{id}/correct\"")),
        "{}",
        page.body
    );
    let path = format!("/denials/{id}/correct");
    assert_eq!(status(&app, id), "denied", "refused posts changed nothing");
    let to = act(&app, &bill, &path).await;
    assert!(
        to.starts_with(&format!("/denials?done=corrected&claim={id}&new=")),
        "{to}"
    );
    assert!(!to.ends_with("&fixes=0"), "the KX fix applied: {to}");
    assert_eq!(status(&app, id), "corrected");
    let new = app
        .raw_db()
        .run_blocking(move |c| {
            c.one(
                "SELECT id, frequency, claim_json FROM claims WHERE original_claim_id = $1",
                &[id.into()],
            )
        })
        .unwrap_or_else(|e| panic!("{e:#}"))
        .unwrap_or_else(|| panic!("no replacement"));
    assert!(new.text(2).contains("KX"), "{}", new.text(2));
    let flash = app.get(&to, &bill).await;
    assert!(flash.body.contains("id=\"flash\""), "{}", flash.body);
    let log = audited(&app, "/denials/{id}/correct");
    let id_s = Some(id.to_string());
    assert!(
        log.contains(&("update".into(), "claim".into(), id_s, Some(patient))),
        "{log:?}"
    );
    assert!(log.contains(&(
        "create".into(),
        "claim".into(),
        Some(new.int(0).to_string()),
        Some(patient)
    )));
    // Twice is refused: the original is corrected already.
    let res = app.post_form(&path, &bill, &[("csrf", bill.csrf())]).await;
    assert_eq!(res.status, 409, "{}", res.body);
}

#[tokio::test]
async fn appeal_action_records_the_appeal_and_offers_the_letter() {
    let app = spawn_app().await;
    let bill = denied_practice(&app).await;
    let (id, patient) = claim_with(&app, "50");
    // The letter of a claim to appeal is a PDF; of a claim to correct, refused.
    let res = app
        .get(&format!("/claims/{id}/appeal-letter.pdf"), &bill)
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body.starts_with("%PDF"));
    assert_eq!(res.header("content-type"), Some("application/pdf"));
    let thera = app.session_for("thera2", Role::Therapist).await;
    let res = app
        .get(&format!("/claims/{id}/appeal-letter.pdf"), &thera)
        .await;
    assert_eq!(res.status, 403);
    let (other, _) = claim_with(&app, "119");
    assert_eq!(
        app.post_form(
            &format!("/denials/{other}/appeal"),
            &bill,
            &[("csrf", bill.csrf())]
        )
        .await
        .status,
        409,
        "a corrected-claim route is not appealed"
    );
    let to = act(&app, &bill, &format!("/denials/{id}/appeal")).await;
    assert_eq!(to, format!("/denials?done=appealed&claim={id}"));
    assert_eq!(status(&app, id), "appealed");
    let flash = app.get(&to, &bill).await;
    assert!(flash.body.contains("appeal-letter.pdf"), "{}", flash.body);
    assert_eq!(
        audited(&app, "/denials/{id}/appeal"),
        vec![(
            "update".into(),
            "claim".into(),
            Some(id.to_string()),
            Some(patient)
        )]
    );
    assert_eq!(
        audited(&app, "/claims/{id}/appeal-letter.pdf"),
        vec![(
            "read".into(),
            "appeal_letter".into(),
            Some(id.to_string()),
            Some(patient)
        )]
    );
}

#[tokio::test]
async fn write_off_action_writes_off_what_cannot_be_appealed() {
    let app = spawn_app().await;
    let bill = denied_practice(&app).await;
    let (id, patient) = claim_with(&app, "29");
    let to = act(&app, &bill, &format!("/denials/{id}/write-off")).await;
    assert_eq!(to, format!("/denials?done=written_off&claim={id}"));
    let written = app
        .raw_db()
        .run_blocking(move |c| {
            c.one(
                "SELECT COUNT(*), SUM(amount_cents) FROM ledger WHERE claim_id = $1 AND kind = 'write_off'",
                &[id.into()],
            )
        })
        .unwrap_or_else(|e| panic!("{e:#}"))
        .map(|r| (r.int(0), r.int(1)))
        .unwrap_or_default();
    assert_eq!(written.0, 1);
    assert!(written.1 < 0, "{written:?}");
    assert_eq!(
        audited(&app, "/denials/{id}/write-off"),
        vec![(
            "update".into(),
            "claim".into(),
            Some(id.to_string()),
            Some(patient)
        )]
    );
    // An appealable denial is not written off from the worklist.
    let (other, _) = claim_with(&app, "50");
    assert_eq!(
        app.post_form(
            &format!("/denials/{other}/write-off"),
            &bill,
            &[("csrf", bill.csrf())]
        )
        .await
        .status,
        409
    );
}

#[tokio::test]
async fn a_therapist_sees_only_their_own_patients() {
    let app = spawn_app().await;
    let mut store = otbill_store::Store::open(&app.db_url).unwrap_or_else(|e| panic!("{e}"));
    otbill_store::demo::fill(&mut store, otbill_store::today()).unwrap_or_else(|e| panic!("{e}"));
    let (other, other_account, npi) = app
        .raw_db()
        .run_blocking(|c| {
            let p = c
                .one(
                    "SELECT pl.patient_id, pt.account, pr.npi FROM plans_of_care pl \
                     JOIN patients pt ON pt.id = pl.patient_id JOIN providers pr ON pr.id = pl.provider_id ORDER BY pl.id",
                    &[],
                )?
                .unwrap_or_else(|| panic!("no plan"));
            Ok((p.int(0), p.text(1), p.text(2)))
        })
        .unwrap_or_else(|e| panic!("{e:#}"));
    let thera = app.session_for("thera", Role::Therapist).await;
    // The therapist registers a patient and enters a visit for them.
    let patient = serde_json::json!({
        "account": "Z900", "last_name": "QUILLFEATHER", "first_name": "ZEBEDIAH",
        "birth_date": "1950-01-01", "gender": "M",
        "address": {"line1": "1 A ST", "city": "SALEM", "state": "OR", "zip": "97301"},
        "coverages": [{"payer_id": "01112", "rank": 1, "member_id": "1EG4TE5MK73",
                       "effective": "2026-01-01"}]
    })
    .to_string();
    let res = app.post_json("/api/v1/patients", &thera, &patient).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let mine = res.json()["id"].as_i64().unwrap_or_default();
    let visit = |account: &str| {
        serde_json::json!({
            "patient_account": account, "provider_npi": npi, "date": otbill_store::today().to_string(),
            "services": [{"code": "97110", "minutes": 23}]
        })
        .to_string()
    };
    let res = app
        .post_json("/api/v1/visits", &thera, &visit("Z900"))
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    // A visit for someone else's patient is refused as if there were no such account.
    let res = app
        .post_json("/api/v1/visits", &thera, &visit(&other_account))
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    let list = app.get("/api/v1/patients", &thera).await.json();
    let ids: Vec<i64> = list
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["id"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(ids, vec![mine], "{list}");
    assert_eq!(
        app.get(&format!("/api/v1/patients/{mine}"), &thera)
            .await
            .status,
        200
    );
    assert_eq!(
        app.get(&format!("/patients/{mine}"), &thera).await.status,
        200
    );
    assert_eq!(
        app.get(&format!("/api/v1/patients/{other}"), &thera)
            .await
            .status,
        404
    );
    assert_eq!(
        app.get(&format!("/patients/{other}"), &thera).await.status,
        404
    );
    let page = app.get("/patients", &thera).await;
    assert!(
        page.body.contains(&format!("/patients/{mine}\"")),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&format!("/patients/{other}\"")));
    // Both refusals are in the audit log, against the patient asked for.
    let refused = app
        .raw_db()
        .run_blocking(move |c| {
            Ok(c.query(
                "SELECT route FROM server_audit WHERE action = 'refused' AND username = 'thera' AND patient_id = $1 ORDER BY id",
                &[other.into()],
            )?
            .iter()
            .map(|r| r.text(0))
            .collect::<Vec<_>>())
        })
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(
        refused,
        vec!["/api/v1/visits", "/api/v1/patients/{id}", "/patients/{id}"]
    );
    // A biller still sees every patient.
    let bill = app.session_for("bill", Role::Biller).await;
    assert_eq!(
        app.get(&format!("/api/v1/patients/{other}"), &bill)
            .await
            .status,
        200
    );
    assert!(
        app.get("/api/v1/patients", &bill)
            .await
            .json()
            .as_array()
            .map_or(0, Vec::len)
            > 1
    );
}
