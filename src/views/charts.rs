//! Charts drawn as SVG on the server, for the dashboard and its print: bar, stacked bar, donut
//! and monthly line. No JavaScript; every series has a fill pattern as well as a colour, and
//! every bar and slice carries its number as a direct label, so the chart reads on a
//! black-and-white printout; the SVG has a title and a description listing every figure for
//! screen readers. Labels are measured with CJK characters counted twice as wide as Latin
//! ones (plotters and charts-rs measure text with the glyphs of a font file, which would mean
//! shipping a CJK font for measuring alone).

use std::fmt::Write as _;

use unicode_width::UnicodeWidthChar;

/// Font size of labels, px.
const FONT: f64 = 12.0;

/// The colours of the series, in order, each with the pattern that tells it apart in print.
const FILLS: [(&str, &str); 6] = [
    ("#b71c1c", "solid"),
    ("#e0a100", "hatch"),
    ("#2e7d32", "dots"),
    ("#1565c0", "cross"),
    ("#6d4c41", "vline"),
    ("#9e9e9e", "hline"),
];

/// One chart: its SVG (already escaped: insert with `|safe`) and the same figures as text.
#[derive(Clone, Debug, Default)]
pub struct Chart {
    pub svg: String,
    /// "label：value" lines, for the text beside or below the chart.
    pub figures: Vec<String>,
}

/// Width in px of `s` at `font` px: CJK and full-width characters one em, others about half.
pub fn text_width(s: &str, font: f64) -> f64 {
    s.chars()
        .map(|c| match UnicodeWidthChar::width(c).unwrap_or(0) {
            2 => font,
            1 => font * 0.56,
            _ => 0.0,
        })
        .sum()
}

/// `s` cut to fit `max` px, with an ellipsis when cut.
pub fn fit(s: &str, max: f64, font: f64) -> String {
    if text_width(s, font) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        let next = format!("{out}{c}…");
        if text_width(&next, font) > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// The fill of series `i` (`url(#…)` of its pattern, unique per chart `id`).
fn fill(id: &str, i: usize) -> String {
    let (_, pattern) = FILLS[i % FILLS.len()];
    if pattern == "solid" {
        FILLS[0].0.to_string()
    } else {
        format!("url(#{id}-p{})", i % FILLS.len())
    }
}

/// The pattern definitions of a chart's series.
fn defs(id: &str, series: usize) -> String {
    let mut d = String::from("<defs>");
    for (i, (colour, pattern)) in FILLS.iter().enumerate().take(series) {
        let marks = match *pattern {
            "hatch" => r##"<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke="#fff" stroke-width="1.6"/>"##.to_string(),
            "dots" => r##"<circle cx="3" cy="3" r="1.3" fill="#fff"/>"##.to_string(),
            "cross" => r##"<path d="M0,0 L6,6 M6,0 L0,6" stroke="#fff" stroke-width="1.2"/>"##.to_string(),
            "vline" => r##"<path d="M3,0 V6" stroke="#fff" stroke-width="1.6"/>"##.to_string(),
            "hline" => r##"<path d="M0,3 H6" stroke="#fff" stroke-width="1.6"/>"##.to_string(),
            _ => continue,
        };
        let _ = write!(
            d,
            r#"<pattern id="{id}-p{i}" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="{colour}"/>{marks}</pattern>"#
        );
    }
    d.push_str("</defs>");
    d
}

fn open(id: &str, title: &str, w: f64, h: f64, figures: &[String]) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}-t {id}-d" font-size="{FONT}" font-family="'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei',sans-serif"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(&figures.join("；"))
    )
}

/// A horizontal bar chart: one bar per item, its value at the bar's end.
pub fn bars(id: &str, title: &str, items: &[(String, f64)]) -> Chart {
    let figures: Vec<String> = items
        .iter()
        .map(|(l, v)| format!("{l}：{}", num(*v)))
        .collect();
    let label_w = items
        .iter()
        .map(|(l, _)| text_width(l, FONT))
        .fold(0.0, f64::max)
        .min(160.0)
        + 8.0;
    let (w, row) = (520.0, 22.0);
    let h = (items.len() as f64 * row + 8.0).max(30.0);
    let max = items.iter().map(|(_, v)| *v).fold(0.0, f64::max).max(1.0);
    let room = w - label_w - 48.0;
    let mut s = open(id, title, w, h, &figures);
    s.push_str(&defs(id, 1));
    for (i, (label, v)) in items.iter().enumerate() {
        let y = 4.0 + i as f64 * row;
        let bw = (v / max * room).max(if *v > 0.0 { 1.5 } else { 0.0 });
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" text-anchor="end" fill="#333">{}</text><rect x="{label_w}" y="{}" width="{bw:.1}" height="{}" fill="{}"/><text x="{:.1}" y="{}" fill="#111">{}</text>"##,
            label_w - 6.0,
            y + 15.0,
            esc(&fit(label, label_w - 8.0, FONT)),
            y + 3.0,
            row - 6.0,
            fill(id, 0),
            label_w + bw + 4.0,
            y + 15.0,
            num(*v)
        );
    }
    s.push_str("</svg>");
    Chart { svg: s, figures }
}

