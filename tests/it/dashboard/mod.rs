//! The dashboard (issue 13): every figure is the count of the list it links to, for each
//! role's scope; the page is scoped and fresh; it prints on A4; the briefing is a Word file.

mod briefing;
mod browser;
mod figures;
mod print;
mod scope;
