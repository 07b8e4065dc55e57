//! The ledger over HTTP, and the security rules on every PHI route: a fresh demo practice
//! per test (`otbill_store::demo::fill`), the real server on a free port.

use otbill_server::auth::Role;

use crate::helpers::{spawn_app, Auth, TestApp, LOGS};

/// Fills the demo practice into the test's database.
fn fill_demo(app: &TestApp) {
    let mut store = otbill_store::Store::open(&app.db_url).unwrap_or_else(|e| panic!("{e}"));
    otbill_store::demo::fill(&mut store, otbill_store::today()).unwrap_or_else(|e| panic!("{e}"));
}

/// A Medicare patient's account and a provider's NPI from the demo practice.
fn demo_ids(app: &TestApp) -> (i64, String, String) {
    app
        .raw_db()
        .run_blocking(|c| {
            let p = c
                .one(
                    "SELECT pt.id, pt.account FROM patients pt JOIN coverages c ON c.patient_id = pt.id \
                     JOIN payers py ON py.id = c.payer_id WHERE py.profile = 'medicare' AND c.rank = 1 ORDER BY pt.id",
                    &[],
                )?
                .unwrap_or_else(|| panic!("no medicare patient"));
            let pl = c
                .one("SELECT pr.npi FROM plans_of_care pl JOIN providers pr ON pr.id = pl.provider_id WHERE pl.patient_id = $1", &[p.int(0).into()])?
                .unwrap_or_else(|| panic!("no plan"));
            Ok((p.int(0), p.text(1), pl.text(0)))
        })
        .unwrap_or_else(|e| panic!("{e:#}"))
}

fn visit_json(account: &str, npi: &str) -> String {
    serde_json::json!({
        "patient_account": account, "provider_npi": npi, "date": otbill_store::today().to_string(),
        "services": [{"code": "97112", "minutes": 24}, {"code": "97110", "minutes": 23}]
    })
    .to_string()
}

/// Every route that shows or changes patient data, with a role that must be refused.
const PHI_ROUTES: &[(&str, &str, Role)] = &[
    ("GET", "/api/v1/patients", Role::Admin),
    ("GET", "/api/v1/patients/1", Role::Admin),
    ("POST", "/api/v1/patients", Role::Admin),
    ("POST", "/api/v1/plans", Role::Admin),
    ("GET", "/api/v1/visits", Role::Biller),
    ("GET", "/api/v1/visits/1", Role::Biller),
    ("POST", "/api/v1/visits", Role::Biller),
    ("GET", "/api/v1/claims", Role::Therapist),
    ("GET", "/api/v1/claims/1", Role::Therapist),
    ("GET", "/api/v1/batches", Role::Therapist),
    ("POST", "/api/v1/batches", Role::Therapist),
    ("GET", "/api/v1/batches/1/837", Role::Therapist),
    ("POST", "/api/v1/remittances", Role::Therapist),
    ("POST", "/api/v1/acks", Role::Therapist),
    ("GET", "/api/v1/denials", Role::Therapist),
    ("GET", "/api/v1/reports/ar", Role::Therapist),
    ("GET", "/api/v1/audit", Role::Biller),
];

const PHI_PAGES: &[(&str, Role)] = &[
    ("/patients", Role::Admin),
    ("/patients/1", Role::Admin),
    ("/visits", Role::Biller),
    ("/visits/new", Role::Admin),
    ("/claims", Role::Therapist),
    ("/claims/1", Role::Therapist),
    ("/era", Role::Therapist),
    ("/denials", Role::Therapist),
    ("/dashboard", Role::Therapist),
    ("/admin/audit", Role::Biller),
];

