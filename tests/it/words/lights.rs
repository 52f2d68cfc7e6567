//! An item 已整改待验收 shows a 待验收 light, never the grey 已完成 one, on every page that
//! shows it; once accepted its light says 已销号.

use std::io::Cursor;

use calamine::{Data, Reader};

use super::*;
use crate::rect::{demo_table, items_of};

const AWAITING: &str = "light light-awaiting\">待验收</span>";

async fn awaiting_items_show_a_waiting_light_everywhere(app: TestApp) {
    let table = demo_table(&app, "ZB01");
    let waiting = items_of(&app, table)
        .into_iter()
        .find(|i| i.status == "awaiting")
        .expect("a demo item waiting for acceptance");
    let zhibu01 = app.signed_in("zhibu01").await;

    let item = zhibu01.get(&format!("/rect/items/{}", waiting.id)).await;
    assert_eq!(item.status, 200);
    item.assert_contains("已整改待验收");
    item.assert_contains(AWAITING);
    item.assert_lacks("已完成");

    let list = zhibu01
        .get(&format!(
            "/rect/items?year=2026&unit={}&status=awaiting",
            app.unit_id("ZB01")
        ))
        .await;
    assert_eq!(list.status, 200);
    list.assert_contains(AWAITING);
    list.assert_lacks("light-done");
    list.assert_lacks(">已完成</span>");

    let sheet = zhibu01.get(&format!("/rect/tables/{table}")).await;
    sheet.assert_contains(AWAITING);
    sheet.assert_lacks(">已完成</span>");

    // The export's light column says the same word.
    let (status, _, bytes) = zhibu01
        .download(&format!(
            "/rect/export?year=2026&unit={}&status=awaiting",
            app.unit_id("ZB01")
        ))
        .await;
    assert_eq!(status, 200);
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).expect("xlsx");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("sheet");
    let cells: Vec<String> = range
        .rows()
        .flat_map(|r| r.iter().map(|c: &Data| c.to_string()))
        .collect();
    assert!(cells.iter().any(|c| c == "待验收"), "{cells:?}");
    assert!(!cells.iter().any(|c| c == "已完成"), "{cells:?}");

    // Accepted: the light is grey and says 已销号, like the status.
    let zongzhi = app.signed_in("zongzhi01").await;
    zongzhi
        .post(&format!("/rect/items/{}/accept", waiting.id), &[])
        .await
        .assert_redirect(&format!("/rect/items/{}", waiting.id));
    let item = zhibu01.get(&format!("/rect/items/{}", waiting.id)).await;
    item.assert_contains("light light-done\">已销号</span>");
    item.assert_lacks(AWAITING);
}
both!(awaiting_items_show_a_waiting_light_everywhere);
