//! `wasm-sse-server proxy`: a TCP proxy in front of the server that injects network faults into
//! SSE streams (cuts at any byte, stalls, refused connections), so a client's resume logic can
//! be checked against every way a connection breaks. Everything is decided from the seed and a
//! connection's sequence number, so a failing seed replays the same faults.
//!
//! Only connections whose first request is `GET /sse/…` or `POST /sse/…` get faults, and only
//! they are numbered; anything else (`/stats/`, `/health`, preflights) is relayed untouched.
//! Per numbered connection: a refusal burst starts with probability 1/15 (this connection and
//! the next 0–2 are accepted and closed at once, nothing sent upstream); otherwise, with
//! probability 0.7, the upstream→client direction is cut after 1..=40 000 bytes (both sides
//! closed; one cut in four inside the response head, 1..=400), and with probability 0.2 it
//! stalls once for 50–400 ms. Each fault is reported on stdout as
//! `wasm-sse-proxy: connection N refused|cut after B bytes|stalled for M ms`.
//!
//! Every relayed request gets `Connection: close` (after the browser's own headers), so each
//! connection carries one request: a browser would otherwise keep a connection that ended
//! cleanly (a fault-free plan, or a preflight) and send every later request of the page over
//! it, without a fault ever again.
//!
//! The proxy listens on 127.0.0.1 only and connects only to `--upstream`, a loopback address.

use std::future::Future;
use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::sleep;

pub const USAGE: &str = "usage: wasm-sse-server proxy --upstream 127.0.0.1:PORT [--port N] \
     [--seed N] [--exit-with-stdin]";

/// How many bytes of the first request are enough to see its headers.
const PEEK_LIMIT: usize = 8 * 1024;
/// Cuts aimed at the response head fall in `1..=HEAD_CUTS` (the test server's head is about
/// 330 bytes).
const HEAD_CUTS: u64 = 400;
/// Added to each request, last, so it wins over a browser's `Connection: keep-alive`.
const CLOSE: &[u8] = b"Connection: close\r\n";

/// Parsed `proxy` command line.
pub struct Options {
    upstream: SocketAddr,
    port: u16,
    seed: Option<u64>,
    pub exit_with_stdin: bool,
}

/// Parses the arguments after `proxy`.
pub fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let (mut upstream, mut port, mut seed, mut exit_with_stdin) = (None, 0, None, false);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--upstream" => {
                let value = value()?;
                let address: SocketAddr = value
                    .parse()
                    .map_err(|_| format!("bad upstream {value} (want IP:PORT)"))?;
                if !address.ip().is_loopback() {
                    return Err(format!("upstream {value} is not a loopback address"));
                }
                upstream = Some(address);
            }
            "--port" => {
                let value = value()?;
                port = value.parse().map_err(|_| format!("bad port {value}"))?;
            }
            "--seed" => {
                let value = value()?;
                seed = Some(value.parse().map_err(|_| format!("bad seed {value}"))?);
            }
            "--exit-with-stdin" => exit_with_stdin = true,
            "-h" | "--help" => return Err(String::new()),
            _ => return Err(format!("unknown argument {arg}")),
        }
    }
    Ok(Options {
        upstream: upstream.ok_or("--upstream is required")?,
        port,
        seed,
        exit_with_stdin,
    })
}

/// Runs the proxy until `shutdown` resolves.
pub async fn run(options: Options, shutdown: impl Future<Output = ()>) -> io::Result<()> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, options.port)).await?;
    let seed = options.seed.unwrap_or_else(clock_seed);
    // Tooling parses this exact first line to learn the port and the seed.
    let mut stdout = io::stdout();
    let address = listener.local_addr()?;
    writeln!(
        stdout,
        "wasm-sse-proxy listening on http://{address} seed {seed}"
    )?;
    stdout.flush()?;
    let planner = Arc::new(Mutex::new(Planner::new(seed)));
    let accept = async {
        loop {
            let (client, _) = listener.accept().await?;
            tokio::spawn(serve(client, options.upstream, planner.clone()));
        }
    };
    tokio::select! {
        result = accept => result,
        () = shutdown => Ok(()),
    }
}