/// A stacked horizontal bar per category; `series` names the parts (in legend order) and
/// `rows` gives each category's values in that order. Each part of a bar wide enough for it
/// shows its number; the total stands at the end.
pub fn stacked(id: &str, title: &str, series: &[&str], rows: &[(String, Vec<f64>)]) -> Chart {
    let figures: Vec<String> = rows
        .iter()
        .map(|(l, vs)| {
            let parts: Vec<String> = series
                .iter()
                .zip(vs)
                .map(|(s, v)| format!("{s}{}", num(*v)))
                .collect();
            format!("{l}：{}", parts.join("，"))
        })
        .collect();
    let label_w = rows
        .iter()
        .map(|(l, _)| text_width(l, FONT))
        .fold(0.0, f64::max)
        .min(160.0)
        + 8.0;
    let (w, row) = (520.0, 24.0);
    let legend_h = 22.0;
    let h = legend_h + rows.len() as f64 * row + 8.0;
    let max = rows
        .iter()
        .map(|(_, vs)| vs.iter().sum::<f64>())
        .fold(0.0, f64::max)
        .max(1.0);
    let room = w - label_w - 48.0;
    let mut s = open(id, title, w, h, &figures);
    s.push_str(&defs(id, series.len()));
    s.push_str(&legend(id, series, label_w, 14.0));
    for (i, (label, vs)) in rows.iter().enumerate() {
        let y = legend_h + 4.0 + i as f64 * row;
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" text-anchor="end" fill="#333">{}</text>"##,
            label_w - 6.0,
            y + 15.0,
            esc(&fit(label, label_w - 8.0, FONT))
        );
        let mut x = label_w;
        for (k, v) in vs.iter().enumerate() {
            let bw = v / max * room;
            if bw <= 0.0 {
                continue;
            }
            let _ = write!(
                s,
                r##"<rect x="{x:.1}" y="{}" width="{bw:.1}" height="{}" fill="{}" stroke="#fff" stroke-width="0.6"/>"##,
                y + 2.0,
                row - 6.0,
                fill(id, k)
            );
            let t = num(*v);
            if text_width(&t, 10.0) + 4.0 < bw {
                let _ = write!(
                    s,
                    r##"<text x="{:.1}" y="{}" text-anchor="middle" font-size="10" fill="#000" stroke="#fff" stroke-width="2.5" paint-order="stroke">{t}</text>"##,
                    x + bw / 2.0,
                    y + 14.0
                );
            }
            x += bw;
        }
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{}" fill="#111">{}</text>"##,
            x + 4.0,
            y + 15.0,
            num(vs.iter().sum())
        );
    }
    s.push_str("</svg>");
    Chart { svg: s, figures }
}

fn legend(id: &str, series: &[&str], x0: f64, y: f64) -> String {
    let mut s = String::new();
    let mut x = x0;
    for (i, name) in series.iter().enumerate() {
        let _ = write!(
            s,
            r##"<rect x="{x:.1}" y="{}" width="12" height="12" fill="{}" stroke="#555" stroke-width="0.5"/><text x="{:.1}" y="{y}" fill="#333">{}</text>"##,
            y - 10.0,
            fill(id, i),
            x + 16.0,
            esc(name)
        );
        x += 16.0 + text_width(name, FONT) + 14.0;
    }
    s
}

