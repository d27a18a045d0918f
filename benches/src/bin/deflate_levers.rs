//! permessage-deflate levers: what each choice of backend, window, memLevel
//! and context takeover costs in memory per connection, compressed size and
//! speed, on the JSON-like corpus. The backends are driven directly, as the
//! extension drives them: a sync flush per message, its tail removed.
//!
//! ```sh
//! cargo run -p wsmachine-bench --release --bin deflate_levers [-- --rounds N --kib K]
//! ```
//!
//! "kept": the state lives as long as the connection (what it holds while
//! idle is the heap column). "released": nothing is held between messages;
//! each message gets a fresh state (no context takeover). "dictionary":
//! context takeover with only the last window of data held between messages;
//! each message gets a fresh state primed with it. Unless said, zlib-rs
//! runs with a 15-bit window and memLevel 8.

use miniz_oxide::deflate::core::{create_comp_flags_from_zip_params, CompressorOxide};
use miniz_oxide::inflate::stream::InflateState;
use miniz_oxide::{DataFormat, MZFlush};
use wsmachine_bench::alloc_count::{kib, live_bytes, start_counting, Counting};
use wsmachine_bench::corpus::json_messages;
use wsmachine_bench::runner::{self, Contender};
use zlib_rs::{Deflate, DeflateConfig, DeflateFlush, Inflate, InflateFlush};

#[global_allocator]
static ALLOC: Counting = Counting;

const TAIL: [u8; 4] = [0, 0, 0xff, 0xff];

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Kept,
    Released,
    Dictionary,
}

#[derive(Clone, Copy)]
enum Backend {
    Miniz,
    Zlib { mem_level: i32 },
}

#[derive(Clone, Copy)]
struct Lever {
    name: &'static str,
    backend: Backend,
    level: i32,
    bits: u8,
    mode: Mode,
    /// The history held between messages (mode `Dictionary`), in bits.
    keep_bits: u8,
}

const fn lever(
    name: &'static str,
    backend: Backend,
    level: i32,
    bits: u8,
    mode: Mode,
    keep_bits: u8,
) -> Lever {
    Lever {
        name,
        backend,
        level,
        bits,
        mode,
        keep_bits,
    }
}

const MINIZ: Backend = Backend::Miniz;
const Z8: Backend = Backend::Zlib { mem_level: 8 };
const Z1: Backend = Backend::Zlib { mem_level: 1 };

const LEVERS: [Lever; 10] = [
    lever("miniz_oxide L1, kept (today)", MINIZ, 1, 15, Mode::Kept, 15),
    lever("miniz_oxide L1, released", MINIZ, 1, 15, Mode::Released, 15),
    lever("zlib-rs L1, kept", Z8, 1, 15, Mode::Kept, 15),
    lever("zlib-rs L2, kept", Z8, 2, 15, Mode::Kept, 15),
    lever(
        "zlib-rs L2, 10 bits, memLevel 1, kept",
        Z1,
        2,
        10,
        Mode::Kept,
        10,
    ),
    lever("zlib-rs L1, released", Z8, 1, 15, Mode::Released, 15),
    lever("zlib-rs L2, released", Z8, 2, 15, Mode::Released, 15),
    lever("zlib-rs L1, 4 KiB history", Z8, 1, 15, Mode::Dictionary, 12),
    lever("zlib-rs L2, 4 KiB history", Z8, 2, 15, Mode::Dictionary, 12),
    lever("zlib-rs L2, 8 KiB history", Z8, 2, 15, Mode::Dictionary, 13),
];

enum Comp {
    Miniz(Box<CompressorOxide>),
    Zlib(Deflate),
}

enum Infl {
    Miniz(Box<InflateState>),
    Zlib(Inflate),
}

/// One direction of one connection with a lever applied.
struct Side {
    lever: Lever,
    comp: Option<Comp>,
    infl: Option<Infl>,
    /// The last window of data (mode `Dictionary`).
    window: Vec<u8>,
}

impl Side {
    fn new(lever: Lever) -> Self {
        Side {
            lever,
            comp: None,
            infl: None,
            window: Vec::new(),
        }
    }

