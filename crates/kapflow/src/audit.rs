//! The audit trail's key and checkpoints, for the binary: finding (or making) the key, signed
//! checkpoints at start, at clean shutdown and every few minutes while rows are written, the
//! optional daily digest email, and `kapflow audit rotate-key`.
//!
//! The key never enters the database and is never printed or logged; only its generation
//! and the file it came from are. See ARCHITECTURE.md, "The audit trail's protection".

use crate::cli::{Cli, ServeArgs};
use anyhow::Context;
use kapflow_domain::Actor;
use kapflow_domain::audit::AuditKeyring;
use kapflow_domain::audit_checkpoint::{CheckpointEvent, CheckpointLog};
use kapflow_domain::time_util::now_utc;
use kapflow_store::Store;
use kapflow_store::audit::KeyReload;
use kapflow_store::audit_files::{self, CHECKPOINT_FILE, KEY_FILE, KeySource};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Where this process's audit key and checkpoint log are.
pub struct AuditFiles {
    pub key: KeySource,
    /// One log per data directory: several instances on one PostgreSQL each keep their own,
    /// and `check` compares the database with the log of the data directory it is given.
    pub checkpoints: PathBuf,
}

impl AuditFiles {
    pub fn of(cli: &Cli) -> AuditFiles {
        // An environment variable only: a flag would show the key in the process list.
        let key = match std::env::var("KAPFLOW_AUDIT_KEY") {
            Ok(hex) if !hex.trim().is_empty() => KeySource::Env(hex),
            _ => KeySource::File(
                cli.audit_key_file
                    .clone()
                    .unwrap_or_else(|| cli.data_dir.join(KEY_FILE)),
            ),
        };
        AuditFiles {
            key,
            checkpoints: cli.data_dir.join(CHECKPOINT_FILE),
        }
    }
}

/// 32 bytes from the operating system's generator, for a new key (audit or secrets).
pub(crate) fn new_secret() -> anyhow::Result<[u8; 32]> {
    use rand::TryRngCore;
    let mut secret = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut secret)
        .map_err(|e| anyhow::anyhow!("cannot draw a random key: {e}"))?;
    Ok(secret)
}

/// Gives `store` the audit keys. With `create`, makes the first key when there is none and
/// the trail has no keyed rows yet (a trail already keyed needs its own key back, not a new
/// one). Returns the keys, or `None` when there are none (`check` on an unkeyed trail).
pub async fn install_keys(
    cli: &Cli,
    store: &Store,
    create: bool,
) -> anyhow::Result<Option<AuditKeyring>> {
    let files = AuditFiles::of(cli);
    let mut ring = audit_files::load(&files.key)?;
    if ring.is_none()
        && create
        && let KeySource::File(path) = &files.key
    {
        match store.audit().newest_key_generation().await? {
            None => {
                ring = Some(audit_files::create(path, new_secret()?)?);
                tracing::info!(path = %path.display(), "made a new audit key");
            }
            Some(generation) => {
                // Another instance on this data directory may have made the key and keyed the
                // trail between our look at the file and at the trail (two starting at once).
                ring = audit_files::load(&files.key)?;
                if ring.is_none() {
                    anyhow::bail!(
                        "the audit trail is keyed (key generation {generation}) but there is no \
                         key at {}: restore the key files (audit-key, audit-key.N) from a \
                         backup, or set KAPFLOW_AUDIT_KEY or KAPFLOW_AUDIT_KEY_FILE",
                        path.display()
                    );
                }
            }
        }
    }
    let Some(ring) = ring else {
        return Ok(None);
    };
    store.audit().use_keys(ring.clone(), reloader(&files.key));
    Ok(Some(ring))
}

/// Reads a key file again when another process rotated it while this one runs; keys from the
/// environment cannot change under a running process.
fn reloader(source: &KeySource) -> Option<KeyReload> {
    let KeySource::File(path) = source else {
        return None;
    };
    let source = KeySource::File(path.clone());
    Some(Arc::new(move || {
        audit_files::load(&source)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "the audit key file is gone".to_owned())
    }))
}

/// Records what an operator's command did (actor "cli"), then signs a checkpoint past it.
pub async fn record_command(
    store: &Store,
    cli: &Cli,
    action: &str,
    reason: String,
) -> anyhow::Result<()> {
    store
        .audit()
        .record(
            &Actor::anonymous(Some("cli".into()))
                .entry(action, now_utc())
                .because(reason),
        )
        .await?;
    checkpoint(store, cli, CheckpointEvent::Command).await
}

/// Appends a signed checkpoint of the trail's head now to the checkpoint log.
pub async fn checkpoint(store: &Store, cli: &Cli, event: CheckpointEvent) -> anyhow::Result<()> {
    write_checkpoint(store, &AuditFiles::of(cli).checkpoints, event).await
}

async fn write_checkpoint(
    store: &Store,
    path: &std::path::Path,
    event: CheckpointEvent,
) -> anyhow::Result<()> {
    let Some((_, line)) = store.audit().checkpoint(event, now_utc()).await? else {
        return Ok(());
    };
    append_line(path.to_owned(), line).await
}

