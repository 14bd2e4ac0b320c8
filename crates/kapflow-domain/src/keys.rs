//! Keys kept outside the database, by kind: a 32-byte secret and its generation (1 for the
//! first key, one more at each rotation), and the ring of every generation an installation
//! holds. The audit trail is keyed with one kind ([`crate::audit::AuditKey`]), secrets kept in
//! the database are sealed with another ([`crate::sealed::SecretsKey`]); a key of one kind is
//! never read as the other, because each key file starts with its kind's tag.

use std::collections::BTreeMap;
use std::marker::PhantomData;

/// What a kind of key is called: the first word of its file, and its name in messages.
pub trait KeyKind {
    /// The first word of a key file of this kind.
    const TAG: &'static str;
    /// Its name in messages ("audit key").
    const NAME: &'static str;
}

/// A secret of kind `K` and its generation. Old generations are kept so what they hashed or
/// sealed can still be read.
pub struct Key<K> {
    generation: u32,
    secret: [u8; 32],
    kind: PhantomData<fn() -> K>,
}

impl<K> Clone for Key<K> {
    fn clone(&self) -> Self {
        Key {
            generation: self.generation,
            secret: self.secret,
            kind: PhantomData,
        }
    }
}

impl<K> PartialEq for Key<K> {
    fn eq(&self, other: &Self) -> bool {
        self.generation == other.generation && self.secret == other.secret
    }
}

impl<K> Eq for Key<K> {}

/// Never prints the secret, so a key in a struct that is logged stays out of the log.
impl<K: KeyKind> std::fmt::Debug for Key<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct(K::NAME)
            .field("generation", &self.generation)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Why a key or a key file was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("a key is 64 hexadecimal digits (32 bytes)")]
    Malformed,
    #[error("key generations are numbered from 1")]
    Generation,
    #[error("two different keys claim generation {0}")]
    Conflict(u32),
    #[error("a key file holds one line: `{0} <generation> <64 hex digits>`")]
    FileFormat(&'static str),
}

impl<K: KeyKind> Key<K> {
    pub fn new(generation: u32, secret: [u8; 32]) -> Result<Key<K>, KeyError> {
        if generation == 0 {
            return Err(KeyError::Generation);
        }
        Ok(Key {
            generation,
            secret,
            kind: PhantomData,
        })
    }

    /// A key from 64 hexadecimal digits.
    pub fn from_hex(generation: u32, hex_digits: &str) -> Result<Key<K>, KeyError> {
        let bytes = hex::decode(hex_digits.trim()).map_err(|_| KeyError::Malformed)?;
        let secret: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed)?;
        Key::new(generation, secret)
    }

    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// The key file's text: one line with the kind's tag, the generation and the secret in
    /// hex. The generation is inside the file (not only in its name) so renaming a file during
    /// a rotation can never make a key claim another generation.
    pub fn to_file_text(&self) -> String {
        format!(
            "{} {} {}\n",
            K::TAG,
            self.generation,
            hex::encode(self.secret)
        )
    }

    /// Reads [`Key::to_file_text`]'s format; a file of another kind is refused.
    pub fn from_file_text(text: &str) -> Result<Key<K>, KeyError> {
        let mut words = text.split_whitespace();
        let (Some(tag), Some(generation), Some(secret), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            return Err(KeyError::FileFormat(K::TAG));
        };
        if tag != K::TAG {
            return Err(KeyError::FileFormat(K::TAG));
        }
        let generation = generation
            .parse()
            .map_err(|_| KeyError::FileFormat(K::TAG))?;
        Key::from_hex(generation, secret)
    }

    /// The secret itself, for the MAC or cipher of this crate that uses it.
    pub(crate) fn secret(&self) -> &[u8; 32] {
        &self.secret
    }
}

/// Every key of kind `K` an installation has, by generation; the newest is used for new work.
pub struct Keyring<K> {
    keys: BTreeMap<u32, Key<K>>,
}

impl<K> Clone for Keyring<K> {
    fn clone(&self) -> Self {
        Keyring {
            keys: self.keys.clone(),
        }
    }
}

impl<K> Default for Keyring<K> {
    fn default() -> Self {
        Keyring {
            keys: BTreeMap::new(),
        }
    }
}

impl<K> PartialEq for Keyring<K> {
    fn eq(&self, other: &Self) -> bool {
        self.keys == other.keys
    }
}

impl<K> Eq for Keyring<K> {}

impl<K: KeyKind> std::fmt::Debug for Keyring<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.keys.values()).finish()
    }
}

impl<K: KeyKind> Keyring<K> {
    /// The ring of `keys`; the same generation twice is fine only with the same secret (a key
    /// file copied during an interrupted rotation).
    pub fn new(keys: impl IntoIterator<Item = Key<K>>) -> Result<Keyring<K>, KeyError> {
        let mut ring = Keyring::default();
        for key in keys {
            ring = ring.with(key)?;
        }
        Ok(ring)
    }

    /// This ring and one more key.
    pub fn with(&self, key: Key<K>) -> Result<Keyring<K>, KeyError> {
        let mut keys = self.keys.clone();
        match keys.get(&key.generation) {
            Some(old) if *old != key => return Err(KeyError::Conflict(key.generation)),
            _ => {
                keys.insert(key.generation, key);
            }
        }
        Ok(Keyring { keys })
    }

    /// The key new work is done with: the newest generation.
    pub fn current(&self) -> Option<&Key<K>> {
        self.keys.values().next_back()
    }

    pub fn get(&self, generation: u32) -> Option<&Key<K>> {
        self.keys.get(&generation)
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The generations held, oldest first.
    pub fn generations(&self) -> Vec<u32> {
        self.keys.keys().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct One;
    impl KeyKind for One {
        const TAG: &'static str = "kapflow-one-key";
        const NAME: &'static str = "one key";
    }
    struct Other;
    impl KeyKind for Other {
        const TAG: &'static str = "kapflow-other-key";
        const NAME: &'static str = "other key";
    }

    #[test]
    fn a_key_file_round_trips_and_is_refused_as_another_kind() {
        let key = Key::<One>::new(3, [7; 32]).expect("key");
        let text = key.to_file_text();
        assert!(text.starts_with("kapflow-one-key 3 0707"));
        assert_eq!(Key::<One>::from_file_text(&text), Ok(key));
        assert_eq!(
            Key::<Other>::from_file_text(&text),
            Err(KeyError::FileFormat("kapflow-other-key"))
        );
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let key = Key::<One>::new(1, [0xab; 32]).expect("key");
        let shown = format!("{key:?} {:?}", Keyring::new([key.clone()]).expect("ring"));
        assert!(!shown.contains("abab"), "{shown}");
        assert!(shown.contains("one key"));
    }

    #[test]
    fn a_ring_refuses_two_secrets_for_one_generation_and_keeps_the_newest_current() {
        let a = Key::<One>::new(1, [1; 32]).expect("key");
        let b = Key::<One>::new(2, [2; 32]).expect("key");
        let ring = Keyring::new([b.clone(), a.clone(), a.clone()]).expect("ring");
        assert_eq!(ring.current(), Some(&b));
        assert_eq!(ring.generations(), vec![1, 2]);
        assert_eq!(
            ring.with(Key::new(1, [9; 32]).expect("key")),
            Err(KeyError::Conflict(1))
        );
        assert_eq!(Key::<One>::new(0, [1; 32]), Err(KeyError::Generation));
    }
}
