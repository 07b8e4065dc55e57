//! A small blocking HTTP/1.1 client with keep-alive, enough for the load: one request at
//! a time per connection, bodies by `Content-Length` or chunked. No client crate: the
//! server's own dependencies are all the benchmark needs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A response: status and body.
#[derive(Debug)]
pub(crate) struct Res {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

/// One keep-alive connection to one server; reconnects only after the server closed it
/// cleanly (`Connection: close`), never to retry a request.
#[derive(Debug)]
pub(crate) struct Conn {
    addr: SocketAddr,
    stream: Option<BufReader<TcpStream>>,
    buf: Vec<u8>,
}

/// How long one request may take before it counts as a transport error.
const IO_TIMEOUT: Duration = Duration::from_secs(60);

impl Conn {
    pub(crate) fn new(addr: SocketAddr) -> Conn {
        Conn {
            addr,
            stream: None,
            buf: Vec::with_capacity(4096),
        }
    }

    /// Sends one request and reads its response. `token` goes in as a bearer token.
    pub(crate) fn request(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        content_type: &str,
        body: &[u8],
    ) -> std::io::Result<Res> {
        if self.stream.is_none() {
            let s = TcpStream::connect_timeout(&self.addr, IO_TIMEOUT)?;
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(IO_TIMEOUT))?;
            s.set_write_timeout(Some(IO_TIMEOUT))?;
            self.stream = Some(BufReader::with_capacity(1 << 16, s));
        }
        let res = self.exchange(method, path, token, content_type, body);
        if res.is_err() {
            // The connection's state is unknown after an error: never reuse it.
            self.stream = None;
        }
        res
    }

    fn exchange(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        content_type: &str,
        body: &[u8],
    ) -> std::io::Result<Res> {
        let Some(stream) = self.stream.as_mut() else {
            return Err(std::io::Error::other("not connected"));
        };
        self.buf.clear();
        write!(
            self.buf,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        )?;
        if !content_type.is_empty() {
            write!(self.buf, "Content-Type: {content_type}\r\n")?;
        }
        self.buf.extend_from_slice(b"\r\n");
        self.buf.extend_from_slice(body);
        stream.get_mut().write_all(&self.buf)?;

        let mut line = String::new();
        if stream.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the server closed the connection before answering",
            ));
        }
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(format!("bad status line {line:?}")))?;
        let (mut length, mut chunked, mut close) = (None, false, false);
        loop {
            line.clear();
            if stream.read_line(&mut line)? == 0 {
                return Err(bad("the headers end early".into()));
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let Some((k, v)) = l.split_once(':') else {
                continue;
            };
            let v = v.trim();
            if k.eq_ignore_ascii_case("content-length") {
                length = Some(v.parse::<usize>().map_err(|_| bad("bad length".into()))?);
            } else if k.eq_ignore_ascii_case("transfer-encoding") {
                chunked = v.to_ascii_lowercase().contains("chunked");
            } else if k.eq_ignore_ascii_case("connection") {
                close = v.eq_ignore_ascii_case("close");
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                stream.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                    .map_err(|_| bad(format!("bad chunk size {line:?}")))?;
                let start = body.len();
                body.resize(start + size, 0);
                stream.read_exact(&mut body[start..])?;
                line.clear();
                stream.read_line(&mut line)?;
                if size == 0 {
                    break;
                }
            }
        } else if let Some(n) = length {
            body.resize(n, 0);
            stream.read_exact(&mut body)?;
        } else {
            // No length: the body runs to the end of the connection.
            stream.read_to_end(&mut body)?;
            close = true;
        }
        if close {
            self.stream = None;
        }
        Ok(Res { status, body })
    }
}

fn bad(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}
