//! The 千分制 scheme (issue 12): create a year's scheme (optionally copying the previous
//! year's indicators), edit its title and notes, save its whole indicator tree from the form
//! or an imported sheet. Each is one transaction with its audit entry and field history; the
//! office only (`Capability::ManageAssessment`). A tree is saved only when its leaves sum to
//! 1000, from the version the editor saw, and while no unit's score sheet has left 草稿.

use chrono::NaiveDateTime;
use serde_json::json;

use crate::auth::policy::Capability;
use crate::auth::CurrentUser;
use crate::db::models::assessment::{
    self as model, AreaFields, Indicator, NodeFields, Scheme, SchemeFields, SCHEME_ENTITY,
};
use crate::db::models::{audit, history};
use crate::db::DbConn;
use crate::domain::assessment::{check_full_marks, IndicatorKind, Points, ScoreSource};
use crate::error::{AppError, AppResult};

/// Why the tree cannot change any more.
pub const FROZEN: &str = "本方案已有单位提交考核评分表，考核指标已锁定，不能再修改或导入（方案名称和说明仍可修改）。如确需调整，请先将已提交的评分表退回为草稿。";

/// A year that has its scheme already.
pub fn taken_message(year: i32) -> String {
    format!("{year} 年度已有考核方案，每个年度只能有一个考核方案；如需修改，请编辑已有方案。")
}

/// How a create ended.
pub enum Created {
    Done(i32),
    /// The year has a scheme already (its id): nothing written.
    Taken(i32),
}

/// A new scheme for `year`; with `copy`, the previous year's indicators copied into it.
pub fn create(
    c: &mut DbConn,
    user: &CurrentUser,
    year: i32,
    f: &SchemeFields,
    copy: bool,
    now: NaiveDateTime,
) -> AppResult<Created> {
    user.require_may(Capability::ManageAssessment)?;
    if let Some(s) = model::scheme_for_year(c, year)? {
        return Ok(Created::Taken(s.id));
    }
    let id = match model::insert_scheme(c, year, f, user.id, now) {
        Ok(id) => id,
        // Two creates at once: the unique year lets one in.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => {
            let s = model::scheme_for_year(c, year)?.ok_or(AppError::Stale)?;
            return Ok(Created::Taken(s.id));
        }
        Err(e) => return Err(e.into()),
    };
    let mut copied_from = String::new();
    let mut items = 0usize;
    if copy {
        if let Some(prev) = model::previous_scheme(c, year)? {
            let tree = as_tree(&model::indicators(c, prev.id)?, false);
            items = tree.iter().map(|a| a.items.len()).sum();
            model::apply_tree(c, id, &tree)?;
            copied_from = format!("{} 年度考核方案", prev.year);
        }
    }
    let mut summary = format!("新增{year}年度千分制考核方案「{}」", f.title);
    if !copied_from.is_empty() {
        summary.push_str(&format!("，复制{copied_from}的 {items} 项考核细项"));
    }
    audit::Change::new(user.id, "create", SCHEME_ENTITY, id, summary)
        .after(&json!({
            "year": year,
            "title": f.title,
            "notes": f.notes,
            "copied_from": copied_from,
            "items": items,
        }))
        .record(c, now)?;
    Ok(Created::Done(id))
}

/// How an edit ended.
pub enum Saved {
    /// Saved; the summary of what changed.
    Done(String),
    /// Someone saved first: the version now stored.
    Conflict(i32),
    /// A score sheet has left 草稿: the tree stays as it is.
    Frozen,
}

/// The scheme `id` (404 when there is none).
pub fn get(c: &mut DbConn, id: i32) -> AppResult<Scheme> {
    model::find_scheme(c, id)?.ok_or(AppError::NotFound)
}

