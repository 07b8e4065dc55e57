//! The practice's settings: `/api/v1/practice`, `/api/v1/providers`, `/api/v1/payers` on
//! SQLite and PostgreSQL (admin only, bad input named by field, nothing half-saved, every
//! call audited), corrections and deactivation of providers and payers (refused for new
//! visits, coverages and claims), and the admin page `/admin/practice`.

use otbill_server::auth::{self, Role};

use crate::helpers::{spawn_app, Auth, TestApp, PASSWORD};
use crate::postgres::{fresh_database, spawn_pg};

/// NPIs with a valid check digit (Luhn over the 80840 prefix).
const PRACTICE_NPI: &str = "1234567893";
const OT_NPI: &str = "1345678902";
const OTA_NPI: &str = "1345678928";

fn practice(name: &str, npi: &str) -> String {
    serde_json::json!({
        "name": name, "npi": npi, "ein": "931234567", "taxonomy": "225X00000X",
        "address": {"line1": "1450 COMMERCIAL ST SE", "line2": "SUITE 210", "city": "SALEM",
                    "state": "OR", "zip": "973021234"},
        "submitter_id": "BRIGHTHANDSOT", "receiver_id": "CLEARHOUSE01",
        "receiver_name": "CLEARHOUSE EXCHANGE", "contact_name": "BILLING OFFICE",
        "contact_phone": "5035550100", "usage": "test"
    })
    .to_string()
}

fn provider(npi: &str, credential: &str, taxonomy: &str, supervisor: Option<&str>) -> String {
    serde_json::json!({
        "npi": npi, "last_name": "LOPEZ", "first_name": "MARIA", "credential": credential,
        "taxonomy": taxonomy, "supervisor_npi": supervisor
    })
    .to_string()
}

fn payer(payer_id: &str, profile: &str, filing_indicator: &str) -> String {
    serde_json::json!({
        "payer_id": payer_id, "name": "MEDICARE PART B", "profile": profile,
        "filing_indicator": filing_indicator
    })
    .to_string()
}

/// Asserts a 400 naming `field`.
fn assert_field(res: &crate::helpers::Res, field: &str) {
    assert_eq!(res.status, 400, "{}", res.body);
    let e = &res.json()["error"];
    assert_eq!(e["code"], "bad_request", "{}", res.body);
    assert_eq!(e["field"], field, "{}", res.body);
}

