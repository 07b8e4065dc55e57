//! `PUT /api/v1/patients/{id}/coverages/{rank}`: billers move a patient's coverage to
//! another payer (therapists and admins are refused), bad input is named by field, the
//! visit held for `PAYER_INACTIVE` is claimed to the new payer, the change is audited with
//! the patient id, and no member id or name reaches the logs.

use otbill_server::auth::Role;

use crate::helpers::{spawn_app, Auth, TestApp, LOGS};

const ROUTE: &str = "/api/v1/patients/{id}/coverages/{rank}";
const NEW_MEMBER: &str = "COVMEMBERQZ7731";

/// The demo practice in the test's database (A1001 is covered by Medicare, 01112).
fn fill_demo(app: &TestApp) {
    let mut store = otbill_store::Store::open(&app.db_url).unwrap_or_else(|e| panic!("{e}"));
    otbill_store::demo::fill(&mut store, otbill_store::today()).unwrap_or_else(|e| panic!("{e}"));
}

fn coverage(payer_id: &str, rank: u8, member_id: &str) -> String {
    serde_json::json!({
        "payer_id": payer_id, "rank": rank, "member_id": member_id, "group_number": "G42",
        "effective": "2026-01-01"
    })
    .to_string()
}

#[tokio::test]
async fn billers_move_a_coverage_and_the_held_visit_is_claimed() {
    let app = spawn_app().await;
    fill_demo(&app);
    let admin = app.token_for("root", Role::Admin);
    let biller = app.token_for("bill", Role::Biller);
    let thera = app.token_for("thera", Role::Therapist);
    let (patient, old_member) = app
        .raw_db()
        .run_blocking(|c| {
            let r = c
                .one(
                    "SELECT pt.id, c.member_id FROM patients pt JOIN coverages c \
                     ON c.patient_id = pt.id AND c.rank = 1 WHERE pt.account = 'A1001'",
                    &[],
                )?
                .unwrap_or_else(|| panic!("no A1001"));
            Ok((r.int(0), r.text(1)))
        })
        .unwrap_or_else(|e| panic!("{e:#}"));
    let payers = app.get("/api/v1/payers", &admin).await.json();
    let old_payer = app
        .raw_db()
        .run_blocking(move |c| {
            Ok(c.one(
                "SELECT py.id FROM coverages c JOIN payers py ON py.id = c.payer_id \
                 WHERE c.patient_id = $1 AND c.rank = 1",
                &[patient.into()],
            )?
            .map(|r| r.int(0))
            .unwrap_or_default())
        })
        .unwrap_or_else(|e| panic!("{e:#}"));
    let other = payers
        .as_array()
        .and_then(|l| l.iter().find(|p| p["id"].as_i64() != Some(old_payer)))
        .and_then(|p| p["payer_id"].as_str())
        .unwrap_or_else(|| panic!("no other payer: {payers}"))
        .to_owned();
    let providers = app.get("/api/v1/providers", &admin).await.json();
    let npi = providers[0]["npi"].as_str().unwrap_or_default().to_owned();
    app.link_provider("thera", &npi).await;

    // The patient's payer is retired: a new visit is held.
    let res = app
        .post_json(
            &format!("/api/v1/payers/{old_payer}/deactivate"),
            &admin,
            "",
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let visit = serde_json::json!({
        "patient_account": "A1001", "provider_npi": npi,
        "date": otbill_store::today().to_string(),
        "services": [{"code": "97530", "minutes": 30}]
    })
    .to_string();
    let res = app.post_json("/api/v1/visits", &thera, &visit).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let held = res.json();
    assert_eq!(held["claim"]["blocked"], true, "{held}");
    let visit_id = held["visit_id"].as_i64().unwrap_or_default();

    let path = format!("/api/v1/patients/{patient}/coverages/1");
    let body = coverage(&other, 1, NEW_MEMBER);
    // Anonymous callers, therapists and admins may not.
    let res = app.send_json("PUT", &path, &Auth::None, &body).await;
    assert_eq!(res.status, 401, "{}", res.body);
    for who in [&thera, &admin] {
        let res = app.send_json("PUT", &path, who, &body).await;
        assert_eq!(res.status, 403, "{}", res.body);
    }
    // Bad input is named by field, without the values.
    let inactive = payers
        .as_array()
        .and_then(|l| l.iter().find(|p| p["id"].as_i64() == Some(old_payer)))
        .and_then(|p| p["payer_id"].as_str())
        .unwrap_or_default()
        .to_owned();
    for (bad, field) in [
        (coverage(&inactive, 1, NEW_MEMBER), "coverage.payer_id"),
        (coverage(&other, 1, " "), "coverage.member_id"),
        (coverage(&other, 2, NEW_MEMBER), "coverage.rank"),
        ("{\"payer_id\": 5}".to_owned(), "payer_id"),
    ] {
        let res = app.send_json("PUT", &path, &biller, &bad).await;
        assert_eq!(res.status, 400, "{}", res.body);
        assert_eq!(res.json()["error"]["field"], field, "{}", res.body);
        assert!(!res.body.contains(NEW_MEMBER), "{}", res.body);
    }
    let res = app
        .send_json(
            "PUT",
            &format!("/api/v1/patients/{patient}/coverages/4"),
            &biller,
            &body,
        )
        .await;
    assert_eq!(res.json()["error"]["field"], "rank", "{}", res.body);
    let res = app
        .send_json("PUT", "/api/v1/patients/999999/coverages/1", &biller, &body)
        .await;
    assert_eq!(res.status, 404, "{}", res.body);

    // A biller moves the coverage: the held visit is claimed to the new payer.
    let res = app.send_json("PUT", &path, &biller, &body).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let done = res.json();
    assert_eq!(done["patient_id"], patient, "{done}");
    assert_eq!(done["rank"], 1, "{done}");
    let reclaimed = done["reclaimed"].as_array().cloned().unwrap_or_default();
    let ours = reclaimed
        .iter()
        .find(|o| o["visit_id"] == visit_id)
        .unwrap_or_else(|| panic!("visit not re-run: {done}"));
    assert_eq!(ours["blocked"], false, "{done}");
    let claim_id = ours["claim_id"].as_i64().unwrap_or_default();
    let claim = app
        .get(&format!("/api/v1/claims/{claim_id}"), &biller)
        .await
        .json();
    assert_eq!(claim["payer_id"], other.as_str(), "{claim}");

    // Audited with the patient id: the update and the claim it made.
    let log = app
        .get(&format!("/api/v1/audit?patient_id={patient}"), &admin)
        .await
        .json();
    let has = |action: &str, resource: &str| {
        log.as_array().into_iter().flatten().any(|e| {
            e["username"] == "bill"
                && e["action"] == action
                && e["resource"] == resource
                && e["route"] == ROUTE
                && e["patient_id"] == patient
        })
    };
    assert!(has("update", "coverage"), "{log}");
    assert!(has("create", "claim"), "{log}");

    // No member id, old or new, in the logs.
    let logs =
        String::from_utf8_lossy(&LOGS.lock().map(|b| b.clone()).unwrap_or_default()).into_owned();
    assert!(
        logs.contains(&format!("route={ROUTE}")),
        "the request log ran"
    );
    for needle in [NEW_MEMBER, old_member.as_str()] {
        assert!(!logs.contains(needle), "PHI {needle:?} in the logs");
    }
}

/// The coverage form's fields.
fn fields<'a>(csrf: &'a str, member: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("payer_id", "60054"),
        ("member_id", member),
        ("group_number", "G42"),
        ("relationship", "self"),
        ("effective", "2026-01-01"),
        ("expires", ""),
    ]
}

