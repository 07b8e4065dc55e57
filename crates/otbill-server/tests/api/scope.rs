//! The therapist scope with rendering-provider links, on SQLite and PostgreSQL: an admin
//! links a therapist user to an active provider (`PUT /api/v1/users/{id}/provider`), and
//! the linked therapist then reads the patients whose visits name that provider, whoever
//! entered them, and the visits naming that provider; an unlinked or differently linked
//! therapist gets a 404 audited as `refused`. A therapist enters visits only for their
//! patients or naming their own provider (otherwise a 404, audited, nothing stored).

use otbill_server::auth::{self, Role};

use crate::helpers::{spawn_app, Auth, TestApp, PASSWORD};
use crate::postgres::{fresh_database, spawn_pg};

/// Creates users through the async pool (the PostgreSQL driver must not block the test's
/// runtime); their ids, in order.
async fn add_users(app: &TestApp, users: &'static [(&'static str, Role)]) -> Vec<i64> {
    app.raw_db()
        .run(move |c| {
            users
                .iter()
                .map(|(name, role)| auth::create_user(c, name, *role, PASSWORD))
                .collect()
        })
        .await
        .unwrap_or_else(|e| panic!("create users: {e:#}"))
}

/// Fills the demo practice off the runtime.
async fn fill_demo(app: &TestApp) {
    let url = app.db_url.clone();
    tokio::task::spawn_blocking(move || {
        let mut store = otbill_store::Store::open(&url).unwrap_or_else(|e| panic!("{e}"));
        otbill_store::demo::fill(&mut store, otbill_store::today())
            .unwrap_or_else(|e| panic!("{e}"));
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
}

/// Two new active OT providers `(id, npi)`, on no visit or plan of care yet, and a demo
/// patient `(id, account)`.
async fn pick(app: &TestApp) -> ((i64, String), (i64, String), (i64, String)) {
    let url = app.db_url.clone();
    let (n, m) = tokio::task::spawn_blocking(move || {
        let mut store = otbill_store::Store::open(&url).unwrap_or_else(|e| panic!("{e}"));
        let mut add = |base: u32, last: &str| {
            let npi = otbill_837p::synth::npi_from_base(base)
                .unwrap_or_else(|| panic!("npi"))
                .as_str()
                .to_owned();
            let id = store
                .add_provider(&otbill_store::records::Provider {
                    npi: npi.clone(),
                    last_name: last.into(),
                    first_name: "ALEX".into(),
                    credential: otbill_store::records::Credential::OT,
                    taxonomy: "225X00000X".into(),
                    supervisor_npi: None,
                })
                .unwrap_or_else(|e| panic!("{e}"));
            (id, npi)
        };
        (add(134_567_893, "NOVAK"), add(134_567_894, "MORALES"))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let p = app
        .raw_db()
        .run(|c| c.one("SELECT id, account FROM patients ORDER BY id", &[]))
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
        .unwrap_or_else(|| panic!("a demo patient"));
    (n, m, (p.int(0), p.text(1)))
}

async fn link(app: &TestApp, admin: &Auth, user_id: i64, npi: Option<&str>) -> crate::helpers::Res {
    let body = serde_json::json!({ "provider_npi": npi }).to_string();
    app.send_json(
        "PUT",
        &format!("/api/v1/users/{user_id}/provider"),
        admin,
        &body,
    )
    .await
}

fn assert_field(res: &crate::helpers::Res, field: &str) {
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.json()["error"]["field"], field, "{}", res.body);
}

/// The whole story on one server.
async fn scope_follows_the_rendering_provider(app: &TestApp) {
    fill_demo(app).await;
    let ids = add_users(
        app,
        &[
            ("root", Role::Admin),
            ("aide", Role::Therapist),
            ("thera", Role::Therapist),
            ("thera2", Role::Therapist),
            ("thera3", Role::Therapist),
            ("bill", Role::Biller),
        ],
    )
    .await;
    let (thera_id, thera2_id, thera3_id, bill_id) = (ids[2], ids[3], ids[4], ids[5]);
    let ((n_id, npi), (_, other_npi), (demo_id, demo_account)) = pick(app).await;
    let admin = app.sign_in("root").await;
    let aide = app.sign_in("aide").await;
    let thera = app.sign_in("thera").await;
    let thera2 = app.sign_in("thera2").await;
    let thera3 = app.sign_in("thera3").await;
    // The aide registers a patient (theirs, so they may enter visits for them).
    let body = serde_json::json!({
        "account": "Z901", "last_name": "QUILLFEATHER", "first_name": "ZEBEDIAH",
        "birth_date": "1950-01-01", "gender": "M",
        "address": {"line1": "1 A ST", "city": "SALEM", "state": "OR", "zip": "97301"},
        "coverages": [{"payer_id": "01112", "rank": 1, "member_id": "1EG4TE5MK73",
                       "effective": "2026-01-01"}]
    });
    let res = app
        .post_json("/api/v1/patients", &aide, &body.to_string())
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let (patient_id, account) = (res.json()["id"].as_i64().unwrap_or_default(), "Z901");
    let patient = format!("/api/v1/patients/{patient_id}");

    // Only an admin links; a therapist may not link themselves.
    assert_eq!(link(app, &thera, thera_id, Some(&npi)).await.status, 403);
    // Unknown and inactive NPIs are named as the field; only a therapist is linked.
    assert_field(
        &link(app, &admin, thera_id, Some("1234567893")).await,
        "provider_npi",
    );
    assert_field(
        &link(app, &admin, bill_id, Some(&npi)).await,
        "provider_npi",
    );
    assert_eq!(link(app, &admin, 999_999, Some(&npi)).await.status, 404);
    let res = link(app, &admin, thera_id, Some(&npi)).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["provider_npi"], npi.as_str(), "{}", res.body);
    // A provider is linked to at most one user.
    let res = link(app, &admin, thera2_id, Some(&npi)).await;
    assert_eq!(res.status, 409, "{}", res.body);
    assert_eq!(
        link(app, &admin, thera2_id, Some(&other_npi)).await.status,
        200
    );
    // An inactive provider cannot be linked (deactivate the other one, then try).
    let inactive = app
        .raw_db()
        .run(|c| {
            c.one(
                "SELECT id FROM providers WHERE credential = 'OT' ORDER BY id DESC",
                &[],
            )
        })
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
        .map(|r| r.int(0))
        .unwrap_or_else(|| panic!("a provider"));
    if inactive != n_id {
        let res = app
            .send_json(
                "POST",
                &format!("/api/v1/providers/{inactive}/deactivate"),
                &admin,
                "",
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        let inactive_npi = res.json()["npi"].as_str().unwrap_or_default().to_owned();
        assert_field(
            &link(app, &admin, thera3_id, Some(&inactive_npi)).await,
            "provider_npi",
        );
    }
    // The users list shows the link.
    let users = app.get("/api/v1/users", &admin).await.json();
    assert!(
        users.as_array().is_some_and(|u| u
            .iter()
            .any(|u| u["username"] == "thera" && u["provider_npi"] == npi.as_str())),
        "{users}"
    );

    // Nobody sees the patient yet but a biller.
    for who in [&thera, &thera2, &thera3] {
        assert_eq!(app.get(&patient, who).await.status, 404);
    }
    let visit = |account: &str, npi: &str| {
        serde_json::json!({
            "patient_account": account, "provider_npi": npi,
            "date": otbill_store::today().to_string(),
            "services": [{"code": "97530", "minutes": 38}]
        })
        .to_string()
    };
    // The aide may not enter a visit for a patient who is not theirs, even naming a
    // provider (404 as for an unknown account, audited as refused, nothing stored).
    let before = visit_count(app).await;
    let res = app
        .post_json("/api/v1/visits", &aide, &visit(&demo_account, &npi))
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    assert_eq!(res.json()["error"]["code"], "not_found", "{}", res.body);
    let res = app
        .post_json("/api/v1/visits", &aide, &visit("NO-SUCH-ACCOUNT", &npi))
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    assert_eq!(visit_count(app).await, before);
    assert!(
        refusals(app, &admin, demo_id).await.contains(&(
            "aide".into(),
            "patient".into(),
            "/api/v1/visits".into()
        )),
        "the refused visit is not in the audit log"
    );
    // Another user (the aide) enters a visit rendered by thera's provider, for their patient.
    let res = app
        .post_json("/api/v1/visits", &aide, &visit(account, &npi))
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let visit_id = res.json()["visit_id"].as_i64().unwrap_or_default();
    let one_visit = format!("/api/v1/visits/{visit_id}");
    assert_eq!(visit_count(app).await, before + 1);
    // The linked therapist lists and reads it; so does the aide who entered it.
    for who in [&thera, &aide] {
        let res = app.get(&one_visit, who).await;
        assert_eq!(res.status, 200, "{}", res.body);
        assert_eq!(res.json()["created_by"], "aide", "{}", res.body);
        let list = app.get("/api/v1/visits", who).await.json();
        assert!(
            list.as_array()
                .is_some_and(|l| l.iter().any(|v| v["id"] == visit_id)),
            "{list}"
        );
    }
    let page = app.get("/visits", &thera).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<td>aide</td>"), "{}", page.body);
    // The other therapists do not (404, audited as refused against the patient).
    for who in [&thera2, &thera3] {
        assert_eq!(app.get(&one_visit, who).await.status, 404);
        let list = app.get("/api/v1/visits", who).await.json();
        assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
        assert!(!app.get("/visits", who).await.body.contains("<td>aide</td>"));
    }
    let refused = refusals(app, &admin, patient_id).await;
    for who in ["thera2", "thera3"] {
        assert!(
            refused.contains(&(who.into(), "visit".into(), "/api/v1/visits/{id}".into())),
            "{who}: {refused:?}"
        );
    }
    // The linked therapist now reads the patient and finds them in their list...
    let res = app.get(&patient, &thera).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let list = app.get("/api/v1/patients", &thera).await.json();
    assert!(
        list.as_array()
            .is_some_and(|l| l.iter().any(|p| p["id"] == patient_id)),
        "{list}"
    );
    // ...and on the visit form; the form preselects their provider.
    let form = app.get("/visits/new", &thera).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains(&format!("value=\"{account}\"")));
    assert!(form.body.contains(&format!("value=\"{npi}\" selected")));
    let form3 = app.get("/visits/new", &thera3).await;
    assert!(!form3.body.contains(&format!("value=\"{account}\"")));
    // The therapist linked elsewhere and the unlinked one still get a 404...
    assert_eq!(app.get(&patient, &thera2).await.status, 404);
    assert_eq!(app.get(&patient, &thera3).await.status, 404);
    let list = app.get("/api/v1/patients", &thera3).await.json();
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
    // ...audited as refused.
    let log = app
        .get(&format!("/api/v1/audit?patient_id={patient_id}"), &admin)
        .await
        .json();
    for who in ["thera2", "thera3"] {
        assert!(
            log.as_array().is_some_and(|l| l
                .iter()
                .any(|e| e["username"] == who && e["action"] == "refused")),
            "{who}: {log}"
        );
    }
    // A therapist may enter a visit naming their own linked provider for any patient;
    // naming someone else's provider does not open the patient to them.
    let before = visit_count(app).await;
    let res = app
        .post_json("/api/v1/visits", &thera3, &visit(&demo_account, &npi))
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    // The visit form is refused the same way.
    let today = otbill_store::today().to_string();
    let form = [
        ("patient_account", demo_account.as_str()),
        ("provider_npi", npi.as_str()),
        ("date", today.as_str()),
        ("code0", "97530"),
        ("minutes0", "38"),
        ("csrf", thera3.csrf()),
    ];
    assert_eq!(app.post_form("/visits", &thera3, &form).await.status, 404);
    assert_eq!(visit_count(app).await, before);
    let refused = refusals(app, &admin, demo_id).await;
    for route in ["/api/v1/visits", "/visits"] {
        assert!(
            refused.contains(&("thera3".into(), "patient".into(), route.into())),
            "{route}: {refused:?}"
        );
    }
    let res = app
        .post_json("/api/v1/visits", &thera, &visit(&demo_account, &npi))
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(
        app.get(&format!("/api/v1/patients/{demo_id}"), &thera)
            .await
            .status,
        200
    );
    // Unlinking takes the patient and the aide's visit away again.
    let res = link(app, &admin, thera_id, None).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.json()["provider_npi"].is_null());
    assert_eq!(app.get(&patient, &thera).await.status, 404);
    assert_eq!(app.get(&one_visit, &thera).await.status, 404);
}

/// How many visits are stored.
async fn visit_count(app: &TestApp) -> i64 {
    app.raw_db()
        .run(|c| c.one("SELECT COUNT(*) FROM visits", &[]))
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
        .map_or(0, |r| r.int(0))
}

/// The refusals logged against a patient: `(username, resource, route)`.
async fn refusals(app: &TestApp, admin: &Auth, patient_id: i64) -> Vec<(String, String, String)> {
    let log = app
        .get(&format!("/api/v1/audit?patient_id={patient_id}"), admin)
        .await
        .json();
    log.as_array()
        .map(|l| {
            l.iter()
                .filter(|e| e["action"] == "refused")
                .map(|e| {
                    let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
                    (s("username"), s("resource"), s("route"))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_linked_therapist_reads_the_patients_they_render_for_on_sqlite() {
    let app = spawn_app().await;
    scope_follows_the_rendering_provider(&app).await;
}

#[tokio::test]
async fn a_linked_therapist_reads_the_patients_they_render_for_on_postgres() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let app = spawn_pg(&url).await;
    scope_follows_the_rendering_provider(&app).await;
}

#[tokio::test]
async fn the_users_page_links_a_therapist_to_a_provider() {
    let app = spawn_app().await;
    fill_demo(&app).await;
    let ids = add_users(&app, &[("root", Role::Admin), ("thera", Role::Therapist)]).await;
    let ((_, npi), _, _) = pick(&app).await;
    let admin = app.sign_in("root").await;
    let thera_id = ids[1].to_string();
    let path = format!("/admin/users/{thera_id}/provider");
    // The form needs the CSRF token.
    let res = app
        .post_form(&path, &admin, &[("provider_npi", npi.as_str())])
        .await;
    assert_eq!(res.status, 403);
    let res = app
        .post_form(
            &path,
            &admin,
            &[("provider_npi", npi.as_str()), ("csrf", admin.csrf())],
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        res.body.contains(&format!("({npi})</span>")),
        "{}",
        res.body
    );
    let page = app.get("/admin", &admin).await;
    assert!(page.body.contains(&format!("value=\"{npi}\" selected")));
}
