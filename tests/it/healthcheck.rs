//! `nimbus-bot healthcheck`: exit 0 only for a 200 from /healthz; 1 for a 503, for nothing
//! listening, for a listener that is off, and for a config it cannot read (container
//! runtimes reserve 2).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};

fn healthcheck(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nimbus-bot"));
    cmd.arg("healthcheck")
        .args(args)
        .env_remove("NIMBUS_CONFIG")
        .env_remove("NIMBUS_OPS_LISTEN")
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.output().expect("run nimbus-bot healthcheck")
}

/// A one-shot HTTP server on 127.0.0.1 answering `status` with `body`; returns its URL.
fn answer_once(status: &'static str, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/healthz", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request);
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}/healthz")
}

#[test]
fn exit_codes_follow_the_answer() {
    let ready = healthcheck(&["--url", &answer_once("200 OK", "ready\n")], &[]);
    assert_eq!(ready.status.code(), Some(0), "{ready:?}");
    assert_eq!(String::from_utf8_lossy(&ready.stdout), "ready\n");

    let url = answer_once(
        "503 Service Unavailable",
        "not ready: the bank is not loaded yet\n",
    );
    let not_ready = healthcheck(&["--url", &url], &[]);
    assert_eq!(not_ready.status.code(), Some(1), "{not_ready:?}");
    let stderr = String::from_utf8_lossy(&not_ready.stderr);
    assert!(
        stderr.contains("503 not ready: the bank is not loaded yet"),
        "{stderr}"
    );

    let nothing = healthcheck(&["--url", &closed_port_url()], &[]);
    assert_eq!(nothing.status.code(), Some(1), "{nothing:?}");
}

#[test]
fn the_url_comes_from_the_listener_setting() {
    let off = healthcheck(&["--config", "/dev/null"], &[]);
    assert_eq!(off.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&off.stderr).contains("[ops] listen"),
        "{off:?}"
    );
    // NIMBUS_OPS_LISTEN (as the container image sets it) is where it asks.
    let url = answer_once("200 OK", "ready\n");
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches("/healthz")
        .to_owned();
    let ready = healthcheck(&["--config", "/dev/null"], &[("NIMBUS_OPS_LISTEN", &addr)]);
    assert_eq!(ready.status.code(), Some(0), "{ready:?}");
}

#[test]
fn an_unreadable_config_is_unhealthy_not_2() {
    let out = healthcheck(&["--config", "/nonexistent/config.toml"], &[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
}
