//! Saving and submitting the draft: the typed texts and the evidence files chosen on its
//! lines in one request and one transaction. A refused file or a bad field writes nothing and
//! brings the page back with every character typed and the message under its field.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::submission::{Submission, FILES_BUDGET, FILES_MAX};
use super::{load, page, Loaded, Problems};
use crate::auth::{Action, CurrentUser};
use crate::domain::text::short;
use crate::error::AppResult;
use crate::forms::reports::{line_name, Field, FormErrors, RawForm};
use crate::services::reports::{self as service, Draft, Evidence, Outcome};
use crate::services::review::Env;
use crate::state::AppState;
use crate::views::{flash, redirect, PageCtx};

pub async fn save(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    req: HttpRequest,
    body: web::Payload,
) -> AppResult<HttpResponse> {
    save_or_submit(
        state,
        user,
        ctx,
        session,
        path.into_inner(),
        req,
        body,
        false,
    )
    .await
}

pub async fn submit(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    path: web::Path<i32>,
    req: HttpRequest,
    body: web::Payload,
) -> AppResult<HttpResponse> {
    save_or_submit(
        state,
        user,
        ctx,
        session,
        path.into_inner(),
        req,
        body,
        true,
    )
    .await
}

/// The chosen files checked (kind, size, how many): the files to store, or the messages
/// under the lines they were chosen on.
fn check_files(l: &Loaded, sub: Submission) -> (Vec<Evidence>, FormErrors) {
    let mut errors = FormErrors::default();
    let mut out = Vec::new();
    let mut kept = 0usize;
    for (n, chosen) in sub.files.into_iter().enumerate() {
        let Some(i) = l.lines.iter().position(|x| x.id == chosen.line_id) else {
            continue; // not a line of this report: the form was forged or is very old
        };
        let f = chosen.file;
        let refused = if n >= FILES_MAX {
            Err(format!(
                "一次最多保存 {FILES_MAX} 个附件，请先保存，再分次上传其余文件。"
            ))
        } else if kept + f.data.len() > FILES_BUDGET {
            Err(format!(
                "本次选择的附件合计超过 {} MB，请先保存，再分次上传。",
                FILES_BUDGET / 1024 / 1024
            ))
        } else {
            f.check()
        };
        match refused {
            Ok(content_type) => {
                kept += f.data.len();
                out.push(Evidence {
                    line_id: chosen.line_id,
                    name: f.name,
                    content_type,
                    data: f.data,
                });
            }
            Err(why) => {
                let line = &l.lines[i];
                let msg = format!("附件「{}」未上传：{why}", f.name);
                let summary = format!("{}{msg}", line_name(i + 1, &line.title));
                errors.push(Field::Files(line.id), msg, summary);
            }
        }
    }
    (out, errors)
}