    fn new_comp(&self) -> Comp {
        let l = self.lever;
        match l.backend {
            Backend::Miniz => Comp::Miniz(Box::new(CompressorOxide::new(
                create_comp_flags_from_zip_params(l.level, -15, 0),
            ))),
            Backend::Zlib { mem_level } => {
                let mut c = DeflateConfig::new(l.level);
                c.window_bits = -i32::from(l.bits);
                c.mem_level = mem_level;
                Comp::Zlib(Deflate::new_with_config(c))
            }
        }
    }

    fn new_infl(&self) -> Infl {
        match self.lever.backend {
            Backend::Miniz => Infl::Miniz(InflateState::new_boxed(DataFormat::Raw)),
            Backend::Zlib { .. } => Infl::Zlib(Inflate::new(false, self.lever.bits)),
        }
    }

    /// Keeps the last window of `data` (mode `Dictionary`).
    fn remember(&mut self, data: &[u8]) {
        let w = 1usize << self.lever.keep_bits;
        self.window
            .extend_from_slice(&data[data.len().saturating_sub(w)..]);
        let extra = self.window.len().saturating_sub(w);
        self.window.drain(..extra);
        self.window.shrink_to(w);
    }

    fn compress(&mut self, msg: &[u8], out: &mut Vec<u8>) {
        let mut comp = match self.comp.take() {
            Some(c) => c,
            None => self.new_comp(),
        };
        if let (Comp::Zlib(z), Mode::Dictionary) = (&mut comp, self.lever.mode) {
            if !self.window.is_empty() {
                z.set_dictionary(&self.window).expect("dictionary");
            }
        }
        let start = out.len();
        pump(msg, out, |n| n + n / 8 + 64, |i, o| comp.step(i, o));
        if out[start..].ends_with(&TAIL) {
            out.truncate(out.len() - 4);
        }
        match self.lever.mode {
            Mode::Kept => self.comp = Some(comp),
            Mode::Released => {}
            Mode::Dictionary => self.remember(msg),
        }
    }

    fn inflate(&mut self, payload: &[u8], out: &mut Vec<u8>) {
        let mut infl = match self.infl.take() {
            Some(i) => i,
            None => self.new_infl(),
        };
        if let (Infl::Zlib(z), Mode::Dictionary) = (&mut infl, self.lever.mode) {
            if !self.window.is_empty() {
                z.set_dictionary(&self.window).expect("dictionary");
            }
        }
        let start = out.len();
        for input in [payload, &TAIL[..]] {
            pump(input, out, |n| (n * 8).max(4096), |i, o| infl.step(i, o));
        }
        match self.lever.mode {
            Mode::Kept => self.infl = Some(infl),
            Mode::Released => {}
            Mode::Dictionary => {
                let data = out[start..].to_vec();
                self.remember(&data);
            }
        }
    }
}

impl Comp {
    /// Compresses what it can of `input` into `out` with a sync flush;
    /// returns the bytes used and written.
    fn step(&mut self, input: &[u8], out: &mut [u8]) -> (usize, usize) {
        match self {
            Comp::Miniz(c) => {
                let r = miniz_oxide::deflate::stream::deflate(c, input, out, MZFlush::Sync);
                (r.bytes_consumed, r.bytes_written)
            }
            Comp::Zlib(z) => {
                let (i, o) = (z.total_in(), z.total_out());
                z.compress(input, out, DeflateFlush::SyncFlush)
                    .expect("deflate");
                ((z.total_in() - i) as usize, (z.total_out() - o) as usize)
            }
        }
    }
}

impl Infl {
    /// Inflates what it can of `input` into `out`; returns the bytes used
    /// and written.
    fn step(&mut self, input: &[u8], out: &mut [u8]) -> (usize, usize) {
        match self {
            Infl::Miniz(s) => {
                let r = miniz_oxide::inflate::stream::inflate(s, input, out, MZFlush::None);
                (r.bytes_consumed, r.bytes_written)
            }
            Infl::Zlib(z) => {
                let (i, o) = (z.total_in(), z.total_out());
                let _ = z.decompress(input, out, InflateFlush::SyncFlush);
                ((z.total_in() - i) as usize, (z.total_out() - o) as usize)
            }
        }
    }
}

