//! Enums with a stable stored name and a label people read, declared once: `named_enum!`
//! writes `ALL`, `as_str`, `label`, `parse`, `Display` and `TryFrom<String>`, so the store can
//! decode a column straight into the enum and an unknown name is an error, never a fallback.

use std::fmt;

/// A stored name that no variant of the enum carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    pub kind: &'static str,
    pub name: String,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} name {:?}", self.kind, self.name)
    }
}

impl std::error::Error for UnknownName {}

/// Declares an enum whose variants each have a stored name and a label:
///
/// ```text
/// named_enum! {
///     /// A course's stage.
///     pub enum Stage {
///         Assessment = "assessment", "Assessment";
///         Preparation = "preparation", "Preparation";
///     }
/// }
/// ```
#[macro_export]
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $stored:literal, $label:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; [$($stored),+].len()] = [$($name::$variant),+];

            /// The stable name stored in the database and used in forms.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $stored, )+
                }
            }

            /// The name a person reads.
            pub fn label(self) -> &'static str {
                match self {
                    $( $name::$variant => $label, )+
                }
            }

            /// The variant stored as `s`, if any.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $( $stored => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::named::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s).ok_or_else(|| $crate::named::UnknownName {
                    kind: stringify!($name),
                    name: s.to_owned(),
                })
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::named::UnknownName;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
    };
}

#[cfg(test)]
mod tests {
    named_enum! {
        /// A test enum.
        pub enum Colour {
            Red = "red", "Red";
            DarkBlue = "dark_blue", "Dark blue";
        }
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_errors() {
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.as_str()), Some(c));
            assert_eq!(Colour::try_from(c.to_string()), Ok(c));
        }
        assert_eq!(Colour::DarkBlue.label(), "Dark blue");
        let err = Colour::try_from("green".to_owned()).expect_err("unknown");
        assert_eq!(err.kind, "Colour");
        assert!(err.to_string().contains("green"));
    }
}
