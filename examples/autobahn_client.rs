//! The Autobahn|Testsuite client driver: runs every case of a fuzzing server,
//! echoing each message back.
//!
//! ```sh
//! wstest -m fuzzingserver -s spec.json            # in another terminal
//! cargo run --release --example autobahn_client -- ws://127.0.0.1:9001
//! ```
//!
//! It asks the case count, runs each case as agent `wsmachine`, then asks the
//! server to write its reports.

#[path = "support/blocking.rs"]
mod blocking;

use wsmachine::{Event, OsRandom};

const AGENT: &str = "wsmachine";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:9001".to_owned());
    let base = base.trim_end_matches('/');

    let count = case_count(base)?;
    eprintln!("{count} cases");
    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={AGENT}");
        match blocking::connect(&url, OsRandom::new()) {
            Ok((mut sock, mut conn, pending)) => {
                match blocking::run(&mut sock, &mut conn, pending, blocking::echo) {
                    Ok(Some(outcome)) => eprintln!(
                        "case {case}/{count}: {} ({:?})",
                        outcome.code, outcome.cause
                    ),
                    Ok(None) => eprintln!("case {case}/{count}: transport failed"),
                    Err(e) => eprintln!("case {case}/{count}: {e}"),
                }
            }
            Err(e) => eprintln!("case {case}/{count}: handshake failed: {e}"),
        }
    }
    let url = format!("{base}/updateReports?agent={AGENT}");
    let (mut sock, mut conn, pending) = blocking::connect(&url, OsRandom::new())?;
    blocking::run(&mut sock, &mut conn, pending, |_, _| {})?;
    eprintln!("reports updated");
    Ok(())
}

/// Asks the fuzzing server how many cases it has.
fn case_count(base: &str) -> Result<u32, Box<dyn std::error::Error>> {
    let (mut sock, mut conn, pending) =
        blocking::connect(&format!("{base}/getCaseCount"), OsRandom::new())?;
    let mut count = None;
    blocking::run(&mut sock, &mut conn, pending, |_, event| {
        if let Event::Text(text) = event {
            count = text.trim().parse().ok();
        }
    })?;
    count.ok_or_else(|| "the server sent no case count".into())
}
