//! The 千分制 scheme's forms (issue 12): the scheme's title and notes, and the whole indicator
//! tree on one page (every area and item a row: 序号, name, kind, points, 评分标准, 系统数据来源,
//! a delete box), kept as typed for re-display, each bad row with its message. The same leaf
//! rules read the rows of an imported sheet. A tree whose leaves do not sum to 1000 is
//! refused with the difference named (`domain::assessment::check_full_marks`).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::db::models::assessment::{AreaFields, Indicator, NodeFields, Scheme, SchemeFields};
use crate::domain::assessment::{check_full_marks, IndicatorKind, Points, ScoreSource, AREA_KIND};
use crate::domain::validate::{self, FieldErrors};

pub const TITLE_MAX: usize = 100;
pub const NOTES_MAX: usize = 2000;
pub const NAME_MAX: usize = 100;
pub const RULE_MAX: usize = 1000;
/// Most rows (areas and items) one tree holds, on the form and in an import.
pub const MAX_ROWS: usize = 500;
/// Empty rows the tree form offers for new areas and items.
pub const BLANK_ROWS: usize = 6;

/// The scheme's own form: create (year, copy) and edit (version).
#[derive(Default, Clone, Debug, Deserialize)]
#[serde(default)]
pub struct SchemeForm {
    pub year: String,
    pub title: String,
    pub notes: String,
    /// "1": copy the indicators of the previous year's scheme.
    pub copy: String,
    pub version: String,
}

impl SchemeForm {
    pub fn from_scheme(s: &Scheme) -> Self {
        SchemeForm {
            year: s.year.to_string(),
            title: s.title.clone(),
            notes: s.notes.clone(),
            copy: String::new(),
            version: s.version.to_string(),
        }
    }

    pub fn copying(&self) -> bool {
        self.copy == "1"
    }

    pub fn parse(&self) -> Result<SchemeFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let title = validate::required_text(&mut e, "title", "方案名称", &self.title, TITLE_MAX);
        let notes = validate::optional_text(&mut e, "notes", "说明", &self.notes, NOTES_MAX)
            .unwrap_or_default();
        e.into_result(SchemeFields { title, notes })
    }

    /// The year of a new scheme (2000–2100).
    pub fn parse_year(&self) -> Result<i32, FieldErrors> {
        match self.year.trim().parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) => Ok(y),
            _ => {
                let mut e = FieldErrors::new();
                e.add("year", "请选择有效的年度");
                Err(e)
            }
        }
    }
}

/// One row of the tree form, as typed. `seq` says where it sits: `4` is the fourth area,
/// `4.2` the second item of area 4.
#[derive(Default, Clone, Debug)]
pub struct RowForm {
    pub id: String,
    pub seq: String,
    pub name: String,
    pub kind: String,
    pub points: String,
    pub rule: String,
    pub source: String,
    pub delete: bool,
    /// What is wrong with the row (shown under it); empty when nothing.
    pub error: String,
}

impl RowForm {
    pub fn is_area(&self) -> bool {
        matches!(parse_seq(&self.seq), Some((_, None)))
    }

    fn is_blank(&self) -> bool {
        self.id.trim().is_empty()
            && self.seq.trim().is_empty()
            && self.name.trim().is_empty()
            && self.points.trim().is_empty()
            && self.rule.trim().is_empty()
    }
}

/// The whole tree form.
#[derive(Default, Clone, Debug)]
pub struct TreeForm {
    pub rows: Vec<RowForm>,
    pub version: String,
}

