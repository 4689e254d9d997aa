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

/// Adds `n` members: every tenth one pending (no account), the others with an
/// account named after them and a membership. `created_at` spreads over the past
/// 30 days, oldest first. Enables self sign-up (auto-create off) and self management.
pub fn seed(d: &mut Data, n: usize) {
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
    d.users.reserve(n);
    d.accounts.reserve(n);
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
        if i % 10 != 9 {
            let approved = created + Duration::minutes(5);
            let account = Account {
                id: new_id(),
                name: name.clone(),
                legal_name: Some(name),
                registration_id: None,
                external_ref: None,
                parent_id: None,
                created_at: approved,
                updated_at: approved,
            };
            let m = Membership {
                id: new_id(),
                account_id: account.id.clone(),
                member_id: user.id.clone(),
                created_at: approved,
                updated_at: approved,
            };
            d.accounts.push(account);
            d.memberships.insert(m.id.clone(), m);
        }
        d.credentials.insert(cred.id.clone(), cred);
        d.users.push(user);
    }
    d.profiles.push(profile);
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}
