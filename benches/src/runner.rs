//! The interleaved runner: every round runs each contender once, in an order
//! that rotates from round to round, so that a noisy neighbour slows all of
//! them alike. Results are medians over rounds, and ratios are medians of the
//! per-round ratios (each round compares runs made moments apart).
//!
//! A pass is timed with the thread's CPU clock, not the wall clock: on a
//! shared machine a pass of a few milliseconds is often preempted, and the
//! time another process ran is not the contender's.

/// One contender in a row: a name and a pass over the workload that returns
/// how many messages it delivered (checked against the workload).
pub struct Contender<'a> {
    pub name: &'static str,
    pub pass: Box<dyn FnMut() -> usize + 'a>,
}

impl<'a> Contender<'a> {
    pub fn new(name: &'static str, pass: impl FnMut() -> usize + 'a) -> Self {
        Contender {
            name,
            pass: Box::new(pass),
        }
    }
}

/// Seconds per pass, per contender and round.
pub struct Timings {
    pub names: Vec<&'static str>,
    /// `secs[contender][round]`.
    pub secs: Vec<Vec<f64>>,
}

/// Runs `rounds` interleaved rounds after one warm-up pass each. Every pass
/// must deliver `expect` messages (`None`: limit rows, unchecked). With
/// `just`, only that contender runs (for a profiler).
pub fn run(
    contenders: Vec<Contender<'_>>,
    rounds: usize,
    expect: &[Option<usize>],
    just: Option<&str>,
) -> Timings {
    assert_eq!(contenders.len(), expect.len());
    let (mut contenders, expect): (Vec<_>, Vec<_>) = contenders
        .into_iter()
        .zip(expect.iter().copied())
        .filter(|(c, _)| just.is_none_or(|j| j == c.name))
        .unzip();
    let n = contenders.len();
    for (c, want) in contenders.iter_mut().zip(expect) {
        let got = (c.pass)();
        if let Some(want) = want {
            assert_eq!(
                got, want,
                "{} delivered the wrong number of messages",
                c.name
            );
        }
    }
    let mut secs = vec![Vec::with_capacity(rounds); n];
    for round in 0..rounds {
        for k in 0..n {
            let i = (round + k) % n;
            let start = thread_cpu_secs();
            std::hint::black_box((contenders[i].pass)());
            secs[i].push(thread_cpu_secs() - start);
        }
    }
    Timings {
        names: contenders.iter().map(|c| c.name).collect(),
        secs,
    }
}

/// CPU time this thread has used, in seconds (user and system).
pub fn thread_cpu_secs() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write; the clock id is a constant
    // every Linux supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// The median of `xs` (the mean of the middle two for an even count).
pub fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

impl Timings {
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| *n == name)
    }

    /// Median seconds per pass of contender `i`.
    pub fn median(&self, i: usize) -> f64 {
        median(&self.secs[i])
    }

    /// How many times faster `a` is than `b`, per the median of the rounds'
    /// ratios; `None` if either did not run.
    pub fn speedup(&self, a: &str, b: &str) -> Option<f64> {
        let (a, b) = (self.index(a)?, self.index(b)?);
        let ratios: Vec<f64> = (0..self.secs[a].len())
            .map(|r| self.secs[b][r] / self.secs[a][r])
            .collect();
        Some(median(&ratios))
    }

    /// [`speedup`](Self::speedup) for a table cell: two decimals, or "–".
    pub fn ratio(&self, a: &str, b: &str) -> String {
        match self.speedup(a, b) {
            Some(x) => format!("{x:.2}"),
            None => "–".to_owned(),
        }
    }
}

/// Reads the command line as `--flag value` pairs, handing each to `set`,
/// which returns false for a flag it does not know; then the program stops
/// with `usage`.
pub fn parse_flags(usage: &str, mut set: impl FnMut(&str, String) -> bool) {
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .unwrap_or_else(|| panic!("a value after {flag}; {usage}"));
        if !set(&flag, value) {
            panic!("unknown argument {flag}; {usage}");
        }
    }
}
