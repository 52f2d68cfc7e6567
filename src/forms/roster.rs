//! The roster forms (人员名册): a person as typed (form or imported row), parsed into
//! `PersonFields` without the database; the leaving form. The unit is checked against the
//! user's scope by the route and again in the write transaction.

use chrono::NaiveDate;

use crate::db::models::roster::{Person, PersonFields};
use crate::domain::activity::RosterGroup;
use crate::domain::validate::{self, FieldErrors};
use crate::forms::{choices, ymd};
use crate::xlsx;

/// Longest name, post and notes (characters).
pub const NAME_MAX: usize = 50;
pub const POST_MAX: usize = 100;
pub const NOTES_MAX: usize = 500;

/// What separates categories in one cell: 、，,；; or spaces.
pub const CATEGORY_SEPARATORS: &[char] = &['、', '，', ',', '；', ';', ' ', '\u{3000}', '\t', '\n'];

/// The raw form, kept as typed for re-display.
#[derive(Default, Clone, Debug)]
pub struct PersonForm {
    pub unit_id: String,
    pub name: String,
    /// Ticked category codes (or labels, from an imported row).
    pub categories: Vec<String>,
    pub post: String,
    pub active_from: String,
    pub active_to: String,
    pub notes: String,
    pub version: String,
}

/// Field names in form order, for messages that list every problem.
pub const FIELDS: [&str; 7] = [
    "unit_id",
    "name",
    "categories",
    "post",
    "active_from",
    "active_to",
    "notes",
];

/// Split a cell of categories: "党员、组工干部" → ["党员", "组工干部"].
pub fn split_categories(s: &str) -> Vec<String> {
    s.split(CATEGORY_SEPARATORS)
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// What was typed, as a message names it: at most 20 characters.
fn shown(t: &str) -> String {
    if t.chars().count() > 20 {
        format!("{}…", t.chars().take(20).collect::<String>())
    } else {
        t.to_string()
    }
}

/// A date typed in a form or a sheet (2026-03-05, 2026/3/5, 2026年3月5日), 2000–2100.
fn date(
    e: &mut FieldErrors,
    field: &'static str,
    label: &str,
    raw: &str,
) -> Result<Option<NaiveDate>, ()> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match xlsx::parse_deadline(t) {
        Some(d) => Ok(Some(d)),
        None => {
            e.add(
                field,
                format!(
                    "{label}“{}”不是有效日期，请写成 2026-03-05 的形式",
                    shown(t)
                ),
            );
            Err(())
        }
    }
}

impl PersonForm {
    /// The form from the posted pairs (several `categories`).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = PersonForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "unit_id" => f.unit_id = v,
                "name" => f.name = v,
                "categories" => f.categories.push(v),
                "post" => f.post = v,
                "active_from" => f.active_from = v,
                "active_to" => f.active_to = v,
                "notes" => f.notes = v,
                "version" => f.version = v,
                _ => {}
            }
        }
        f
    }

    /// The form filled from a stored person (edit page).
    pub fn from_person(p: &Person) -> Self {
        PersonForm {
            unit_id: p.unit_id.to_string(),
            name: p.name.clone(),
            categories: p.groups().iter().map(|g| g.code().to_string()).collect(),
            post: p.post.clone(),
            active_from: p.active_from.map(ymd).unwrap_or_default(),
            active_to: p.active_to.map(ymd).unwrap_or_default(),
            notes: p.notes.clone(),
            version: p.version.to_string(),
        }
    }

    /// Is this category ticked (by code or label)?
    pub fn has(&self, g: &RosterGroup) -> bool {
        self.categories
            .iter()
            .any(|c| c == g.code() || c == g.label())
    }

    /// Checks that need no database.
    pub fn parse(&self) -> Result<PersonFields, FieldErrors> {
        let mut e = FieldErrors::new();
        let unit_id = validate::chosen_id(&mut e, "unit_id", "所属单位", &self.unit_id);
        let name = validate::required_text(&mut e, "name", "姓名", &self.name, NAME_MAX);
        let mut categories: Vec<RosterGroup> = Vec::new();
        let mut unknown: Vec<String> = Vec::new();
        for c in &self.categories {
            let c = c.trim();
            if c.is_empty() {
                continue;
            }
            match RosterGroup::parse_label(c) {
                Some(g) if !categories.contains(&g) => categories.push(g),
                Some(_) => {}
                // Named once each, at most five, shortened (a posted form may hold anything).
                None => {
                    let c = shown(c);
                    if !unknown.contains(&c) && unknown.len() < 5 {
                        unknown.push(c);
                    }
                }
            }
        }
        if !unknown.is_empty() {
            e.add(
                "categories",
                format!(
                    "人员类别“{}”无效，可选：{}",
                    unknown.join("、"),
                    choices(RosterGroup::ALL, RosterGroup::label)
                ),
            );
        } else if categories.is_empty() {
            e.add("categories", "请选择人员类别（可多选）");
        }
        // Stored in the order of the vocabulary, whatever order they were ticked or typed.
        categories.sort_by_key(|g| RosterGroup::ALL.iter().position(|x| x == g));
        let post = validate::optional_text(&mut e, "post", "岗位", &self.post, POST_MAX)
            .unwrap_or_default();
        let notes = validate::optional_text(&mut e, "notes", "备注", &self.notes, NOTES_MAX)
            .unwrap_or_default();
        let from = date(&mut e, "active_from", "在册起始日期", &self.active_from);
        let to = date(&mut e, "active_to", "离开日期", &self.active_to);
        let (Ok(active_from), Ok(active_to)) = (from, to) else {
            return Err(e);
        };
        if let (Some(f), Some(t)) = (active_from, active_to) {
            if t < f {
                e.add(
                    "active_to",
                    format!("离开日期（{}）不能早于在册起始日期（{}）", ymd(t), ymd(f)),
                );
            }
        }
        match unit_id {
            Some(unit_id) if e.is_empty() => Ok(PersonFields {
                unit_id,
                name,
                categories,
                post,
                active_from,
                active_to,
                notes,
            }),
            _ => Err(e),
        }
    }
}

