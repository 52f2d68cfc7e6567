//! The office manages accounts: creating them (with a forced password change), refusing bad
//! input, finding them with filters and pages, editing, resetting passwords, disabling.
//! The shared helpers are here; the stories are in the files below, by theme.

use zuofeng::db::models::users as user_rows;
use zuofeng::db::models::users::UserFields;
use zuofeng::domain::Role;

use crate::helpers::*;

mod create;
mod edit;
mod list;
mod passwords;

pub(super) fn assert_sent_to_login(page: &Page, what: &str) {
    assert_eq!(page.status, 303, "{what}: {}", page.body);
    let to = page.location.clone().unwrap_or_default();
    assert!(to.starts_with("/login"), "{what}: went to {to}");
}

/// `<td>name</td>` cells in a user list, i.e. how many rows show this username.
pub(super) fn rows_of(page: &Page, username: &str) -> usize {
    page.body.matches(&format!("<td>{username}</td>")).count()
}

/// The target of the paging link with this text, as the browser reads it.
pub(super) fn paging_link(page: &Page, text: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(&page.body);
    let sel = scraper::Selector::parse("nav.paging a").expect("selector");
    doc.select(&sel)
        .find(|a| a.text().collect::<String>().trim() == text)
        .and_then(|a| a.value().attr("href").map(str::to_string))
}

/// Form fields as posted, in order.
type Form = Vec<(&'static str, String)>;

const NEW_PASSWORD: &str = "Init-pass-2026";
