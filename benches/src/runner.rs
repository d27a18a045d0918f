//! The interleaved runner: every round runs each contender once, in an order
//! that rotates from round to round, so that a noisy neighbour slows all of
//! them alike. Results are medians over rounds, and ratios are medians of the
//! per-round ratios (each round compares runs made moments apart).

use std::time::Instant;

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
/// must deliver `expect` messages (`None`: limit rows, unchecked).
pub fn run(contenders: &mut [Contender<'_>], rounds: usize, expect: &[Option<usize>]) -> Timings {
    let n = contenders.len();
    for (c, want) in contenders.iter_mut().zip(expect) {
        let got = (c.pass)();
        if let Some(want) = want {
            assert_eq!(
                got, *want,
                "{} delivered the wrong number of messages",
                c.name
            );
        }
    }
    let mut secs = vec![Vec::with_capacity(rounds); n];
    for round in 0..rounds {
        for k in 0..n {
            let i = (round + k) % n;
            let start = Instant::now();
            std::hint::black_box((contenders[i].pass)());
            secs[i].push(start.elapsed().as_secs_f64());
        }
    }
    Timings {
        names: contenders.iter().map(|c| c.name).collect(),
        secs,
    }
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
    /// ratios. `b` may be a sum of rows (a limit made of several passes).
    pub fn speedup(&self, a: usize, b: &[usize]) -> f64 {
        let ratios: Vec<f64> = (0..self.secs[a].len())
            .map(|r| b.iter().map(|&j| self.secs[j][r]).sum::<f64>() / self.secs[a][r])
            .collect();
        median(&ratios)
    }
}
