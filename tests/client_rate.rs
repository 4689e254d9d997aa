//! Rate-limit manners, client ↔ sandbox over real HTTP: a `429` slows the
//! whole client down (not only the call that got it), the effective rate is
//! reported to the observer, and a burst of calls above the store's limit
//! completes instead of each call burning its attempts on its own.
//!
//! Timing is only asserted as lower bounds (a sleep is never shorter).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use onboard::api::*;
use onboard::sandbox::{self, FailRule, Faults, SandboxConfig, SandboxHandle};
use onboard::secret::Secret;

#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<ClientEvent>>>);

impl Events {
    fn observer(&self) -> Observer {
        let log = self.0.clone();
        Arc::new(move |ev| log.lock().unwrap().push(ev))
    }
    fn rates(&self) -> Vec<RateState> {
        let log = self.0.lock().unwrap();
        log.iter()
            .filter_map(|e| match e {
                ClientEvent::Rate(r) => Some(*r),
                _ => None,
            })
            .collect()
    }
    fn statuses(&self, path: &str) -> Vec<Option<u16>> {
        let log = self.0.lock().unwrap();
        log.iter()
            .filter_map(|e| match e {
                ClientEvent::Request(r) if r.path.starts_with(path) => Some(r.status),
                _ => None,
            })
            .collect()
    }
}

fn client(sb: &SandboxHandle, rate: f64, events: &Events) -> Client {
    let mut cfg = ClientConfig::new(
        sb.base_url(),
        sb.client_id(),
        Some(Secret::new(sb.client_secret().to_owned())),
    );
    cfg.rate_limit = rate;
    cfg.burst = 1;
    cfg.observer = Some(events.observer());
    Client::new(cfg).unwrap()
}

#[tokio::test]
async fn one_429_slows_every_later_call() {
    let sb = sandbox::spawn(SandboxConfig::local()).await.unwrap();
    let events = Events::default();
    let c = client(&sb, 20.0, &events);
    c.client_credentials_token().await.unwrap();
    let rule = FailRule {
        method: Some("GET".into()),
        path_contains: "/v2/accounts".into(),
        status: 429,
        count: 1,
    };
    sb.set_faults(Faults { fail_next: vec![rule], ..Faults::default() });
    c.list_accounts(&ListParams::default()).await.unwrap();
    assert_eq!(events.statuses("/v2/accounts"), [Some(429), Some(200)]);
    let rates = events.rates();
    let first = rates.first().expect("a Rate event after the 429");
    assert!(first.slowed(), "{first:?}");
    assert_eq!(first.configured, 20.0);
    assert!((first.effective - 10.0).abs() < 0.5, "{first:?}");
    assert!(c.rate().slowed());

    // Ten more calls, one after the other: at 20 req/s they would take
    // 0.45 s; the slowed client (10 req/s growing by 1 req/s per second)
    // needs at least 0.8 s.
    let started = Instant::now();
    for _ in 0..10 {
        c.list_accounts(&ListParams::default()).await.unwrap();
    }
    assert!(started.elapsed() >= Duration::from_millis(800), "{:?}", started.elapsed());
    sb.shutdown().await;
}

#[tokio::test]
async fn a_burst_above_the_store_limit_completes_with_few_429s() {
    let sb = sandbox::spawn(SandboxConfig::local()).await.unwrap();
    let events = Events::default();
    // The client believes it may send 40 req/s; the store allows 10.
    let c = client(&sb, 40.0, &events);
    c.client_credentials_token().await.unwrap();
    sb.set_faults(Faults { rate_limit: Some(10), ..Faults::default() });
    let calls = (0..30).map(|_| {
        let c = c.clone();
        async move { c.list_accounts(&ListParams::default()).await }
    });
    let results = futures::future::join_all(calls).await;
    let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failed.is_empty(), "calls failed: {failed:?}");
    let statuses = events.statuses("/v2/accounts");
    let limited = statuses.iter().filter(|s| **s == Some(429)).count();
    eprintln!("{limited} refusals for 30 calls; {} attempts", statuses.len());
    assert!(limited > 0, "the store never refused: {statuses:?}");
    // Each call retrying on its own would keep hitting the limit; the shared
    // slowdown keeps the refusals to a few per second of work.
    assert!(limited < 15, "{limited} refusals for 30 calls: {statuses:?}");
    let lowest = events.rates().iter().map(|r| r.effective).fold(f64::INFINITY, f64::min);
    assert!(lowest <= 20.0, "the client never slowed below half its rate: {lowest}");
    sb.shutdown().await;
}
