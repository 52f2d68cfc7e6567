//! The audit log: who changed what, when, with the record before and after (as JSON).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{Map, Value};

use crate::db::schema::{audit_log, campaign_goals, units, users};
use crate::db::DbConn;
use crate::domain::audit::Names;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i32,
    pub at: NaiveDateTime,
    pub user_id: Option<i32>,
    pub unit_id: Option<i32>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i32>,
    pub summary: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// One change to record. `before` / `after` are any serialisable view of the record.
pub struct Change<'a> {
    pub user_id: Option<i32>,
    pub unit_id: Option<i32>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i32>,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> Change<'a> {
    /// `user_id` did `action` to `entity` number `entity_id`; `summary` is the line people read.
    pub fn new(
        user_id: i32,
        action: &'a str,
        entity: &'a str,
        entity_id: i32,
        summary: impl Into<String>,
    ) -> Self {
        Change {
            user_id: Some(user_id),
            unit_id: None,
            action,
            entity,
            entity_id: Some(entity_id),
            summary: summary.into(),
            before: None,
            after: None,
        }
    }

    /// The unit whose data changed (for scoping the log).
    pub fn unit(mut self, unit_id: i32) -> Self {
        self.unit_id = Some(unit_id);
        self
    }

    pub fn before(mut self, value: &impl serde::Serialize) -> Self {
        self.before = serde_json::to_value(value).ok();
        self
    }

    pub fn after(mut self, value: &impl serde::Serialize) -> Self {
        self.after = serde_json::to_value(value).ok();
        self
    }

    pub fn record(self, conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<()> {
        record(conn, self, now)
    }
}

/// A before/after value longer than this (as JSON, in bytes) is kept as a summary.
pub const MAX_VALUE_JSON: usize = 4 * 1024;
/// Longest summary line kept (characters).
pub const MAX_SUMMARY_CHARS: usize = 500;

pub fn record(conn: &mut DbConn, change: Change<'_>, now: NaiveDateTime) -> QueryResult<()> {
    let before = change
        .before
        .as_ref()
        .map(|v| compact(v, change.after.as_ref()));
    let after = change
        .after
        .as_ref()
        .map(|v| compact(v, change.before.as_ref()));
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(now),
            audit_log::user_id.eq(change.user_id),
            audit_log::unit_id.eq(change.unit_id),
            audit_log::action.eq(change.action),
            audit_log::entity.eq(change.entity),
            audit_log::entity_id.eq(change.entity_id),
            audit_log::summary.eq(clip_summary(&change.summary)),
            audit_log::before_json.eq(before),
            audit_log::after_json.eq(after),
        ))
        .execute(conn)?;
    Ok(())
}

/// The summary line, cut at `MAX_SUMMARY_CHARS` with the full length noted.
fn clip_summary(summary: &str) -> String {
    let total = summary.chars().count();
    if total <= MAX_SUMMARY_CHARS {
        return summary.to_string();
    }
    let head: String = summary.chars().take(MAX_SUMMARY_CHARS).collect();
    format!("{head}…（共 {total} 字，已截断）")
}

/// A value as stored: its JSON when small, otherwise a summary that still says what happened
/// (how many records, which keys, which keys changed against `other`, the small fields and
/// the first few records shortened) instead of a blob of tens of kilobytes.
pub fn compact(value: &Value, other: Option<&Value>) -> String {
    let full = value.to_string();
    if full.len() <= MAX_VALUE_JSON {
        return full;
    }
    let mut summary = Map::new();
    summary.insert(
        "摘要".into(),
        Value::String(format!("内容过长（{} 字节），仅保留摘要", full.len())),
    );
    match value {
        Value::Array(items) => {
            summary.insert("count".into(), items.len().into());
            let mut keys: Vec<&String> = items
                .iter()
                .filter_map(Value::as_object)
                .flat_map(|o| o.keys())
                .collect();
            keys.sort();
            keys.dedup();
            summary.insert("keys".into(), capped_keys(keys));
            summary.insert(
                "sample".into(),
                Value::Array(items.iter().take(3).map(|v| shorten(v, 2)).collect()),
            );
        }
        Value::Object(map) => {
            summary.insert("keys".into(), capped_keys(map.keys().collect()));
            if let Some(Value::Object(other)) = other {
                let changed: Vec<&String> = map
                    .iter()
                    .filter(|(k, v)| other.get(*k) != Some(*v))
                    .map(|(k, _)| k)
                    .chain(other.keys().filter(|k| !map.contains_key(*k)))
                    .collect();
                summary.insert("changed".into(), capped_keys(changed));
            }
            let values: Map<String, Value> = map
                .iter()
                .take(40)
                .map(|(k, v)| (short_text(k, 64), shorten(v, 1)))
                .collect();
            summary.insert("values".into(), Value::Object(values));
        }
        Value::String(s) => {
            summary.insert("text".into(), Value::String(short_text(s, 500)));
        }
        _ => {}
    }
    let text = Value::Object(summary.clone()).to_string();
    if text.len() <= MAX_VALUE_JSON {
        return text;
    }
    // Pathological shapes (thousands of keys, long key names): only the counts remain.
    summary.remove("values");
    summary.remove("sample");
    let text = Value::Object(summary.clone()).to_string();
    if text.len() <= MAX_VALUE_JSON {
        return text;
    }
    summary.retain(|k, _| k == "摘要" || k == "count");
    Value::Object(summary).to_string()
}

