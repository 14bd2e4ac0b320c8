//! The command line. Every setting is a flag and a `KAPFLOW_*` environment variable (README
//! lists them); `DATABASE_URL` keeps its conventional name.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "kapflow",
    version,
    about = "Practice software for ketamine-assisted psychotherapy"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Where kapflow keeps its embedded database (and, later, mail and backups).
    #[arg(
        long,
        env = "KAPFLOW_DATA_DIR",
        default_value = "kapflow-data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// postgres://… to run on PostgreSQL, sqlite://PATH for another SQLite file; unset for the
    /// embedded database under the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Log filter, in tracing's EnvFilter syntax.
    #[arg(
        long,
        env = "KAPFLOW_LOG",
        default_value = "info,sqlx=warn",
        global = true
    )]
    pub log: String,

    /// Log line format.
    #[arg(long, env = "KAPFLOW_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// The audit key file (retired keys beside it as FILE.N). Unset: `audit-key` in the data
    /// directory, made at first start. The key itself may instead be given in hex in the
    /// environment as KAPFLOW_AUDIT_KEY (never a flag: flags show in the process list).
    #[arg(long, env = "KAPFLOW_AUDIT_KEY_FILE", global = true)]
    pub audit_key_file: Option<PathBuf>,

    /// The secrets key file, which seals second-factor secrets in the database (retired keys
    /// beside it as FILE.N). Unset: `secrets-key` in the data directory, made at first start.
    /// The key may instead be given in hex in the environment as KAPFLOW_SECRETS_KEY.
    #[arg(long, env = "KAPFLOW_SECRETS_KEY_FILE", global = true)]
    pub secrets_key_file: Option<PathBuf>,
}

#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Run the web server (the default).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Check the database's integrity and the audit trail (its keyed hash chain and the signed
    /// checkpoints in the data directory).
    Check(CheckArgs),
    /// The audit trail's key.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write an encrypted, checked backup of the embedded database while kapflow runs.
    Backup(BackupArgs),
    /// Make the key pair backups are encrypted to: writes the identity (secret) to a file and
    /// prints its recipient (public key).
    BackupKey(BackupKeyArgs),
    /// Put a backup back: decrypt, verify, and only then replace the database.
    Restore(RestoreArgs),
    /// Write the whole practice to a directory: a CSV file per table with a manifest of row
    /// counts and SHA-256 sums, and every client's record as FHIR bulk NDJSON.
    Export(ExportArgs),
    /// Load an export into a new, empty database (SQLite or PostgreSQL), then verify its row
    /// counts, file sums and audit chain.
    Import(ImportArgs),
    /// The key that seals second-factor secrets in the database.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Manage accounts from the command line (operators).
    #[command(subcommand)]
    User(UserCommand),
    /// Fill the database with a practice of invented people (for demos, screenshots and
    /// benchmarks), made through the app's own records; refuses a real practice.
    DemoData(DemoDataArgs),
}

#[derive(Args, Debug, Clone)]
pub struct DemoDataArgs {
    /// How many clients to invent, their courses at every stage.
    #[arg(long, default_value_t = 200)]
    pub clients: u64,
    /// The same seed makes the same practice (people, stages, scores, sessions); its dates are
    /// counted back from the day it runs.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Password of the staff accounts it makes (at least 12 characters). Unset: a new random
    /// one, printed at the end.
    #[arg(long, env = "KAPFLOW_DEMO_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// Load even into a database holding clients or inquiries demo-data did not make (a
    /// scratch copy of a real practice, say).
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// A checkpoint line kept elsewhere (from the daily digest email) to compare the trail
    /// with, besides the checkpoint file; may be given more than once.
    #[arg(long = "checkpoint", value_name = "LINE")]
    pub checkpoints: Vec<String>,
}

#[derive(Subcommand, Debug, Clone)]
pub enum AuditCommand {
    /// Replace the audit key with a new one: the old key is kept as audit-key.N so the rows it
    /// hashed still verify; new rows and checkpoints use the new key.
    RotateKey,
}

#[derive(Args, Debug, Clone)]
pub struct BackupArgs {
    /// The directory backups are written to (made if missing).
    #[arg(long, env = "KAPFLOW_BACKUP_DIR")]
    pub to: PathBuf,
    /// An age recipient (public key, age1…) the backup is encrypted to; may be given more than
    /// once (comma-separated in the environment).
    #[arg(
        long = "recipient",
        env = "KAPFLOW_BACKUP_RECIPIENT",
        value_delimiter = ','
    )]
    pub recipients: Vec<String>,
    /// How many backups to keep in the directory; older ones are removed after a new one is
    /// written and synced.
    #[arg(long, env = "KAPFLOW_BACKUP_KEEP", default_value_t = 30)]
    pub keep: usize,
}

