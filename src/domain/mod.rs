//! Domain types and rules with no I/O: roles, unit kinds, register vocab, deadline lights,
//! validated input.

/// An enum stored as a short code, shown with a Chinese label.
macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal / $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored in the database and used in forms and URLs.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The Chinese label shown to users.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// By code or by Chinese label (for imported spreadsheets).
            pub fn parse_label(text: &str) -> Option<Self> {
                let t = text.trim();
                Self::parse(t).or_else(|| Self::ALL.iter().copied().find(|v| v.label() == t))
            }

            /// By code, label or Rust variant name (how serde writes it in old audit
            /// entries: `"NotStarted"`).
            pub fn parse_any(text: &str) -> Option<Self> {
                Self::parse_label(text).or_else(|| match text {
                    $(stringify!($variant) => Some($name::$variant),)+
                    _ => None,
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

pub mod activity;
pub mod assessment;
pub mod audit;
pub mod brand;
pub mod codes;
pub mod feedback;
pub mod files;
pub mod filters;
pub mod incentive;
pub mod light;
pub mod meeting;
pub mod org;
pub mod register;
pub mod report;
pub mod review;
pub mod scope;
pub mod text;
pub mod validate;

pub use light::Light;
pub use org::{Role, UnitCategory, UnitKind};
pub use scope::Scope;