/// The leaving form: the date and the version the page showed.
#[derive(Default, Clone, Debug, serde::Deserialize)]
#[serde(default)]
pub struct EndForm {
    pub active_to: String,
    pub version: String,
}

impl EndForm {
    /// The leaving date: required, a real date, not before the person joined.
    pub fn parse(&self, active_from: Option<NaiveDate>) -> Result<NaiveDate, String> {
        let t = self.active_to.trim();
        if t.is_empty() {
            return Err("请填写离开日期".into());
        }
        let d = xlsx::parse_deadline(t).ok_or_else(|| {
            format!(
                "离开日期“{}”不是有效日期，请写成 2026-03-05 的形式",
                shown(t)
            )
        })?;
        if let Some(f) = active_from {
            if d < f {
                return Err(format!(
                    "离开日期（{}）不能早于在册起始日期（{}）",
                    ymd(d),
                    ymd(f)
                ));
            }
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> PersonForm {
        PersonForm {
            unit_id: "3".into(),
            name: " 王芳 ".into(),
            categories: vec!["org_cadre".into(), "党员".into()],
            post: "组织委员".into(),
            active_from: "2022/1/1".into(),
            active_to: String::new(),
            notes: String::new(),
            version: String::new(),
        }
    }

    #[test]
    fn a_good_form_parses_in_vocabulary_order() {
        let f = good().parse().unwrap();
        assert_eq!(f.name, "王芳");
        assert_eq!(
            f.categories,
            vec![RosterGroup::PartyMember, RosterGroup::OrgCadre]
        );
        assert_eq!(f.stored_categories(), ",party_member,org_cadre,");
        assert_eq!(f.active_from, NaiveDate::from_ymd_opt(2022, 1, 1));
        assert_eq!(f.active_to, None);
    }

    #[test]
    fn each_bad_field_is_named() {
        type Change = fn(&mut PersonForm);
        let cases: [(&str, Change); 7] = [
            ("unit_id", |f| f.unit_id = "x".into()),
            ("name", |f| f.name = "  ".into()),
            ("categories", |f| f.categories.clear()),
            ("categories", |f| f.categories.push("群众".into())),
            ("active_from", |f| f.active_from = "2022-02-30".into()),
            ("active_to", |f| f.active_to = "2021-12-31".into()),
            ("notes", |f| f.notes = "字".repeat(NOTES_MAX + 1)),
        ];
        for (field, change) in cases {
            let mut f = good();
            change(&mut f);
            let e = f.parse().unwrap_err();
            assert!(e.get(field).is_some(), "{field}: {e:?}");
        }
    }

    #[test]
    fn categories_split_on_office_separators() {
        assert_eq!(
            split_categories("党员、组工干部，党务工作者;领导人员  统战对象"),
            vec!["党员", "组工干部", "党务工作者", "领导人员", "统战对象"]
        );
        assert!(split_categories(" 、 ").is_empty());
    }

    #[test]
    fn leaving_date_not_before_joining() {
        let from = NaiveDate::from_ymd_opt(2022, 1, 1);
        let f = EndForm {
            active_to: "2021-12-31".into(),
            version: "1".into(),
        };
        assert!(f.parse(from).unwrap_err().contains("不能早于"));
        let f = EndForm {
            active_to: "2026-06-30".into(),
            version: "1".into(),
        };
        assert_eq!(
            f.parse(from),
            Ok(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap())
        );
        assert!(EndForm::default().parse(None).is_err());
    }
}
