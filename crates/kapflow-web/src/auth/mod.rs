//! Who is calling: sessions and their cookie, the access check every route passes, CSRF
//! tokens, passwords and second factors.

pub mod access;
pub mod api_token;
pub mod cookie;
pub mod current;
pub mod password;
pub mod portal;
pub mod totp;

pub use access::{Access, ClientAccess, ClinicalAccess};
pub use current::{CurrentUser, OwnerUser, StaffUser};
pub use portal::PortalClient;
