//! Rectification (问题导向抓整改): the 配档表 and their items, acceptance, supervision notes,
//! extension requests and the Excel import, each one transaction.

use chrono::{NaiveDate, NaiveDateTime};

use crate::auth::{Action, CurrentUser};
use crate::db::models::campaigns;
use crate::db::models::rect::{self, Extension, ItemFields, RectItem, RectTable, ITEM};
use crate::db::models::units::{self, Unit};
use crate::db::models::{audit, history, taskforce};
use crate::db::DbConn;
use crate::domain::register::{ExtensionStatus, RectStatus};
use crate::domain::validate::FieldErrors;
use crate::error::{AppError, AppResult};
use crate::forms::ymd;

/// Outcome of a write that may still fail validation inside the transaction.
pub enum Saved<T> {
    Done(T),
    Invalid(FieldErrors),
}

/// How an item's update ended.
pub enum ItemSaved {
    Done,
    /// Accepted (已销号) meanwhile: nothing written.
    Closed(FieldErrors),
    /// Someone saved first: nothing written; the version now stored, for the form (saving
    /// again is then a deliberate overwrite, as on every edit form).
    Stale(FieldErrors, i32),
}

// ---------------------------------------------------------------- tables

/// Create a 配档表 of the unit for the campaign of `year`.
pub fn create_table(
    c: &mut DbConn,
    user: &CurrentUser,
    year: i32,
    unit_id: i32,
    title: &str,
    now: NaiveDateTime,
) -> AppResult<Saved<RectTable>> {
    let Some(campaign) = campaigns::by_year(c, year)? else {
        let mut e = FieldErrors::new();
        e.add("year", "该年度尚未设立作风建设活动");
        return Ok(Saved::Invalid(e));
    };
    let t = rect::insert_table(c, campaign.id, unit_id, title, Some(user.id), now)?;
    audit::Change::new(
        user.id,
        "create",
        "rect_table",
        t.id,
        format!("新建配档表 {}", t.title),
    )
    .unit(unit_id)
    .after(&t)
    .record(c, now)?;
    Ok(Saved::Done(t))
}

/// How a rename ended.
pub enum Renamed {
    Done(RectTable),
    /// Renamed by someone else meanwhile: the version now stored, for the form.
    Stale(i32),
}

/// Rename a table still at `expected` (404 when it is gone).
pub fn rename_table(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    title: &str,
    now: NaiveDateTime,
) -> AppResult<Renamed> {
    let before = rect::table(c, id)?;
    if rect::rename_table(c, id, expected, title, now)? != 1 {
        return Ok(Renamed::Stale(rect::table(c, id)?.version));
    }
    let t = rect::table(c, id)?;
    audit::Change::new(
        user.id,
        "update",
        "rect_table",
        id,
        format!("修改配档表名称 {}", t.title),
    )
    .unit(t.unit_id)
    .before(&before)
    .after(&t)
    .record(c, now)?;
    Ok(Renamed::Done(t))
}

/// Delete a table that is empty and still at `expected` (404 when missing, 403 outside the
/// user's scope): the table as it was.
pub fn delete_table(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    expected: i32,
    now: NaiveDateTime,
) -> AppResult<RectTable> {
    let t = rect::lock_table(c, id)?;
    user.require(Action::Write, &units::get(c, t.unit_id)?)?;
    // Empty and unchanged, checked by the DELETE itself.
    if rect::delete_empty_table(c, id, expected)? == 0 {
        return Err(if rect::count_items(c, id)? > 0 {
            AppError::Conflict("配档表中还有整改事项，不能删除。只能删除空的配档表。".into())
        } else {
            AppError::Stale
        });
    }
    audit::Change::new(
        user.id,
        "delete",
        "rect_table",
        id,
        format!("删除配档表 {}", t.title),
    )
    .unit(t.unit_id)
    .before(&t)
    .record(c, now)?;
    Ok(t)
}

/// Append the imported rows to a table: how many.
pub fn import(
    c: &mut DbConn,
    user: &CurrentUser,
    table_id: i32,
    rows: &[ItemFields],
    now: NaiveDateTime,
) -> AppResult<usize> {
    let t = rect::table(c, table_id)?;
    let n = rect::append_items(c, &t, rows, Some(user.id), now)?;
    let closed = rows
        .iter()
        .filter(|f| f.status == RectStatus::Closed)
        .count();
    let note = if closed > 0 {
        format!("，其中已销号 {closed} 条（由导入人确认验收）")
    } else {
        String::new()
    };
    audit::Change::new(
        user.id,
        "import",
        "rect_table",
        table_id,
        format!("导入整改事项 {n} 条到 {}{note}", t.title),
    )
    .unit(t.unit_id)
    .after(&rows)
    .record(c, now)?;
    Ok(n)
}

// ---------------------------------------------------------------- items