/// A seed for runs that give none; printed, so a failure can be replayed.
fn clock_seed() -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    SplitMix64(now.as_nanos() as u64).next()
}

/// The splitmix64 generator: tiny, and good enough to spread faults.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `low..=high` (the modulo bias is irrelevant here).
    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    /// True with probability `numerator / denominator`.
    fn chance(&mut self, numerator: u64, denominator: u64) -> bool {
        self.next() % denominator < numerator
    }
}

/// What happens to one numbered connection.
#[derive(Debug, PartialEq)]
enum Plan {
    Refuse,
    Relay(Faults),
}

/// Faults of the upstream→client direction, in bytes from the start of the response.
#[derive(Debug, PartialEq)]
struct Faults {
    cut_after: Option<u64>,
    stall: Option<(u64, Duration)>,
}

/// Numbers the SSE connections and decides their plans; the only state shared by connections
/// is the refusal burst in progress.
struct Planner {
    seed: u64,
    next: u64,
    /// Connections still to refuse in the current burst.
    burst_left: u64,
}

impl Planner {
    fn new(seed: u64) -> Self {
        Self {
            seed,
            next: 0,
            burst_left: 0,
        }
    }

    /// The next connection's number and plan.
    fn plan(&mut self) -> (u64, Plan) {
        let number = self.next;
        self.next += 1;
        let mut rng = SplitMix64(self.seed ^ number.wrapping_mul(0xD1B5_4A32_D192_ED03));
        if self.burst_left > 0 {
            self.burst_left -= 1;
            return (number, Plan::Refuse);
        }
        if rng.chance(1, 15) {
            self.burst_left = rng.range(0, 2);
            return (number, Plan::Refuse);
        }
        let cut_after = rng.chance(7, 10).then(|| {
            // One cut in four falls in the response head, where a uniform cut would hardly ever
            // land: browsers treat a head cut before `Access-Control-Allow-Origin` as a CORS
            // failure and stop retrying.
            let last = if rng.chance(1, 4) { HEAD_CUTS } else { 40_000 };
            rng.range(1, last)
        });
        let stall = rng.chance(1, 5).then(|| {
            let at = rng.range(0, cut_after.unwrap_or(40_000) - 1);
            (at, Duration::from_millis(rng.range(50, 400)))
        });
        (number, Plan::Relay(Faults { cut_after, stall }))
    }
}

/// One accepted connection: peek at its first request, then refuse or relay it.
async fn serve(mut client: TcpStream, upstream: SocketAddr, planner: Arc<Mutex<Planner>>) {
    let _ = client.set_nodelay(true);
    let Ok(head) = first_bytes(&mut client).await else {
        return;
    };
    if head.is_empty() {
        return;
    }
    let sse = head.starts_with(b"GET /sse/") || head.starts_with(b"POST /sse/");
    let (number, faults) = if sse {
        let (number, plan) = planner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .plan();
        match plan {
            Plan::Refuse => {
                println!("wasm-sse-proxy: connection {number} refused");
                return;
            }
            Plan::Relay(faults) => (number, faults),
        }
    } else {
        let clean = Faults {
            cut_after: None,
            stall: None,
        };
        (0, clean)
    };
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = server.set_nodelay(true);
    let head = close_after_response(head);
    let (mut client_in, client_out) = client.into_split();
    let (server_in, mut server_out) = server.into_split();
    let up = async {
        let sent = server_out.write_all(&head).await.is_ok()
            && tokio::io::copy(&mut client_in, &mut server_out)
                .await
                .is_ok();
        let _ = server_out.shutdown().await;
        // The client's end of input is no reason to stop the response; an error is.
        if sent {
            std::future::pending::<()>().await;
        }
    };
    // Whichever way the response ends (done, cut, error), both sides are closed on return.
    tokio::select! {
        () = up => {}
        _ = down(server_in, client_out, number, faults) => {}
    }
}

/// Reads until the first request's headers are in, the client stops, or [`PEEK_LIMIT`].
async fn first_bytes(client: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while head.len() < PEEK_LIMIT && header_end(&head).is_none() {
        let read = client.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    Ok(head)
}

/// Where the blank line that ends the request's headers starts.
fn header_end(head: &[u8]) -> Option<usize> {
    head.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| at + 2)
}

