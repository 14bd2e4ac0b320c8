//! Deny by default: every route declares who may call it, and one middleware checks it before
//! any handler runs. A route the registry does not know is refused, so forgetting to declare a
//! route cannot open it.

use super::CurrentUser;
use super::cookie;
use crate::AppState;
use crate::client_ip::ClientIp;
use crate::error::AppError;
use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use kapflow_domain::access::{Action, Relationship, decide, staff_may_ever};
use kapflow_domain::session_policy::{SessionState, session_state, step_up_fresh};
use kapflow_domain::time_util::now_utc;
use kapflow_domain::token::token_hash;
use kapflow_domain::{Actor, AuditOutcome, Role};
use kapflow_store::access::ClientDecision;
use std::sync::Arc;
use time::Duration;

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Signed in with a password; the second factor may still be pending (its own pages,
    /// sign-out).
    PasswordOnly,
    /// Signed in with both factors, and the policy allows this role the action.
    Policy(Action),
    /// A route about one client (its path has `{client}`): the policy is decided with the
    /// caller's relationship to that client. A role that could never do the action is refused
    /// (403); a client outside the caller's reach is answered 404, so its existence is not
    /// revealed. Both refusals are audited; every allowed read is audited too.
    Client(Action),
    /// A page of the client portal: only a client, fully signed in, whose account belongs to a
    /// client record; the record comes from the account, never from the request. Staff are
    /// refused (403); every read is audited.
    Portal,
    /// The FHIR read API: a bearer token the owner made, never a session (`auth::api_token`);
    /// what the token reaches is the store's to decide, client by client.
    ApiToken,
}

/// The store's proof that the caller may act on the client in the path, as a handler
/// argument (only `Access::Client` routes have one).
#[derive(Clone, Copy, Debug)]
pub struct ClientAccess(pub kapflow_store::ClientAccess);

impl ClientAccess {
    /// The proof for reading clinical content; a caller who may not read it is answered as if
    /// the record did not exist.
    pub fn clinical_or_404(&self) -> Result<kapflow_store::ClinicalAccess, AppError> {
        self.0.clinical().ok_or(AppError::NotFound)
    }
}

impl std::ops::Deref for ClientAccess {
    type Target = kapflow_store::ClientAccess;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// The narrower proof that the caller may read this client's clinical record, for handlers of
/// clinical pages; answers 404 (like any record out of reach) when the caller may not.
#[derive(Clone, Copy, Debug)]
pub struct ClinicalAccess(pub kapflow_store::ClinicalAccess);

impl std::ops::Deref for ClinicalAccess {
    type Target = kapflow_store::ClinicalAccess;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

#[derive(Clone, Debug)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    /// A sensitive action (../shared/design/security.md): the caller confirms with their code
    /// first when the session's last confirmation is not fresh.
    pub step_up: bool,
    /// For a form whose page is elsewhere: the page (a route template) to come back to after
    /// the step-up.
    pub step_up_back: Option<&'static str>,
}

/// Every route of the app with its access rule, built alongside the router.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    specs: Vec<RouteSpec>,
    /// path → (method, index into `specs`): the check runs on every request.
    index: std::collections::HashMap<&'static str, Vec<(Method, usize)>>,
}

impl Registry {
    pub fn add(&mut self, method: Method, path: &'static str, access: Access) {
        self.index
            .entry(path)
            .or_default()
            .push((method.clone(), self.specs.len()));
        self.specs.push(RouteSpec {
            method,
            path,
            access,
            step_up: false,
            step_up_back: None,
        });
    }

    /// Marks the route added last as one that needs a fresh step-up; `back` is the page its
    /// form is on when that is not the route's own path or a page above it.
    pub fn confirm_last(&mut self, back: Option<&'static str>) {
        if let Some(spec) = self.specs.last_mut() {
            spec.step_up = true;
            spec.step_up_back = back;
        }
    }

    pub fn specs(&self) -> &[RouteSpec] {
        &self.specs
    }

    fn find(&self, method: &Method, path: &str) -> Option<&RouteSpec> {
        // HEAD is answered by GET handlers.
        let method = if method == Method::HEAD {
            &Method::GET
        } else {
            method
        };
        self.index
            .get(path)?
            .iter()
            .find(|(m, _)| m == method)
            .and_then(|(_, i)| self.specs.get(*i))
    }

    fn knows_path(&self, path: &str) -> bool {
        self.index.contains_key(path)
    }
}

/// Activity is written back at most this often, so browsing is not a write per request.
const TOUCH_EVERY: Duration = Duration::seconds(60);

