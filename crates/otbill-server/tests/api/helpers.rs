//! `spawn_app()`: the real server on a free loopback port with a fresh SQLite database,
//! and a small HTTP/1.1 client (no client crate needed).
//!
//! Every test's logs go to one in-memory buffer (and `target/test-output/server-test.log`)
//! so the PHI test can search the logs of the whole run; set `TEST_LOG=1` to also print
//! them.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, LazyLock, Mutex};

use otbill_server::auth::{self, Role};
use otbill_server::{AppState, Config, Rules};
pub use otbill_store::sql::{Row, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Every log line of this test binary.
pub static LOGS: LazyLock<Arc<Mutex<Vec<u8>>>> = LazyLock::new(|| {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let sink = buf.clone();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-output");
    let _ = std::fs::create_dir_all(&dir);
    let file = std::fs::File::create(dir.join("server-test.log"))
        .ok()
        .map(Mutex::new);
    let file = Arc::new(file);
    let print = std::env::var_os("TEST_LOG").is_some();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_ansi(false)
        .with_writer(move || Tee {
            buf: sink.clone(),
            file: file.clone(),
            print,
        })
        .try_init();
    buf
});

struct Tee {
    buf: Arc<Mutex<Vec<u8>>>,
    file: Arc<Option<Mutex<std::fs::File>>>,
    print: bool,
}

impl Write for Tee {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.buf.lock() {
            b.extend_from_slice(data);
        }
        if let Some(f) = self.file.as_ref() {
            if let Ok(mut f) = f.lock() {
                let _ = f.write_all(data);
            }
        }
        if self.print {
            let _ = std::io::stderr().write_all(data);
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A running server.
pub struct TestApp {
    pub addr: SocketAddr,
    pub db_url: String,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// A password every test user shares.
pub const PASSWORD: &str = "a long test password";

/// Starts the app on 127.0.0.1:0 with a fresh SQLite database.
pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let db_url = dir.path().join("otbill.db").display().to_string();
    spawn_app_on(dir, db_url).await
}

/// Starts the app on 127.0.0.1:0 on the database at `db_url`.
pub async fn spawn_app_on(dir: tempfile::TempDir, db_url: String) -> TestApp {
    LazyLock::force(&LOGS);
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
        db_url.clone(),
    );
    config.secure_cookies = false;
    let rules = Rules::builtin().unwrap_or_else(|e| panic!("rules: {e:#}"));
    // Opened on a blocking thread: the PostgreSQL driver must not block a runtime worker.
    let cfg = config.clone();
    let state = tokio::task::spawn_blocking(move || AppState::new(&cfg, rules))
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("state: {e:#}"));
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = otbill_server::serve_on(listener, state, async {
            let _ = rx.await;
        })
        .await;
    });
    TestApp {
        addr,
        db_url,
        _dir: dir,
        _stop: tx,
    }
}

/// A response.
#[derive(Debug)]
pub struct Res {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Res {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The value of a cookie set by the response.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| v.split(';').next()?.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    }
}

/// Hand-written SQL on the test's database, to set up or inspect what the API cannot
/// (the server itself reads and writes only through `Store` methods).
pub struct RawDb {
    url: String,
}

/// One connection of [`RawDb`]: hand-written SQL, and every `Store` method.
pub struct RawConn(otbill_store::Store);

impl std::ops::Deref for RawConn {
    type Target = otbill_store::Store;
    fn deref(&self) -> &otbill_store::Store {
        &self.0
    }
}

impl std::ops::DerefMut for RawConn {
    fn deref_mut(&mut self) -> &mut otbill_store::Store {
        &mut self.0
    }
}

impl RawConn {
    /// Every row of a query.
    pub fn query(&mut self, sql: &str, params: &[Value]) -> anyhow::Result<Vec<Row>> {
        Ok(self.0.raw_query(sql, params)?)
    }

    /// The first row of a query.
    pub fn one(&mut self, sql: &str, params: &[Value]) -> anyhow::Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs a statement; the rows changed.
    pub fn exec(&mut self, sql: &str, params: &[Value]) -> anyhow::Result<u64> {
        Ok(self.0.raw_exec(sql, params)?)
    }
}

impl RawDb {
    /// A database URL.
    pub fn new(url: &str) -> RawDb {
        RawDb {
            url: url.to_owned(),
        }
    }

    /// Runs `f` on a connection, on this thread.
    pub fn run_blocking<T>(
        &self,
        f: impl FnOnce(&mut RawConn) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let mut c = RawConn(otbill_store::Store::connect(&self.url)?);
        let res = f(&mut c);
        otbill_server::ledger::drop_off_runtime(c.0);
        res
    }

    /// Runs `f` on a connection, on a blocking thread.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut RawConn) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let url = self.url.clone();
        tokio::task::spawn_blocking(move || RawDb { url }.run_blocking(f)).await?
    }
}

impl TestApp {
    /// The outbox the server writes 837P files to (SQLite: beside the database file).
    pub fn outbox(&self) -> std::path::PathBuf {
        std::path::Path::new(&self.db_url)
            .parent()
            .map_or_else(|| "outbox".into(), |p| p.join("outbox"))
    }

