//! Member and membership events (reference §2.12/§2.13) that keep the
//! Approvals queue live: a sign-up appears, an approval or a rejection done
//! elsewhere removes the row.
//!
//! Payloads: a `….created` event carries the resource under `payload.data`
//! (the integrations spec's typical payload); a `….deleted` event carries only
//! `{type, id}` (§2.13 "deleted resources"). Both are read defensively: a flat
//! resource directly under `payload` is accepted too, and a membership's member
//! is read from `relationships.account_member.data.id` or a flat
//! `account_member_id`.

use serde_json::Value;

pub const MEMBER_CREATED: &str = "account-member.created";
pub const MEMBERSHIP_CREATED: &str = "account-membership.created";
pub const MEMBERSHIP_DELETED: &str = "account-membership.deleted";
pub const USER_DELETED: &str = "user-authentication-info.deleted";

/// The events the console's integration observes for the live queue (with
/// the OTP event that makes five, the per-webhook limit of Commerce Manager).
pub const MEMBER_EVENTS: [&str; 4] =
    [MEMBER_CREATED, MEMBERSHIP_CREATED, MEMBERSHIP_DELETED, USER_DELETED];

/// What a member event tells the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberEvent {
    /// A new member (a sign-up): pending until a membership says otherwise.
    MemberCreated { id: String, name: String, email: String, created_at: Option<String> },
    /// The member joined an account: approved.
    MembershipCreated { member_id: String, account_id: Option<String> },
    /// A membership went away; only its id is known, so which member (and
    /// whether it has another membership) is not.
    MembershipDeleted { membership_id: String },
    /// The member's user-authentication-info (same id) was deleted: rejected.
    UserDeleted { id: String },
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str().filter(|s| !s.is_empty())
}

/// The resource of a `….created` payload: `payload.data`, else `payload`.
fn resource(payload: &Value) -> &Value {
    match payload.get("data") {
        Some(d) if d.is_object() => d,
        _ => payload,
    }
}

/// Parses a delivery's member event. `None`: not a member event; `Some(Err)`:
/// a member event whose payload lacks what the queue needs.
pub fn parse(triggered_by: &str, raw: &Value) -> Option<Result<MemberEvent, String>> {
    if !MEMBER_EVENTS.contains(&triggered_by) {
        return None;
    }
    let missing = |what: &str| Err(format!("{triggered_by}: payload without {what}"));
    let Some(payload) = raw.get("payload").filter(|p| p.is_object()) else {
        return Some(missing("an object"));
    };
    Some(match triggered_by {
        MEMBER_CREATED => {
            let r = resource(payload);
            match str_at(r, &["id"]) {
                Some(id) => Ok(MemberEvent::MemberCreated {
                    id: id.to_owned(),
                    name: str_at(r, &["name"]).unwrap_or_default().to_owned(),
                    email: str_at(r, &["email"]).unwrap_or_default().to_owned(),
                    created_at: str_at(r, &["meta", "timestamps", "created_at"])
                        .or_else(|| str_at(r, &["meta", "created_at"]))
                        .map(str::to_owned),
                }),
                None => missing("the member id"),
            }
        }
        MEMBERSHIP_CREATED => {
            let r = resource(payload);
            let member = str_at(r, &["relationships", "account_member", "data", "id"])
                .or_else(|| str_at(r, &["account_member_id"]));
            match member {
                Some(m) => Ok(MemberEvent::MembershipCreated {
                    member_id: m.to_owned(),
                    account_id: str_at(r, &["relationships", "account", "data", "id"])
                        .or_else(|| str_at(r, &["account_id"]))
                        .map(str::to_owned),
                }),
                None => missing("the member id"),
            }
        }
        MEMBERSHIP_DELETED => match str_at(resource(payload), &["id"]) {
            Some(id) => Ok(MemberEvent::MembershipDeleted { membership_id: id.to_owned() }),
            None => missing("the membership id"),
        },
        _ => match str_at(resource(payload), &["id"]) {
            Some(id) => Ok(MemberEvent::UserDeleted { id: id.to_owned() }),
            None => missing("the user id"),
        },
    })
}

