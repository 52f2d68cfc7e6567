//! How the audit log reads to people: the one mapping from what the services write (entity
//! codes, action codes, JSON field names and values) to the words the pages use. Kinds and
//! fields in Chinese, values as the pages show them (status labels, dates, names), and a
//! record's change as before → after per field. Anything unknown falls back to the raw key
//! or value; nothing here panics on what an old entry holds.

use std::collections::HashMap;

use serde_json::Value;

use crate::domain::activity::{ActivityKind, RosterGroup};
use crate::domain::meeting::MeetingKind;
use crate::domain::org::{Role, UnitCategory, UnitKind};
use crate::domain::register::{
    Carrier, ExtensionStatus, LeadTag, MeasureCategory, MeasureStatus, RectArea, RectStatus, Style,
};
use crate::domain::review::ReviewState;

/// Entity codes the services write, with their names. The audit filter lists these.
pub const ENTITIES: &[(&str, &str)] = &[
    ("unit", "单位"),
    ("user", "用户"),
    ("campaign", "年度方案"),
    ("goal", "工作目标"),
    ("campaign_months", "每月工作要求"),
    ("unit_plan", "单位实施方案"),
    ("measure", "践行举措"),
    ("rect_table", "整改配档表"),
    ("rect_item", "整改事项"),
    ("rect_extension", "延期申请"),
    ("supervision_note", "督办意见"),
    ("monthly_report", "月度调度"),
    ("report_line", "月度调度事项"),
    ("first_topic", "第一议题"),
    ("task_force", "一线专班"),
    ("report_reminder", "催报"),
    ("roster_person", "人员名册"),
    ("activity", "培训活动"),
    ("attendance", "参加人员"),
    ("survey", "思想状况调查"),
    ("brand", "党建品牌"),
    ("brand_event", "品牌活动"),
    ("brand_promotion", "品牌宣传"),
    ("assessment_scheme", "千分制考核方案"),
    ("assessment_indicator", "考核指标"),
    ("assessment_score", "千分制评分表"),
    ("feedback_item", "监督渠道事项"),
    ("incentive", "正向激励"),
    ("report_series", "系列报道"),
    ("series_issue", "系列报道期次"),
    ("referral", "反向约束移交"),
    ("template_area", "模板分类"),
    ("work_template", "工作模板"),
];

const ACTIONS: &[(&str, &str)] = &[
    ("create", "新增"),
    ("update", "修改"),
    ("delete", "删除"),
    ("close", "关闭"),
    ("import", "导入"),
    ("accept", "验收销号"),
    ("reject_acceptance", "退回整改"),
    ("request_extension", "申请延期"),
    ("approve_extension", "批准延期"),
    ("refuse_extension", "不批准延期"),
    ("upload", "上传附件"),
    ("delete_attachment", "删除附件"),
    ("submit", "提交审核"),
    ("approve", "审核通过"),
    ("return", "退回"),
    ("login", "登录"),
    ("password", "修改密码"),
    ("reset_password", "重置密码"),
    ("enable", "启用"),
    ("disable", "停用"),
    ("remind", "催报"),
    ("end", "登记离开"),
    ("advance", "推进阶段"),
    // issue 12 · supervision channels (feedback)
    ("assign", "分办"),
    ("reply", "答复"),
    // 反向约束 (issue 12): the committee's decision and the outcome of a referral.
    ("decide", "登记党委会决定"),
    ("conclude", "办结"),
];

