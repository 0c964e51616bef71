//! An SMTP server for the tests (no mail server runs on these machines):
//! it speaks enough of RFC 5321 for lettre (EHLO, MAIL, RCPT, DATA, QUIT),
//! keeps every message it accepts, and can be told to refuse (451, "try
//! later"), as a mail server that is down for maintenance does.

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc, Mutex,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};

pub struct SmtpSink {
    pub addr: std::net::SocketAddr,
    received: Arc<Mutex<Vec<String>>>,
    refusing: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let refusing = Arc::new(AtomicBool::new(false));
        let (r, f) = (received.clone(), refusing.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, r.clone(), f.clone()));
            }
        });
        SmtpSink {
            addr,
            received,
            refusing,
            task,
        }
    }

    /// `KASSA_SMTP_URL` for this server (plain SMTP, no TLS, no log-in).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn refuse(&self, on: bool) {
        self.refusing.store(on, Ordering::SeqCst);
    }

    /// Every accepted message (headers and body, as sent).
    pub fn messages(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn session(stream: TcpStream, received: Arc<Mutex<Vec<String>>>, refusing: Arc<AtomicBool>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    if write.write_all(b"220 sink ESMTP\r\n").await.is_err() {
        return;
    }
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let answer: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
            "HELO" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
            "MAIL" if refusing.load(Ordering::SeqCst) => b"451 4.3.2 down for maintenance\r\n",
            "MAIL" => b"250 OK\r\n",
            "DATA" => {
                if write.write_all(b"354 end with .\r\n").await.is_err() {
                    return;
                }
                let mut message = String::new();
                while let Ok(Some(l)) = lines.next_line().await {
                    if l == "." {
                        break;
                    }
                    message.push_str(&l);
                    message.push('\n');
                }
                received.lock().unwrap().push(message);
                b"250 queued\r\n"
            }
            "QUIT" => {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            }
            _ => b"502 not here\r\n",
        };
        if write.write_all(answer).await.is_err() {
            return;
        }
    }
}
