//! The optional `getrandom` implementation of `Randomness`.
#![cfg(feature = "getrandom")]

use wsmachine::{Config, Connection, OsRandom, Randomness};

/// `OsRandom` draws its bytes from the operating system a pool at a time; the
/// pool's size is private (4 KiB at the time of writing). The draws below are
/// sized to cross refills of any pool up to this size.
const MAX_POOL: usize = 64 << 10;

#[test]
fn os_random_gives_fresh_bytes_across_refills() {
    let mut rng = OsRandom::new();
    let mut stream = Vec::new();
    // One byte, so that the pool is part used, then one draw longer than two
    // pools: it straddles at least two refills, and starts inside a pool.
    let mut first = [0u8; 1];
    rng.fill(&mut first);
    stream.extend(first);
    let mut long = vec![0u8; 2 * MAX_POOL + 1];
    rng.fill(&mut long);
    stream.extend(long);
    // Then masking keys, four bytes at a time, over two more pools.
    for _ in 0..2 * MAX_POOL / 4 {
        let mut key = [0u8; 4];
        rng.fill(&mut key);
        stream.extend(key);
    }
    // The bytes come out as one stream. A pool handed out twice, or not
    // refilled, would repeat a 16-byte window; random bytes repeat one with a
    // chance near 2^-90 here.
    let mut windows: Vec<u128> = stream
        .windows(16)
        .map(|w| u128::from_ne_bytes(w.try_into().unwrap()))
        .collect();
    windows.sort_unstable();
    let repeats = windows.windows(2).filter(|w| w[0] == w[1]).count();
    assert_eq!(repeats, 0, "16-byte windows of the stream repeat");
}

#[test]
fn os_random_gives_unpredictable_masking_keys() {
    // Two frames with the same payload get different masking keys.
    let mut c = Connection::client(Config::default(), OsRandom::new());
    c.send_binary(b"same").unwrap();
    c.send_binary(b"same").unwrap();
    let wire = c.poll_output();
    assert_eq!(wire.len(), 20);
    assert_ne!(&wire[2..6], &wire[12..16], "masking keys repeat");
}
