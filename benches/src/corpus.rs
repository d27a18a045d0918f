//! A JSON-like corpus for the permessage-deflate rows: API-style records
//! (ids, names, e-mail addresses, timestamps, enums, numbers, short text),
//! generated deterministically, so that every run compresses the same bytes.

use wsmachine_testkit::TestRng;

const FIRST: [&str; 12] = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Ken", "Dennis", "Margaret", "John",
    "Frances", "Leslie",
];
const LAST: [&str; 12] = [
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Thompson", "Ritchie",
    "Hamilton", "Backus", "Allen", "Lamport",
];
const STATUS: [&str; 4] = ["active", "pending", "suspended", "closed"];
const TAGS: [&str; 8] = [
    "billing", "beta", "admin", "mobile", "eu-west", "us-east", "trial", "support",
];
const WORDS: [&str; 16] = [
    "order",
    "shipped",
    "payment",
    "received",
    "refund",
    "requested",
    "the",
    "customer",
    "item",
    "delayed",
    "warehouse",
    "updated",
    "address",
    "confirmed",
    "invoice",
    "sent",
];

fn pick<'a>(rng: &mut TestRng, from: &[&'a str]) -> &'a str {
    from[(rng.next_u64() % from.len() as u64) as usize]
}

/// Appends one record, as a server's JSON API would send it.
fn record(out: &mut String, id: u64, rng: &mut TestRng) {
    use std::fmt::Write;
    let first = pick(rng, &FIRST);
    let last = pick(rng, &LAST);
    let secs = 1_700_000_000 + rng.next_u64() % 50_000_000;
    let _ = write!(
        out,
        r#"{{"id":{id},"user":{{"name":"{first} {last}","email":"{}.{}{}@example.com"}},"status":"{}","created_at":"2026-{:02}-{:02}T{:02}:{:02}:{:02}Z","amount":{}.{:02},"currency":"EUR","tags":["{}","{}"],"note":""#,
        first.to_lowercase(),
        last.to_lowercase(),
        rng.next_u64() % 100,
        pick(rng, &STATUS),
        1 + secs % 12,
        1 + secs % 28,
        secs % 24,
        secs % 60,
        (secs / 60) % 60,
        rng.next_u64() % 5000,
        rng.next_u64() % 100,
        pick(rng, &TAGS),
        pick(rng, &TAGS),
    );
    for i in 0..(3 + rng.next_u64() % 6) {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(pick(rng, &WORDS));
    }
    out.push_str(r#""}"#);
}

/// `count` messages of `size` bytes each: JSON arrays of consecutive
/// records, cut at `size` (all ASCII, so any cut is valid text). Consecutive
/// messages hold different records, as a stream of updates would.
pub fn json_messages(size: usize, count: usize) -> Vec<String> {
    let mut rng = TestRng(0x7e57_da7a ^ size as u64);
    let mut id = 1000;
    (0..count)
        .map(|_| {
            let mut m = String::with_capacity(size + 512);
            m.push('[');
            while m.len() < size {
                if m.len() > 1 {
                    m.push(',');
                }
                record(&mut m, id, &mut rng);
                id += 1;
            }
            m.truncate(size);
            m
        })
        .collect()
}
