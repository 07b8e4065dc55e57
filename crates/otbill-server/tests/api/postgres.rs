//! The same server on PostgreSQL: a fresh database per test on the server that
//! `scripts/pg-test-server.sh` starts (`OTBILL_TEST_PG_URL`; these tests fail without it,
//! like the store's), and two instances sharing one database.

use otbill_server::auth::Role;

use crate::helpers::{spawn_app_on, Auth, TestApp};

/// Creates an empty database on the test server; its URL. `None` (the test skips) only
/// when `OTBILL_SKIP_PG=1`, the store tests' convention; otherwise a missing server fails.
pub(crate) async fn fresh_database() -> Option<String> {
    let Ok(base) = std::env::var("OTBILL_TEST_PG_URL") else {
        if std::env::var("OTBILL_SKIP_PG").as_deref() == Ok("1") {
            eprintln!("SKIPPED: PostgreSQL test (OTBILL_SKIP_PG=1)");
            return None;
        }
        panic!("OTBILL_TEST_PG_URL is not set: eval \"$(scripts/pg-test-server.sh)\" first, or set OTBILL_SKIP_PG=1");
    };
    let name = format!(
        "otbill_server_{}_{}",
        std::process::id(),
        otbill_server::auth::random_token().get(..12).unwrap_or("x")
    );
    let (b, n) = (base.clone(), name.clone());
    tokio::task::spawn_blocking(move || {
        crate::helpers::RawDb::new(&b)
            .run_blocking(|c| c.exec(&format!("CREATE DATABASE {n}"), &[]))
            .unwrap_or_else(|e| panic!("creating {n} on OTBILL_TEST_PG_URL: {e:#}"));
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let (prefix, _) = base
        .rsplit_once('/')
        .unwrap_or_else(|| panic!("OTBILL_TEST_PG_URL names no database"));
    Some(format!("{prefix}/{name}"))
}

pub(crate) async fn spawn_pg(url: &str) -> TestApp {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    spawn_app_on(dir, url.to_owned()).await
}

#[tokio::test]
async fn two_instances_share_one_postgres_database() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let one = spawn_pg(&url).await;
    let two = spawn_pg(&url).await;
    let (u, demo_url) = (url.clone(), url.clone());
    tokio::task::spawn_blocking(move || {
        let mut store = otbill_store::Store::open(&demo_url).unwrap_or_else(|e| panic!("{e}"));
        otbill_store::demo::fill(&mut store, otbill_store::today())
            .unwrap_or_else(|e| panic!("{e}"));
        let db = crate::helpers::RawDb::new(&u);
        db.run_blocking(|c| {
            otbill_server::auth::create_user(
                c,
                "thera",
                Role::Therapist,
                crate::helpers::PASSWORD,
            )?;
            otbill_server::auth::create_user(c, "bill", Role::Biller, crate::helpers::PASSWORD)?;
            otbill_server::auth::create_user(c, "root", Role::Admin, crate::helpers::PASSWORD)
        })
        .unwrap_or_else(|e| panic!("{e:#}"));
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));

    // A session opened on one instance works on the other.
    let thera = one.sign_in("thera").await;
    let res = two.get("/api/v1/me", &thera).await;
    assert_eq!(res.status, 200, "{}", res.body);
    // Post a visit on the second instance; it is coded, priced and audited. The therapist
    // sees only their own patients, so a biller looks the patient up; the therapist is
    // linked to the provider the visit names, which lets them enter it.
    let biller = two.sign_in("bill").await;
    let patients = two.get("/api/v1/patients", &biller).await.json();
    let account = patients[0]["account"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let patient_id = patients[0]["id"].as_i64().unwrap_or_default();
    let npi = one
        .raw_db()
        .run(|c| c.one("SELECT npi FROM providers ORDER BY id", &[]))
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
        .map(|r| r.text(0))
        .unwrap_or_default();
    two.link_provider("thera", &npi).await;
    let visit = serde_json::json!({
        "patient_account": account, "provider_npi": npi, "date": otbill_store::today().to_string(),
        "services": [{"code": "97530", "minutes": 38}]
    });
    let res = two
        .post_json("/api/v1/visits", &thera, &visit.to_string())
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert!(res.json()["coded"]["lines"][0]["units"]
        .as_u64()
        .is_some_and(|u| u >= 2));
    let root = one.sign_in("root").await;
    let log = one
        .get(&format!("/api/v1/audit?patient_id={patient_id}"), &root)
        .await
        .json();
    assert!(
        log.as_array().is_some_and(|l| l
            .iter()
            .any(|e| e["action"] == "create" && e["resource"] == "visit")),
        "{log}"
    );
    // The audit log refuses changes on PostgreSQL too.
    let changed = one
        .raw_db()
        .run(|c| c.exec("UPDATE server_audit SET action = 'x'", &[]))
        .await;
    assert!(changed.is_err());
    // Throttling is shared: failures on one instance lock the name on the other.
    let wrong = r#"{"username": "root", "password": "not the password"}"#;
    for _ in 0..5 {
        one.post_json("/api/v1/session", &Auth::None, wrong).await;
    }
    assert_eq!(
        two.post_json("/api/v1/session", &Auth::None, wrong)
            .await
            .status,
        429
    );
}