#[allow(clippy::too_many_arguments)]
async fn save_or_submit(
    state: web::Data<AppState>,
    user: CurrentUser,
    ctx: PageCtx,
    session: Session,
    id: i32,
    req: HttpRequest,
    body: web::Payload,
    submit: bool,
) -> AppResult<HttpResponse> {
    let l = load(&state, &user, id).await?;
    user.require(Action::Write, &l.unit)?;
    let mut sub = Submission::read(&req, body).await?;
    let form = std::mem::take(&mut sub.form);
    if !l.report.state().editable() {
        return not_editable_page(&state, &ctx, &user, l, &form).await;
    }
    let (delete_file, at) = (sub.delete_file, sub.at);
    let (files, file_errors) = check_files(&l, sub);
    let parsed = form.parse(&l.lines);
    if !file_errors.is_empty() || parsed.is_err() {
        let mut p = Problems::none();
        if let Err(e) = parsed {
            p.fields = e;
        }
        p.fields.extend(file_errors);
        p.fields.0.sort_by_key(|e| order(&l, e.field));
        p.general.push(
            "未保存：有需要修改的内容，您填写的文字都保留在下方，请按提示修改后再保存（附件需重新选择）。"
                .into(),
        );
        return page(
            &state,
            &ctx,
            &user,
            l,
            form,
            p,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let Ok((lines, texts)) = parsed else {
        unreachable!("checked above")
    };
    let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
    let draft = Draft {
        lines,
        texts,
        version: form.version.trim().parse().ok(),
        files,
        delete_file,
    };
    let env = Env::of(&state);
    let u = user.clone();
    let outcome = state
        .db
        .write(move |c| service::save(c, &u, id, &draft, submit, &env))
        .await?;
    let uploaded = if names.is_empty() {
        String::new()
    } else {
        format!("已上传附件：{}。", names.join("、"))
    };
    let back = match at.filter(|a| l.lines.iter().any(|x| x.id == *a)) {
        Some(line) => format!("/reports/{id}#line-{line}"),
        None => format!("/reports/{id}"),
    };
    match outcome {
        Outcome::Saved => {
            let deleted = if delete_file.is_some() {
                "已删除附件。"
            } else {
                ""
            };
            flash(
                &session,
                "success",
                format!("草稿已保存。{uploaded}{deleted}"),
            );
            Ok(redirect(&back))
        }
        Outcome::Submitted(to) => {
            flash(
                &session,
                "success",
                format!("已提交，当前状态：{}。{uploaded}", to.label()),
            );
            Ok(redirect(&format!("/reports/{id}")))
        }
        Outcome::NotEditable => {
            let fresh = load(&state, &user, id).await?;
            not_editable_page(&state, &ctx, &user, fresh, &form).await
        }
        Outcome::Conflict => {
            let fresh = load(&state, &user, id).await?;
            let mut form = form;
            form.version = fresh.report.version.to_string();
            let mut p = Problems::none();
            p.conflict = true;
            p.general.push(
                "保存失败：在您编辑期间，本支部的其他人已保存了这份月度调度。您的内容保留在下方，尚未保存（附件也未上传）；请核对后再次保存（将以您的内容为准）。"
                    .into(),
            );
            page(&state, &ctx, &user, fresh, form, p, StatusCode::CONFLICT).await
        }
        Outcome::Incomplete(missing) => {
            // The draft was saved (with its files); the page shows it with what is missing.
            let fresh = load(&state, &user, id).await?;
            let mut form = form;
            form.version = fresh.report.version.to_string();
            let mut p = Problems::none();
            p.fields = missing;
            p.general
                .push(format!("草稿已保存，但还不能提交。{uploaded}"));
            page(
                &state,
                &ctx,
                &user,
                fresh,
                form,
                p,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// Where a field stands on the page: line by line, then the texts.
fn order(l: &Loaded, f: Field) -> (usize, usize) {
    let line = f
        .line()
        .and_then(|id| l.lines.iter().position(|x| x.id == id))
        .unwrap_or(usize::MAX);
    let within = match f {
        Field::Progress(_) => 0,
        Field::Work(_) => 1,
        Field::Status(_) => 2,
        Field::Files(_) => 3,
        Field::Text("highlights") => 4,
        Field::Text("problems") => 5,
        Field::Text(_) => 6,
    };
    (line, within)
}

/// The report was submitted before this save or submission arrived: show it as it is now,
/// say so plainly, and list what the user typed (not saved) so nothing is lost.
async fn not_editable_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    l: Loaded,
    form: &RawForm,
) -> AppResult<HttpResponse> {
    let mut p = Problems::none();
    p.general.push(format!(
        "未能保存：这份月度调度已经提交（当前状态：{}），当前状态下不能进行此操作，不能再修改。您刚才填写的内容没有保存，已列在页面下方，可复制留存；如需修改，请联系审核人退回后再填写。",
        l.report.state().label()
    ));
    for (i, line) in l.lines.iter().enumerate() {
        if let Some((_, w, _)) = form.lines.get(&line.id) {
            if !w.trim().is_empty() {
                p.kept.push((
                    format!("第 {} 行「{}」本月工作", i + 1, short(&line.title, 30)),
                    w.trim().to_string(),
                ));
            }
        }
    }
    for (label, v) in [
        ("本月亮点", &form.highlights),
        ("存在问题", &form.problems),
        ("下月计划", &form.next_plan),
    ] {
        if !v.trim().is_empty() {
            p.kept.push((label.to_string(), v.trim().to_string()));
        }
    }
    let stored = RawForm::from_report(&l.report, &l.lines);
    page(state, ctx, user, l, stored, p, StatusCode::CONFLICT).await
}
