//! The secrets key, for the binary: finding (or making) it, sealing what was stored before
//! sealing at start, and `kapflow secrets rotate-key`.
//!
//! Like the audit key it never enters the database and is never printed or logged: it is
//! `DATA_DIR/secrets-key` (mode 0600, made at first start), a file named by
//! `KAPFLOW_SECRETS_KEY_FILE`, or hex in `KAPFLOW_SECRETS_KEY`. Back it up apart from the
//! database: a database backup is of no use for second factors without it, which is the point.

use crate::cli::Cli;
use kapflow_domain::sealed::SecretsKeyring;
use kapflow_domain::time_util::now_utc;
use kapflow_store::Store;
use kapflow_store::key_files::{self, KeySource};
use kapflow_store::secrets::SecretsReload;
use std::process::ExitCode;
use std::sync::Arc;

/// The secrets key's file name in the data directory.
pub const KEY_FILE: &str = "secrets-key";

/// Where this process's secrets keys come from.
pub fn source(cli: &Cli) -> KeySource {
    // An environment variable only: a flag would show the key in the process list.
    match std::env::var("KAPFLOW_SECRETS_KEY") {
        Ok(hex) if !hex.trim().is_empty() => KeySource::Env(hex),
        _ => KeySource::File(
            cli.secrets_key_file
                .clone()
                .unwrap_or_else(|| cli.data_dir.join(KEY_FILE)),
        ),
    }
}

/// Gives `store` the secrets keys; with `create`, makes the first key when there is none and
/// nothing in the database is sealed yet (sealed values need their own key back, never a new
/// one). Returns the keys, or `None` when there are none (`check` before any start).
pub async fn install_keys(
    cli: &Cli,
    store: &Store,
    create: bool,
) -> anyhow::Result<Option<SecretsKeyring>> {
    let source = source(cli);
    let mut ring = key_files::load(&source)?;
    if ring.is_none()
        && create
        && let KeySource::File(path) = &source
    {
        match store.secrets().newest_generation().await? {
            None => {
                ring = Some(key_files::create(path, crate::audit::new_secret()?)?);
                tracing::info!(path = %path.display(), "made a new secrets key");
            }
            Some(generation) => {
                // Another instance may have made the key and sealed with it a moment ago.
                ring = key_files::load(&source)?;
                if ring.is_none() {
                    anyhow::bail!(
                        "second-factor secrets in the database are sealed with secrets key \
                         generation {generation} but there is no key at {}: restore the key \
                         files (secrets-key, secrets-key.N) from a backup, or set \
                         KAPFLOW_SECRETS_KEY or KAPFLOW_SECRETS_KEY_FILE",
                        path.display()
                    );
                }
            }
        }
    }
    let Some(ring) = ring else {
        return Ok(None);
    };
    store.secrets().use_keys(ring.clone(), reloader(&source));
    Ok(Some(ring))
}

/// Reads a key file again when another process rotated it while this one runs.
fn reloader(source: &KeySource) -> Option<SecretsReload> {
    let KeySource::File(path) = source else {
        return None;
    };
    let source = KeySource::File(path.clone());
    Some(Arc::new(move || {
        key_files::load(&source)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "the secrets key file is gone".to_owned())
    }))
}

/// At start, with the key installed: re-seals what an older generation sealed, and on the first
/// start after upgrading seals what was stored before sealing.
pub async fn seal_stored(store: &Store) -> anyhow::Result<()> {
    let report = store.secrets().bring_to_current_key(now_utc()).await?;
    // Not one sealed value opens: this is not the practice's key (another instance's, say),
    // and every TOTP sign-in would fail. One damaged value among good ones only warns.
    if report.refused > 0 && report.current == 0 && report.older == 0 {
        anyhow::bail!(
            "none of the {} second-factor secrets in the database opens with this process's \
             secrets key: give every instance the same key (KAPFLOW_SECRETS_KEY or \
             KAPFLOW_SECRETS_KEY_FILE), or restore the key files (secrets-key, secrets-key.N)",
            report.refused
        );
    }
    if report.sealed_now + report.older > 0 {
        tracing::info!(
            sealed = report.sealed_now,
            resealed = report.older,
            "second-factor secrets sealed with the current secrets key"
        );
    }
    Ok(())
}

/// `kapflow secrets rotate-key`: a new key generation, every stored secret re-sealed with it.
pub async fn rotate_key(cli: &Cli) -> anyhow::Result<ExitCode> {
    let source = source(cli);
    let KeySource::File(path) = &source else {
        anyhow::bail!(
            "the secrets key comes from KAPFLOW_SECRETS_KEY: add a new key (64 hex digits) at \
             the end of its comma-separated list, keep the old ones until kapflow has started \
             once with the new one (it re-seals every secret at start), and restart kapflow"
        );
    };
    let store = crate::open::open_keyed(cli).await?;
    let (old, ring) = key_files::rotate(path, crate::audit::new_secret()?)?;
    let new = ring.current().map_or(0, |k| k.generation());
    store.secrets().use_keys(ring, reloader(&source));
    let report = store.secrets().bring_to_current_key(now_utc()).await?;
    crate::audit::record_command(
        &store,
        cli,
        "secrets.key_rotated",
        format!(
            "secrets key generation {old} retired; {} second-factor secrets re-sealed with generation {new}",
            report.older
        ),
    )
    .await?;
    store.close().await;
    println!(
        "The secrets key is now generation {new} ({}); {} second-factor secrets were re-sealed \
         with it. Generation {old} is kept as {}.{old}: database backups taken before now \
         need it. Back up both. Instances that read this key file pick up the new key when they \
         meet a secret sealed with it.",
        path.display(),
        report.older,
        path.display(),
    );
    if report.refused > 0 {
        println!(
            "{} secrets did not open and were left as they are; `kapflow check` counts them.",
            report.refused
        );
    }
    Ok(ExitCode::SUCCESS)
}
