//! `--seed N`: demo members, a password profile and settings ready for the console.

use chrono::{Duration, Utc};

use super::state::{Account, Credential, Data, Membership, Profile, User, new_id};
use crate::secret::Secret;

/// The password every seeded member shares.
pub const DEMO_PASSWORD: &str = "demo-password-1";
/// The seeded password profile's name.
pub const DEMO_PROFILE: &str = "Email";

const NAMES: &str = include_str!("../../assets/demo_names.txt");

fn names() -> (Vec<&'static str>, Vec<&'static str>) {
    let (mut first, mut last) = (Vec::new(), Vec::new());
    let mut section = 0;
    for line in NAMES.lines().map(str::trim) {
        match line {
            "# first" => section = 1,
            "# last" => section = 2,
            l if l.is_empty() || l.starts_with('#') => {}
            l if section == 1 => first.push(l),
            l if section == 2 => last.push(l),
            _ => {}
        }
    }
    if first.is_empty() {
        first.push("Demo");
    }
    if last.is_empty() {
        last.push("Member");
    }
    (first, last)
}

/// Company-name suffixes for the accounts of the many-members-per-account shape.
const SUFFIXES: [&str; 8] =
    ["Holdings", "Partners", "Group", "Labs", "Works", "Trading", "Logistics", "Studio"];

/// Adds `n` members: every tenth one pending (no account), the others with an
/// account named after them and a membership. `created_at` spreads over the past
/// 30 days, oldest first. Enables self sign-up (auto-create off) and self management.
pub fn seed(d: &mut Data, n: usize) {
    seed_shape(d, n, None);
}

/// The many-members-per-account shape (B2B): `n` members, every tenth one pending,
/// the others spread round-robin over `accounts` company accounts. Refused when an
/// account would get more than the 1000 memberships an account may hold.
pub fn seed_b2b(d: &mut Data, n: usize, accounts: usize) -> color_eyre::eyre::Result<()> {
    if accounts == 0 {
        color_eyre::eyre::bail!("--seed-accounts must be at least 1");
    }
    let approved = approved_count(n);
    let per_account = approved.div_ceil(accounts);
    if per_account > MAX_MEMBERSHIPS {
        color_eyre::eyre::bail!(
            "--seed {n} --seed-accounts {accounts} puts {per_account} members in an account; \
             an account holds at most {MAX_MEMBERSHIPS} (use at least {} accounts)",
            approved.div_ceil(MAX_MEMBERSHIPS)
        );
    }
    seed_shape(d, n, Some(accounts));
    Ok(())
}

/// Memberships an account may hold (§2.11).
const MAX_MEMBERSHIPS: usize = 1000;

fn is_pending(i: usize) -> bool {
    i % 10 == 9
}

fn approved_count(n: usize) -> usize {
    n - n / 10
}