/// At most 50 key names of at most 64 characters, and how many there were.
fn capped_keys(keys: Vec<&String>) -> Value {
    let mut list: Vec<Value> = keys
        .iter()
        .take(50)
        .map(|k| Value::String(short_text(k, 64)))
        .collect();
    if keys.len() > 50 {
        list.push(Value::String(format!("…共 {} 个", keys.len())));
    }
    Value::Array(list)
}

fn short_text(s: &str, max: usize) -> String {
    let total = s.chars().count();
    if total <= max {
        s.to_string()
    } else {
        let head: String = s.chars().take(max).collect();
        format!("{head}…（共 {total} 字）")
    }
}

/// A small picture of a value: long strings cut, long lists and deep records counted.
fn shorten(v: &Value, depth: usize) -> Value {
    match v {
        Value::String(s) => Value::String(short_text(s, 100)),
        Value::Array(a) if a.len() > 5 || depth == 0 => {
            serde_json::json!({ "count": a.len() })
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| shorten(x, depth - 1)).collect()),
        Value::Object(o) if o.len() > 20 || depth == 0 => {
            serde_json::json!({ "keys": o.len() })
        }
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (short_text(k, 64), shorten(x, depth - 1)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<i32>,
    pub user_id: Option<i32>,
}

/// An entry with the display name of who made it (none for the system).
pub type EntryWithActor = (AuditEntry, Option<String>);

/// Newest first, one page, with the actor's display name.
pub fn list(
    conn: &mut DbConn,
    f: &AuditFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<EntryWithActor>, i64)> {
    macro_rules! apply {
        ($q:expr) => {{
            let mut q = $q;
            if let Some(e) = &f.entity {
                q = q.filter(audit_log::entity.eq(e.clone()));
            }
            if let Some(id) = f.entity_id {
                q = q.filter(audit_log::entity_id.eq(id));
            }
            if let Some(id) = f.user_id {
                q = q.filter(audit_log::user_id.eq(id));
            }
            q
        }};
    }
    let total = apply!(audit_log::table.into_boxed())
        .count()
        .get_result(conn)?;
    let rows = apply!(audit_log::table.left_join(users::table).into_boxed())
        .order(audit_log::id.desc())
        .offset(offset)
        .limit(limit)
        .select((AuditEntry::as_select(), users::display_name.nullable()))
        .load(conn)?;
    Ok((rows, total))
}

/// The names of the units, users and goals audit entries refer to by id (three queries).
pub fn names(
    conn: &mut DbConn,
    unit_ids: &[i32],
    user_ids: &[i32],
    goal_ids: &[i32],
) -> QueryResult<Names> {
    let mut names = Names::default();
    if !unit_ids.is_empty() {
        names.units = units::table
            .filter(units::id.eq_any(unit_ids))
            .select((units::id, units::name))
            .load::<(i32, String)>(conn)?
            .into_iter()
            .collect();
    }
    if !user_ids.is_empty() {
        names.users = users::table
            .filter(users::id.eq_any(user_ids))
            .select((users::id, users::display_name))
            .load::<(i32, String)>(conn)?
            .into_iter()
            .collect();
    }
    if !goal_ids.is_empty() {
        names.goals = campaign_goals::table
            .filter(campaign_goals::id.eq_any(goal_ids))
            .select((campaign_goals::id, campaign_goals::name))
            .load::<(i32, String)>(conn)?
            .into_iter()
            .collect();
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_kept_whole() {
        let v = serde_json::json!({ "title": "提升监理质量", "n": 3 });
        assert_eq!(compact(&v, None), v.to_string());
    }

    #[test]
    fn large_lists_become_counts_and_keys() {
        let units: Vec<Value> = (0..300)
            .map(|i| serde_json::json!({ "code": format!("ZB{i:03}"), "name": format!("第{i}党支部"), "sort_order": i }))
            .collect();
        let v = Value::Array(units);
        assert!(v.to_string().len() > 10_000);
        let kept = compact(&v, None);
        assert!(kept.len() < 2_000, "{} bytes", kept.len());
        let back: Value = serde_json::from_str(&kept).unwrap();
        assert_eq!(back["count"], 300);
        assert_eq!(
            back["keys"],
            serde_json::json!(["code", "name", "sort_order"])
        );
        assert_eq!(back["sample"][0]["code"], "ZB000");
    }

    #[test]
    fn large_records_keep_small_fields_and_changed_keys() {
        let before = serde_json::json!({ "title": "旧", "content": "长".repeat(5_000), "n": 1 });
        let after = serde_json::json!({ "title": "新", "content": "长".repeat(5_000), "n": 1 });
        let kept: Value = serde_json::from_str(&compact(&after, Some(&before))).unwrap();
        assert_eq!(kept["changed"], serde_json::json!(["title"]));
        assert_eq!(kept["values"]["title"], "新");
        assert!(kept["values"]["content"]
            .as_str()
            .unwrap()
            .contains("共 5000 字"));
        let many: Map<String, Value> = (0..5_000)
            .map(|i| (format!("key{i}"), Value::from(i)))
            .collect();
        assert!(compact(&Value::Object(many), None).len() <= MAX_VALUE_JSON);
        assert!(compact(&Value::String("字".repeat(10_000)), None).len() <= MAX_VALUE_JSON);
    }

    #[test]
    fn long_summaries_are_cut() {
        let s = "、单位".repeat(2_000);
        let cut = clip_summary(&s);
        assert!(cut.chars().count() < MAX_SUMMARY_CHARS + 20);
        assert!(cut.ends_with("（共 6000 字，已截断）"));
        assert_eq!(clip_summary("短"), "短");
    }
}
