//! `kapflow serve`: open and migrate the database, print where to go, serve until a signal.

use crate::cli::{Cli, ServeArgs};
use anyhow::Context;
use kapflow_domain::audit_checkpoint::CheckpointEvent;
use kapflow_web::{AppState, WebConfig};
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

pub async fn run(cli: &Cli, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let store = crate::open::open_keyed(cli).await?;
    // A signed checkpoint of the audit trail's head at every start, before anything is served.
    crate::audit::checkpoint(&store, cli, CheckpointEvent::Start).await?;
    // Before anyone can connect, so a stop request is always a graceful one.
    let shutdown = shutdown_signal();
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let bound = listener.local_addr()?;
    let metrics_listener = match args.metrics_listen {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr} for metrics"))?,
        ),
        None => None,
    };
    let public_url = args
        .public_url
        .clone()
        .map(|u| u.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| format!("http://{bound}"));
    let config = WebConfig {
        public_url: public_url.clone(),
        request_timeout: Duration::from_secs(args.request_timeout_secs.max(1)),
        max_body_bytes: args.max_body_bytes,
        inquiries_per_hour: args.inquiries_per_hour.max(1),
        idle: kapflow_domain::session_policy::IdleLimits::new(
            time::Duration::minutes(args.staff_idle_minutes),
            time::Duration::minutes(args.client_idle_minutes),
        ),
        trusted_proxies: kapflow_web::client_ip::TrustedProxies::parse(&args.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("KAPFLOW_TRUSTED_PROXIES: {e}"))?,
        metrics_on_main: metrics_listener.is_none(),
    };

    store
        .site()
        .seed(
            &kapflow_web::site::seed::sections(),
            kapflow_domain::time_util::now_utc(),
        )
        .await
        .context("cannot create the public site's first content")?;
    let mut notice = String::new();
    if let Some(link) = kapflow_web::setup_link::issue_if_needed(&store, &public_url).await? {
        notice.push_str(
            "Set up the practice's owner account with this one-time link (valid 24 hours):\n",
        );
        notice.push_str(&format!("  {link}\n"));
    }
    if let Some(l) = &metrics_listener {
        notice.push_str(&format!(
            "Prometheus metrics are served on http://{}/metrics only\n",
            l.local_addr()?
        ));
    }
    // Printed last: scripts and tests wait for this line.
    notice.push_str(&format!(
        "kapflow {} is listening on {public_url}\n",
        env!("CARGO_PKG_VERSION")
    ));
    // Not println!: it panics when nobody reads stdout any more, and a server must not.
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(notice.as_bytes()).and_then(|()| out.flush());
    drop(out);
    tracing::info!(backend = ?store.backend(), "serving");

    let mailer =
        kapflow_web::mail::Mailer::new(args.smtp_url.as_deref(), cli.data_dir.join("mail"))
            .map_err(anyhow::Error::msg)?;
    let from = args
        .mail_from
        .parse()
        .map_err(|_| anyhow::anyhow!("KAPFLOW_MAIL_FROM is not an email address"))?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let checkpoints =
        crate::audit::spawn_checkpoints(store.clone(), cli, args, stop_tx.subscribe());
    let worker = tokio::spawn(kapflow_web::mail::run_outbox_worker(
        store.clone(),
        kapflow_web::mail::MailContext {
            mailer,
            from,
            public_url: public_url.clone(),
        },
        format!("{}-{}", bound, std::process::id()),
        std::time::Duration::from_secs(args.outbox_poll_seconds.clamp(1, 3600)),
        stop_rx,
    ));

    let state = AppState::new(store.clone(), config);
    state.install_fhir(std::sync::Arc::new(kapflow_fhir::api::Server));
    // The metrics listener stops with the mail worker, once the main server has finished.
    let metrics_server = metrics_listener.map(|l| {
        let mut stop = stop_tx.subscribe();
        let app = kapflow_web::metrics_app(state.clone());
        tokio::spawn(async move {
            axum::serve(l, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|stopped| *stopped).await;
                })
                .await
        })
    });
    let app = kapflow_web::app(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("server error")?;
    let _ = stop_tx.send(true);
    let _ = worker.await;
    let _ = checkpoints.await;
    // The last checkpoint covers every row this process wrote.
    if let Err(e) = crate::audit::checkpoint(&store, cli, CheckpointEvent::Stop).await {
        tracing::error!(error = %e, "no audit checkpoint at shutdown");
    }
    if let Some(m) = metrics_server
        && let Ok(Err(e)) = m.await
    {
        tracing::warn!(error = %e, "metrics listener failed");
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM; in-flight requests then finish before exit.
///
/// The SIGTERM handler is installed here, when called (before the listener serves), not when
/// the future is first polled: axum polls it from a task of its own, which under load may run
/// after the first request is answered, and a SIGTERM before it would end the process at once.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let term = async {
            match term {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            () = ctrl_c => {},
            () = term => {},
        }
        tracing::info!("shutting down");
    }
}