/// Overwrite title and notes if the scheme is still at `expected`.
pub fn update(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    f: &SchemeFields,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    user.require_may(Capability::ManageAssessment)?;
    let before = get(c, id)?;
    if expected != before.version || !model::update_scheme(c, id, expected, f, now)? {
        return Ok(Saved::Conflict(get(c, id)?.version));
    }
    let old = before.fields();
    history::record(c, SCHEME_ENTITY, id, Some(user.id), now, &old, f)?;
    audit::Change::new(
        user.id,
        "update",
        SCHEME_ENTITY,
        id,
        format!("修改{}年度千分制考核方案「{}」", before.year, f.title),
    )
    .before(&old)
    .after(f)
    .record(c, now)?;
    Ok(Saved::Done(String::new()))
}

/// A stored tree as a tree to write: with `keep_ids`, each node keeps its row.
pub fn as_tree(inds: &[Indicator], keep_ids: bool) -> Vec<AreaFields> {
    let mut tree: Vec<AreaFields> = Vec::new();
    for i in inds {
        let n = NodeFields {
            id: keep_ids.then_some(i.id),
            name: i.name.clone(),
            kind: i.kind.clone(),
            max_tenths: i.max_tenths,
            rule: i.rule.clone(),
            source: i.source.clone(),
        };
        if i.is_area() {
            tree.push(AreaFields {
                area: n,
                items: Vec::new(),
            });
        } else if let Some(a) = tree.last_mut() {
            a.items.push(n);
        }
    }
    tree
}

/// A node as the history shows it: 序号 and the parts people read.
struct Shown {
    seq: String,
    name: String,
    parts: Vec<(&'static str, String)>,
}

fn shown(seq: String, n: &NodeFields, area: bool) -> Shown {
    let mut parts = vec![("序号", seq.clone()), ("名称", n.name.clone())];
    if !area {
        let kind = IndicatorKind::parse(&n.kind).map_or(n.kind.as_str(), |k| k.label());
        parts.push(("类型", kind.to_string()));
        parts.push(("分值", format!("{} 分", Points(n.max_tenths))));
        parts.push(("评分标准", n.rule.clone()));
        parts.push((
            "系统数据来源",
            n.source
                .as_deref()
                .and_then(ScoreSource::parse)
                .map_or("无", |s| s.label())
                .to_string(),
        ));
    }
    Shown {
        seq,
        name: n.name.clone(),
        parts,
    }
}

fn shown_tree(tree: &[AreaFields]) -> Vec<(Option<i32>, Shown)> {
    let mut out = Vec::new();
    for (a, area) in tree.iter().enumerate() {
        out.push((area.area.id, shown((a + 1).to_string(), &area.area, true)));
        for (i, item) in area.items.iter().enumerate() {
            out.push((item.id, shown(format!("{}.{}", a + 1, i + 1), item, false)));
        }
    }
    out
}

fn describe(s: &Shown) -> String {
    s.parts
        .iter()
        .skip(1)
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}：{v}"))
        .collect::<Vec<_>>()
        .join("；")
}

/// What a tree change did: counts, and the history lines (field, old, new).
struct Diff {
    added: usize,
    changed: usize,
    removed: usize,
    lines: Vec<(String, String, String)>,
}

fn diff(before: &[AreaFields], after: &[AreaFields]) -> Diff {
    let old = shown_tree(before);
    let new = shown_tree(after);
    let mut d = Diff {
        added: 0,
        changed: 0,
        removed: 0,
        lines: Vec::new(),
    };
    for (id, n) in &new {
        match id.and_then(|id| old.iter().find(|(o, _)| *o == Some(id))) {
            None => {
                d.added += 1;
                d.lines.push((
                    format!("新增指标 {} {}", n.seq, n.name),
                    String::new(),
                    describe(n),
                ));
            }
            Some((_, o)) => {
                let changes: Vec<(String, String)> = o
                    .parts
                    .iter()
                    .zip(&n.parts)
                    .filter(|(a, b)| a.1 != b.1)
                    .map(|(a, b)| (format!("{}：{}", a.0, a.1), format!("{}：{}", b.0, b.1)))
                    .collect();
                // An area that became an item or back: every part differs in length.
                let changes = if o.parts.len() != n.parts.len() {
                    vec![(describe(o), describe(n))]
                } else {
                    changes
                };
                if !changes.is_empty() {
                    d.changed += 1;
                    let (olds, news): (Vec<String>, Vec<String>) = changes.into_iter().unzip();
                    d.lines.push((
                        format!("修改指标 {} {}", n.seq, n.name),
                        olds.join("；"),
                        news.join("；"),
                    ));
                }
            }
        }
    }
    for (id, o) in &old {
        if !new.iter().any(|(n, _)| n.is_some() && n == id) {
            d.removed += 1;
            d.lines.push((
                format!("删除指标 {} {}", o.seq, o.name),
                describe(o),
                "（已删除）".into(),
            ));
        }
    }
    d
}

