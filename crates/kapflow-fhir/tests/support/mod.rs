//! What the kapflow-fhir tests share: the outside validator and records to map.

#![allow(dead_code)]

pub mod fixtures;
pub mod records;
pub mod validator;
pub mod world;