/// Field names, the same for every entity unless [`ENTITY_FIELDS`] says otherwise.
const FIELDS: &[(&str, &str)] = &[
    ("unit_id", "单位"),
    ("parent_id", "上级单位"),
    ("code", "编码"),
    ("name", "名称"),
    ("kind", "类型"),
    ("category", "类别"),
    ("sort_order", "排序号"),
    ("active", "启用"),
    ("year", "年度"),
    ("month", "月份"),
    ("due_day", "每月报送截止日"),
    ("yellow_days", "临期提醒天数"),
    ("style", "作风"),
    ("seq", "序号"),
    ("description", "说明"),
    ("title", "标题"),
    ("content", "内容"),
    ("username", "用户名"),
    ("display_name", "姓名"),
    ("role", "角色"),
    ("meeting_date", "会议日期"),
    ("meeting_kind", "会议类型"),
    ("topic", "学习内容"),
    ("materials", "学习材料"),
    ("attendance", "实到人数"),
    ("absent", "缺席人数"),
    ("notes", "研讨发言摘要"),
    ("state", "状态"),
    ("status", "状态"),
    ("comment", "意见"),
    ("submitted_at", "提交时间"),
    ("submitted_by", "提交人"),
    ("created_by", "创建人"),
    ("updated_by", "修改人"),
    ("goal_ids", "工作目标"),
    ("carrier", "载体"),
    ("lead_tag", "四个带头"),
    ("indicator", "量化指标"),
    ("target_value", "目标值"),
    ("target_unit", "计量单位"),
    ("owner", "责任人"),
    ("deadline", "完成时限"),
    ("progress", "进度"),
    ("closed_at", "关闭时间"),
    ("highlights", "本月亮点"),
    ("problems", "存在问题"),
    ("next_plan", "下月计划"),
    ("due_date", "截止日"),
    ("late", "迟报"),
    ("area", "问题领域"),
    ("source", "问题来源"),
    ("problem", "存在问题"),
    ("cause", "原因分析"),
    ("measure", "整改措施"),
    ("requirement", "整改要求"),
    ("responsible", "责任人"),
    ("original_deadline", "原定时限"),
    ("accepted_by", "验收人"),
    ("accepted_at", "验收时间"),
    ("old_deadline", "原时限"),
    ("new_deadline", "申请延至"),
    ("reason", "延期理由"),
    ("requested_by", "申请人"),
    ("requested_at", "申请时间"),
    ("decided_by", "审批人"),
    ("decided_at", "审批时间"),
    ("decision_comment", "审批意见"),
    ("user_id", "用户"),
    ("author_id", "填写人"),
    ("file_name", "文件名"),
    ("size", "大小"),
    // The summary kept of a value too long to store (db::models::audit::compact).
    ("摘要", "摘要"),
    ("count", "条数"),
    ("keys", "字段"),
    ("changed", "变更字段"),
    ("sample", "示例"),
    ("values", "内容"),
    ("text", "内容"),
    // 人员名册 (issue 11).
    ("categories", "人员类别"),
    ("post", "岗位"),
    ("active_from", "在册起始日期"),
    ("active_to", "离开日期"),
    ("theme", "主题"),
    ("feature", "特色"),
    ("slogan", "口号"),
    ("method", "工作法"),
    ("cultivating_on", "培育日期"),
    ("created_on", "创建日期"),
    ("published_on", "发布日期"),
    ("awarded_on", "获评日期"),
    ("award", "获评荣誉"),
    ("held_on", "活动日期"),
    ("place", "地点"),
    ("platform", "宣传平台"),
    ("link", "链接"),
    // 工作模板 (issue 12).
    ("position", "排序"),
    ("number", "版本号"),
    ("note", "版本说明"),
    ("downloads", "下载次数"),
];

