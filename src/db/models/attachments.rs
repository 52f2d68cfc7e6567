//! Files attached to records (evidence of measures and rectification items, unit plans),
//! stored in the database so every instance serves them. Each file carries the unit of its
//! record, so downloads are checked against the same unit scope as the record.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    activities, assessment_lines, assessment_scores, attachments, brands, first_topics, measures,
    monthly_reports, rect_items, report_lines, surveys, unit_plans, users,
};
use crate::db::DbConn;

/// What a file is attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    Measure,
    RectItem,
    UnitPlan,
    /// A line of a monthly report (evidence of the month's work).
    ReportLine,
    FirstTopic,
    /// An activity's materials and photos.
    Activity,
    /// A staff survey's result file.
    Survey,
    /// A brand's logo / visual identity image and other files.
    Brand,
    /// Evidence of one leaf of a unit's 千分制 score sheet (`assessment_lines.id`).
    AssessmentLine,
}

impl Owner {
    pub fn code(self) -> &'static str {
        match self {
            Owner::Measure => "measure",
            Owner::RectItem => "rect_item",
            Owner::UnitPlan => "unit_plan",
            Owner::ReportLine => "report_line",
            Owner::FirstTopic => "first_topic",
            Owner::Activity => "activity",
            Owner::Survey => "survey",
            Owner::Brand => "brand",
            Owner::AssessmentLine => "assessment_line",
        }
    }

    pub fn parse(code: &str) -> Option<Owner> {
        [
            Owner::Measure,
            Owner::RectItem,
            Owner::UnitPlan,
            Owner::ReportLine,
            Owner::FirstTopic,
            Owner::Activity,
            Owner::Survey,
            Owner::Brand,
            Owner::AssessmentLine,
        ]
        .into_iter()
        .find(|o| o.code() == code)
    }
}

/// A file without its bytes, for lists.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = attachments)]
pub struct AttachmentMeta {
    pub id: i32,
    pub owner: String,
    pub owner_id: i32,
    pub unit_id: i32,
    pub file_name: String,
    pub content_type: String,
    pub size: i32,
    pub uploaded_by: Option<i32>,
    pub uploaded_at: NaiveDateTime,
}

impl AttachmentMeta {
    /// `1.2 MB`, `35 KB`
    pub fn size_label(&self) -> String {
        let s = f64::from(self.size);
        if s >= 1024.0 * 1024.0 {
            format!("{:.1} MB", s / 1024.0 / 1024.0)
        } else {
            format!("{:.0} KB", (s / 1024.0).ceil())
        }
    }
}

/// The unit a record belongs to, or None when the record does not exist.
pub fn owner_unit(conn: &mut DbConn, owner: Owner, owner_id: i32) -> QueryResult<Option<i32>> {
    match owner {
        Owner::Measure => measures::table
            .find(owner_id)
            .select(measures::unit_id)
            .first(conn)
            .optional(),
        Owner::RectItem => rect_items::table
            .find(owner_id)
            .select(rect_items::unit_id)
            .first(conn)
            .optional(),
        Owner::UnitPlan => unit_plans::table
            .find(owner_id)
            .select(unit_plans::unit_id)
            .first(conn)
            .optional(),
        Owner::ReportLine => report_lines::table
            .inner_join(monthly_reports::table)
            .filter(report_lines::id.eq(owner_id))
            .select(monthly_reports::unit_id)
            .first(conn)
            .optional(),
        Owner::FirstTopic => first_topics::table
            .find(owner_id)
            .select(first_topics::unit_id)
            .first(conn)
            .optional(),
        Owner::Activity => activities::table
            .find(owner_id)
            .select(activities::unit_id)
            .first(conn)
            .optional(),
        Owner::Survey => surveys::table
            .find(owner_id)
            .select(surveys::unit_id)
            .first(conn)
            .optional(),
        Owner::Brand => brands::table
            .find(owner_id)
            .select(brands::unit_id)
            .first(conn)
            .optional(),
        Owner::AssessmentLine => assessment_lines::table
            .inner_join(assessment_scores::table)
            .filter(assessment_lines::id.eq(owner_id))
            .select(assessment_scores::unit_id)
            .first(conn)
            .optional(),
    }
}