#[derive(Args, Debug, Clone)]
pub struct BackupKeyArgs {
    /// Where to write the identity (a new file, readable by its owner only).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Args, Debug, Clone)]
pub struct ExportArgs {
    /// A new (or empty) directory to write the export into.
    #[arg(long)]
    pub to: PathBuf,
}

#[derive(Args, Debug, Clone)]
pub struct ImportArgs {
    /// The directory `kapflow export` wrote.
    #[arg(long)]
    pub from: PathBuf,
}

#[derive(Args, Debug, Clone)]
pub struct RestoreArgs {
    /// The backup file (kapflow-backup-….age).
    #[arg(long)]
    pub from: PathBuf,
    /// The age identity file that opens it (from `kapflow backup-key`).
    #[arg(long)]
    pub identity: PathBuf,
    /// Replace a database that is already in the data directory (stop kapflow first); it is
    /// kept beside as kapflow.db.before-restore-<time>.
    #[arg(long)]
    pub force: bool,
}

#[derive(Subcommand, Debug, Clone)]
pub enum SecretsCommand {
    /// Replace the secrets key with a new one and re-seal every stored secret with it; the old
    /// key is kept as secrets-key.N for database backups taken before.
    RotateKey,
}

#[derive(Subcommand, Debug, Clone)]
pub enum UserCommand {
    /// Invite someone: prints a single-use invitation link bound to their address.
    Add {
        #[arg(long)]
        email: String,
        /// therapist, front_desk or prescriber.
        #[arg(long)]
        role: String,
        /// The address people use to reach kapflow, for the link (as `kapflow serve` is
        /// configured); without it, the address kapflow listens on.
        #[arg(long, env = "KAPFLOW_PUBLIC_URL")]
        public_url: Option<String>,
        /// Where `kapflow serve` listens, for the link when no public address is set.
        #[arg(long, env = "KAPFLOW_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// A prescriber's partner organisation, by name: set on the account when the
        /// invitation is accepted (added to the list of partner organisations if new).
        #[arg(long)]
        org: Option<String>,
    },
    /// List every account.
    List,
    /// Disable an account; its sessions end at once.
    Disable {
        #[arg(long)]
        email: String,
    },
}

impl Default for Command {
    fn default() -> Self {
        // `kapflow` alone serves with every setting from the environment or its default.
        Command::Serve(ServeArgs::parse_from_env())
    }
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "KAPFLOW_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Serve /metrics on this address and port only (e.g. one only the monitoring network
    /// reaches); the main address then answers /metrics with 404. Unset: /metrics is served on
    /// the main address.
    #[arg(long, env = "KAPFLOW_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// The address people use to reach kapflow (for links); defaults to http://LISTEN.
    #[arg(long, env = "KAPFLOW_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Seconds a request, body included, may take.
    #[arg(long, env = "KAPFLOW_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "KAPFLOW_MAX_BODY_BYTES", default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,

    /// SMTP server for outgoing mail, e.g. smtps://user:pass@mail.example.org:465. Unset: mail
    /// is written as .eml files under DATA_DIR/mail.
    #[arg(long, env = "KAPFLOW_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Minutes a staff session may sit idle (5–30).
    #[arg(long, env = "KAPFLOW_STAFF_IDLE_MINUTES", default_value_t = 30)]
    pub staff_idle_minutes: i64,

    /// Minutes a client session may sit idle (5–15).
    #[arg(long, env = "KAPFLOW_CLIENT_IDLE_MINUTES", default_value_t = 15)]
    pub client_idle_minutes: i64,

    /// Proxies (comma-separated addresses or CIDR networks) whose X-Forwarded-For names the
    /// client. Unset: the connecting address is the client and forwarding headers are ignored.
    #[arg(long, env = "KAPFLOW_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,

    /// Inquiries the public form accepts from one IP address per hour.
    #[arg(long, env = "KAPFLOW_INQUIRIES_PER_HOUR", default_value_t = 5)]
    pub inquiries_per_hour: i64,

    /// Seconds between rounds of the mail worker (sending queued mail, escalating overdue
    /// safety alerts), 1–3600.
    #[arg(long, env = "KAPFLOW_OUTBOX_POLL_SECONDS", default_value_t = 1)]
    pub outbox_poll_seconds: u64,

    /// Seconds between checks for new audit rows; when there are any, a signed checkpoint of
    /// the trail's head is appended to audit-checkpoints.log (1–3600).
    #[arg(long, env = "KAPFLOW_AUDIT_CHECKPOINT_SECONDS", default_value_t = 300)]
    pub audit_checkpoint_seconds: u64,

    /// Email the owner a signed checkpoint of the audit trail once a day, a copy outside this
    /// machine to check against (`kapflow check --checkpoint LINE`).
    #[arg(long, env = "KAPFLOW_AUDIT_DIGEST")]
    pub audit_digest: bool,

    /// The sender of kapflow's emails.
    #[arg(
        long,
        env = "KAPFLOW_MAIL_FROM",
        default_value = "kapflow <kapflow@localhost>"
    )]
    pub mail_from: String,
}

impl ServeArgs {
    fn parse_from_env() -> ServeArgs {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            args: ServeArgs,
        }
        Only::parse_from(["kapflow"]).args
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum LogFormat {
    Text,
    Json,
}