/// Where a field means something else for one entity.
const ENTITY_FIELDS: &[(&str, &str, &str)] = &[
    ("unit", "kind", "组织类型"),
    ("unit", "category", "单位类别"),
    ("unit", "name", "单位名称"),
    ("unit", "code", "单位编码"),
    ("measure", "title", "举措名称"),
    ("measure", "content", "具体内容"),
    ("rect_item", "deadline", "整改时限"),
    ("rect_table", "title", "配档表名称"),
    ("unit_plan", "title", "方案标题"),
    ("unit_plan", "content", "方案内容"),
    ("task_force", "user_id", "专班成员"),
    ("task_force", "unit_id", "联系单位"),
    ("goal", "name", "目标名称"),
    ("campaign", "name", "方案名称"),
    ("report_reminder", "unit", "党支部"),
    ("report_reminder", "notified", "通知人数"),
    ("roster_person", "name", "姓名"),
    ("roster_person", "notes", "备注"),
    ("activity", "kind", "活动类型"),
    ("activity", "title", "活动名称"),
    ("activity", "summary", "活动内容"),
    ("activity", "start_date", "开始日期"),
    ("activity", "end_date", "结束日期"),
    ("activity", "target_groups", "培训对象"),
    ("activity", "hours", "学时"),
    ("activity", "lead_tags", "四个带头"),
    ("activity", "place", "地点"),
    ("activity", "participant_count", "参训人次（填报）"),
    ("activity", "pass_mark", "及格线"),
    ("attendance", "count", "参加人数"),
    ("attendance", "values", "参加人员"),
    ("survey", "unit_id", "组织单位"),
    ("survey", "title", "调查名称"),
    ("survey", "period_start", "开始日期"),
    ("survey", "period_end", "结束日期"),
    ("survey", "method", "调查方式"),
    ("survey", "target_units", "调查对象单位"),
    ("survey", "participants", "参与人次"),
    ("survey", "findings", "主要发现"),
    ("survey", "measures_taken", "改进措施"),
    ("brand", "name", "品牌名称"),
    ("brand", "theme", "主题（理念）"),
    ("brand", "slogan", "品牌口号"),
    ("brand_event", "title", "活动名称"),
    ("brand_event", "notes", "活动说明"),
    ("brand_promotion", "published_on", "刊发日期"),
    // 千分制考核方案 (issue 12).
    ("assessment_scheme", "title", "方案名称"),
    ("assessment_scheme", "notes", "说明"),
    ("assessment_scheme", "copied_from", "复制自"),
    ("assessment_scheme", "items", "考核细项数"),
    ("assessment_scheme", "areas", "考核内容数"),
    ("assessment_scheme", "added", "新增指标数"),
    ("assessment_scheme", "changed", "修改指标数"),
    ("assessment_scheme", "removed", "删除指标数"),
    ("assessment_scheme", "changes", "变更指标"),
    // issue 12 · supervision channels (feedback)
    ("feedback_item", "channel", "渠道"),
    ("feedback_item", "category", "反映类别"),
    ("feedback_item", "content", "反映内容"),
    ("feedback_item", "received_on", "收到日期"),
    ("feedback_item", "target_unit", "涉及单位"),
    ("feedback_item", "unit_id", "承办单位"),
    ("feedback_item", "due_on", "答复期限"),
    ("feedback_item", "triage_note", "分办意见"),
    ("feedback_item", "reply", "答复内容"),
    ("feedback_item", "close_note", "办结意见"),
    ("feedback_item", "comment", "退回意见"),
    // 工作模板 (issue 12).
    ("template_area", "name", "分类名称"),
    ("work_template", "title", "模板名称"),
    ("work_template", "area", "模板分类"),
    // 正向激励 / 反向约束 (issue 12).
    ("incentive", "kind", "类别"),
    ("incentive", "title", "事项"),
    ("incentive", "issuer", "授予/刊发/推荐单位或平台"),
    ("incentive", "awarded_on", "日期"),
    ("incentive", "notes", "备注"),
    ("report_series", "name", "系列名称"),
    ("series_issue", "number", "期次"),
    ("series_issue", "published_on", "刊发日期"),
    ("referral", "target", "移交对象"),
    ("referral", "person", "干部姓名"),
    ("referral", "reason", "移交事由"),
    ("referral", "referred_on", "移交日期"),
    ("referral", "decision", "党委会决定"),
    ("referral", "decided_on", "决定日期"),
    ("referral", "outcome", "办理结果"),
    ("assessment_score", "level", "评分层级"),
    ("assessment_score", "lines", "评分项"),
];