/// Why a save came too late: someone saved first.
pub const EDITED_MEANWHILE: &str =
    "保存失败：该事项在您编辑期间已被他人修改。您填写的内容仍在下方，尚未保存；请核对最新内容，确认以您的内容为准时再次保存。";
/// Why a save came too late: the item was accepted meanwhile.
pub const CLOSED_MEANWHILE: &str =
    "保存失败：该事项已验收销号，不能再修改。您填写的内容仍在下方，仅供留存。";

/// Add an item to a table.
pub fn create_item(
    c: &mut DbConn,
    user: &CurrentUser,
    table_id: i32,
    fields: &ItemFields,
    now: NaiveDateTime,
) -> AppResult<RectItem> {
    let t = rect::table(c, table_id)?;
    let item = rect::insert_item(c, &t, fields, Some(user.id), now)?;
    audit::Change::new(
        user.id,
        "create",
        ITEM,
        item.id,
        format!("新增整改事项 {}", rect::short(&item.problem, 30)),
    )
    .unit(item.unit_id)
    .after(&item)
    .record(c, now)?;
    Ok(item)
}

/// Overwrite an open item still at `version`, with field history and audit.
pub fn update_item(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    version: i32,
    fields: &ItemFields,
    now: NaiveDateTime,
) -> AppResult<ItemSaved> {
    let before = rect::item(c, id)?;
    if before.status() == RectStatus::Closed {
        return Ok(ItemSaved::Closed(FieldErrors::message(CLOSED_MEANWHILE)));
    }
    if before.version != version {
        return Ok(ItemSaved::Stale(
            FieldErrors::message(EDITED_MEANWHILE),
            before.version,
        ));
    }
    // Guarded by the version read: a save that lost the race writes nothing.
    let Some(after) = rect::update_item(c, id, version, fields, now)? else {
        let current = rect::item(c, id)?.version;
        return Ok(ItemSaved::Stale(
            FieldErrors::message(EDITED_MEANWHILE),
            current,
        ));
    };
    history::record(c, ITEM, id, Some(user.id), now, &before, &after)?;
    audit::Change::new(
        user.id,
        "update",
        ITEM,
        id,
        format!("修改整改事项 {}", rect::short(&after.problem, 30)),
    )
    .unit(after.unit_id)
    .before(&before)
    .after(&after)
    .record(c, now)?;
    Ok(ItemSaved::Done)
}

/// A decision (acceptance or return) that lost to another one, or came after the item moved on.
fn decided_meanwhile() -> AppError {
    AppError::Conflict(
        "该事项已被他人处理（验收销号、退回或修改），本次操作未执行。请返回事项页面刷新后查看。"
            .into(),
    )
}

/// Accept (验收销号) an item awaiting acceptance: 404 when missing, 403 unless the user may
/// review its unit, 409 in any other state.
pub fn accept(c: &mut DbConn, user: &CurrentUser, id: i32, now: NaiveDateTime) -> AppResult<()> {
    let before = rect::item(c, id)?;
    let unit = units::get(c, before.unit_id)?;
    user.require(Action::Review, &unit)?;
    if before.status() != RectStatus::AwaitingAcceptance {
        return Err(AppError::Conflict(
            "只有“已整改待验收”的事项才能验收销号。".into(),
        ));
    }
    let Some(after) = rect::set_status(
        c,
        id,
        RectStatus::AwaitingAcceptance,
        before.version,
        RectStatus::Closed,
        Some((user.id, now)),
        now,
    )?
    else {
        return Err(decided_meanwhile());
    };
    history::record(c, ITEM, id, Some(user.id), now, &before, &after)?;
    audit::Change::new(
        user.id,
        "accept",
        ITEM,
        id,
        format!("验收销号 {}", rect::short(&after.problem, 30)),
    )
    .unit(after.unit_id)
    .before(&before)
    .after(&after)
    .record(c, now)?;
    Ok(())
}

/// Return an item awaiting acceptance to 整改中 with the reviewer's comment.
pub fn reject_acceptance(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    comment: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let before = rect::item(c, id)?;
    if before.status() != RectStatus::AwaitingAcceptance {
        return Err(AppError::Conflict(
            "只有“已整改待验收”的事项才能退回。".into(),
        ));
    }
    let Some(after) = rect::set_status(
        c,
        id,
        RectStatus::AwaitingAcceptance,
        before.version,
        RectStatus::InProgress,
        None,
        now,
    )?
    else {
        return Err(decided_meanwhile());
    };
    history::record(c, ITEM, id, Some(user.id), now, &before, &after)?;
    rect::history_remark(c, id, Some(user.id), now, "验收退回意见", comment)?;
    audit::Change::new(
        user.id,
        "reject_acceptance",
        ITEM,
        id,
        format!("验收退回 {}：{}", rect::short(&after.problem, 20), comment),
    )
    .unit(after.unit_id)
    .before(&before)
    .after(&after)
    .record(c, now)?;
    Ok(())
}

