//! Planning a full pending scan: which way costs fewer calls.
//!
//! EPCC has no "pending" status: a member is pending when no account has it.
//! Two ways find them, both listing the members first (100 a page):
//!
//! * **Per member**: one `GET /v2/account-members/{id}/account-memberships`
//!   per member not known yet. Best when accounts are many and small (the
//!   one-account-per-member shape of self sign-up with auto-create).
//! * **Via accounts**: list the accounts (100 a page), then each account's
//!   memberships (100 a page); the members found in none are pending. Best
//!   for B2B stores with many members per account.
//!
//! The totals come first (two calls with `page[limit]=1`, reading
//! `meta.results.total`); [`plan`] is pure, so both shapes are tested here.

use std::time::Duration;

use super::jobs::{MAX_OFFSET, PAGE};
pub use crate::ui::ops::approvals::{Plan, Strategy, Totals};

fn pages(n: u64) -> u64 {
    n.div_ceil(u64::from(PAGE))
}

/// Chooses the cheaper way. `known` members (status already cached) are not
/// checked again by the per-member way; the via-accounts way lists every
/// account whatever is known.
pub fn plan(t: Totals, known: u64, rate: f64) -> Plan {
    let member_pages = pages(t.members).max(1);
    let per_member = member_pages + t.members.saturating_sub(known);
    // Every account costs at least one memberships page; the pages beyond
    // the first add up to at most one per 100 memberships, and a member sits
    // in one account in the shapes this console serves.
    let via_accounts = (t.accounts <= u64::from(MAX_OFFSET))
        .then(|| member_pages + pages(t.accounts).max(1) + t.accounts + pages(t.members));
    let (strategy, calls) = match via_accounts {
        Some(v) if v < per_member => (Strategy::ViaAccounts, v),
        _ => (Strategy::PerMember, per_member),
    };
    Plan { strategy, totals: t, calls, per_member, via_accounts, rate }
}

impl Plan {
    /// At the rate limit; `None` when unlimited.
    pub fn eta(&self) -> Option<Duration> {
        (self.rate.is_finite() && self.rate > 0.0)
            .then(|| Duration::from_secs_f64(self.calls as f64 / self.rate))
    }

    /// "312 calls via accounts, about 16 s".
    pub fn describe(&self) -> String {
        let way = match self.strategy {
            Strategy::PerMember => "one check per member",
            Strategy::ViaAccounts => "via accounts",
        };
        let calls =
            if self.calls == 1 { "1 call".to_owned() } else { format!("{} calls", self.calls) };
        match self.eta() {
            Some(eta) => format!("{calls} {way}, about {}", human(eta)),
            None => format!("{calls} {way}"),
        }
    }
}

/// `16 s`, `8 min`, `1 h 5 min`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs_f64().round() as u64;
    if s < 90 {
        format!("{} s", s.max(1))
    } else if s < 3600 {
        format!("{} min", (s + 30) / 60)
    } else {
        format!("{} h {} min", s / 3600, (s % 3600 + 30) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_members_per_account_goes_via_accounts() {
        // 10 000 members in 200 accounts (the B2B shape).
        let p = plan(Totals { members: 10_000, accounts: 200 }, 0, 20.0);
        assert_eq!(p.strategy, Strategy::ViaAccounts);
        assert_eq!(p.per_member, 100 + 10_000);
        assert_eq!(p.via_accounts, Some(100 + 2 + 200 + 100));
        assert_eq!(p.calls, 402);
        // At most a tenth of one check per member.
        assert!(p.calls * 10 <= p.per_member);
        assert_eq!(p.describe(), "402 calls via accounts, about 20 s");
    }

    #[test]
    fn one_account_per_member_checks_per_member_when_cheaper() {
        // 2 000 members, 1 800 of them in an account of their own, and most
        // members already known from a previous, interrupted scan.
        let p = plan(Totals { members: 2_000, accounts: 1_800 }, 1_500, 20.0);
        assert_eq!(p.strategy, Strategy::PerMember);
        assert_eq!(p.calls, 20 + 500);
        assert_eq!(p.describe(), "520 calls one check per member, about 26 s");
    }

    #[test]
    fn the_cheaper_way_wins_at_the_boundary() {
        // One account per member, nothing known: both near one call per member;
        // via accounts saves the members without an account.
        let p = plan(Totals { members: 10_000, accounts: 9_000 }, 0, 20.0);
        assert_eq!(p.strategy, Strategy::ViaAccounts);
        assert!(p.calls < p.per_member);
        let q = plan(Totals { members: 10_000, accounts: 9_000 }, 1_000, 20.0);
        assert_eq!(q.strategy, Strategy::PerMember, "{q:?}");
    }

    #[test]
    fn accounts_past_the_offset_limit_are_not_listed() {
        let p = plan(Totals { members: 50_000, accounts: 20_000 }, 0, 20.0);
        assert_eq!(p.via_accounts, None);
        assert_eq!(p.strategy, Strategy::PerMember);
    }

    #[test]
    fn empty_store_costs_one_listing() {
        let p = plan(Totals { members: 0, accounts: 0 }, 0, 0.0);
        assert_eq!(p.calls, 1);
        assert_eq!(p.eta(), None);
        assert_eq!(p.describe(), "1 call one check per member");
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human(Duration::from_millis(300)), "1 s");
        assert_eq!(human(Duration::from_secs(16)), "16 s");
        assert_eq!(human(Duration::from_secs(505)), "8 min");
        assert_eq!(human(Duration::from_secs(3900)), "1 h 5 min");
    }
}