/// Save the whole tree of scheme `id` from version `expected` (`None`: an import, from
/// whatever version is stored). The tree is checked again here: its leaves sum to 1000 and
/// its ids are the scheme's own.
pub fn save_tree(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: Option<i32>,
    mut tree: Vec<AreaFields>,
    now: NaiveDateTime,
) -> AppResult<Saved> {
    user.require_may(Capability::ManageAssessment)?;
    check_full_marks(
        tree.iter()
            .flat_map(|a| a.items.iter().map(|i| Points(i.max_tenths))),
    )
    .map_err(AppError::BadRequest)?;
    let scheme = get(c, id)?;
    if model::sheets_past_draft(c, id)? > 0 {
        return Ok(Saved::Frozen);
    }
    let imported = expected.is_none();
    let expected = expected.unwrap_or(scheme.version);
    // First the claim: of saves from one version one gets on, the others wait here (the row
    // is locked on PostgreSQL until the winner commits) and then find the version moved.
    if expected != scheme.version || !model::claim_scheme(c, id, expected, now)? {
        return Ok(Saved::Conflict(get(c, id)?.version));
    }
    let inds = model::indicators(c, id)?;
    if imported {
        keep_rows_by_name(&mut tree, &inds);
    } else {
        for n in tree
            .iter()
            .flat_map(|a| std::iter::once(&a.area).chain(a.items.iter()))
        {
            if let Some(nid) = n.id {
                if !inds.iter().any(|i| i.id == nid) {
                    // An error rolls the claim back: nothing written.
                    return Err(AppError::BadRequest("表单中的指标编号无效。".into()));
                }
            }
        }
    }
    let before = as_tree(&inds, true);
    let d = diff(&before, &tree);
    model::apply_tree(c, id, &tree)?;
    let items: usize = tree.iter().map(|a| a.items.len()).sum();
    let verb = if imported { "导入" } else { "修改" };
    let summary = format!(
        "{verb}{}年度千分制考核指标：新增 {} 项，修改 {} 项，删除 {} 项；现有考核内容 {} 项、考核细项 {} 项，合计 1000 分",
        scheme.year,
        d.added,
        d.changed,
        d.removed,
        tree.len(),
        items
    );
    model::record_changes(c, id, user.id, now, &d.lines)?;
    let changes: Vec<String> = d.lines.iter().map(|(f, _, _)| f.clone()).collect();
    audit::Change::new(
        user.id,
        if imported { "import" } else { "update" },
        SCHEME_ENTITY,
        id,
        summary.clone(),
    )
    .after(&json!({
        "added": d.added,
        "changed": d.changed,
        "removed": d.removed,
        "areas": tree.len(),
        "items": items,
        "changes": changes.join("；"),
    }))
    .record(c, now)?;
    Ok(Saved::Done(summary))
}

/// An imported tree keeps the rows whose names it repeats (areas by name, items by area and
/// name), so that the score lines of unchanged items stay.
fn keep_rows_by_name(tree: &mut [AreaFields], inds: &[Indicator]) {
    for a in tree.iter_mut() {
        let Some(old) = inds.iter().find(|i| i.is_area() && i.name == a.area.name) else {
            continue;
        };
        a.area.id = Some(old.id);
        for it in a.items.iter_mut() {
            it.id = inds
                .iter()
                .find(|i| i.parent_id == Some(old.id) && i.name == it.name)
                .map(|i| i.id);
        }
    }
}