fn seed_shape(d: &mut Data, n: usize, shared_accounts: Option<usize>) {
    let now = Utc::now();
    let realm = d
        .realms
        .iter()
        .find(|r| r.origin_type == "account_authentication_settings")
        .map(|r| r.id.clone())
        .unwrap_or_default();
    let profile = Profile {
        id: new_id(),
        realm_id: realm.clone(),
        name: DEMO_PROFILE.to_owned(),
        username_format: "email".to_owned(),
        enable_one_time_password_token: true,
        created_at: now - Duration::days(31),
        updated_at: now - Duration::days(31),
    };
    d.settings.enable_self_signup = true;
    d.settings.auto_create_account_for_account_members = false;
    d.settings.account_member_self_management = "update_only".to_owned();
    let (first, last) = names();
    let combos = first.len() * last.len();
    // A stride coprime with the number of combinations shuffles the pairs.
    let mut stride = 7919 % combos.max(1);
    while stride == 0 || gcd(stride, combos) != 1 {
        stride += 1;
    }
    let span_ms: i64 = 30 * 24 * 3600 * 1000;
    let step = (span_ms / n.max(1) as i64).max(1);
    // The B2B shape's accounts exist before any member: created over the day
    // before the first sign-up, one a few seconds after the other.
    let company: Vec<Account> = (0..shared_accounts.unwrap_or(0))
        .map(|k| {
            let round = k / (last.len() * SUFFIXES.len());
            let base =
                format!("{} {}", last[k % last.len()], SUFFIXES[(k / last.len()) % SUFFIXES.len()]);
            let name = if round == 0 { base } else { format!("{base} {}", round + 1) };
            let created = now - Duration::days(31) + Duration::seconds(5 * k as i64);
            Account {
                id: new_id(),
                name: name.clone(),
                legal_name: Some(format!("{name} Ltd")),
                registration_id: None,
                external_ref: None,
                parent_id: None,
                created_at: created,
                updated_at: created,
            }
        })
        .collect();
    d.users.reserve(n);
    d.accounts.reserve(if company.is_empty() { n } else { company.len() });
    let mut approved = 0usize;
    for i in 0..n {
        let k = (i * stride) % combos;
        let (f, l) = (first[k % first.len()], last[k / first.len()]);
        let round = i / combos;
        let name = format!("{f} {l}");
        let email = if round == 0 {
            format!("{}.{}@example.com", f.to_lowercase(), l.to_lowercase())
        } else {
            format!("{}.{}{}@example.com", f.to_lowercase(), l.to_lowercase(), round + 1)
        };
        let created =
            now - Duration::milliseconds(span_ms - step * i as i64) - Duration::seconds(1);
        let user = User {
            id: new_id(),
            realm_id: realm.clone(),
            name: name.clone(),
            email: email.clone(),
            given_name: Some(f.to_owned()),
            middle_name: None,
            family_name: Some(l.to_owned()),
            created_at: created,
            updated_at: created,
        };
        let cred = Credential {
            id: new_id(),
            user_id: user.id.clone(),
            profile_id: profile.id.clone(),
            username: email,
            password: Secret::new(DEMO_PASSWORD),
            created_at: created,
            updated_at: created,
        };
        if !is_pending(i) {
            let approved_at = created + Duration::minutes(5);
            let account_id = if company.is_empty() {
                let account = Account {
                    id: new_id(),
                    name: name.clone(),
                    legal_name: Some(name),
                    registration_id: None,
                    external_ref: None,
                    parent_id: None,
                    created_at: approved_at,
                    updated_at: approved_at,
                };
                let id = account.id.clone();
                d.accounts.push(account);
                id
            } else {
                company[approved % company.len()].id.clone()
            };
            approved += 1;
            let m = Membership {
                id: new_id(),
                account_id,
                member_id: user.id.clone(),
                created_at: approved_at,
                updated_at: approved_at,
            };
            d.memberships.insert(m.id.clone(), m);
        }
        d.credentials.insert(cred.id.clone(), cred);
        d.users.push(user);
    }
    d.accounts.extend(company);
    d.profiles.push(profile);
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members_per_account(d: &Data) -> std::collections::HashMap<String, usize> {
        let mut per = std::collections::HashMap::new();
        for m in d.memberships.values() {
            *per.entry(m.account_id.clone()).or_insert(0) += 1;
        }
        per
    }

    #[test]
    fn one_account_per_approved_member() {
        let mut d = Data::fresh();
        seed(&mut d, 100);
        assert_eq!(d.users.len(), 100);
        assert_eq!(d.accounts.len(), 90);
        assert_eq!(d.memberships.len(), 90);
        assert!(members_per_account(&d).values().all(|&c| c == 1));
    }

    #[test]
    fn many_members_per_account() {
        let mut d = Data::fresh();
        seed_b2b(&mut d, 1000, 20).unwrap();
        assert_eq!(d.users.len(), 1000);
        assert_eq!(d.accounts.len(), 20);
        assert_eq!(d.memberships.len(), 900, "every tenth member pending");
        let per = members_per_account(&d);
        assert_eq!(per.len(), 20);
        assert!(per.values().all(|&c| c == 45), "{per:?}");
        let mut names: Vec<&str> = d.accounts.iter().map(|a| a.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 20, "account names are unique");
        // accounts exist before their members' memberships
        let first_membership = d.memberships.values().map(|m| m.created_at).min().unwrap();
        assert!(d.accounts.iter().all(|a| a.created_at < first_membership));
    }

    #[test]
    fn b2b_shape_respects_the_membership_limit() {
        let mut d = Data::fresh();
        let e = seed_b2b(&mut d, 3000, 2).unwrap_err().to_string();
        assert!(e.contains("at most 1000") && e.contains("at least 3 accounts"), "{e}");
        assert!(seed_b2b(&mut Data::fresh(), 10, 0).is_err());
        assert!(seed_b2b(&mut Data::fresh(), 2300, 2).is_err());
        seed_b2b(&mut d, 2222, 2).unwrap_or_else(|e| panic!("{e}"));
    }
}