/// The page: billers see the links on the patient page and a form filled with the stored
/// coverage; a refused post shows the error next to the form, without saving; a post
/// without the CSRF token is refused; a saved one redirects with the counts. Therapists
/// get neither the links nor the form.
#[tokio::test]
async fn billers_change_a_coverage_from_the_patient_page() {
    let app = spawn_app().await;
    fill_demo(&app);
    let biller = app.session_for("bill", Role::Biller).await;
    let thera = app.session_for("thera", Role::Therapist).await;
    let (patient, payer) = app
        .raw_db()
        .run_blocking(|c| {
            let r = c
                .one(
                    "SELECT pt.id, py.payer_id FROM patients pt JOIN coverages c ON c.patient_id = pt.id \
                     AND c.rank = 1 JOIN payers py ON py.id = c.payer_id WHERE pt.account = 'A1001'",
                    &[],
                )?
                .unwrap_or_else(|| panic!("no A1001"));
            Ok((r.int(0), r.text(1)))
        })
        .unwrap_or_else(|e| panic!("{e:#}"));
    let page = app.get(&format!("/patients/{patient}"), &biller).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let form_path = format!("/patients/{patient}/coverages/1");
    assert!(
        page.body.contains(&format!("href=\"{form_path}\"")),
        "{}",
        page.body
    );
    let form = app.get(&form_path, &biller).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("id=\"coverage-form\""), "{}", form.body);
    assert!(
        form.body.contains(&format!("value=\"{payer}\" selected")),
        "{}",
        form.body
    );
    assert!(form.body.contains("name=\"csrf\""), "{}", form.body);

    let csrf = biller.csrf().to_owned();
    let csrf = csrf.as_str();
    // Refused: the error is shown next to the form, nothing saved.
    let res = app.post_form(&form_path, &biller, &fields(csrf, " ")).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(res.body.contains("id=\"coverage-error\""), "{}", res.body);
    assert!(res.body.contains("coverage.member_id"), "{}", res.body);
    let mut bad_date = fields(csrf, NEW_MEMBER);
    bad_date[5] = ("effective", "01/01/2026");
    let res = app.post_form(&form_path, &biller, &bad_date).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(res.body.contains("coverage.effective"), "{}", res.body);
    // Without the CSRF token.
    let res = app
        .post_form(&form_path, &biller, &fields("", NEW_MEMBER))
        .await;
    assert_eq!(res.status, 403, "{}", res.body);
    // Therapists: no links, no form, no post.
    let page = app.get(&format!("/patients/{patient}"), &thera).await;
    assert!(!page.body.contains(&form_path), "{}", page.body);
    assert_eq!(app.get(&form_path, &thera).await.status, 403);
    let tcsrf = thera.csrf().to_owned();
    let tcsrf = tcsrf.as_str();
    let res = app
        .post_form(&form_path, &thera, &fields(tcsrf, NEW_MEMBER))
        .await;
    assert_eq!(res.status, 403, "{}", res.body);
    let stored = |app: &TestApp| {
        app.raw_db()
            .run_blocking(move |c| {
                Ok(c.one(
                    "SELECT member_id FROM coverages WHERE patient_id = $1 AND rank = 1",
                    &[patient.into()],
                )?
                .map(|r| r.text(0))
                .unwrap_or_default())
            })
            .unwrap_or_else(|e| panic!("{e:#}"))
    };
    assert_ne!(stored(&app), NEW_MEMBER);

    // Saved: redirected back with the counts.
    let res = app
        .post_form(&form_path, &biller, &fields(csrf, NEW_MEMBER))
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let to = res.header("location").unwrap_or_default().to_owned();
    assert!(to.starts_with(&format!("{form_path}?reclaimed=")), "{to}");
    assert_eq!(stored(&app), NEW_MEMBER);
    let page = app.get(&to, &biller).await;
    assert!(page.body.contains("id=\"coverage-saved\""), "{}", page.body);
    assert!(
        page.body.contains("value=\"60054\" selected"),
        "{}",
        page.body
    );
}