    /// Hand-written SQL on this app's database.
    pub fn raw_db(&self) -> RawDb {
        RawDb::new(&self.db_url)
    }

    /// Sends one request; `headers` are extra `(name, value)` pairs.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Res {
        let mut stream = tokio::net::TcpStream::connect(self.addr)
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"));
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        stream
            .write_all(&bytes)
            .await
            .unwrap_or_else(|e| panic!("write: {e}"));
        let mut out = Vec::new();
        stream
            .read_to_end(&mut out)
            .await
            .unwrap_or_else(|e| panic!("read: {e}"));
        parse_response(&out)
    }

    pub async fn get(&self, path: &str, auth: &Auth) -> Res {
        let h = auth.headers(false);
        let refs: Vec<(&str, &str)> = h.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.send("GET", path, &refs, b"").await
    }

    pub async fn post_json(&self, path: &str, auth: &Auth, body: &str) -> Res {
        self.send_json("POST", path, auth, body).await
    }

    /// A JSON write (`POST`, `PUT`...), with the CSRF header for a session.
    pub async fn send_json(&self, method: &str, path: &str, auth: &Auth, body: &str) -> Res {
        let mut h = auth.headers(true);
        h.push(("Content-Type".into(), "application/json".into()));
        let refs: Vec<(&str, &str)> = h.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.send(method, path, &refs, body.as_bytes()).await
    }

    pub async fn post_form(&self, path: &str, auth: &Auth, form: &[(&str, &str)]) -> Res {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut h = auth.headers(false);
        h.push((
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
        let refs: Vec<(&str, &str)> = h.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.send("POST", path, &refs, body.as_bytes()).await
    }

    /// Creates a user directly in the database.
    pub fn add_user(&self, name: &str, role: Role) {
        self.raw_db()
            .run_blocking(|c| auth::create_user(c, name, role, PASSWORD))
            .unwrap_or_else(|e| panic!("create user: {e:#}"));
    }

    /// Links user `name` to the rendering provider `npi` directly in the database (what
    /// `PUT /api/v1/users/{id}/provider` does), so the visits they enter may name it.
    pub async fn link_provider(&self, name: &str, npi: &str) {
        let (name, npi) = (name.to_owned(), npi.to_owned());
        self.raw_db()
            .run(move |c| Ok(c.link_user_npi(&name, &npi)?))
            .await
            .unwrap_or_else(|e| panic!("link provider: {e:#}"));
    }

    /// Creates a user and an API token acting as them.
    pub fn token_for(&self, name: &str, role: Role) -> Auth {
        self.add_user(name, role);
        let token = self
            .raw_db()
            .run_blocking(|c| {
                let id = c
                    .one(
                        "SELECT id FROM server_users WHERE username = $1",
                        &[name.into()],
                    )?
                    .map(|r| r.int(0))
                    .unwrap_or_default();
                auth::issue_token(c, id, "test").map(|(_, t)| t)
            })
            .unwrap_or_else(|e| panic!("token: {e:#}"));
        Auth::Token(token)
    }

    /// Creates a user and signs them in over the JSON API.
    pub async fn session_for(&self, name: &str, role: Role) -> Auth {
        self.add_user(name, role);
        self.sign_in(name).await
    }

    pub async fn sign_in(&self, name: &str) -> Auth {
        let body = serde_json::json!({"username": name, "password": PASSWORD}).to_string();
        let res = self.post_json("/api/v1/session", &Auth::None, &body).await;
        assert_eq!(res.status, 200, "{}", res.body);
        let cookie = res
            .set_cookie("otbill_session")
            .unwrap_or_else(|| panic!("no session cookie: {:?}", res.headers));
        let csrf = res.json()["csrf_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        Auth::Session { cookie, csrf }
    }
}

/// How a test request authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Token(String),
    Session {
        cookie: String,
        csrf: String,
    },
    /// A session cookie without the CSRF header.
    CookieOnly(String),
}

impl Auth {
    fn headers(&self, write: bool) -> Vec<(String, String)> {
        match self {
            Auth::None => vec![],
            Auth::Token(t) => vec![("Authorization".into(), format!("Bearer {t}"))],
            Auth::Session { cookie, csrf } => {
                let mut h = vec![("Cookie".into(), format!("otbill_session={cookie}"))];
                if write {
                    h.push(("X-CSRF-Token".into(), csrf.clone()));
                }
                h
            }
            Auth::CookieOnly(cookie) => vec![("Cookie".into(), format!("otbill_session={cookie}"))],
        }
    }

    pub fn csrf(&self) -> &str {
        match self {
            Auth::Session { csrf, .. } => csrf,
            _ => "",
        }
    }

    pub fn without_csrf(&self) -> Auth {
        match self {
            Auth::Session { cookie, .. } => Auth::CookieOnly(cookie.clone()),
            other => other.clone(),
        }
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn parse_response(raw: &[u8]) -> Res {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Res {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        data = &data[eol + 2..];
        if size == 0 || data.len() < size {
            break;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[(size + 2).min(data.len())..];
    }
    out
}