/// `4` → (4, None), `4.2` → (4, Some(2)); full-width dots are read too.
pub fn parse_seq(raw: &str) -> Option<(u32, Option<u32>)> {
    let t = raw.trim().replace(['．', '。'], ".");
    let num = |s: &str| {
        (!s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
            .filter(|n| *n > 0)
    };
    match t.split_once('.') {
        None => num(&t).map(|a| (a, None)),
        Some((a, b)) => Some((num(a)?, Some(num(b)?))),
    }
}

/// A leaf's kind, points, rule and source checked; the messages of what is wrong.
pub struct Leaf {
    pub kind: IndicatorKind,
    pub points: Points,
    pub rule: String,
    pub source: Option<ScoreSource>,
}

/// Read a leaf from its raw texts. `kind` and `source` may be codes or labels.
pub fn leaf(kind: &str, points: &str, rule: &str, source: &str) -> Result<Leaf, Vec<String>> {
    let mut errs = Vec::new();
    let k = kind.trim();
    let kind = IndicatorKind::parse(k)
        .or_else(|| IndicatorKind::ALL.iter().copied().find(|x| x.label() == k));
    if kind.is_none() {
        errs.push(if k.is_empty() {
            "请选择类型（扣分、加分或一票否决）".to_string()
        } else {
            format!("类型「{k}」无效，应为扣分、加分或一票否决")
        });
    }
    let p = points.trim();
    let pts = match kind {
        Some(IndicatorKind::Veto) => {
            if p.is_empty() || Points::parse(p) == Ok(Points::ZERO) {
                Some(Points::ZERO)
            } else {
                errs.push("一票否决项不计分值，分值应为 0".to_string());
                None
            }
        }
        _ => match Points::parse(p) {
            Ok(v) if v > Points::ZERO => Some(v),
            Ok(_) => {
                errs.push("扣分项、加分项的分值须大于 0".to_string());
                None
            }
            Err(m) => {
                errs.push(m.trim_end_matches('。').to_string());
                None
            }
        },
    };
    let rule = rule.trim();
    if rule.chars().count() > RULE_MAX {
        errs.push(format!("评分标准不能超过 {RULE_MAX} 个字"));
    }
    let s = source.trim();
    let source = if s.is_empty() || s == "无" {
        None
    } else {
        match ScoreSource::parse(s)
            .or_else(|| ScoreSource::ALL.iter().copied().find(|x| x.label() == s))
        {
            Some(x) => Some(x),
            None => {
                errs.push(format!("系统数据来源「{s}」无效"));
                None
            }
        }
    };
    match (kind, pts) {
        (Some(kind), Some(points)) if errs.is_empty() => Ok(Leaf {
            kind,
            points,
            rule: rule.to_string(),
            source,
        }),
        _ => Err(errs),
    }
}

fn name_error(name: &str) -> Option<String> {
    let n = name.trim();
    if n.is_empty() {
        Some("请填写名称".into())
    } else if n.chars().count() > NAME_MAX {
        Some(format!("名称不能超过 {NAME_MAX} 个字"))
    } else {
        None
    }
}

fn node(id: Option<i32>, name: &str, l: &Leaf) -> NodeFields {
    NodeFields {
        id,
        name: name.trim().to_string(),
        kind: l.kind.code().to_string(),
        max_tenths: l.points.tenths(),
        rule: l.rule.clone(),
        source: l.source.map(|s| s.code().to_string()),
    }
}

fn area_node(id: Option<i32>, name: &str) -> NodeFields {
    NodeFields {
        id,
        name: name.trim().to_string(),
        kind: AREA_KIND.to_string(),
        max_tenths: 0,
        rule: String::new(),
        source: None,
    }
}

/// The leaves' points of a tree.
pub fn leaf_points(tree: &[AreaFields]) -> impl Iterator<Item = Points> + '_ {
    tree.iter()
        .flat_map(|a| a.items.iter().map(|i| Points(i.max_tenths)))
}

/// Why a tree form was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum TreeRefusal {
    /// Rows with their messages (on the rows); the general line.
    Rows(String),
    /// The leaves do not sum to 1000: the message naming the difference.
    FullMarks(String),
    /// The form is not one this page made (too many rows, a bad id): 400.
    Bad(String),
}