/// Runs `step` over all of `input`, appending its output to `out` in rounds
/// of `room(input left)` bytes, until the input is used and a round leaves
/// room unfilled (nothing more is pending).
fn pump(
    mut input: &[u8],
    out: &mut Vec<u8>,
    room: impl Fn(usize) -> usize,
    mut step: impl FnMut(&[u8], &mut [u8]) -> (usize, usize),
) {
    loop {
        let len = out.len();
        let size = room(input.len());
        out.resize(len + size, 0);
        let (used, written) = step(input, &mut out[len..]);
        out.truncate(len + written);
        input = &input[used..];
        if input.is_empty() && written < size {
            break;
        }
    }
}

fn compress_all(lever: Lever, messages: &[String]) -> Vec<Vec<u8>> {
    let mut side = Side::new(lever);
    messages
        .iter()
        .map(|m| {
            let mut out = Vec::new();
            side.compress(m.as_bytes(), &mut out);
            out
        })
        .collect()
}

fn inflate_all(lever: Lever, payloads: &[Vec<u8>]) -> usize {
    let mut side = Side::new(lever);
    let mut out = Vec::new();
    for p in payloads {
        out.clear();
        side.inflate(p, &mut out);
        wsmachine_bench::consume(&out);
    }
    payloads.len()
}

/// Heap one connection holds after exchanging `messages` both ways, idle.
fn idle_heap(lever: Lever, messages: &[String], payloads: &[Vec<u8>]) -> isize {
    let base = live_bytes();
    let mut sender = Side::new(lever);
    let mut receiver = Side::new(lever);
    let mut out = Vec::new();
    for (m, p) in messages.iter().zip(payloads) {
        out.clear();
        sender.compress(m.as_bytes(), &mut out);
        out.clear();
        receiver.inflate(p, &mut out);
    }
    drop(out);
    let held = live_bytes() - base;
    drop((sender, receiver));
    held
}

fn main() {
    let mut rounds = 9;
    let mut total = 512 << 10;
    runner::parse_flags("use --rounds N, --kib K", |flag, value| {
        match flag {
            "--rounds" => rounds = value.parse().expect("--rounds N"),
            "--kib" => total = value.parse::<usize>().expect("--kib K") << 10,
            _ => return false,
        }
        true
    });
    start_counting();
    println!(
        "## permessage-deflate levers: JSON-like records, {} KiB of messages per pass\n",
        total >> 10
    );
    println!("Heap: compressor and inflater one connection holds while idle, after exchanging messages (counting allocator). Size: compressed / original. Speed: relative to today's default (miniz_oxide level 1, 32 KiB window, kept), median of per-round ratios, above 1 is faster.\n");
    println!("| setting | message | idle heap | size | compress speed | inflate speed |");
    println!("|---|---|---|---|---|---|");
    for size in [125, 1 << 10, 16 << 10] {
        let count = (total / size).max(8);
        let messages = json_messages(size, count);
        let original: usize = messages.iter().map(String::len).sum();
        let streams: Vec<Vec<Vec<u8>>> =
            LEVERS.iter().map(|&l| compress_all(l, &messages)).collect();
        for (l, s) in LEVERS.iter().zip(&streams) {
            // Every stream inflates back to its messages.
            let mut check = Side::new(*l);
            for (m, p) in messages.iter().zip(s) {
                let mut out = Vec::new();
                check.inflate(p, &mut out);
                assert_eq!(out, m.as_bytes(), "{} round trip", l.name);
            }
        }
        let comp = runner::run(
            LEVERS
                .iter()
                .map(|&l| {
                    let msgs = &messages;
                    Contender::new(l.name, move || compress_all(l, msgs).len())
                })
                .collect(),
            rounds,
            &vec![Some(count); LEVERS.len()],
            None,
        );
        let infl = runner::run(
            LEVERS
                .iter()
                .zip(&streams)
                .map(|(&l, s)| Contender::new(l.name, move || inflate_all(l, s)))
                .collect(),
            rounds,
            &vec![Some(count); LEVERS.len()],
            None,
        );
        for (l, s) in LEVERS.iter().zip(&streams) {
            let compressed: usize = s.iter().map(Vec::len).sum();
            println!(
                "| {} | {} B | {} | {:.3} | {} | {} |",
                l.name,
                size,
                kib(idle_heap(*l, &messages, s)),
                compressed as f64 / original as f64,
                comp.ratio(l.name, LEVERS[0].name),
                infl.ratio(l.name, LEVERS[0].name),
            );
        }
    }
}