/// `head` with [`CLOSE`] as its last header, so the server closes the connection after its
/// response and the browser cannot reuse it (as is, if the headers are not all in).
fn close_after_response(head: Vec<u8>) -> Vec<u8> {
    match header_end(&head) {
        Some(end) => [&head[..end], CLOSE, &head[end..]].concat(),
        None => head,
    }
}

/// Relays the response, applying `faults`.
async fn down(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    number: u64,
    faults: Faults,
) -> io::Result<()> {
    let mut buffer = vec![0u8; 16 * 1024];
    let mut sent = 0u64;
    let mut stall = faults.stall;
    loop {
        let read = from.read(&mut buffer).await?;
        if read == 0 {
            return to.shutdown().await;
        }
        let mut chunk = &buffer[..read];
        if let Some((at, pause)) = stall {
            if sent + chunk.len() as u64 > at {
                let before = (at - sent) as usize;
                to.write_all(&chunk[..before]).await?;
                chunk = &chunk[before..];
                sent = at;
                println!(
                    "wasm-sse-proxy: connection {number} stalled for {} ms",
                    pause.as_millis()
                );
                sleep(pause).await;
                stall = None;
            }
        }
        if let Some(cut) = faults.cut_after {
            if sent + chunk.len() as u64 >= cut {
                to.write_all(&chunk[..(cut - sent) as usize]).await?;
                println!("wasm-sse-proxy: connection {number} cut after {cut} bytes");
                return Ok(());
            }
        }
        to.write_all(chunk).await?;
        sent += chunk.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_the_server_to_close_after_the_response() {
        let head = b"GET /sse/x HTTP/1.1\r\nConnection: keep-alive\r\n\r\nbody".to_vec();
        assert_eq!(
            close_after_response(head),
            b"GET /sse/x HTTP/1.1\r\nConnection: keep-alive\r\nConnection: close\r\n\r\nbody"
        );
        let partial = b"GET /sse/x HTTP/1.1\r\nHost: a\r\n".to_vec();
        assert_eq!(close_after_response(partial.clone()), partial);
    }

    #[test]
    fn plans_depend_only_on_the_seed() {
        let plans = |seed| {
            let mut planner = Planner::new(seed);
            (0..50).map(|_| planner.plan()).collect::<Vec<_>>()
        };
        assert_eq!(plans(7), plans(7));
        assert_ne!(plans(7), plans(8));
    }

    #[test]
    fn plans_mix_cuts_stalls_and_refusal_bursts() {
        let mut planner = Planner::new(1);
        let plans: Vec<Plan> = (0..3000).map(|_| planner.plan().1).collect();
        let refused = plans.iter().filter(|p| **p == Plan::Refuse).count();
        let relayed: Vec<&Faults> = plans
            .iter()
            .filter_map(|p| match p {
                Plan::Relay(faults) => Some(faults),
                Plan::Refuse => None,
            })
            .collect();
        let cut = relayed.iter().filter(|f| f.cut_after.is_some()).count();
        let stalled = relayed.iter().filter(|f| f.stall.is_some()).count();
        let in_head = relayed
            .iter()
            .filter(|f| f.cut_after.is_some_and(|at| at <= HEAD_CUTS))
            .count();
        // Bursts average two refusals every ~16 connections.
        assert!((200..600).contains(&refused), "{refused} refused");
        assert!(cut * 10 > relayed.len() * 6 && cut * 10 < relayed.len() * 8);
        assert!(stalled * 10 > relayed.len() && stalled * 10 < relayed.len() * 3);
        assert!(
            in_head * 5 > cut && in_head * 3 < cut,
            "{in_head} of {cut} cuts in the head"
        );
        for faults in relayed {
            assert!(faults.cut_after.is_none_or(|at| (1..=40_000).contains(&at)));
            if let Some((at, pause)) = faults.stall {
                assert!(at < faults.cut_after.unwrap_or(40_000));
                assert!((50..=400).contains(&pause.as_millis()));
            }
        }
    }
}