/// The listener's hook: the event to forward for a member event, if any (a
/// malformed one is stored like any delivery, logged, and not forwarded).
pub(crate) fn forward(triggered_by: &str, raw: &Value) -> Option<super::ListenerEvent> {
    match parse(triggered_by, raw)? {
        Ok(e) => Some(super::ListenerEvent::Member(e)),
        Err(e) => {
            tracing::warn!("member event not used: {e}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(key: &str, payload: Value) -> Value {
        json!({"id": "e1", "triggered_by": key, "attempt": 1, "payload": payload})
    }

    #[test]
    fn member_created_from_data() {
        let raw = env(
            MEMBER_CREATED,
            json!({"data": {"id": "m1", "type": "account_member", "name": "Ron Swanson",
                "email": "ron@swanson.com",
                "meta": {"timestamps": {"created_at": "2026-01-01T00:00:00.000Z"}}}}),
        );
        assert_eq!(
            parse(MEMBER_CREATED, &raw),
            Some(Ok(MemberEvent::MemberCreated {
                id: "m1".into(),
                name: "Ron Swanson".into(),
                email: "ron@swanson.com".into(),
                created_at: Some("2026-01-01T00:00:00.000Z".into()),
            }))
        );
        // A flat payload is read too.
        let flat = env(MEMBER_CREATED, json!({"id": "m2", "name": "A", "email": "a@x.co"}));
        assert!(
            matches!(parse(MEMBER_CREATED, &flat), Some(Ok(MemberEvent::MemberCreated { id, .. })) if id == "m2")
        );
    }

    #[test]
    fn membership_created_names_the_member() {
        let raw = env(
            MEMBERSHIP_CREATED,
            json!({"data": {"id": "ms1", "type": "account_membership",
                "relationships": {"account_member": {"data": {"id": "m1", "type": "account_member"}},
                                  "account": {"data": {"id": "a1", "type": "account"}}}}}),
        );
        assert_eq!(
            parse(MEMBERSHIP_CREATED, &raw),
            Some(Ok(MemberEvent::MembershipCreated {
                member_id: "m1".into(),
                account_id: Some("a1".into())
            }))
        );
        let flat =
            env(MEMBERSHIP_CREATED, json!({"data": {"id": "ms1", "account_member_id": "m9"}}));
        assert!(matches!(parse(MEMBERSHIP_CREATED, &flat),
            Some(Ok(MemberEvent::MembershipCreated { member_id, account_id: None })) if member_id == "m9"));
    }

    #[test]
    fn deleted_events_carry_type_and_id() {
        let raw = env(USER_DELETED, json!({"type": "user_authentication_info", "id": "m1"}));
        assert_eq!(
            parse(USER_DELETED, &raw),
            Some(Ok(MemberEvent::UserDeleted { id: "m1".into() }))
        );
        let raw = env(MEMBERSHIP_DELETED, json!({"type": "account_membership", "id": "ms1"}));
        assert_eq!(
            parse(MEMBERSHIP_DELETED, &raw),
            Some(Ok(MemberEvent::MembershipDeleted { membership_id: "ms1".into() }))
        );
    }

    #[test]
    fn other_events_are_not_member_events_and_bad_payloads_are_errors() {
        assert_eq!(parse("account.created", &env("account.created", json!({}))), None);
        assert!(matches!(
            parse(MEMBER_CREATED, &env(MEMBER_CREATED, json!({"data": {}}))),
            Some(Err(_))
        ));
        assert!(matches!(parse(USER_DELETED, &json!({"id": "e"})), Some(Err(_))));
        assert!(matches!(
            parse(MEMBERSHIP_CREATED, &env(MEMBERSHIP_CREATED, json!("x"))),
            Some(Err(_))
        ));
    }
}