/// Bookkeeping the pages never show (ids of the record itself, versions, timestamps of the
/// row): left out of the change.
const HIDDEN: &[&str] = &[
    "id",
    "version",
    "goals_version",
    "months_version",
    "path",
    "created_at",
    "updated_at",
    "campaign_id",
    "table_id",
    "report_id",
    "ref_id",
    "item_id",
    "entity",
    "entity_id",
    "attachment_id",
];

/// Fields holding a unit's id.
const UNIT_REFS: &[&str] = &["unit_id", "parent_id"];
/// Fields holding a user's id.
const USER_REFS: &[&str] = &[
    "user_id",
    "submitted_by",
    "created_by",
    "updated_by",
    "accepted_by",
    "requested_by",
    "decided_by",
    "author_id",
    "uploaded_by",
];

fn lookup(table: &[(&str, &str)], code: &str) -> String {
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.to_string(), |(_, l)| l.to_string())
}

/// 践行举措 for `measure`; the code itself when unknown.
pub fn entity_label(code: &str) -> String {
    lookup(ENTITIES, code)
}

/// 审核通过 for `approve`; the code itself when unknown.
pub fn action_label(code: &str) -> String {
    lookup(ACTIONS, code)
}

/// 状态 for `status`; the key itself when unknown. Month keys of the monthly requirements
/// (`"3"`) read 3月工作要求.
pub fn field_label(entity: &str, key: &str) -> String {
    if let Some((_, _, l)) = ENTITY_FIELDS
        .iter()
        .find(|(e, k, _)| *e == entity && *k == key)
    {
        return l.to_string();
    }
    if entity == "campaign_months" {
        if let Ok(m) = key.parse::<u32>() {
            return format!("{m}月工作要求");
        }
    }
    lookup(FIELDS, key)
}

/// Names of the units, users and goals the entries refer to by id.
#[derive(Default, Debug, Clone)]
pub struct Names {
    pub units: HashMap<i32, String>,
    pub users: HashMap<i32, String>,
    pub goals: HashMap<i32, String>,
}

/// The ids an entry's before and after refer to: (unit ids, user ids, goal ids).
pub fn refs(values: &[Option<&Value>]) -> (Vec<i32>, Vec<i32>, Vec<i32>) {
    let (mut units, mut users, mut goals) = (Vec::new(), Vec::new(), Vec::new());
    for v in values.iter().flatten() {
        if let Value::Object(map) = v {
            for (k, v) in map {
                let ids: Vec<i32> = match v {
                    Value::Array(a) => a.iter().filter_map(as_id).collect(),
                    other => as_id(other).into_iter().collect(),
                };
                if UNIT_REFS.contains(&k.as_str()) {
                    units.extend(ids);
                } else if USER_REFS.contains(&k.as_str()) {
                    users.extend(ids);
                } else if k == "goal_ids" {
                    goals.extend(ids);
                }
            }
        }
    }
    for list in [&mut units, &mut users, &mut goals] {
        list.sort_unstable();
        list.dedup();
    }
    (units, users, goals)
}

fn as_id(v: &Value) -> Option<i32> {
    v.as_i64().and_then(|n| i32::try_from(n).ok())
}

