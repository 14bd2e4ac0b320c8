//! The bare axum handler that `bench/run` loads in the same run as kapflow, so results are
//! ratios that survive a noisy machine. Usage: `bench-hello 127.0.0.1:PORT`.

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8089".to_owned());
    let app = Router::new().route("/", get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("bench-hello listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}