fn login_redirect(req: &Request, reason: Option<&str>) -> Response {
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    let mut url = format!("{}?", crate::paths::LOGIN);
    url.push_str(
        &form_urlencoded::Serializer::new(String::new())
            .append_pair("next", &target)
            .finish(),
    );
    if let Some(r) = reason {
        url.push('&');
        url.push_str(r);
    }
    Redirect::to(&url).into_response()
}

pub async fn enforce(
    State((state, registry)): State<(AppState, Arc<Registry>)>,
    req: Request,
    next: Next,
) -> Response {
    let method = req.method().clone();
    if !method.is_safe() {
        // Whatever it changes may change someone's navigation counts on this instance.
        state.nav_counts.changed();
    }
    let res = match check(&state, &registry, req, next).await {
        Ok(r) | Err(r) => r,
    };
    // Every routed request passes here with the app's state: the one place to see whether
    // writes land (for readiness).
    state.write_health.note(&method, res.status());
    res
}

async fn check(
    state: &AppState,
    registry: &Registry,
    req: Request,
    next: Next,
) -> Result<Response, Response> {
    let Some(path) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
    else {
        // Unrouted: the fallback answers 404.
        return Ok(next.run(req).await);
    };
    let Some(spec) = registry.find(req.method(), &path) else {
        if registry.knows_path(&path) {
            // A declared path asked with another method: let axum answer 405.
            return Ok(next.run(req).await);
        }
        tracing::error!(route = %path, "route has no access policy; refused");
        return Err(AppError::Forbidden.into_response());
    };
    let access = spec.access;
    let confirm = spec.step_up;
    let confirm_back = spec.step_up_back;
    if access == Access::Public {
        return Ok(next.run(req).await);
    }
    if access == Access::ApiToken {
        return super::api_token::check(state, req, next).await;
    }

    let (mut parts, body) = req.into_parts();
    let ClientIp(ip) = ClientIp::from_request_parts(&mut parts, state)
        .await
        .unwrap_or(ClientIp(None));
    let tls = state.config.served_over_tls();
    let mut req = Request::from_parts(parts, body);
    let Some(token) = cookie::read(req.headers(), tls) else {
        return Err(login_redirect(&req, None));
    };
    let now = now_utc();
    let record = match state.store.sessions().by_token(&token_hash(&token)).await {
        Ok(Some(r)) => r,
        Ok(None) => return Err(login_redirect(&req, None)),
        Err(e) => return Err(AppError::from(e).into_response()),
    };
    let actor = Actor::user(
        record.user.id,
        record.user.role,
        Some(record.id),
        ip.clone(),
    );
    let ended = if record.user.disabled {
        Some(("session.ended_disabled", "account disabled"))
    } else {
        match session_state(
            &state.config.idle,
            record.user.role,
            record.created_at,
            record.last_seen_at,
            now,
        ) {
            SessionState::Active => None,
            SessionState::IdleExpired => Some(("session.expired", "idle timeout")),
            SessionState::LifetimeExpired => Some(("session.expired", "absolute lifetime")),
        }
    };
    if let Some((action, why)) = ended {
        let mut entry_actor = actor.clone();
        entry_actor.ip = ip.clone();
        if let Err(e) = state
            .store
            .sessions()
            .end(record.id, &entry_actor, action, now)
            .await
        {
            return Err(AppError::from(e).into_response());
        }
        tracing::info!(reason = why, "session ended");
        let mut res = login_redirect(&req, Some("expired=1"));
        res.headers_mut()
            .append(axum::http::header::SET_COOKIE, cookie::clear(tls));
        return Err(res);
    }
    if now - record.last_seen_at >= TOUCH_EVERY
        && let Err(e) = state.store.sessions().touch(record.id, now).await
    {
        return Err(AppError::from(e).into_response());
    }

    let mut client_access = None;
    let mut portal_access = None;
    if matches!(
        access,
        Access::Policy(_) | Access::Client(_) | Access::Portal
    ) && !record.mfa_verified
    {
        let to = if record.mfa_enrolled {
            crate::paths::LOGIN_MFA
        } else {
            crate::paths::MFA_ENROL
        };
        return Err(Redirect::to(to).into_response());
    }
    if access == Access::Portal {
        let read = req.method() == Method::GET;
        portal_access =
            Some(super::portal::portal_check(state, &record, &actor, read, &path, now).await?);
    }
    if let Access::Policy(action) | Access::Client(action) = access {
        let role_level = match access {
            // Could this role do the action to some client at all? These are the staff's
            // client pages: a client's own record will have its own portal routes.
            Access::Client(_) => staff_may_ever(record.user.role, action),
            _ => decide(record.user.role, action, Relationship::None),
        };
        if let kapflow_domain::access::Decision::Deny(why) = role_level {
            if record.user.role == Role::Client
                && req.method() == Method::GET
                && path == crate::paths::DASHBOARD
            {
                // A client's landing page is the portal (after sign-in, `next` is the dashboard).
                return Err(Redirect::to(crate::paths::PORTAL).into_response());
            }
            // A client is not told that a staff page exists at all.
            let status = if record.user.role == Role::Client {
                AppError::NotFound
            } else {
                AppError::Forbidden
            };
            return Err(super::portal::refused(state, &actor, &path, now, why, status).await);
        }
        if let Access::Client(action) = access {
            let (mut parts, body) = req.into_parts();
            let raw = axum::extract::RawPathParams::from_request_parts(&mut parts, &())
                .await
                .ok();
            req = Request::from_parts(parts, body);
            let client = raw
                .as_ref()
                .and_then(|p| {
                    p.iter()
                        .find(|(k, _)| *k == "client")
                        .map(|(_, v)| v.to_owned())
                })
                .and_then(|v| kapflow_domain::ClientId::parse(&v));
            let ca = client_check(state, &record, &actor, action, client, &path, now).await?;
            if req.method() == Method::GET {
                // Every read of a client's record is audited, break-glass reads marked so.
                let mut entry = actor
                    .entry("client.viewed", now)
                    .record("route", &path)
                    .client(ca.client());
                if ca.relationship() == Relationship::BreakGlass {
                    entry.reason = Some("break-glass".into());
                }
                if let Err(e) = state.audit_reads().record(entry).await {
                    return Err(AppError::from(e).into_response());
                }
            }
            client_access = Some(ca);
        }
    }

    let csrf = record.csrf_token.clone();
    let confirmed = step_up_fresh(record.step_up_at, now);
    let mut req = req;
    if let Some(ca) = client_access {
        req.extensions_mut().insert(ca);
    }
    if let Some(pa) = portal_access {
        req.extensions_mut().insert(pa);
    }
    req.extensions_mut().insert(CurrentUser {
        session: record,
        ip,
    });
    let mut once = None;
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let (checked, form_key) = verify_csrf(state, req, &csrf, &actor, &path).await?;
        req = checked;
        once = form_key;
    }
    if confirm && !confirmed {
        return Err(step_up_redirect(registry, &req, &path, confirm_back));
    }
    if let Some((key, hash)) = once {
        let who = actor.user.map(|(u, _)| u.to_string()).unwrap_or_default();
        return Ok(crate::form_once::run(state, &who, &key, &hash, req, next).await);
    }
    Ok(next.run(req).await)
}