/// The whole API on one server: set and read back the practice, providers and payers.
async fn settings_round_trip(app: &TestApp) {
    // Through the async pool: the PostgreSQL driver must not block the test's runtime.
    app.raw_db()
        .run(|c| auth::create_user(c, "root", Role::Admin, PASSWORD))
        .await
        .unwrap_or_else(|e| panic!("create user: {e:#}"));
    let admin = app.sign_in("root").await;

    // No practice yet.
    let res = app.get("/api/v1/practice", &admin).await;
    assert_eq!(res.status, 404, "{}", res.body);
    assert_eq!(res.json()["error"]["code"], "not_found");

    let body = practice("BRIGHT HANDS OT", PRACTICE_NPI);
    let res = app
        .send_json("PUT", "/api/v1/practice", &admin, &body)
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let want: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    assert_eq!(res.json(), want);
    assert_eq!(app.get("/api/v1/practice", &admin).await.json(), want);

    // A bad check digit is refused by field, and the stored practice is untouched.
    let res = app
        .send_json(
            "PUT",
            "/api/v1/practice",
            &admin,
            &practice("RENAMED", "1234567890"),
        )
        .await;
    assert_field(&res, "practice.npi");
    let bad_zip = practice("RENAMED", PRACTICE_NPI).replace("973021234", "97302");
    let res = app
        .send_json("PUT", "/api/v1/practice", &admin, &bad_zip)
        .await;
    assert_field(&res, "practice.address.zip");
    let res = app
        .send_json(
            "PUT",
            "/api/v1/practice",
            &admin,
            r#"{"name": "X", "colour": "blue"}"#,
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(app.get("/api/v1/practice", &admin).await.json(), want);
    // Without the CSRF header a cookie-authenticated write is refused.
    let res = app
        .send_json("PUT", "/api/v1/practice", &admin.without_csrf(), &body)
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(res.json()["error"]["code"], "csrf");

    // Providers: an OT, then an OTA supervised by them.
    let res = app
        .post_json(
            "/api/v1/providers",
            &admin,
            &provider(OT_NPI, "OT", "225X00000X", None),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert!(res.json()["id"].as_i64().is_some());
    let ota = provider(OTA_NPI, "OTA", "224Z00000X", Some(OT_NPI));
    let res = app.post_json("/api/v1/providers", &admin, &ota).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let res = app.post_json("/api/v1/providers", &admin, &ota).await;
    assert_eq!(res.status, 409, "{}", res.body);
    assert!(!res.body.contains("UNIQUE") && !res.body.contains("23505"));
    let res = app
        .post_json(
            "/api/v1/providers",
            &admin,
            &provider("1987654328", "OTA", "225X00000X", None),
        )
        .await;
    assert_field(&res, "provider.taxonomy");
    let res = app
        .post_json(
            "/api/v1/providers",
            &admin,
            &provider("1987654328", "OTA", "224Z00000X", Some("1876543210")),
        )
        .await;
    assert_field(&res, "provider.supervisor_npi");
    let res = app
        .post_json(
            "/api/v1/providers",
            &admin,
            r#"{"npi": "1987654328", "credential": "PT"}"#,
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    let list = app.get("/api/v1/providers", &admin).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let list = list.json();
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
    assert_eq!(list[0]["npi"], OT_NPI);
    assert_eq!(list[0]["supervisor_npi"], serde_json::Value::Null);
    assert_eq!(list[1]["credential"], "OTA");
    assert_eq!(list[1]["supervisor_npi"], OT_NPI);

    // Payers.
    let res = app
        .post_json("/api/v1/payers", &admin, &payer("01112", "medicare", "MB"))
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let res = app
        .post_json("/api/v1/payers", &admin, &payer("01112", "medicare", "MB"))
        .await;
    assert_eq!(res.status, 409, "{}", res.body);
    let res = app
        .post_json("/api/v1/payers", &admin, &payer("60054", "no-such", "CI"))
        .await;
    assert_field(&res, "payer.profile");
    let res = app
        .post_json(
            "/api/v1/payers",
            &admin,
            &payer("60054", "commercial", "CIX"),
        )
        .await;
    assert_field(&res, "payer.filing_indicator");
    let res = app
        .post_json("/api/v1/payers", &admin, &payer(" ", "commercial", "CI"))
        .await;
    assert_field(&res, "payer.payer_id");
    let res = app
        .post_json("/api/v1/payers", &admin, r#"{"payer_id": 7}"#)
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.json()["error"]["field"], "payer_id");
    let list = app.get("/api/v1/payers", &admin).await.json();
    assert_eq!(
        list,
        serde_json::json!([{"id": 1, "active": true, "payer_id": "01112",
                            "name": "MEDICARE PART B", "profile": "medicare",
                            "filing_indicator": "MB"}])
    );

    // Corrections: a PUT replaces the record with the checks of a POST.
    let res = app
        .post_json(
            "/api/v1/payers",
            &admin,
            &payer("60054", "commercial", "CI"),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    let aetna = res.json()["id"].as_i64().unwrap_or_default();
    let path = format!("/api/v1/payers/{aetna}");
    let renamed = payer("60055", "commercial", "CI").replace("MEDICARE PART B", "AETNA");
    let res = app.send_json("PUT", &path, &admin, &renamed).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.json(),
        serde_json::json!({"id": aetna, "active": true, "payer_id": "60055", "name": "AETNA",
                           "profile": "commercial", "filing_indicator": "CI"})
    );
    assert_eq!(app.get(&path, &admin).await.json(), res.json());
    for (body, field) in [
        (
            payer("60055", "commercial", "CIX"),
            "payer.filing_indicator",
        ),
        (payer("60055", "no-such", "CI"), "payer.profile"),
        (payer("", "commercial", "CI"), "payer.payer_id"),
    ] {
        assert_field(&app.send_json("PUT", &path, &admin, &body).await, field);
    }
    let res = app
        .send_json("PUT", &path, &admin, &payer("01112", "commercial", "CI"))
        .await;
    assert_eq!(res.status, 409, "{}", res.body);
    assert!(
        res.body.contains("a payer with this payer id is on file"),
        "{}",
        res.body
    );
    let res = app
        .send_json("PUT", "/api/v1/payers/999", &admin, &renamed)
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    assert_eq!(app.get(&path, &admin).await.json()["payer_id"], "60055");

    // Deactivate and reactivate: the list shows the flag.
    let res = app
        .post_json(&format!("{path}/deactivate"), &admin, "")
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["active"], false);
    let list = app.get("/api/v1/payers", &admin).await.json();
    assert_eq!(list[1]["active"], false, "{list}");
    assert_eq!(list[0]["active"], true, "{list}");
    let res = app
        .post_json(&format!("{path}/reactivate"), &admin, "")
        .await;
    assert_eq!(res.json()["active"], true, "{}", res.body);
    let res = app
        .post_json("/api/v1/payers/999/deactivate", &admin, "")
        .await;
    assert_eq!(res.status, 404, "{}", res.body);

    // Providers the same way, by row id.
    let providers = app.get("/api/v1/providers", &admin).await.json();
    let (ot, ota) = (
        providers[0]["id"].as_i64().unwrap_or_default(),
        providers[1]["id"].as_i64().unwrap_or_default(),
    );
    let path = format!("/api/v1/providers/{ot}");
    let res = app
        .send_json(
            "PUT",
            &path,
            &admin,
            &provider(OT_NPI, "OT", "225XH1200X", None).replace("LOPEZ", "LOPEZ-DIAZ"),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["last_name"], "LOPEZ-DIAZ");
    assert_eq!(res.json()["taxonomy"], "225XH1200X");
    assert_eq!(res.json()["id"], ot);
    assert_field(
        &app.send_json(
            "PUT",
            &path,
            &admin,
            &provider("1234567890", "OT", "225X00000X", None),
        )
        .await,
        "provider.npi",
    );
    // The OT supervises the OTA, so may not become an OTA; the OTA may not supervise itself.
    assert_field(
        &app.send_json(
            "PUT",
            &path,
            &admin,
            &provider(OT_NPI, "OTA", "224Z00000X", None),
        )
        .await,
        "provider.credential",
    );
    assert_field(
        &app.send_json(
            "PUT",
            &format!("/api/v1/providers/{ota}"),
            &admin,
            &provider(OTA_NPI, "OTA", "224Z00000X", Some(OTA_NPI)),
        )
        .await,
        "provider.supervisor_npi",
    );
    let res = app
        .send_json(
            "PUT",
            &path,
            &admin,
            &provider(OTA_NPI, "OT", "225X00000X", None),
        )
        .await;
    assert_eq!(res.status, 409, "{}", res.body);
    let res = app
        .post_json(&format!("{path}/deactivate"), &admin, "")
        .await;
    assert_eq!(res.json()["active"], false, "{}", res.body);
    assert_eq!(
        app.get("/api/v1/providers", &admin).await.json()[0]["active"],
        false
    );
    let res = app
        .post_json(&format!("{path}/reactivate"), &admin, "")
        .await;
    assert_eq!(res.json()["active"], true, "{}", res.body);

    // Every call that got through was audited, reads included.
    let log = app.get("/api/v1/audit?limit=100", &admin).await.json();
    let seen = |action: &str, resource: &str, route: &str| {
        log.as_array().is_some_and(|l| {
            l.iter().any(|e| {
                e["action"] == action
                    && e["resource"] == resource
                    && e["route"] == route
                    && e["username"] == "root"
            })
        })
    };
    for (action, resource, route) in [
        ("read", "practice", "/api/v1/practice"),
        ("update", "practice", "/api/v1/practice"),
        ("create", "provider", "/api/v1/providers"),
        ("read", "provider_list", "/api/v1/providers"),
        ("create", "payer", "/api/v1/payers"),
        ("read", "payer_list", "/api/v1/payers"),
        ("update", "payer", "/api/v1/payers/{id}"),
        ("read", "payer", "/api/v1/payers/{id}"),
        ("update", "payer", "/api/v1/payers/{id}/deactivate"),
        ("update", "payer", "/api/v1/payers/{id}/reactivate"),
        ("update", "provider", "/api/v1/providers/{id}"),
        ("update", "provider", "/api/v1/providers/{id}/deactivate"),
        ("update", "provider", "/api/v1/providers/{id}/reactivate"),
    ] {
        assert!(
            seen(action, resource, route),
            "no {action} {resource}: {log}"
        );
    }
}

#[tokio::test]
async fn admin_sets_up_the_practice_on_sqlite() {
    settings_round_trip(&spawn_app().await).await;
}

#[tokio::test]
async fn admin_sets_up_the_practice_on_postgres() {
    let Some(url) = fresh_database().await else {
        return;
    };
    settings_round_trip(&spawn_pg(&url).await).await;
}

#[tokio::test]
async fn only_admins_see_or_change_the_settings() {
    let app = spawn_app().await;
    let admin = app.token_for("root", Role::Admin);
    let biller = app.session_for("bill", Role::Biller).await;
    let therapist = app.token_for("thera", Role::Therapist);
    let calls = [
        ("GET", "/api/v1/practice", String::new()),
        (
            "PUT",
            "/api/v1/practice",
            practice("BRIGHT HANDS OT", PRACTICE_NPI),
        ),
        ("GET", "/api/v1/providers", String::new()),
        (
            "POST",
            "/api/v1/providers",
            provider(OT_NPI, "OT", "225X00000X", None),
        ),
        ("GET", "/api/v1/payers", String::new()),
        ("POST", "/api/v1/payers", payer("01112", "medicare", "MB")),
        // Bad input from a non-admin is still a 403, not a 400 that says why.
        ("POST", "/api/v1/payers", "{not json".to_owned()),
        ("GET", "/api/v1/providers/1", String::new()),
        (
            "PUT",
            "/api/v1/providers/1",
            provider(OT_NPI, "OT", "225X00000X", None),
        ),
        ("PUT", "/api/v1/providers/1", "{not json".to_owned()),
        ("POST", "/api/v1/providers/1/deactivate", String::new()),
        ("POST", "/api/v1/providers/1/reactivate", String::new()),
        ("GET", "/api/v1/payers/1", String::new()),
        ("PUT", "/api/v1/payers/1", payer("01112", "medicare", "MB")),
        ("PUT", "/api/v1/payers/1", "{not json".to_owned()),
        ("POST", "/api/v1/payers/1/deactivate", String::new()),
        ("POST", "/api/v1/payers/1/reactivate", String::new()),
    ];
    for (method, path, body) in &calls {
        for who in [&biller, &therapist] {
            let res = app.send_json(method, path, who, body).await;
            assert_eq!(res.status, 403, "{method} {path}: {}", res.body);
            assert_eq!(res.json()["error"]["code"], "forbidden");
        }
        let res = app.send_json(method, path, &Auth::None, body).await;
        assert_eq!(res.status, 401, "{method} {path}: {}", res.body);
    }
    // Nothing was stored, and the admin's page is closed to the biller.
    assert_eq!(app.get("/api/v1/practice", &admin).await.status, 404);
    assert_eq!(
        app.get("/api/v1/payers", &admin).await.json(),
        serde_json::json!([])
    );
    assert_eq!(app.get("/admin/practice", &biller).await.status, 403);
    let res = app
        .post_form(
            "/admin/practice/payers",
            &biller,
            &[
                ("csrf", biller.csrf()),
                ("payer_id", "01112"),
                ("name", "MEDICARE PART B"),
                ("profile", "medicare"),
                ("filing_indicator", "MB"),
            ],
        )
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(
        app.get("/api/v1/payers", &admin).await.json(),
        serde_json::json!([])
    );
}

#[tokio::test]
async fn the_settings_page_adds_records_and_shows_errors_by_the_form() {
    let app = spawn_app().await;
    let admin = app.session_for("root", Role::Admin).await;
    let page = app.get("/admin/practice", &admin).await;
    assert_eq!(page.status, 200, "{}", page.body);
    for part in [
        "href=\"/admin/practice\"",
        "id=\"practice-unset\"",
        "id=\"practice-form\"",
        "id=\"provider-form\"",
        "id=\"payer-form\"",
        "<option value=\"medicare\"",
    ] {
        assert!(page.body.contains(part), "no {part}");
    }
    let csrf = admin.csrf().to_owned();

    // A payer: saved, then listed.
    let payer_form = |payer_id: &'static str, fi: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("payer_id", payer_id.to_owned()),
            ("name", "AETNA".to_owned()),
            ("profile", "commercial".to_owned()),
            ("filing_indicator", fi.to_owned()),
        ]
    };
    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let app = &app;
        let admin = &admin;
        async move {
            let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form(path, admin, &refs).await
        }
    };
    let res = post("/admin/practice/payers", payer_form("60054", "CI")).await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        res.header("location"),
        Some("/admin/practice?done=payer#payers")
    );
    let page = app.get("/admin/practice?done=payer", &admin).await;
    assert!(page.body.contains("Payer added."), "{}", page.body);
    assert!(page.body.contains("<td>60054</td><td>AETNA</td>"));

    // A refused payer: the page again, the error by the payer form with the field, what
    // was typed kept, nothing saved.
    let res = post("/admin/practice/payers", payer_form("87726", "CIX")).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(res.body.contains("id=\"payer-error\""), "{}", res.body);
    assert!(res.body.contains("payer.filing_indicator"));
    assert!(res.body.contains("value=\"87726\""));
    assert!(!res.body.contains("id=\"practice-error\""));
    let res = post("/admin/practice/payers", payer_form("60054", "CI")).await;
    assert_eq!(res.status, 409, "{}", res.body);
    assert!(res.body.contains("a payer with this payer id is on file"));
    assert_eq!(
        app.get("/api/v1/payers", &admin)
            .await
            .json()
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // Without the form's CSRF token nothing is saved.
    let mut forged = payer_form("87726", "CI");
    forged[0].1 = "wrong".into();
    assert_eq!(post("/admin/practice/payers", forged).await.status, 403);

    // The practice: a bad ZIP is refused whole; people's EIN and phone formats are read.
    let practice_form = |zip: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("name", "BRIGHT HANDS OT".to_owned()),
            ("npi", PRACTICE_NPI.to_owned()),
            ("ein", "93-1234567".to_owned()),
            ("taxonomy", "225X00000X".to_owned()),
            ("line1", "1450 COMMERCIAL ST SE".to_owned()),
            ("line2", String::new()),
            ("city", "SALEM".to_owned()),
            ("state", "OR".to_owned()),
            ("zip", zip.to_owned()),
            ("submitter_id", "BRIGHTHANDSOT".to_owned()),
            ("receiver_id", "CLEARHOUSE01".to_owned()),
            ("receiver_name", "CLEARHOUSE EXCHANGE".to_owned()),
            ("contact_name", "BILLING OFFICE".to_owned()),
            ("contact_phone", "(503) 555-0100".to_owned()),
            ("usage", "production".to_owned()),
        ]
    };
    let res = post("/admin/practice", practice_form("97302")).await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(res.body.contains("id=\"practice-error\""));
    assert!(res.body.contains("practice.address.zip"));
    assert!(res.body.contains("aria-invalid=\"true\""));
    assert_eq!(app.get("/api/v1/practice", &admin).await.status, 404);
    let res = post("/admin/practice", practice_form("97302-1234")).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let stored = app.get("/api/v1/practice", &admin).await.json();
    assert_eq!(stored["ein"], "931234567");
    assert_eq!(stored["contact_phone"], "5035550100");
    assert_eq!(stored["address"]["line2"], serde_json::Value::Null);
    assert_eq!(stored["usage"], "production");

    // A provider, then an OTA whose supervisor is picked from the OTs on file.
    let provider_form = |npi: &'static str, cred: &'static str, tax: &'static str, sup: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("npi", npi.to_owned()),
            ("last_name", "CHEN".to_owned()),
            ("first_name", "JAMES".to_owned()),
            ("credential", cred.to_owned()),
            ("taxonomy", tax.to_owned()),
            ("supervisor_npi", sup.to_owned()),
        ]
    };
    let res = post(
        "/admin/practice/providers",
        provider_form(OT_NPI, "OT", "225X00000X", ""),
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let page = app.get("/admin/practice", &admin).await;
    assert!(page.body.contains(&format!("<option value=\"{OT_NPI}\">")));
    let res = post(
        "/admin/practice/providers",
        provider_form(OTA_NPI, "OTA", "224Z00000X", OT_NPI),
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let res = post(
        "/admin/practice/providers",
        provider_form("1987654328", "PT", "225X00000X", ""),
    )
    .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(res.body.contains("provider.credential"));
    let list = app.get("/api/v1/providers", &admin).await.json();
    assert_eq!(list[1]["supervisor_npi"], OT_NPI, "{list}");

    // The page's own reads and writes are audited under its routes.
    let log = app.get("/api/v1/audit", &admin).await.json();
    for (action, resource, route) in [
        ("read", "practice_settings", "/admin/practice"),
        ("update", "practice", "/admin/practice"),
        ("create", "provider", "/admin/practice/providers"),
        ("create", "payer", "/admin/practice/payers"),
    ] {
        assert!(
            log.as_array()
                .is_some_and(|l| l.iter().any(|e| e["action"] == action
                    && e["resource"] == resource
                    && e["route"] == route)),
            "no {action} {resource} at {route}: {log}"
        );
    }
}

/// The demo practice in the test's database: payers 01112 (Medicare), 60054, 00851; the
/// patient A1001 is covered by Medicare.
fn fill_demo(app: &TestApp) {
    let mut store = otbill_store::Store::open(&app.db_url).unwrap_or_else(|e| panic!("{e}"));
    otbill_store::demo::fill(&mut store, otbill_store::today()).unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn deactivated_providers_and_payers_are_refused_for_new_records() {
    let app = spawn_app().await;
    fill_demo(&app);
    let admin = app.token_for("root", Role::Admin);
    let biller = app.token_for("bill", Role::Biller);
    let thera = app.token_for("thera", Role::Therapist);
    let payers = app.get("/api/v1/payers", &admin).await.json();
    let medicare = payers
        .as_array()
        .and_then(|l| l.iter().find(|p| p["payer_id"] == "01112"))
        .and_then(|p| p["id"].as_i64())
        .unwrap_or_else(|| panic!("no Medicare payer: {payers}"));
    let providers = app.get("/api/v1/providers", &admin).await.json();
    let (provider_id, npi) = (
        providers[0]["id"].as_i64().unwrap_or_default(),
        providers[0]["npi"].as_str().unwrap_or_default().to_owned(),
    );
    app.link_provider("thera", &npi).await;
    let visit = |npi: &str| {
        serde_json::json!({
            "patient_account": "A1001", "provider_npi": npi,
            "date": otbill_store::today().to_string(),
            "services": [{"code": "97530", "minutes": 30}]
        })
        .to_string()
    };
    let patient = serde_json::json!({
        "account": "Z900", "last_name": "QUILLFEATHER", "first_name": "ZEBEDIAH",
        "birth_date": "1950-01-01", "gender": "M",
        "address": {"line1": "1 A ST", "city": "SALEM", "state": "OR", "zip": "97301"},
        "coverages": [{"payer_id": "01112", "rank": 1, "member_id": "1EG4TE5MK73",
                       "effective": "2026-01-01"}]
    })
    .to_string();

    let res = app
        .post_json(&format!("/api/v1/payers/{medicare}/deactivate"), &admin, "")
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    // A new coverage naming the inactive payer is refused, by field, without PHI.
    let res = app.post_json("/api/v1/patients", &biller, &patient).await;
    assert_field(&res, "patient.coverages[0].payer_id");
    assert!(res.json()["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("inactive")));
    assert!(!res.body.contains("QUILLFEATHER") && !res.body.contains("1EG4TE5MK73"));
    // A visit of a patient covered by it is kept but held, not claimed.
    let res = app.post_json("/api/v1/visits", &thera, &visit(&npi)).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let v = res.json();
    assert_eq!(v["claim"]["blocked"], true, "{v}");
    assert!(
        v["claim"]["findings"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["code"] == "PAYER_INACTIVE")),
        "{v}"
    );
    // Reactivated, the payer is usable again.
    let res = app
        .post_json(&format!("/api/v1/payers/{medicare}/reactivate"), &admin, "")
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let res = app.post_json("/api/v1/patients", &biller, &patient).await;
    assert_eq!(res.status, 201, "{}", res.body);

    // An inactive provider is refused for a new visit, by field.
    let res = app
        .post_json(
            &format!("/api/v1/providers/{provider_id}/deactivate"),
            &admin,
            "",
        )
        .await;
    assert_eq!(res.json()["active"], false, "{}", res.body);
    let res = app.post_json("/api/v1/visits", &thera, &visit(&npi)).await;
    assert_field(&res, "visit.provider_npi");
    // ... and no longer offered on the visit form.
    let thera_web = app.session_for("thera2", Role::Therapist).await;
    let form = app.get("/visits/new", &thera_web).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(
        !form.body.contains(&format!("value=\"{npi}\"")),
        "{}",
        form.body
    );
    let res = app
        .post_json(
            &format!("/api/v1/providers/{provider_id}/reactivate"),
            &admin,
            "",
        )
        .await;
    assert_eq!(res.json()["active"], true, "{}", res.body);
    let res = app.post_json("/api/v1/visits", &thera, &visit(&npi)).await;
    assert_eq!(res.status, 201, "{}", res.body);
}

#[tokio::test]
async fn the_settings_page_edits_and_deactivates_rows() {
    let app = spawn_app().await;
    fill_demo(&app);
    let admin = app.session_for("root", Role::Admin).await;
    let csrf = admin.csrf().to_owned();
    let page = app.get("/admin/practice", &admin).await;
    assert_eq!(page.status, 200, "{}", page.body);
    for part in [
        "href=\"/admin/practice/payers/1\"",
        "action=\"/admin/practice/payers/1/deactivate\"",
        "href=\"/admin/practice/providers/1\"",
        "action=\"/admin/practice/providers/1/deactivate\"",
    ] {
        assert!(page.body.contains(part), "no {part}");
    }
    // The edit page, filled with the stored payer.
    let edit = app.get("/admin/practice/payers/1", &admin).await;
    assert_eq!(edit.status, 200, "{}", edit.body);
    assert!(edit.body.contains("value=\"01112\""), "{}", edit.body);
    assert!(edit
        .body
        .contains("action=\"/admin/practice/payers/1#payer-form\""));
    assert_eq!(
        app.get("/admin/practice/payers/999", &admin).await.status,
        404
    );
    let form = |name: &str, fi: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("payer_id", "01112".to_owned()),
            ("name", name.to_owned()),
            ("profile", "medicare".to_owned()),
            ("filing_indicator", fi.to_owned()),
        ]
    };
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let app = &app;
        let admin = &admin;
        async move {
            let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form(&path, admin, &refs).await
        }
    };
    // Refused: the edit page again with the error and what was typed.
    let res = post(
        "/admin/practice/payers/1".into(),
        form("MEDICARE OREGON", "MBX"),
    )
    .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(res.body.contains("id=\"payer-error\""), "{}", res.body);
    assert!(res.body.contains("payer.filing_indicator"));
    assert!(res.body.contains("value=\"MEDICARE OREGON\""));
    // Saved: back to the page, the new name listed.
    let res = post(
        "/admin/practice/payers/1".into(),
        form("MEDICARE OREGON", "MB"),
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        res.header("location"),
        Some("/admin/practice?done=payer-updated#payers")
    );
    let page = app.get("/admin/practice", &admin).await;
    assert!(
        page.body.contains("<td>01112</td><td>MEDICARE OREGON</td>"),
        "{}",
        page.body
    );
    // Deactivated: marked inactive, with a reactivate button instead.
    let res = post(
        "/admin/practice/payers/1/deactivate".into(),
        vec![("csrf", csrf.clone())],
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let page = app.get("/admin/practice", &admin).await;
    assert!(page
        .body
        .contains("action=\"/admin/practice/payers/1/reactivate\""));
    assert!(page.body.contains("<strong>inactive</strong>"));
    // Without the CSRF token nothing changes.
    let res = post(
        "/admin/practice/payers/1/reactivate".into(),
        vec![("csrf", "wrong".into())],
    )
    .await;
    assert_eq!(res.status, 403);
    let res = post(
        "/admin/practice/providers/1/deactivate".into(),
        vec![("csrf", "wrong".into())],
    )
    .await;
    assert_eq!(res.status, 403);
    let api = app.token_for("root2", Role::Admin);
    assert_eq!(
        app.get("/api/v1/payers/1", &api).await.json()["active"],
        false
    );
    assert_eq!(
        app.get("/api/v1/providers/1", &api).await.json()["active"],
        true
    );
    // A biller can neither open the edit page nor press the buttons.
    let biller = app.session_for("bill", Role::Biller).await;
    assert_eq!(
        app.get("/admin/practice/payers/1", &biller).await.status,
        403
    );
    let res = app
        .post_form(
            "/admin/practice/payers/1/reactivate",
            &biller,
            &[("csrf", biller.csrf())],
        )
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(
        app.get("/api/v1/payers/1", &api).await.json()["active"],
        false
    );
    // The page's writes are audited under its routes.
    let log = app.get("/api/v1/audit", &api).await.json();
    for route in [
        "/admin/practice/payers/{id}",
        "/admin/practice/payers/{id}/deactivate",
    ] {
        assert!(
            log.as_array()
                .is_some_and(|l| l.iter().any(|e| e["action"] == "update"
                    && e["resource"] == "payer"
                    && e["route"] == route)),
            "no update at {route}: {log}"
        );
    }
}
