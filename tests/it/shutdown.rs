//! Graceful shutdown (issue 15, item 3): `zuofeng serve` receiving SIGTERM stops accepting
//! connections, lets a request in flight finish, sends what the outbox holds, and exits with
//! status 0.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::helpers::random_suffix;

fn status_line(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    let mut buf = [0u8; 64];
    let n = stream.read(&mut buf).unwrap_or(0);
    String::from_utf8_lossy(&buf[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn sigterm_finishes_the_request_in_flight_and_exits_cleanly() {
    let dir = std::env::temp_dir().join(format!("zuofeng-stop-{}", random_suffix()));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}/z.db", dir.display());
    // The reminder hook: a receiver answering 200 and counting what it got.
    let hook = std::net::TcpListener::bind("127.0.0.1:0").expect("hook");
    let hook_url = format!("http://{}/robot", hook.local_addr().expect("addr"));
    let (tx, received) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        let (mut s, _) = hook.accept().expect("a delivery");
        s.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&got).contains("停机前发送") {
                break;
            }
        }
        let _ = s.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"errcode\":0}",
        );
        let _ = tx.send(String::from_utf8_lossy(&got).into_owned());
    });
    let (mut child, addr) =
        crate::helpers::serve_process(&url, &[("ZUOFENG_WEBHOOK_URL", &hook_url)]);

    // A message waiting in the outbox (the sender polls every 15 s: not before the stop).
    {
        let db = zuofeng::db::Db::open(&url).expect("the served database");
        let mut c = db.conn().expect("connection");
        let now = chrono::Utc::now().naive_utc();
        zuofeng::db::models::outbox::insert(&mut c, "webhook", "通知", "停机前发送", now)
            .expect("queue a message");
    }

    // A request in flight: the headers and half of the body sent.
    let mut slow = TcpStream::connect(&addr).expect("connect");
    let body = "username=nobody&password=x";
    write!(
        slow,
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .expect("send the first half");
    std::thread::sleep(Duration::from_millis(300));

    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(term.success());
    std::thread::sleep(Duration::from_millis(500));

    // No new connection is served.
    match TcpStream::connect(&addr) {
        Err(_) => {}
        Ok(mut s) => {
            let _ = write!(s, "GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n");
            s.set_read_timeout(Some(Duration::from_secs(2)))
                .expect("timeout");
            let mut buf = [0u8; 32];
            let n = s.read(&mut buf).unwrap_or(0);
            assert!(
                !String::from_utf8_lossy(&buf[..n]).contains("200"),
                "a new request was served after SIGTERM"
            );
        }
    }

    // The request in flight finishes with an answer.
    slow.write_all(&body.as_bytes()[10..])
        .expect("send the rest");
    let answer = status_line(&mut slow);
    assert!(answer.starts_with("HTTP/1.1 "), "no answer: {answer:?}");

    // And the process exits 0 well within the grace period.
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "still running 30 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "exit status {status:?}");
    let got = received
        .recv_timeout(Duration::from_secs(10))
        .expect("the outbox was not flushed: nothing reached the hook");
    assert!(
        got.contains("停机前发送"),
        "the outbox was not flushed: {got}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
