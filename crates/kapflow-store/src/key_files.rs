//! Key files beside the database, for every kind of key (the audit key, the secrets key):
//! reading a key and its retired generations, making the first one, rotating.
//!
//! A key is `<name>` (mode 0600, refused if others can read it), or a file named by an
//! environment variable, or hex in the environment; a rotation keeps each retired key beside
//! the current one as `<name>.<generation>`, so what it hashed or sealed can still be read.
//! These are small files read and written with std::fs at start, shutdown and rotation; none
//! of it is on a request's path.

use kapflow_domain::keys::{Key, KeyError, KeyKind, Keyring};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where this process's keys of one kind come from.
#[derive(Clone)]
pub enum KeySource {
    /// An environment variable (`KAPFLOW_AUDIT_KEY`, `KAPFLOW_SECRETS_KEY`): keys in hex,
    /// comma-separated, oldest first; the generation of each is its position (1, 2, …), the
    /// last one is current.
    Env(String),
    /// A key file (the current key); retired keys sit beside it as `<name>.<generation>`.
    File(PathBuf),
}

/// Names the source, never the key.
impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Env(_) => f.write_str("the environment"),
            KeySource::File(p) => write!(f, "{}", p.display()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Key { path: String, source: KeyError },
    #[error(
        "{path} can be read or written by other users (mode {mode:o}); a key must be kapflow's alone: chmod 600 {path}"
    )]
    Exposed { path: String, mode: u32 },
    #[error("the key in the environment: {0}")]
    Env(KeyError),
    #[error("{0}")]
    Refused(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyFileError + '_ {
    move |source| KeyFileError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The keys of `source`; `None` when it is a key file that does not exist yet.
pub fn load<K: KeyKind>(source: &KeySource) -> Result<Option<Keyring<K>>, KeyFileError> {
    match source {
        KeySource::Env(list) => {
            let keys = list
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .enumerate()
                .map(|(i, hex)| {
                    let generation = u32::try_from(i + 1).map_err(|_| KeyError::Generation)?;
                    Key::from_hex(generation, hex)
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(KeyFileError::Env)?;
            if keys.is_empty() {
                return Err(KeyFileError::Env(KeyError::Malformed));
            }
            Keyring::new(keys).map(Some).map_err(KeyFileError::Env)
        }
        KeySource::File(path) => {
            if !path.exists() {
                return Ok(None);
            }
            let current = read_key(path)?;
            let mut ring = Keyring::new([current.clone()]).map_err(|source| KeyFileError::Key {
                path: path.display().to_string(),
                source,
            })?;
            for retired in retired_files(path)? {
                let key = read_key(&retired)?;
                ring = ring.with(key).map_err(|source| KeyFileError::Key {
                    path: retired.display().to_string(),
                    source,
                })?;
            }
            if ring.current() != Some(&current) {
                return Err(KeyFileError::Refused(format!(
                    "{} holds key generation {}, but a retired key beside it is newer: put the newest key back as {}",
                    path.display(),
                    current.generation(),
                    path.display()
                )));
            }
            Ok(Some(ring))
        }
    }
}

/// Reads one key file, refusing one that others may read.
fn read_key<K: KeyKind>(path: &Path) -> Result<Key<K>, KeyFileError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(io(path))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(KeyFileError::Exposed {
                path: path.display().to_string(),
                mode: mode & 0o777,
            });
        }
    }
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    Key::from_file_text(&text).map_err(|source| KeyFileError::Key {
        path: path.display().to_string(),
        source,
    })
}

/// The retired keys' files beside `path`: `<name>.<digits>`.
fn retired_files(path: &Path) -> Result<Vec<PathBuf>, KeyFileError> {
    let dir = directory_of(path);
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Ok(Vec::new());
    };
    let prefix = format!("{name}.");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
        let entry = entry.map_err(io(&dir))?;
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        if file_name
            .strip_prefix(&prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

fn directory_of(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_owned)
}

/// Writes `text` to a new file at `path`, readable by its owner only, and syncs it. Fails if
/// the file exists.
fn write_private(path: &Path, text: &str) -> Result<(), KeyFileError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io(path))?;
    file.write_all(text.as_bytes()).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

/// Makes a directory's new entries durable (a rename or link survives a power cut).
fn sync_dir(dir: &Path) {
    // Not every platform can open a directory; the file itself is already synced.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// A temporary name beside `path`, unique to this process.
fn temporary(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", std::process::id()));
    directory_of(path).join(name)
}

/// Makes the first key (generation 1) at `path` from `secret`, unless another process made
/// one a moment earlier (two instances starting on one data directory): then that one is
/// returned. The file appears whole or not at all (written aside, then hard-linked into place,
/// which unlike a rename never replaces a key that is already there).
pub fn create<K: KeyKind>(path: &Path, secret: [u8; 32]) -> Result<Keyring<K>, KeyFileError> {
    let key = Key::<K>::new(1, secret).map_err(|source| KeyFileError::Key {
        path: path.display().to_string(),
        source,
    })?;
    let tmp = temporary(path);
    let _ = std::fs::remove_file(&tmp);
    write_private(&tmp, &key.to_file_text())?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => sync_dir(&directory_of(path)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io(path)(e)),
    }
    load(&KeySource::File(path.to_owned()))?
        .ok_or_else(|| KeyFileError::Refused(format!("{} vanished", path.display())))
}

/// Rotates the key file at `path`: keeps the current key as `<path>.<generation>`, then puts a
/// new key of the next generation from `secret` in its place. Returns the old and new keys'
/// generations and the new ring.
///
/// Order matters for a crash in between: the retired copy is written (and synced) before the
/// current file is replaced by a rename, so at every moment both keys needed are on disk.
pub fn rotate<K: KeyKind>(
    path: &Path,
    secret: [u8; 32],
) -> Result<(u32, Keyring<K>), KeyFileError> {
    let source = KeySource::File(path.to_owned());
    let ring = load::<K>(&source)?.ok_or_else(|| {
        KeyFileError::Refused(format!(
            "no {} at {}: start kapflow once to make one",
            K::NAME,
            path.display()
        ))
    })?;
    let Some(old) = ring.current().cloned() else {
        return Err(KeyFileError::Refused(format!("no current {}", K::NAME)));
    };
    let new = Key::<K>::new(old.generation() + 1, secret).map_err(|source| KeyFileError::Key {
        path: path.display().to_string(),
        source,
    })?;
    let mut retired = path.as_os_str().to_os_string();
    retired.push(format!(".{}", old.generation()));
    let retired = PathBuf::from(retired);
    if !retired.exists() {
        write_private(&retired, &old.to_file_text())?;
    }
    let tmp = temporary(path);
    let _ = std::fs::remove_file(&tmp);
    write_private(&tmp, &new.to_file_text())?;
    std::fs::rename(&tmp, path).map_err(io(path))?;
    sync_dir(&directory_of(path));
    let ring = load::<K>(&source)?
        .ok_or_else(|| KeyFileError::Refused(format!("{} vanished", path.display())))?;
    if ring.current().map(Key::generation) != Some(new.generation()) {
        return Err(KeyFileError::Refused(format!(
            "the new {} did not take its place",
            K::NAME
        )));
    }
    Ok((old.generation(), ring))
}