/// Refusal of a supervision note by someone not assigned to the unit.
pub fn not_assigned(unit_name: &str) -> AppError {
    AppError::ForbiddenBecause(format!(
        "只有联系{unit_name}（或其上级单位）的一线专班成员才能添加督办意见。"
    ))
}

/// Add a supervision note (督办) to an item of `unit`, checking the user's task-force
/// assignment again where it is written (it may have just been removed).
pub fn add_note(
    c: &mut DbConn,
    user: &CurrentUser,
    item: &RectItem,
    unit: &Unit,
    content: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    if !taskforce::is_mine(&taskforce::units_of(c, user.id)?, &unit.path) {
        return Err(not_assigned(&unit.name));
    }
    let note_id = rect::insert_note(c, item, Some(user.id), content, now)?;
    audit::Change::new(
        user.id,
        "create",
        "supervision_note",
        note_id,
        format!("督办 {}：{}", rect::short(&item.problem, 20), content),
    )
    .unit(item.unit_id)
    .after(&serde_json::json!({ "item_id": item.id, "content": content }))
    .record(c, now)?;
    Ok(())
}

// ---------------------------------------------------------------- extensions

/// Ask for a later deadline of an open item with no request pending.
pub fn request_extension(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    new_deadline: NaiveDate,
    reason: &str,
    now: NaiveDateTime,
) -> AppResult<Saved<Extension>> {
    // Locked until commit: two requests at once cannot both find none pending.
    let item = rect::lock_item(c, id)?;
    let mut e = FieldErrors::new();
    if !item.status().is_open() {
        e.add("", "该事项已整改完毕，无需申请延期。");
    } else if rect::has_pending(c, id)? {
        e.add("", "该事项已有待审批的延期申请，请等待党群工作部审批。");
    } else if new_deadline <= item.deadline {
        e.add(
            "new_deadline",
            format!("新的整改时限须晚于当前时限 {}", ymd(item.deadline)),
        );
    }
    if !e.is_empty() {
        return Ok(Saved::Invalid(e));
    }
    let ext = rect::insert_extension(
        c,
        rect::NewExtension {
            item: &item,
            new_deadline,
            reason,
            requested_by: Some(user.id),
        },
        now,
    )?;
    audit::Change::new(
        user.id,
        "request_extension",
        "rect_extension",
        ext.id,
        format!(
            "申请延期 {}：{} → {}",
            rect::short(&item.problem, 20),
            ymd(ext.old_deadline),
            ymd(ext.new_deadline)
        ),
    )
    .unit(item.unit_id)
    .after(&ext)
    .record(c, now)?;
    Ok(Saved::Done(ext))
}

fn extension_decided_meanwhile() -> AppError {
    AppError::Conflict("该延期申请已由他人审批，本次审批未执行。请刷新列表查看结果。".into())
}

/// Approve (the item's deadline moves, with history) or refuse a pending extension request.
pub fn decide_extension(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    approve: bool,
    comment: &str,
    now: NaiveDateTime,
) -> AppResult<Extension> {
    let actor = user.id;
    let before = rect::extension(c, id)?;
    if before.status() != ExtensionStatus::Pending {
        return Err(AppError::Conflict(format!(
            "该延期申请已处理（{}），不能重复审批。",
            before.status().label()
        )));
    }
    let status = if approve {
        ExtensionStatus::Approved
    } else {
        ExtensionStatus::Refused
    };
    let item_before = rect::item(c, before.item_id)?;
    // Guarded: of two decisions at once only one finds the request still pending.
    let Some(ext) = rect::decide_extension(c, id, status, actor, comment, now)? else {
        return Err(extension_decided_meanwhile());
    };
    if approve {
        // Guarded by the version read: if the item changed meanwhile the whole decision is
        // undone (the transaction rolls back) and reported as a conflict.
        let Some(item_after) =
            rect::set_deadline(c, ext.item_id, item_before.version, ext.new_deadline, now)?
        else {
            return Err(AppError::Conflict(
                "该整改事项刚被他人修改，延期申请未处理。请刷新页面后重新审批。".into(),
            ));
        };
        history::record(
            c,
            ITEM,
            ext.item_id,
            Some(actor),
            now,
            &item_before,
            &item_after,
        )?;
    }
    audit::Change::new(
        actor,
        if approve {
            "approve_extension"
        } else {
            "refuse_extension"
        },
        "rect_extension",
        id,
        format!(
            "{}延期申请 {}：{} → {}",
            if approve { "批准" } else { "不批准" },
            rect::short(&item_before.problem, 20),
            ymd(ext.old_deadline),
            ymd(ext.new_deadline)
        ),
    )
    .unit(ext.unit_id)
    .before(&before)
    .after(&ext)
    .record(c, now)?;
    Ok(ext)
}