async fn append_line(path: PathBuf, line: String) -> anyhow::Result<()> {
    // The append is synced to disk: off the async threads.
    tokio::task::spawn_blocking(move || {
        audit_files::append_checkpoint(&path, &line)
            .with_context(|| format!("cannot write the audit checkpoint to {}", path.display()))
    })
    .await?
}

/// The time of the newest digest checkpoint in the log (so a restart does not send another).
fn last_digest(cli: &Cli, keys: &AuditKeyring) -> Option<i64> {
    let text = audit_files::read_checkpoints(&AuditFiles::of(cli).checkpoints).ok()??;
    CheckpointLog::read(&text, keys)
        .good
        .iter()
        .filter(|c| c.event == CheckpointEvent::Digest)
        .map(|c| c.at)
        .max()
}

const DAY_SECONDS: i64 = 24 * 60 * 60;

/// The background task of `serve`: every `KAPFLOW_AUDIT_CHECKPOINT_SECONDS`, a checkpoint if
/// the head moved since the last one, and (with `KAPFLOW_AUDIT_DIGEST`) once a day the
/// digest email with a checkpoint in it. Ends when `stop` turns true.
pub fn spawn_checkpoints(
    store: Store,
    cli: &Cli,
    args: &ServeArgs,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let every = Duration::from_secs(args.audit_checkpoint_seconds.clamp(1, 3600));
    let digest = args.audit_digest;
    let path = AuditFiles::of(cli).checkpoints;
    let keys = store.audit().keys();
    let mut last_digest = if digest {
        last_digest(cli, &keys)
    } else {
        None
    };
    tokio::spawn(async move {
        let mut last_seq = match store.audit().head().await {
            Ok(head) => head.map_or(0, |(seq, _)| seq),
            Err(_) => -1,
        };
        loop {
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = stop.wait_for(|stopped| *stopped) => return,
            }
            let now = now_utc();
            match store.audit().head().await {
                Ok(head) => {
                    let seq = head.map_or(0, |(seq, _)| seq);
                    if seq != last_seq {
                        match write_checkpoint(&store, &path, CheckpointEvent::Periodic).await {
                            Ok(()) => last_seq = seq,
                            Err(e) => tracing::error!(error = %e, "audit checkpoint failed"),
                        }
                    }
                }
                Err(e) => tracing::error!(error = %e, "cannot read the audit trail's head"),
            }
            if digest && last_digest.is_none_or(|at| now.unix_timestamp() - at >= DAY_SECONDS) {
                match send_digest(&store, &path).await {
                    Ok(()) => last_digest = Some(now.unix_timestamp()),
                    Err(e) => tracing::error!(error = %e, "audit digest failed"),
                }
            }
        }
    })
}

/// Queues the daily digest to the owners: a checkpoint they keep outside this machine, so
/// cutting the trail short and the checkpoint file with it still shows against their copy.
/// The same checkpoint goes into the log (marked `digest`), which also says when the last
/// digest went out.
async fn send_digest(store: &Store, path: &std::path::Path) -> anyhow::Result<()> {
    let Some((_, line)) = store
        .audit()
        .checkpoint(CheckpointEvent::Digest, now_utc())
        .await?
    else {
        return Ok(());
    };
    let mut tx = store.begin().await?;
    kapflow_store::outbox::enqueue(
        &mut tx,
        &kapflow_store::outbox::Email::AuditDigest { line: line.clone() },
        now_utc(),
    )
    .await?;
    tx.commit().await?;
    append_line(path.to_owned(), line).await
}

/// `kapflow audit rotate-key`.
pub async fn rotate_key(cli: &Cli) -> anyhow::Result<ExitCode> {
    let files = AuditFiles::of(cli);
    let KeySource::File(path) = &files.key else {
        anyhow::bail!(
            "the audit key comes from KAPFLOW_AUDIT_KEY: add a new key (64 hex digits) at the end \
             of its comma-separated list, keep the old ones so older rows still verify, and \
             restart kapflow"
        );
    };
    let store = crate::open::open_keyed(cli).await?;
    // The rows so far are anchored by a checkpoint signed with the key that hashed them…
    checkpoint(&store, cli, CheckpointEvent::Rotate).await?;
    let (old, ring) = audit_files::rotate(path, new_secret()?)?;
    let new = ring.current().map_or(0, |k| k.generation());
    store.audit().use_keys(ring, reloader(&files.key));
    // …the rotation point is a row in the chain, the first one hashed with the new key…
    let now = now_utc();
    store
        .audit()
        .record(
            &Actor::anonymous(Some("cli".into()))
                .entry("audit.key_rotated", now)
                .because(format!(
                    "key generation {old} retired; rows from this one on are hashed with generation {new}"
                )),
        )
        .await?;
    // …and a checkpoint signed with the new key covers it.
    checkpoint(&store, cli, CheckpointEvent::Rotate).await?;
    store.close().await;
    println!(
        "The audit key is now generation {new} ({}); generation {old} is kept as {}.{old} so \
         older rows still verify. Back up both. Instances that read this key file pick up the \
         new key at their next write; give instances with their own copy the new key and \
         restart them.",
        path.display(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}
