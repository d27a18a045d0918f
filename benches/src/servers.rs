//! Server processes the loopback benchmarks start: each on a free port of
//! 127.0.0.1, its resident memory read from `/proc`, stopped by its process
//! handle when dropped.

use std::ffi::OsStr;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// A server process under test, stopped (killed by its PID and reaped) when
/// dropped.
pub struct Server {
    /// The row label.
    pub name: String,
    /// Where it listens.
    pub addr: SocketAddr,
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `program` with `args`, where an argument `{addr}` becomes the
    /// free `IP:PORT` chosen for it, and waits until it accepts connections
    /// (at most 10 s). Its output goes nowhere. A `program` without a
    /// directory is looked up in `PATH`.
    pub fn start<S: AsRef<OsStr>>(
        name: &str,
        program: &Path,
        args: &[&str],
        env: &[(&str, S)],
    ) -> io::Result<Server> {
        if program.parent().is_some_and(|d| !d.as_os_str().is_empty()) && !program.exists() {
            return Err(io::Error::other(format!(
                "{} is not there (build it first)",
                program.display()
            )));
        }
        let addr = free_port()?;
        let args = args.iter().map(|a| a.replace("{addr}", &addr.to_string()));
        let child = Command::new(program)
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let mut server = Server {
            name: name.to_owned(),
            addr,
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(addr).is_err() {
            if Instant::now() > deadline || server.child.try_wait()?.is_some() {
                return Err(io::Error::other(format!("{name} did not start on {addr}")));
            }
            thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }

    /// The process's resident set (`VmRSS` of `/proc/PID/status`), in bytes.
    pub fn rss(&self) -> io::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .ok_or_else(|| io::Error::other("no VmRSS in /proc/PID/status"))
    }
}

/// A port of 127.0.0.1 free at the time of the call.
pub fn free_port() -> io::Result<SocketAddr> {
    TcpListener::bind("127.0.0.1:0")?.local_addr()
}