#[tokio::test]
async fn every_phi_route_refuses_anonymous_and_wrong_roles() {
    let app = spawn_app().await;
    fill_demo(&app);
    let mut sessions = Vec::new();
    for (name, role) in [
        ("t", Role::Therapist),
        ("b", Role::Biller),
        ("a", Role::Admin),
    ] {
        sessions.push((role, app.session_for(name, role).await));
    }
    let session = |role: Role| {
        sessions
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, s)| s.clone())
            .unwrap_or(Auth::None)
    };
    for (method, path, wrong) in PHI_ROUTES {
        let res = match *method {
            "GET" => app.get(path, &Auth::None).await,
            _ => app.post_json(path, &Auth::None, "{}").await,
        };
        assert_eq!(res.status, 401, "{method} {path} anonymous: {}", res.body);
        assert_eq!(res.json()["error"]["code"], "unauthenticated");
        let s = session(*wrong);
        let res = match *method {
            "GET" => app.get(path, &s).await,
            _ => app.post_json(path, &s, "{}").await,
        };
        assert_eq!(
            res.status, 403,
            "{method} {path} as {wrong:?}: {}",
            res.body
        );
        assert_eq!(res.json()["error"]["code"], "forbidden");
    }
    for (path, wrong) in PHI_PAGES {
        let res = app.get(path, &Auth::None).await;
        assert_eq!(res.status, 303, "{path} anonymous");
        assert_eq!(res.header("location"), Some("/login"));
        let res = app.get(path, &session(*wrong)).await;
        assert_eq!(res.status, 403, "{path} as {wrong:?}");
        assert!(
            !res.body.contains("A100"),
            "{path} leaked an account to {wrong:?}"
        );
    }
    // API tokens do not open web pages.
    let token = app.token_for("emr", Role::Biller);
    assert_eq!(app.get("/claims", &token).await.status, 303);
}

#[tokio::test]
async fn form_posts_without_the_csrf_token_are_refused() {
    let app = spawn_app().await;
    fill_demo(&app);
    let (_, account, npi) = demo_ids(&app);
    let thera = app.session_for("thera", Role::Therapist).await;
    let bill = app.session_for("bill", Role::Biller).await;
    let root = app.session_for("root", Role::Admin).await;
    // Linked to the provider the visit names, so the visit is theirs to enter.
    app.link_provider("thera", &npi).await;
    let visit = [
        ("patient_account", account.as_str()),
        ("provider_npi", npi.as_str()),
        ("date", "2026-03-02"),
        ("code0", "97110"),
        ("minutes0", "23"),
    ];
    type Case<'a> = (&'a str, &'a Auth, Vec<(&'a str, &'a str)>);
    let cases: Vec<Case<'_>> = vec![
        ("/visits", &thera, visit.to_vec()),
        ("/era", &bill, vec![("content", "ISA*00~")]),
        (
            "/admin/users",
            &root,
            vec![
                ("username", "x"),
                ("role", "admin"),
                ("password", "0123456789"),
            ],
        ),
        ("/logout", &root, vec![]),
    ];
    for (path, who, form) in &cases {
        let res = app.post_form(path, who, form).await;
        assert_eq!(res.status, 403, "{path} without csrf");
        let mut wrong = form.clone();
        wrong.push(("csrf", "0000"));
        let res = app.post_form(path, who, &wrong).await;
        assert_eq!(res.status, 403, "{path} with a wrong csrf");
    }
    // Nothing was stored by the refused posts.
    let n = app
        .raw_db()
        .run_blocking(|c| {
            c.one(
                "SELECT COUNT(*) FROM visits WHERE created_by = 'thera'",
                &[],
            )
        })
        .unwrap_or_else(|e| panic!("{e:#}"))
        .map_or(0, |r| r.int(0));
    assert_eq!(n, 0);
    // With the token the same visit form is accepted.
    let mut ok = visit.to_vec();
    ok.push(("csrf", thera.csrf()));
    let res = app.post_form("/visits", &thera, &ok).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body.contains("Visit saved"), "{}", res.body);
    // The sign-in form needs its double-submit cookie.
    let res = app
        .post_form(
            "/login",
            &Auth::None,
            &[
                ("username", "thera"),
                ("password", crate::helpers::PASSWORD),
                ("csrf", "x"),
            ],
        )
        .await;
    assert_eq!(res.status, 403);
}

