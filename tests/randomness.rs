//! The optional `getrandom` implementation of `Randomness`.
#![cfg(feature = "getrandom")]

use wsmachine::{Config, Connection, OsRandom, Randomness};

#[test]
fn os_random_gives_unpredictable_masking_keys() {
    let mut rng = OsRandom::new();
    let mut a = [0u8; 600];
    let mut b = [0u8; 600];
    rng.fill(&mut a);
    rng.fill(&mut b);
    assert_ne!(a, b, "two draws across the 256-byte refill agree");
    assert_ne!(a, [0u8; 600]);

    // Two frames with the same payload get different masking keys.
    let mut c = Connection::client(Config::default(), OsRandom::new());
    c.send_binary(b"same").unwrap();
    c.send_binary(b"same").unwrap();
    let wire = c.poll_output();
    assert_eq!(wire.len(), 20);
    assert_ne!(&wire[2..6], &wire[12..16], "masking keys repeat");
}