/// To the step-up page, and back afterwards: to this page for a read; for a form, to the page
/// the form is on — the page the route names, or the same path when it has a page, else the
/// nearest page above it (`/staff/{id}/role` → `/staff`) — where the person sends it again.
fn step_up_redirect(
    registry: &Registry,
    req: &Request,
    path: &str,
    back: Option<&'static str>,
) -> Response {
    if req.method() == Method::GET {
        let here = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into());
        return ask_step_up(&here);
    }
    // The route template and the concrete path have the same segments.
    let template: Vec<&str> = path.split('/').collect();
    let concrete: Vec<&str> = req.uri().path().split('/').collect();
    if let Some(page) = back {
        // The page's parameters take their values from this request's path.
        let filled: Vec<String> = page
            .split('/')
            .map(|seg| {
                template
                    .iter()
                    .position(|t| *t == seg && seg.starts_with('{'))
                    .and_then(|i| concrete.get(i))
                    .map_or_else(|| seg.to_owned(), |v| (*v).to_owned())
            })
            .collect();
        return ask_step_up(&filled.join("/"));
    }
    let back = (2..=template.len().min(concrete.len()))
        .rev()
        .find(|n| {
            registry
                .find(&Method::GET, &template[..*n].join("/"))
                .is_some()
        })
        .map(|n| concrete[..n].join("/"))
        .unwrap_or_else(|| crate::paths::DASHBOARD.to_owned());
    ask_step_up(&back)
}

/// The step-up page, coming back to `back_to` once confirmed: the one way a sensitive action
/// asks for the code (routes marked `confirmed`, and handlers whose action is sensitive only
/// in some cases, through `routes::mfa::require_step_up`).
pub fn ask_step_up(back_to: &str) -> Response {
    let next: String = form_urlencoded::byte_serialize(back_to.as_bytes()).collect();
    Redirect::to(&format!("{}?next={next}", crate::paths::STEP_UP)).into_response()
}