#[tokio::test]
async fn posting_a_visit_codes_scrubs_prices_and_audits_it() {
    let app = spawn_app().await;
    fill_demo(&app);
    let (patient_id, account, npi) = demo_ids(&app);
    let emr = app.token_for("thera", Role::Therapist);
    app.link_provider("thera", &npi).await;
    let res = app
        .post_json("/api/v1/visits", &emr, &visit_json(&account, &npi))
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let v = res.json();
    assert_eq!(v["patient_id"], patient_id);
    assert_eq!(v["coded"]["total_timed_units"], 3);
    assert!(v["coded"]["lines"][0]["why"][0]["text"].is_string(), "{v}");
    assert!(v["priced"][0]["allowed"].is_string(), "{v}");
    assert!(v["claim"]["findings"].is_array());
    let visit_id = v["visit_id"].as_i64().unwrap_or_default();
    // Field errors name the field.
    let res = app
        .post_json("/api/v1/visits", &emr, r#"{"patient_account": "A1001"}"#)
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(res.json()["error"]["field"], "provider_npi");
    // The therapist reads their visit back; another therapist cannot see it.
    assert_eq!(
        app.get(&format!("/api/v1/visits/{visit_id}"), &emr)
            .await
            .status,
        200
    );
    let other = app.token_for("thera2", Role::Therapist);
    assert_eq!(
        app.get(&format!("/api/v1/visits/{visit_id}"), &other)
            .await
            .status,
        404
    );
    // Reads and writes are in the audit log, with the patient.
    let bill = app.token_for("bill", Role::Biller);
    assert_eq!(
        app.get(&format!("/api/v1/patients/{patient_id}"), &bill)
            .await
            .status,
        200
    );
    let root = app.token_for("root", Role::Admin);
    let log = app
        .get(&format!("/api/v1/audit?patient_id={patient_id}"), &root)
        .await
        .json();
    let entries: Vec<(String, String, String)> = log
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["username"].as_str().unwrap_or("").into(),
                e["action"].as_str().unwrap_or("").into(),
                e["resource"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert!(
        entries.contains(&("thera".into(), "create".into(), "visit".into())),
        "{entries:?}"
    );
    assert!(
        entries.contains(&("thera".into(), "read".into(), "visit".into())),
        "{entries:?}"
    );
    assert!(
        entries.contains(&("bill".into(), "read".into(), "patient".into())),
        "{entries:?}"
    );
    // The audit log cannot be changed.
    let changed = app
        .raw_db()
        .run_blocking(|c| c.exec("DELETE FROM server_audit", &[]));
    assert!(changed.is_err());
}

#[tokio::test]
async fn billing_path_batches_downloads_posts_once_and_lists_denials() {
    let app = spawn_app().await;
    fill_demo(&app);
    let rules = otbill_server::Rules::builtin().unwrap_or_else(|e| panic!("{e}"));
    {
        let mut store = otbill_store::Store::open(&app.db_url).unwrap_or_else(|e| panic!("{e}"));
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
    }
    let bill = app.token_for("bill", Role::Biller);
    let res = app.get("/api/v1/claims?status=ready", &bill).await;
    assert_eq!(res.status, 200);
    let ready = res.json().as_array().map_or(0, Vec::len);
    assert!(ready > 0);
    let res = app.post_json("/api/v1/batches", &bill, "").await;
    assert_eq!(res.status, 201, "{}", res.body);
    let batch_id = res.json()[0]["batch_id"].as_i64().unwrap_or_default();
    let res = app
        .get(&format!("/api/v1/batches/{batch_id}/837"), &bill)
        .await;
    assert_eq!(res.status, 200);
    assert!(
        res.body.starts_with("ISA*"),
        "{}",
        &res.body[..res.body.len().min(80)]
    );
    assert!(res.body.contains("ST*837*"));
    // An 835 for the batch: posted once, the second time recognised.
    let remit = {
        let mut store = otbill_store::Store::open(&app.db_url).unwrap_or_else(|e| panic!("{e}"));
        let file = store.batch_file(batch_id).unwrap_or_else(|e| panic!("{e}"));
        let payer = file.claims[0].payer.payer_id.clone();
        let spec = otbill_store::sim::RemitSpec {
            trace: "T1".into(),
            payer_name: file.claims[0].payer.name.clone(),
            payer_id: format!("1{payer:0>9}"),
            control_number: 1,
            date: otbill_store::today(),
        };
        otbill_store::sim::remit_835(&file, &spec, |i, c| {
            if c.payer.payer_id != payer {
                otbill_store::sim::Verdict::Skip
            } else if i == 0 {
                otbill_store::sim::Verdict::Denied("50")
            } else {
                otbill_store::sim::Verdict::Paid
            }
        })
        .unwrap_or_else(|e| panic!("{e}"))
    };
    let body = String::from_utf8_lossy(&remit).into_owned();
    let res = app
        .post_json("/api/v1/remittances?name=t.835", &bill, &body)
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let v = res.json();
    assert_eq!(v["remittances"][0]["duplicate"], false);
    assert!(v["unmatched"].is_array());
    let again = app
        .post_json("/api/v1/remittances?name=t.835", &bill, &body)
        .await
        .json();
    assert_eq!(again["remittances"][0]["duplicate"], true);
    let paid = app.get("/api/v1/claims?status=paid", &bill).await.json();
    let id = paid[0]["id"].as_i64().unwrap_or_default();
    let claim = app.get(&format!("/api/v1/claims/{id}"), &bill).await.json();
    assert_eq!(claim["status"], "paid");
    assert!(
        claim["payments"]
            .as_array()
            .is_some_and(|p| p.iter().any(|x| x["kind"] == "payment")),
        "{claim}"
    );
    let denials = app.get("/api/v1/denials", &bill).await.json();
    let first = &denials[0];
    assert_eq!(first["adjustment"], "CO-50", "{denials}");
    assert!(first["fix"].as_str().is_some_and(|f| !f.is_empty()));
    assert!(first["deadline"]["due"].is_string());
    for name in ["ar", "denials", "due", "kx", "collected", "dashboard"] {
        assert_eq!(
            app.get(&format!("/api/v1/reports/{name}"), &bill)
                .await
                .status,
            200,
            "{name}"
        );
    }
    assert_eq!(
        app.get("/api/v1/reports/nope", &bill).await.json()["error"]["field"],
        "name"
    );
    // Garbage is refused with the field named, not a 500.
    let res = app
        .post_json("/api/v1/remittances", &bill, "not an 835")
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
}

#[tokio::test]
async fn no_phi_in_the_logs_of_a_full_run() {
    let app = spawn_app().await;
    fill_demo(&app);
    let (patient_id, account, npi) = demo_ids(&app);
    let thera = app.session_for("thera", Role::Therapist).await;
    let bill = app.session_for("bill", Role::Biller).await;
    app.link_provider("thera", &npi).await;
    app.post_json("/api/v1/visits", &thera, &visit_json(&account, &npi))
        .await;
    app.get(&format!("/patients/{patient_id}"), &bill).await;
    app.get(&format!("/api/v1/patients/{patient_id}"), &bill)
        .await;
    app.get("/patients", &bill).await;
    app.get("/claims", &bill).await;
    app.get("/api/v1/patients/999999", &bill).await;
    app.post_json("/api/v1/patients", &bill, r#"{"account": "Z1", "last_name": "QUILLFEATHER", "first_name": "ZEBEDIAH", "birth_date": "1931-02-29"}"#).await;
    // Account changes: neither the new user's password nor the token issued is logged.
    let root = app.session_for("root", Role::Admin).await;
    let password = "pw-NOPHI-run-password-0815";
    let res = app
        .post_json(
            "/api/v1/users",
            &root,
            &serde_json::json!({"username": "emr", "role": "therapist", "password": password})
                .to_string(),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let res = app
        .post_json(
            "/api/v1/tokens",
            &root,
            r#"{"username": "emr", "label": "EMR"}"#,
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let token = res.json()["token"].as_str().unwrap_or_default().to_owned();
    assert!(token.starts_with("otb_"));
    let phi = app
        .raw_db()
        .run_blocking(|c| {
            let mut out = Vec::new();
            for r in c.query(
                "SELECT last_name, first_name, birth_date FROM patients",
                &[],
            )? {
                out.extend([r.text(0), r.text(1), r.text(2)]);
            }
            for r in c.query("SELECT member_id FROM coverages", &[])? {
                out.push(r.text(0));
            }
            Ok(out)
        })
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert!(phi.len() > 10);
    let logs =
        String::from_utf8_lossy(&LOGS.lock().map(|b| b.clone()).unwrap_or_default()).into_owned();
    assert!(
        logs.contains("route=/api/v1/patients/{id}"),
        "the request log ran"
    );
    for needle in phi
        .iter()
        .chain(["QUILLFEATHER".to_owned(), "ZEBEDIAH".to_owned()].iter())
        .chain([password.to_owned(), token].iter())
    {
        assert!(
            !logs.contains(needle.as_str()),
            "PHI or secret {needle:?} in the logs"
        );
    }
}