/// A donut of parts with the share of each as a direct label in the legend beside it, and
/// `centre` (e.g. a rate) in the middle.
pub fn donut(id: &str, title: &str, parts: &[(String, f64)], centre: &str) -> Chart {
    let total: f64 = parts.iter().map(|(_, v)| *v).sum();
    let share = |v: f64| {
        if total > 0.0 {
            format!("{:.1}%", v / total * 100.0)
        } else {
            "0%".into()
        }
    };
    let figures: Vec<String> = parts
        .iter()
        .map(|(l, v)| format!("{l}：{}（{}）", num(*v), share(*v)))
        .collect();
    let (w, h) = (360.0, 150.0_f64.max(parts.len() as f64 * 20.0 + 20.0));
    let (cx, cy, r, inner) = (75.0, h / 2.0, 62.0, 36.0);
    let mut s = open(id, title, w, h, &figures);
    s.push_str(&defs(id, parts.len()));
    if total <= 0.0 {
        let _ = write!(
            s,
            r##"<circle cx="{cx}" cy="{cy}" r="{}" fill="none" stroke="#ddd" stroke-width="{}"/>"##,
            (r + inner) / 2.0,
            r - inner
        );
    }
    let mut a0 = -std::f64::consts::FRAC_PI_2;
    for (i, (_, v)) in parts.iter().enumerate() {
        if total <= 0.0 || *v <= 0.0 {
            continue;
        }
        let frac = v / total;
        if frac >= 0.9999 {
            let _ = write!(
                s,
                r##"<circle cx="{cx}" cy="{cy}" r="{}" fill="none" stroke="{}" stroke-width="{}"/>"##,
                (r + inner) / 2.0,
                fill(id, i),
                r - inner
            );
            continue;
        }
        let a1 = a0 + frac * std::f64::consts::TAU;
        let large = if frac > 0.5 { 1 } else { 0 };
        let p = |a: f64, rr: f64| (cx + rr * a.cos(), cy + rr * a.sin());
        let (x0, y0) = p(a0, r);
        let (x1, y1) = p(a1, r);
        let (x2, y2) = p(a1, inner);
        let (x3, y3) = p(a0, inner);
        let _ = write!(
            s,
            r##"<path d="M{x0:.2},{y0:.2} A{r},{r} 0 {large} 1 {x1:.2},{y1:.2} L{x2:.2},{y2:.2} A{inner},{inner} 0 {large} 0 {x3:.2},{y3:.2} Z" fill="{}" stroke="#fff" stroke-width="1"/>"##,
            fill(id, i)
        );
        a0 = a1;
    }
    let _ = write!(
        s,
        r##"<text x="{cx}" y="{}" text-anchor="middle" font-size="15" font-weight="bold" fill="#111">{}</text>"##,
        cy + 5.0,
        esc(centre)
    );
    for (i, (l, v)) in parts.iter().enumerate() {
        let y = cy - parts.len() as f64 * 10.0 + i as f64 * 20.0 + 14.0;
        let _ = write!(
            s,
            r##"<rect x="160" y="{}" width="12" height="12" fill="{}" stroke="#555" stroke-width="0.5"/><text x="178" y="{y}" fill="#333">{}</text>"##,
            y - 10.0,
            fill(id, i),
            esc(&format!(
                "{} {}（{}）",
                fit(l, 110.0, FONT),
                num(*v),
                share(*v)
            ))
        );
    }
    s.push_str("</svg>");
    Chart { svg: s, figures }
}