impl TreeForm {
    /// The form from the posted pairs: `version` and `{field}_{n}` per row (`id`, `seq`,
    /// `name`, `kind`, `points`, `rule`, `source`, `delete`).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Result<Self, TreeRefusal> {
        let mut rows: BTreeMap<usize, RowForm> = BTreeMap::new();
        let mut version = String::new();
        for (k, v) in pairs {
            if k == "version" {
                version = v;
                continue;
            }
            let Some((field, n)) = k.rsplit_once('_') else {
                continue;
            };
            let Ok(n) = n.parse::<usize>() else {
                continue;
            };
            if !rows.contains_key(&n) && rows.len() >= MAX_ROWS + BLANK_ROWS {
                return Err(TreeRefusal::Bad(format!(
                    "一个考核方案最多 {MAX_ROWS} 行（考核内容和考核细项合计）。"
                )));
            }
            let r = rows.entry(n).or_default();
            match field {
                "id" => r.id = v,
                "seq" => r.seq = v,
                "name" => r.name = v,
                "kind" => r.kind = v,
                "points" => r.points = v,
                "rule" => r.rule = v,
                "source" => r.source = v,
                "delete" => r.delete = v == "1",
                _ => {}
            }
        }
        Ok(TreeForm {
            rows: rows.into_values().collect(),
            version,
        })
    }

    /// The form of a stored tree (in tree order), with empty rows to add to it.
    pub fn from_tree(inds: &[Indicator], version: i32) -> Self {
        let mut rows = Vec::with_capacity(inds.len() + BLANK_ROWS);
        let (mut a, mut i) = (0u32, 0u32);
        for ind in inds {
            let seq = if ind.is_area() {
                a += 1;
                i = 0;
                a.to_string()
            } else {
                i += 1;
                format!("{a}.{i}")
            };
            rows.push(RowForm {
                id: ind.id.to_string(),
                seq,
                name: ind.name.clone(),
                kind: if ind.is_area() {
                    String::new()
                } else {
                    ind.kind.clone()
                },
                points: if ind.is_area() {
                    String::new()
                } else {
                    ind.max().to_string()
                },
                rule: ind.rule.clone(),
                source: ind.source.clone().unwrap_or_default(),
                delete: false,
                error: String::new(),
            });
        }
        let mut f = TreeForm {
            rows,
            version: version.to_string(),
        };
        f.add_blank_rows();
        f
    }

    /// Empty rows at the end, up to `BLANK_ROWS` of them.
    pub fn add_blank_rows(&mut self) {
        let blanks = self.rows.iter().rev().take_while(|r| r.is_blank()).count();
        for _ in blanks..BLANK_ROWS {
            self.rows.push(RowForm {
                kind: IndicatorKind::Deduct.code().into(),
                ..Default::default()
            });
        }
    }

    /// The tree the rows describe (areas by number, items by number within their area), or
    /// the refusal; row messages are set on the rows.
    pub fn parse(&mut self) -> Result<Vec<AreaFields>, TreeRefusal> {
        let mut areas: BTreeMap<u32, (usize, AreaFields)> = BTreeMap::new();
        let mut items: BTreeMap<(u32, u32), (usize, NodeFields)> = BTreeMap::new();
        let mut seen_ids: Vec<i32> = Vec::new();
        let mut bad = 0usize;
        for (n, r) in self.rows.iter_mut().enumerate() {
            r.error.clear();
            if r.is_blank() {
                continue;
            }
            let id = match r.id.trim() {
                "" => None,
                t => match t.parse::<i32>() {
                    Ok(v) if !seen_ids.contains(&v) => {
                        seen_ids.push(v);
                        Some(v)
                    }
                    _ => return Err(TreeRefusal::Bad("表单中的指标编号无效。".into())),
                },
            };
            if r.delete {
                continue;
            }
            let mut errs: Vec<String> = Vec::new();
            let seq = parse_seq(&r.seq);
            if seq.is_none() {
                errs.push("序号无效：考核内容填 4 这样的整数，考核细项填 4.2 这样的“考核内容序号.细项序号”".into());
            }
            if let Some(m) = name_error(&r.name) {
                errs.push(m);
            }
            match seq {
                Some((a, None)) => {
                    // Kept even when the row is bad, so its items are not named too.
                    match areas.entry(a) {
                        std::collections::btree_map::Entry::Occupied(_) => {
                            errs.push(format!("序号 {a} 重复"));
                        }
                        std::collections::btree_map::Entry::Vacant(v) => {
                            v.insert((
                                n,
                                AreaFields {
                                    area: area_node(id, &r.name),
                                    items: Vec::new(),
                                },
                            ));
                        }
                    }
                }
                Some((a, Some(b))) => {
                    let l = leaf(&r.kind, &r.points, &r.rule, &r.source);
                    if items.contains_key(&(a, b)) {
                        errs.push(format!("序号 {a}.{b} 重复"));
                    }
                    match l {
                        Ok(l) if errs.is_empty() => {
                            items.insert((a, b), (n, node(id, &r.name, &l)));
                        }
                        Ok(_) => {}
                        Err(more) => errs.extend(more),
                    }
                }
                None => {}
            }
            if !errs.is_empty() {
                bad += 1;
                r.error = errs.join("；");
            }
        }
        // Every item belongs to an area of the form.
        for ((a, b), (n, it)) in items {
            match areas.get_mut(&a) {
                Some((_, area)) => area.items.push(it),
                None => {
                    bad += 1;
                    self.rows[n].error = format!(
                        "考核细项 {a}.{b} 应属于考核内容 {a}，但表中没有序号为 {a} 的考核内容（或已勾选删除）"
                    );
                }
            }
        }
        if bad > 0 {
            return Err(TreeRefusal::Rows(format!(
                "有 {bad} 行需要修改，考核方案未保存。请查看下方红色提示。"
            )));
        }
        let tree: Vec<AreaFields> = areas.into_values().map(|(_, a)| a).collect();
        check_full_marks(leaf_points(&tree)).map_err(TreeRefusal::FullMarks)?;
        Ok(tree)
    }
}