/// Decides a `Client` route against the caller's standing with the client in the path; a
/// refusal is audited and answered 404.
async fn client_check(
    state: &AppState,
    record: &kapflow_store::sessions::SessionRecord,
    actor: &Actor,
    action: Action,
    client: Option<kapflow_domain::ClientId>,
    path: &str,
    now: time::OffsetDateTime,
) -> Result<ClientAccess, Response> {
    let Some(client) = client else {
        return Err(AppError::NotFound.into_response());
    };
    let decision = state
        .store
        .access()
        .to_client(record.user.id, record.user.role, action, client, now)
        .await
        .map_err(|e| AppError::from(e).into_response())?;
    let (why, about) = match decision {
        ClientDecision::Allowed(access) => return Ok(ClientAccess(access)),
        ClientDecision::NoSuchClient => ("no such client", None),
        ClientDecision::Denied(why) => (why, Some(client)),
    };
    let mut entry = actor
        .entry("access.denied", now)
        .record("route", path)
        .outcome(AuditOutcome::Denied, Some(why));
    if let Some(c) = about {
        entry = entry.client(c);
    }
    state
        .store
        .audit()
        .record(&entry)
        .await
        .map_err(|e| AppError::from(e).into_response())?;
    Err(AppError::NotFound.into_response())
}

/// The form's `_csrf` field (or an `x-csrf-token` header, for htmx and scripts) must carry
/// this session's token. The body is read here and handed on unchanged.
/// A form's once-only key and the hash of what it sent (see `crate::form_once`).
type FormKey = (String, Vec<u8>);

/// Checks the form token; returns the request (its body buffered) and the form's `_key`, if it
/// carries one.
async fn verify_csrf(
    state: &AppState,
    req: Request,
    expected: &str,
    actor: &Actor,
    path: &str,
) -> Result<(Request, Option<FormKey>), Response> {
    let header_token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (parts, body) = req.into_parts();
    // The body is already limited per route (middleware::body_limit).
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => return Err(StatusCode::PAYLOAD_TOO_LARGE.into_response()),
    };
    let multipart_boundary = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| multer::parse_boundary(ct).ok());
    let (presented, form_key) = match (header_token, multipart_boundary) {
        (Some(t), _) => (Some(t), None),
        (None, Some(boundary)) => {
            let key = multipart_field(bytes.clone(), boundary.clone(), "_key").await;
            let csrf = multipart_field(bytes.clone(), boundary, "_csrf").await;
            // A multipart body's boundary differs per send: a repeat is then a reused key,
            // refused, never run twice.
            (csrf, key.map(|k| (k, sha256(&[path.as_bytes(), &bytes]))))
        }
        (None, None) => {
            let pairs: Vec<(String, String)> =
                form_urlencoded::parse(&bytes).into_owned().collect();
            let csrf = pairs
                .iter()
                .find(|(k, _)| k == "_csrf")
                .map(|(_, v)| v.clone());
            let key = pairs
                .iter()
                .find(|(k, _)| k == "_key")
                .map(|(_, v)| v.clone());
            // What was sent, without the session's form token (a repeat after a new session
            // token is the same form).
            let sent: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k != "_csrf").collect();
            let canonical = serde_json::to_vec(&sent).unwrap_or_default();
            (
                csrf,
                key.map(|k| (k, sha256(&[path.as_bytes(), &canonical]))),
            )
        }
    };
    // Compare hashes: equal-length values, no early exit on the secret's bytes.
    let ok = presented.is_some_and(|p| token_hash(&p) == token_hash(expected));
    if !ok {
        let entry = actor
            .entry("access.csrf_refused", now_utc())
            .record("route", path)
            .outcome(AuditOutcome::Denied, Some("missing or wrong form token"));
        if let Err(e) = state.store.audit().record(&entry).await {
            return Err(AppError::from(e).into_response());
        }
        return Err(AppError::Forbidden.into_response());
    }
    // Keys too short to be random are ignored (the handler decides what a missing key means).
    let form_key = form_key.filter(|(k, _)| k.len() >= 16 && k.len() <= 100);
    Ok((Request::from_parts(parts, Body::from(bytes)), form_key))
}

fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.finalize().to_vec()
}

/// The text of one field of a buffered multipart body (forms put `_csrf` first).
async fn multipart_field(bytes: bytes::Bytes, boundary: String, name: &str) -> Option<String> {
    let stream =
        futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(bytes) });
    let mut mp = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAccess {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        // Only `Access::Client` routes carry it; a handler asking elsewhere is a wiring bug.
        parts
            .extensions
            .get::<ClientAccess>()
            .copied()
            .ok_or_else(|| AppError::internal("client route without a client access check"))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClinicalAccess {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        s: &S,
    ) -> Result<Self, Self::Rejection> {
        let access = ClientAccess::from_request_parts(parts, s).await?;
        access
            .clinical()
            .map(ClinicalAccess)
            .ok_or(AppError::NotFound)
    }
}