/// The label of a vocabulary value of `key` (in `entity`), if it is one.
fn vocabulary(entity: &str, key: &str, text: &str) -> Option<&'static str> {
    match (entity, key) {
        ("measure", "status") => MeasureStatus::parse_any(text).map(MeasureStatus::label),
        ("rect_item" | "rect_table", "status") => {
            RectStatus::parse_any(text).map(RectStatus::label)
        }
        ("rect_extension", "status") => {
            ExtensionStatus::parse_any(text).map(ExtensionStatus::label)
        }
        (_, "state") => ReviewState::parse_any(text).map(ReviewState::label),
        (_, "role") => Role::parse_any(text).map(Role::label),
        ("unit", "kind") => UnitKind::parse_any(text).map(UnitKind::label),
        ("unit", "category") => UnitCategory::parse_any(text).map(UnitCategory::label),
        ("measure", "category") => MeasureCategory::parse_any(text).map(MeasureCategory::label),
        (_, "carrier") => Carrier::parse_any(text).map(Carrier::label),
        (_, "lead_tag") => LeadTag::parse_any(text).map(LeadTag::label),
        (_, "area") => RectArea::parse_any(text).map(RectArea::label),
        (_, "meeting_kind") => MeetingKind::parse_any(text).map(MeetingKind::label),
        (_, "style") => Style::parse_any(text).map(Style::label),
        ("roster_person", "categories") => RosterGroup::parse_any(text).map(RosterGroup::label),
        ("activity", "kind") => ActivityKind::parse_any(text).map(ActivityKind::label),
        ("activity", "target_groups") => RosterGroup::parse_any(text).map(RosterGroup::label),
        ("activity", "lead_tags") => LeadTag::parse_any(text).map(LeadTag::label),
        ("survey", "method") => crate::domain::activity::SurveyMethod::parse_any(text)
            .map(crate::domain::activity::SurveyMethod::label),
        _ => None,
    }
}

/// A stored time (`2026-11-30T09:05:00.123`) as the pages show it (`2026-11-30 09:05`).
fn time_text(s: &str) -> Option<String> {
    let (date, time) = s.split_once('T')?;
    let ok = date.len() == 10 && date.as_bytes().get(4) == Some(&b'-') && time.len() >= 5;
    ok.then(|| format!("{date} {}", &time[..5]))
}

/// One value as the pages show it.
pub fn value_text(entity: &str, key: &str, v: &Value, names: &Names) -> String {
    let by_id = |map: &HashMap<i32, String>, v: &Value| match as_id(v) {
        Some(id) => map.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
        None => plain(v),
    };
    match v {
        Value::Null => "（空）".into(),
        Value::Bool(b) => if *b { "是" } else { "否" }.into(),
        _ if UNIT_REFS.contains(&key) => by_id(&names.units, v),
        _ if USER_REFS.contains(&key) => by_id(&names.users, v),
        Value::Array(a) if key == "goal_ids" => {
            let names: Vec<String> = a.iter().map(|g| by_id(&names.goals, g)).collect();
            if names.is_empty() {
                "（空）".into()
            } else {
                names.join("、")
            }
        }
        Value::Number(n) if key == "progress" => format!("{n}%"),
        Value::Number(n) if key == "size" => match n.as_u64() {
            Some(b) if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / 1_048_576.0),
            Some(b) => format!("{:.1} KB", b as f64 / 1024.0),
            None => n.to_string(),
        },
        Value::String(s) if s.trim().is_empty() => "（空）".into(),
        Value::String(s) if key == "keys" || key == "changed" => field_label(entity, s),
        Value::String(s) => vocabulary(entity, key, s)
            .map(str::to_string)
            .or_else(|| time_text(s))
            .unwrap_or_else(|| s.clone()),
        Value::Array(a) => a
            .iter()
            .map(|x| value_text(entity, key, x, names))
            .collect::<Vec<_>>()
            .join("、"),
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| !HIDDEN.contains(&k.as_str()))
            .map(|(k, x)| {
                format!(
                    "{}：{}",
                    field_label(entity, k),
                    value_text(entity, k, x, names)
                )
            })
            .collect::<Vec<_>>()
            .join("；"),
        Value::Number(n) => n.to_string(),
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One field of a change: 状态：未开始 → 推进中.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    /// Empty when the record was created.
    pub before: Option<String>,
    /// Empty when the record was deleted.
    pub after: Option<String>,
}

impl FieldChange {
    pub fn text(&self) -> String {
        match (&self.before, &self.after) {
            (Some(b), Some(a)) => format!("{}：{b} → {a}", self.field),
            (None, Some(a)) => format!("{}：{a}", self.field),
            (Some(b), None) => format!("{}：{b}（删除）", self.field),
            (None, None) => self.field.clone(),
        }
    }
}