/// Take the row lock (PostgreSQL `FOR UPDATE`) of the row whose state [`owner_locked`] reads —
/// the report for a report line — so that a submission or closing that runs at the same time
/// either lands first and is seen, or waits until the file change is done. Call first in the
/// write transaction; SQLite's `BEGIN IMMEDIATE` already serialises writers.
pub fn lock_owner(conn: &mut DbConn, owner: Owner, owner_id: i32) -> QueryResult<()> {
    let DbConn::Pg(pg) = conn else {
        return Ok(());
    };
    match owner {
        Owner::ReportLine => {
            let report: Option<i32> = report_lines::table
                .find(owner_id)
                .select(report_lines::report_id)
                .first(pg)
                .optional()?;
            if let Some(r) = report {
                monthly_reports::table
                    .find(r)
                    .select(monthly_reports::id)
                    .for_update()
                    .first::<i32>(pg)
                    .optional()?;
            }
        }
        Owner::AssessmentLine => {
            let score: Option<i32> = assessment_lines::table
                .find(owner_id)
                .select(assessment_lines::score_id)
                .first(pg)
                .optional()?;
            if let Some(s) = score {
                assessment_scores::table
                    .find(s)
                    .select(assessment_scores::id)
                    .for_update()
                    .first::<i32>(pg)
                    .optional()?;
            }
        }
        Owner::FirstTopic => {
            first_topics::table
                .find(owner_id)
                .select(first_topics::id)
                .for_update()
                .first::<i32>(pg)
                .optional()?;
        }
        Owner::Measure => {
            measures::table
                .find(owner_id)
                .select(measures::id)
                .for_update()
                .first::<i32>(pg)
                .optional()?;
        }
        Owner::RectItem => {
            rect_items::table
                .find(owner_id)
                .select(rect_items::id)
                .for_update()
                .first::<i32>(pg)
                .optional()?;
        }
        Owner::UnitPlan | Owner::Activity | Owner::Survey | Owner::Brand => {}
    }
    Ok(())
}

/// Why the record's files are frozen, or None when they may change: a monthly report or
/// 第一议题 record that has been submitted, a measure that is closed (已关闭), a rectification
/// item that is closed after acceptance (已销号). Call inside the write transaction.
pub fn owner_locked(
    conn: &mut DbConn,
    owner: Owner,
    owner_id: i32,
) -> QueryResult<Option<&'static str>> {
    use crate::domain::register::{MeasureStatus, RectStatus};
    use crate::domain::review::ReviewState;
    const SUBMITTED: &str = "该材料已提交审核，附件不能再增删；如需修改，请由审核人退回后再操作。";
    let draft = ReviewState::Draft.code();
    Ok(match owner {
        Owner::ReportLine => report_lines::table
            .inner_join(monthly_reports::table)
            .filter(report_lines::id.eq(owner_id))
            .select(monthly_reports::state)
            .first::<String>(conn)
            .optional()?
            .filter(|s| s != draft)
            .map(|_| SUBMITTED),
        Owner::FirstTopic => first_topics::table
            .find(owner_id)
            .select(first_topics::state)
            .first::<String>(conn)
            .optional()?
            .filter(|s| s != draft)
            .map(|_| SUBMITTED),
        Owner::AssessmentLine => assessment_lines::table
            .inner_join(assessment_scores::table)
            .filter(assessment_lines::id.eq(owner_id))
            .select(assessment_scores::state)
            .first::<String>(conn)
            .optional()?
            .filter(|s| s != draft)
            .map(|_| SUBMITTED),
        Owner::Measure => measures::table
            .find(owner_id)
            .select(measures::status)
            .first::<String>(conn)
            .optional()?
            .filter(|s| s == MeasureStatus::Closed.code())
            .map(|_| "该举措已关闭，佐证材料不能再增删。"),
        Owner::RectItem => rect_items::table
            .find(owner_id)
            .select(rect_items::status)
            .first::<String>(conn)
            .optional()?
            .filter(|s| s == RectStatus::Closed.code())
            .map(|_| "该整改事项已验收销号，佐证材料不能再增删。"),
        Owner::UnitPlan | Owner::Activity | Owner::Survey | Owner::Brand => None,
    })
}

