//! The SMTP email service against a minimal SMTP server run by the test.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::common::App;

/// A bare SMTP receiver: accepts every message and keeps its envelope and data.
async fn smtp_sink() -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let received: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let store = received.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let (mut rcpt, mut data, mut in_data) = (String::new(), String::new(), false);
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            store
                                .lock()
                                .unwrap()
                                .push((rcpt.clone(), std::mem::take(&mut data)));
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        rcpt = line[8..].trim().trim_matches(['<', '>']).to_owned();
                        b"250 ok\r\n"
                    } else if upper.starts_with("DATA") {
                        in_data = true;
                        b"354 go on\r\n"
                    } else if upper.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (addr, received)
}

#[tokio::test]
async fn emails_go_out_over_smtp_as_text_and_html() {
    let (addr, received) = smtp_sink().await;
    let app = App::start_with(move |c| {
        c.email = mockbird_server::config::EmailMode::Smtp;
        c.smtp_url = Some(format!("smtp://{addr}"));
        c.email_from = "MockBird <robot@mockbird.test>".into();
    })
    .await;
    let (_, system) = app.call("", Method::GET, "/api/system", None).await;
    assert_eq!(system["services"]["email"], "real");
    // No outbox without mock email.
    let (s, _) = app
        .call("", Method::GET, "/api/dev/outbox?to=x@example.com", None)
        .await;
    assert_eq!(s, reqwest::StatusCode::NOT_FOUND);
    app.register("smtp-user@example.com").await;
    let mut waited = 0;
    while received.lock().unwrap().is_empty() {
        assert!(waited < 50, "no email arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    let (rcpt, data) = received.lock().unwrap()[0].clone();
    assert_eq!(rcpt, "smtp-user@example.com");
    assert!(data.contains("Subject: Welcome to MockBird"), "{data}");
    assert!(
        data.contains("From: MockBird <robot@mockbird.test>"),
        "{data}"
    );
    assert!(data.contains("multipart/alternative"), "{data}");
    assert!(
        data.contains("text/plain") && data.contains("text/html"),
        "{data}"
    );
}
