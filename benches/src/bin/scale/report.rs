//! The tables of the 10,000-connection benchmark: per-connection resident
//! memory and the time to open, as ranges over the runs.

/// What one run measured of one server.
#[derive(Default)]
pub(crate) struct Measure {
    /// Server RSS before any connection, bytes.
    pub(crate) base: u64,
    /// Connections opened (each with its first echo).
    pub(crate) opened: usize,
    pub(crate) open_secs: f64,
    /// Server RSS with every connection open and idle after its echo.
    pub(crate) after_small: u64,
    /// Connections that echoed a large message, and the RSS after.
    pub(crate) big: usize,
    pub(crate) after_big: Option<u64>,
    pub(crate) big_secs: f64,
    pub(crate) error: Option<String>,
}

impl Measure {
    /// Bytes per connection after the small message.
    fn per_small(&self) -> Option<f64> {
        (self.opened > 0).then(|| (self.after_small as f64 - self.base as f64) / self.opened as f64)
    }

    /// Bytes per connection that echoed a large message: the small-message
    /// cost plus the growth of the large phase over those connections.
    fn per_big(&self) -> Option<f64> {
        let after = self.after_big?;
        let growth = (after as f64 - self.after_small as f64) / self.big as f64;
        Some(self.per_small()? + growth)
    }
}

/// `a–b` over the runs (one value when they agree to the shown precision).
fn range(values: &[f64], show: impl Fn(f64) -> String) -> String {
    if values.is_empty() {
        return "–".to_owned();
    }
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = (show(lo), show(hi));
    if lo == hi {
        lo
    } else {
        format!("{lo}–{hi}")
    }
}

fn kib(bytes: f64) -> String {
    if bytes.abs() >= 100.0 * 1024.0 {
        format!("{:.0}", bytes / 1024.0)
    } else {
        format!("{:.2}", bytes / 1024.0)
    }
}

fn mib(bytes: f64) -> String {
    format!("{:.1}", bytes / (1024.0 * 1024.0))
}

/// Prints the table of one mode (`deflate` or not) for every server.
pub(crate) fn print_tables(names: &[&str], results: &[Vec<Measure>], deflate: bool, loads: &[f64]) {
    let runs = results.first().map_or(0, Vec::len);
    let conns = results
        .iter()
        .flatten()
        .map(|m| m.opened)
        .max()
        .unwrap_or(0);
    let big = results.iter().flatten().map(|m| m.big).max().unwrap_or(0);
    let what = if deflate {
        "permessage-deflate (client_max_window_bits offered), one compressed 125-byte JSON text echoed"
    } else {
        "one 125-byte text echoed"
    };
    println!("## {conns} connections, {what}, then idle ({runs} runs)\n");
    println!(
        "Load average (1 min) at the start of each run and at the end: {}.\n",
        loads
            .iter()
            .map(|l| format!("{l:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    print!("| server | RSS before, MiB | RSS with all open, MiB | per connection, KiB | time to open all, s |");
    if !deflate {
        print!(" per connection after a 1 MiB echo ({big} of them, one at a time), KiB |");
    }
    println!();
    println!("|---|---|---|---|---|{}", if deflate { "" } else { "---|" });
    for (name, ms) in names.iter().zip(results) {
        let col = |f: &dyn Fn(&Measure) -> Option<f64>, show: fn(f64) -> String| {
            range(&ms.iter().filter_map(f).collect::<Vec<_>>(), show)
        };
        let short = ms
            .iter()
            .filter(|m| m.opened < conns)
            .map(|m| m.opened)
            .min();
        let note = short.map_or(String::new(), |n| format!(" (only {n} opened)"));
        print!(
            "| {name}{note} | {} | {} | {} | {} |",
            col(&|m| Some(m.base as f64), mib),
            col(&|m| Some(m.after_small as f64), mib),
            col(&Measure::per_small, kib),
            col(&|m| Some(m.open_secs), |s| format!("{s:.1}")),
        );
        if !deflate {
            print!(" {} |", col(&Measure::per_big, kib));
        }
        println!();
        for m in ms {
            if let Some(e) = &m.error {
                eprintln!("{name}: {e}");
            }
            if m.big > 0 {
                eprintln!("{name}: {} large echoes in {:.1} s", m.big, m.big_secs);
            }
        }
    }
    println!();
}