/// Keep a record's files with the record when it moves to another unit, so downloads are
/// checked against the unit the record is in now. Call in the transaction that moves it.
pub fn move_owner(
    conn: &mut DbConn,
    owner: Owner,
    owner_id: i32,
    unit_id: i32,
) -> QueryResult<usize> {
    diesel::update(
        attachments::table
            .filter(attachments::owner.eq(owner.code()))
            .filter(attachments::owner_id.eq(owner_id))
            .filter(attachments::unit_id.ne(unit_id)),
    )
    .set(attachments::unit_id.eq(unit_id))
    .execute(conn)
}

pub struct NewFile<'a> {
    pub owner: Owner,
    pub owner_id: i32,
    pub unit_id: i32,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub data: &'a [u8],
    pub uploaded_by: i32,
}

pub fn insert(conn: &mut DbConn, f: NewFile<'_>, now: NaiveDateTime) -> QueryResult<i32> {
    diesel::insert_into(attachments::table)
        .values((
            attachments::owner.eq(f.owner.code()),
            attachments::owner_id.eq(f.owner_id),
            attachments::unit_id.eq(f.unit_id),
            attachments::file_name.eq(f.file_name),
            attachments::content_type.eq(f.content_type),
            attachments::size.eq(i32::try_from(f.data.len()).unwrap_or(i32::MAX)),
            attachments::data.eq(f.data),
            attachments::uploaded_by.eq(Some(f.uploaded_by)),
            attachments::uploaded_at.eq(now),
        ))
        .returning(attachments::id)
        .get_result(conn)
}

/// The files of a record, oldest first, with the uploader's name.
pub fn list_for(
    conn: &mut DbConn,
    owner: Owner,
    owner_id: i32,
) -> QueryResult<Vec<(AttachmentMeta, Option<String>)>> {
    attachments::table
        .left_join(users::table.on(users::id.nullable().eq(attachments::uploaded_by)))
        .filter(attachments::owner.eq(owner.code()))
        .filter(attachments::owner_id.eq(owner_id))
        .order(attachments::id)
        .select((AttachmentMeta::as_select(), users::display_name.nullable()))
        .load(conn)
}

/// The files of several records of one kind, by owner then upload order (ids in chunks, so a
/// long list stays within the backends' parameter limits).
pub fn list_for_many(
    conn: &mut DbConn,
    owner: Owner,
    owner_ids: &[i32],
) -> QueryResult<Vec<(AttachmentMeta, Option<String>)>> {
    let mut out = Vec::new();
    for chunk in owner_ids.chunks(500) {
        let rows: Vec<(AttachmentMeta, Option<String>)> = attachments::table
            .left_join(users::table.on(users::id.nullable().eq(attachments::uploaded_by)))
            .filter(attachments::owner.eq(owner.code()))
            .filter(attachments::owner_id.eq_any(chunk))
            .order((attachments::owner_id, attachments::id))
            .select((AttachmentMeta::as_select(), users::display_name.nullable()))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

pub fn meta(conn: &mut DbConn, id: i32) -> QueryResult<AttachmentMeta> {
    attachments::table
        .find(id)
        .select(AttachmentMeta::as_select())
        .first(conn)
}

pub fn data(conn: &mut DbConn, id: i32) -> QueryResult<Vec<u8>> {
    attachments::table
        .find(id)
        .select(attachments::data)
        .first(conn)
}

/// Delete one file; rows deleted (0: someone else deleted it first).
pub fn delete(conn: &mut DbConn, id: i32) -> QueryResult<usize> {
    diesel::delete(attachments::table.find(id)).execute(conn)
}

/// Delete the files of a record (when the record itself goes).
pub fn delete_for(conn: &mut DbConn, owner: Owner, owner_id: i32) -> QueryResult<usize> {
    diesel::delete(
        attachments::table
            .filter(attachments::owner.eq(owner.code()))
            .filter(attachments::owner_id.eq(owner_id)),
    )
    .execute(conn)
}