/// A value's fields in order: an object's keys; `[[month, text], …]` by month; a list of
/// records numbered 1, 2, …; anything else as one field named 内容.
fn fields_of(v: &Value) -> Vec<(String, Value)> {
    match v {
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| !HIDDEN.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        Value::Array(a) if a.iter().all(is_pair) => a
            .iter()
            .filter_map(|p| match p.as_array().map(Vec::as_slice) {
                Some([k, v]) => Some((plain(k), v.clone())),
                _ => None,
            })
            .collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("第 {} 条", i + 1), v.clone()))
            .collect(),
        Value::Null => Vec::new(),
        other => vec![("内容".to_string(), other.clone())],
    }
}

fn is_pair(v: &Value) -> bool {
    v.as_array()
        .is_some_and(|p| p.len() == 2 && (p[0].is_number() || p[0].is_string()))
}

/// The change an entry records, per field: what differs between before and after (both
/// shown as the pages show them); every field of a record created or deleted.
pub fn changes(
    entity: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    names: &Names,
) -> Vec<FieldChange> {
    let b = before.map(fields_of).unwrap_or_default();
    let a = after.map(fields_of).unwrap_or_default();
    let text = |k: &str, v: &Value| value_text(entity, k, v, names);
    let mut keys: Vec<&String> = a.iter().map(|(k, _)| k).collect();
    for (k, _) in &b {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    // In the order the forms ask (the order of FIELDS); months and numbered records by number.
    keys.sort_by_key(|k| {
        let rank = FIELDS
            .iter()
            .position(|(f, _)| *f == k.as_str())
            .unwrap_or(FIELDS.len());
        let number = k
            .trim_start_matches("第 ")
            .trim_end_matches(" 条")
            .parse::<u32>()
            .unwrap_or(u32::MAX);
        (rank, number, (*k).clone())
    });
    let find = |list: &[(String, Value)], k: &str| {
        list.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone())
    };
    let mut out = Vec::new();
    for k in keys {
        let old = if before.is_some() { find(&b, k) } else { None };
        let new = if after.is_some() { find(&a, k) } else { None };
        let old_t = old.as_ref().map(|v| text(k, v));
        let new_t = new.as_ref().map(|v| text(k, v));
        if before.is_some() && after.is_some() && old_t == new_t {
            continue;
        }
        out.push(FieldChange {
            field: field_label(entity, k),
            before: old_t,
            after: new_t,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_actions_and_fields_read_in_chinese() {
        assert_eq!(entity_label("monthly_report"), "月度调度");
        assert_eq!(entity_label("rect_item"), "整改事项");
        assert_eq!(action_label("approve"), "审核通过");
        assert_eq!(field_label("measure", "status"), "状态");
        assert_eq!(field_label("unit", "kind"), "组织类型");
        assert_eq!(field_label("campaign_months", "3"), "3月工作要求");
        // Unknown: the raw key, no panic.
        assert_eq!(entity_label("something_new"), "something_new");
        assert_eq!(action_label("frobnicate"), "frobnicate");
        assert_eq!(field_label("measure", "mystery"), "mystery");
    }

    #[test]
    fn values_read_as_the_pages_show_them() {
        let names = Names {
            units: HashMap::from([(3, "综合办公室党支部".to_string())]),
            users: HashMap::from([(7, "李明".to_string())]),
            goals: HashMap::from([(1, "标准严格".to_string())]),
        };
        let ch = changes(
            "measure",
            Some(&json!({"status": "NotStarted", "progress": 0, "unit_id": 3, "version": 1})),
            Some(&json!({"status": "in_progress", "progress": 40, "unit_id": 3, "version": 2})),
            &names,
        );
        let texts: Vec<String> = ch.iter().map(FieldChange::text).collect();
        assert_eq!(texts, vec!["状态：未开始 → 推进中", "进度：0% → 40%"]);

        let ch = changes(
            "rect_item",
            None,
            Some(
                &json!({"status": "awaiting", "accepted_by": 7, "deadline": "2026-12-31",
                         "accepted_at": "2026-11-30T09:05:00.5", "unit_id": 3, "goal_ids": [1]}),
            ),
            &names,
        );
        let texts: Vec<String> = ch.iter().map(FieldChange::text).collect();
        assert!(
            texts.contains(&"状态：已整改待验收".to_string()),
            "{texts:?}"
        );
        assert!(texts.contains(&"验收人：李明".to_string()), "{texts:?}");
        assert!(
            texts.contains(&"整改时限：2026-12-31".to_string()),
            "{texts:?}"
        );
        assert!(
            texts.contains(&"验收时间：2026-11-30 09:05".to_string()),
            "{texts:?}"
        );
        assert!(
            texts.contains(&"单位：综合办公室党支部".to_string()),
            "{texts:?}"
        );
        assert!(
            texts.contains(&"工作目标：标准严格".to_string()),
            "{texts:?}"
        );

        let ch = changes(
            "monthly_report",
            Some(&json!({"state": "draft"})),
            Some(&json!({"state": "awaiting_general", "comment": ""})),
            &names,
        );
        assert_eq!(ch[0].text(), "状态：草稿 → 待总支复查");

        let ch = changes(
            "campaign_months",
            Some(&json!([[1, "学习"], [2, "调研"]])),
            Some(&json!([[1, "学习"], [2, "检查"]])),
            &names,
        );
        assert_eq!(ch.len(), 1);
        assert_eq!(ch[0].text(), "2月工作要求：调研 → 检查");
    }

    #[test]
    fn odd_values_never_panic() {
        let names = Names::default();
        for v in [
            json!(null),
            json!("推进中 40%"),
            json!([1, 2, 3]),
            json!([{"name": "x", "kind": "Branch"}]),
            json!({"unit_id": "abc", "user_id": 1e300, "goal_ids": "x", "size": -1}),
            json!({"mystery": {"deep": [true, null]}}),
        ] {
            let _ = changes("unknown_entity", Some(&v), Some(&json!({})), &names);
            let _ = changes("measure", None, Some(&v), &names);
            let _ = refs(&[Some(&v)]);
        }
        let ch = changes(
            "measure",
            Some(&json!("推进中 0%")),
            Some(&json!("推进中 40%")),
            &names,
        );
        assert_eq!(ch[0].text(), "内容：推进中 0% → 推进中 40%");
    }

    #[test]
    fn a_roster_change_reads_in_chinese() {
        let ch = changes(
            "roster_person",
            Some(
                &json!({"name": "王芳", "categories": ["party_member", "org_cadre"],
                         "post": "组织委员", "active_to": null, "notes": ""}),
            ),
            Some(
                &json!({"name": "王芳", "categories": ["party_member", "party_worker"],
                         "post": "组织委员", "active_to": "2026-11-20", "notes": "调出"}),
            ),
            &Names::default(),
        );
        let texts: Vec<String> = ch.iter().map(FieldChange::text).collect();
        assert_eq!(
            texts,
            vec![
                "备注：（空） → 调出",
                "人员类别：党员、组工干部 → 党员、党务工作者",
                "离开日期：（空） → 2026-11-20",
            ]
        );
        assert_eq!(action_label("end"), "登记离开");
        assert_eq!(entity_label("roster_person"), "人员名册");
    }

    #[test]
    fn activity_changes_read_in_words() {
        let ch = changes(
            "activity",
            Some(&json!({"kind": "Training", "target_groups": ["OrgCadre"], "hours": 1.5})),
            Some(
                &json!({"kind": "Exam", "target_groups": ["OrgCadre", "Candidate"], "hours": 2.0}),
            ),
            &Names::default(),
        );
        let texts: Vec<String> = ch.iter().map(FieldChange::text).collect();
        assert!(
            texts.contains(&"活动类型：培训 → 考试".to_string()),
            "{texts:?}"
        );
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("培训对象：组工干部 → 组工干部、发展对象")),
            "{texts:?}"
        );
        assert!(texts.iter().any(|t| t.starts_with("学时：")), "{texts:?}");
    }
}