/// One data row of an imported scheme sheet, as read.
pub struct SheetRow {
    pub number: usize,
    pub area: String,
    pub item: String,
    pub kind: String,
    pub points: String,
    pub rule: String,
    pub source: String,
}

/// The tree of an imported sheet: rows in order, areas by their first row, a row without
/// 考核细项 an area with no item (yet). Every bad row is named by its Excel row number.
pub fn tree_of_sheet(rows: &[SheetRow]) -> Result<Vec<AreaFields>, Vec<String>> {
    let mut tree: Vec<AreaFields> = Vec::new();
    let mut problems = Vec::new();
    for r in rows {
        let mut errs: Vec<String> = Vec::new();
        if let Some(m) = name_error(&r.area) {
            errs.push(format!("考核内容：{m}"));
        }
        let area_only = r.item.trim().is_empty()
            && r.kind.trim().is_empty()
            && r.points.trim().is_empty()
            && r.rule.trim().is_empty();
        let leaf_node = if area_only {
            None
        } else {
            if let Some(m) = name_error(&r.item) {
                errs.push(format!("考核细项：{m}"));
            }
            match leaf(&r.kind, &r.points, &r.rule, &r.source) {
                Ok(l) => Some(node(None, &r.item, &l)),
                Err(more) => {
                    errs.extend(more);
                    None
                }
            }
        };
        if !errs.is_empty() {
            problems.push(format!("第 {} 行：{}", r.number, errs.join("；")));
            continue;
        }
        let name = r.area.trim();
        let at = match tree.iter().position(|a| a.area.name == name) {
            Some(i) => i,
            None => {
                tree.push(AreaFields {
                    area: area_node(None, name),
                    items: Vec::new(),
                });
                tree.len() - 1
            }
        };
        if let Some(n) = leaf_node {
            if tree[at].items.iter().any(|i| i.name == n.name) {
                problems.push(format!(
                    "第 {} 行：考核内容「{}」下已有考核细项「{}」，同一考核内容下细项名称不能重复",
                    r.number, name, n.name
                ));
                continue;
            }
            tree[at].items.push(n);
        }
    }
    if problems.is_empty() {
        Ok(tree)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: &str, name: &str, kind: &str, points: &str) -> RowForm {
        RowForm {
            seq: seq.into(),
            name: name.into(),
            kind: kind.into(),
            points: points.into(),
            ..Default::default()
        }
    }

    #[test]
    fn sequence_numbers() {
        assert_eq!(parse_seq("4"), Some((4, None)));
        assert_eq!(parse_seq(" 4.12 "), Some((4, Some(12))));
        assert_eq!(parse_seq("4．2"), Some((4, Some(2))));
        for bad in ["", "0", "4.", ".2", "a", "4.2.1", "-1"] {
            assert_eq!(parse_seq(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_tree_parses_in_number_order_and_must_make_1000() {
        let mut f = TreeForm {
            rows: vec![
                row("2", "乙", "", ""),
                row("1", "甲", "deduct", "999"),
                row("1.1", "甲一", "deduct", "600"),
                row("2.1", "乙一", "bonus", "400"),
                row("2.2", "否决", "veto", ""),
            ],
            version: "1".into(),
        };
        let t = f.parse().expect("tree");
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].area.name, "甲");
        assert_eq!(t[1].items.len(), 2);
        f.rows[2].points = "590".into();
        let e = f.parse().unwrap_err();
        assert!(
            matches!(&e, TreeRefusal::FullMarks(m) if m.contains("少 10 分")),
            "{e:?}"
        );
    }

    #[test]
    fn bad_rows_are_named_on_the_rows() {
        let mut f = TreeForm {
            rows: vec![
                row("1", "甲", "", ""),
                row("1.1", "", "deduct", "10"),
                row("1.2", "否决", "veto", "5"),
                row("3.1", "孤儿", "deduct", "10"),
                row("1.3", "零分", "deduct", "0"),
            ],
            version: "1".into(),
        };
        assert!(matches!(f.parse(), Err(TreeRefusal::Rows(_))));
        assert!(f.rows[1].error.contains("请填写名称"));
        assert!(f.rows[2].error.contains("应为 0"));
        assert!(f.rows[3].error.contains("考核内容 3"));
        assert!(f.rows[4].error.contains("大于 0"));
    }
}