/// A line chart over the months (labels along the bottom), one line per series with a
/// different marker and dash, values at the points.
pub fn line(id: &str, title: &str, months: &[String], series: &[(&str, Vec<f64>)]) -> Chart {
    let figures: Vec<String> = series
        .iter()
        .map(|(name, vs)| {
            let parts: Vec<String> = months
                .iter()
                .zip(vs)
                .map(|(m, v)| format!("{m}{}", num(*v)))
                .collect();
            format!("{name}：{}", parts.join("，"))
        })
        .collect();
    let (w, h) = (520.0, 200.0);
    let (left, right, top, bottom) = (36.0, 12.0, 26.0, 24.0);
    let max = series
        .iter()
        .flat_map(|(_, vs)| vs.iter().copied())
        .fold(0.0, f64::max)
        .max(1.0);
    let n = months.len().max(2) as f64;
    let x = |i: usize| left + (w - left - right) * i as f64 / (n - 1.0);
    let y = |v: f64| top + (h - top - bottom) * (1.0 - v / max);
    let mut s = open(id, title, w, h, &figures);
    let names: Vec<&str> = series.iter().map(|(n, _)| *n).collect();
    s.push_str(&defs(id, series.len()));
    s.push_str(&legend(id, &names, left, 14.0));
    let _ = write!(
        s,
        r##"<line x1="{left}" y1="{}" x2="{}" y2="{}" stroke="#999"/><text x="{}" y="{}" text-anchor="end" font-size="10" fill="#666">{}</text><text x="{}" y="{}" text-anchor="end" font-size="10" fill="#666">0</text>"##,
        h - bottom,
        w - right,
        h - bottom,
        left - 4.0,
        top + 4.0,
        num(max),
        left - 4.0,
        h - bottom
    );
    for (i, m) in months.iter().enumerate() {
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{}" text-anchor="middle" font-size="10" fill="#666">{}</text>"##,
            x(i),
            h - 8.0,
            esc(m)
        );
    }
    const DASH: [&str; 4] = ["", "6,3", "2,3", "8,3,2,3"];
    for (k, (_, vs)) in series.iter().enumerate() {
        let colour = FILLS[k % FILLS.len()].0;
        let pts: Vec<String> = vs
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        let _ = write!(
            s,
            r##"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="{}"/>"##,
            pts.join(" "),
            DASH[k % DASH.len()]
        );
        for (i, v) in vs.iter().enumerate() {
            let (px, py) = (x(i), y(*v));
            let marker = match k % 3 {
                0 => format!(r##"<circle cx="{px:.1}" cy="{py:.1}" r="3" fill="{colour}"/>"##),
                1 => format!(
                    r##"<rect x="{:.1}" y="{:.1}" width="6" height="6" fill="{colour}"/>"##,
                    px - 3.0,
                    py - 3.0
                ),
                _ => format!(
                    r##"<path d="M{px:.1},{:.1} l3.5,6 h-7 z" fill="{colour}"/>"##,
                    py - 4.0
                ),
            };
            s.push_str(&marker);
            if *v == 0.0 {
                continue;
            }
            let _ = write!(
                s,
                r##"<text x="{px:.1}" y="{:.1}" text-anchor="middle" font-size="9" fill="#333">{}</text>"##,
                py - 6.0,
                num(*v)
            );
        }
    }
    s.push_str("</svg>");
    Chart { svg: s, figures }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_labels_measure_twice_as_wide() {
        assert_eq!(text_width("党建", 12.0), 24.0);
        assert!((text_width("ab", 12.0) - 13.44).abs() < 1e-9);
        let cut = fit("一二三四五六七八九十", 60.0, 12.0);
        assert!(
            cut.ends_with('…') && text_width(&cut, 12.0) <= 60.0,
            "{cut}"
        );
        assert_eq!(fit("短", 60.0, 12.0), "短");
    }

    #[test]
    fn every_figure_is_in_the_text_and_labels_are_escaped() {
        let c = bars(
            "b",
            "举措 <状态>",
            &[("未开始".into(), 3.0), ("<script>".into(), 12.0)],
        );
        assert_eq!(c.figures, vec!["未开始：3", "<script>：12"]);
        assert!(c.svg.contains("&lt;script&gt;") && !c.svg.contains("<script>"));
        assert!(c
            .svg
            .contains("<title id=\"b-t\">举措 &lt;状态&gt;</title>"));
        assert!(c.svg.contains(">12</text>"), "direct labels");
    }

    #[test]
    fn series_differ_by_pattern_not_colour_alone() {
        let c = stacked(
            "s",
            "整改",
            &["已销号", "整改中", "逾期"],
            &[("总部部室".into(), vec![5.0, 3.0, 1.0])],
        );
        assert!(c.svg.contains("url(#s-p1)") && c.svg.contains("url(#s-p2)"));
        assert!(c.svg.contains("<pattern id=\"s-p1\""));
        assert_eq!(c.figures, vec!["总部部室：已销号5，整改中3，逾期1"]);
    }

    #[test]
    fn donut_and_line_handle_empty_and_full() {
        let empty = donut("d", "空", &[("甲".into(), 0.0)], "0%");
        assert!(empty.svg.contains("<circle"));
        let full = donut("d", "满", &[("甲".into(), 4.0), ("乙".into(), 0.0)], "100%");
        assert!(full.figures[0].contains("100.0%"));
        let l = line(
            "l",
            "按时报送",
            &["1月".into(), "2月".into()],
            &[("按时", vec![10.0, 12.0])],
        );
        assert!(l.svg.contains("<polyline") && l.figures[0] == "按时：1月10，2月12");
    }
}
