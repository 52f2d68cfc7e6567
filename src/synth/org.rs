//! The organisation (committee, general branches, branches), the accounts, the campaign years.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::{insert_ids, Branch, General, Synth};
use crate::db::models::campaigns;
use crate::db::models::units::{self as unit_model, UnitFields};
use crate::db::schema::{units, users};
use crate::db::DbConn;
use crate::domain::{Role, UnitCategory, UnitKind};

#[derive(Insertable)]
#[diesel(table_name = units)]
struct NewUnit {
    parent_id: Option<i32>,
    code: String,
    name: String,
    kind: &'static str,
    category: &'static str,
    path: &'static str,
    sort_order: i32,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUser<'a> {
    username: String,
    display_name: String,
    password_hash: &'a str,
    role: &'static str,
    unit_id: i32,
    active: bool,
    must_change_password: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn title(role: Role) -> &'static str {
    match role {
        Role::Reviewer => "书记",
        Role::Secretary => "支部书记",
        Role::Office => "管理员",
        Role::Viewer => "领导",
    }
}

pub(super) fn units_and_accounts(
    s: &mut Synth<'_>,
    c: &mut DbConn,
    layout: &[usize],
    hash: &str,
) -> anyhow::Result<()> {
    let now = s.now;
    let root = unit_model::insert(
        c,
        &UnitFields {
            parent_id: None,
            code: "DW".into(),
            name: "工程咨询集团党委".into(),
            kind: UnitKind::Committee,
            category: UnitCategory::Headquarters,
            sort_order: 0,
            active: true,
        },
        now,
    )?;
    s.root = root.id;
    let category = |hq: bool| {
        if hq {
            UnitCategory::Headquarters
        } else {
            UnitCategory::Subsidiary
        }
        .code()
    };
    let general_rows: Vec<NewUnit> = (0..layout.len())
        .map(|g| NewUnit {
            parent_id: Some(root.id),
            code: format!("SZ{:03}", g + 1),
            name: format!("第{}党总支", g + 1),
            kind: UnitKind::GeneralBranch.code(),
            category: category(g % 5 == 0),
            path: "",
            sort_order: 1000 + g as i32,
            active: true,
            created_at: now,
            updated_at: now,
        })
        .collect();
    let general_ids = insert_ids!(s, c, units::table, units::id, general_rows);
    let mut branch_rows = Vec::new();
    let mut branch_general = Vec::new();
    for (g, per) in layout.iter().enumerate() {
        for b in 0..*per {
            branch_rows.push(NewUnit {
                parent_id: Some(general_ids[g]),
                code: format!("SB{:03}{:02}", g + 1, b + 1),
                name: format!("第{}党总支第{}党支部", g + 1, b + 1),
                kind: UnitKind::Branch.code(),
                category: category(g % 5 == 0),
                path: "",
                sort_order: b as i32,
                active: true,
                created_at: now,
                updated_at: now,
            });
            branch_general.push(g);
        }
    }
    let branch_ids = insert_ids!(s, c, units::table, units::id, branch_rows);
    // The materialised paths, two statements for the whole tree.
    c.batch_execute(&format!(
        "UPDATE units SET path = '{}' || id || '/' WHERE parent_id = {}",
        root.path, root.id
    ))?;
    c.batch_execute(
        "UPDATE units SET path = (SELECT p.path FROM units p WHERE p.id = units.parent_id) \
         || id || '/' WHERE path = ''",
    )?;

    // The accounts: the office and the viewer at the committee, a reviewer per general
    // branch, a secretary per branch.
    let user = |username: String, unit_name: &str, role: Role, unit_id: i32| NewUser {
        username,
        display_name: format!("{unit_name}{}", title(role)),
        password_hash: hash,
        role: role.code(),
        unit_id,
        active: true,
        must_change_password: false,
        created_at: now,
        updated_at: now,
    };
    let mut rows = vec![
        user("sadmin".into(), "党群工作部", Role::Office, root.id),
        user("sviewer".into(), "集团", Role::Viewer, root.id),
    ];
    for (g, row) in general_rows.iter().enumerate() {
        rows.push(user(
            format!("szz{:03}", g + 1),
            &row.name,
            Role::Reviewer,
            general_ids[g],
        ));
    }
    for (i, row) in branch_rows.iter().enumerate() {
        rows.push(user(
            format!("s{}", &row.code[2..]),
            &row.name,
            Role::Secretary,
            branch_ids[i],
        ));
    }
    let user_ids = insert_ids!(s, c, users::table, users::id, rows);
    let by_name: HashMap<&str, i32> = rows
        .iter()
        .zip(&user_ids)
        .map(|(r, id)| (r.username.as_str(), *id))
        .collect();
    s.admin = by_name.get("sadmin").copied().unwrap_or_default();
    s.generals = general_rows
        .iter()
        .enumerate()
        .map(|(g, _)| General {
            id: general_ids[g],
            reviewer: by_name
                .get(format!("szz{:03}", g + 1).as_str())
                .copied()
                .unwrap_or_default(),
        })
        .collect();
    s.branches = branch_rows
        .iter()
        .enumerate()
        .map(|(i, row)| Branch {
            id: branch_ids[i],
            general: branch_general[i],
            secretary: by_name
                .get(format!("s{}", &row.code[2..]).as_str())
                .copied()
                .unwrap_or_default(),
            name: row.name.clone(),
            headquarters: branch_general[i] % 5 == 0,
        })
        .collect();
    s.count("党总支", s.generals.len());
    s.count("党支部", s.branches.len());
    s.count("账号", user_ids.len());
    Ok(())
}

/// The current campaign year and the two before, with the 15 goals, 12 months and their
/// requirements.
pub(super) fn campaigns(s: &mut Synth<'_>, c: &mut DbConn) -> anyhow::Result<()> {
    let this = s.today.year();
    for year in this - 2..=this {
        let name = format!("{year}年“严、真、细、实、快”工作作风建设");
        let created = campaigns::create(c, year, &name, 25, 7, s.now)?;
        for (i, text) in crate::demo::campaigns::MONTHS.iter().enumerate() {
            campaigns::set_month(c, created.id, i as i32 + 1, text)?;
        }
        s.years.push(created);
    }
    s.count("年度", s.years.len());
    Ok(())
}
