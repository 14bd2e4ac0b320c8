//! The WCAG 2.2 checks axe-core does not make, run on every page the browser tests check:
//! a focus ring of at least 3:1 on every focusable element (1.4.11, 2.4.7), no sideways
//! scrolling at 320 px (1.4.10), targets of at least 24×24 px or spaced as 2.5.8 allows, and
//! errors tied to their fields with the summary in the order of the form (3.3.1, 1.3.1).

use fantoccini::Client;

/// Finds what a keyboard user would meet: every problem, as "what: why".
const CHECKS: &str = r##"
const mode = arguments[0];
const problems = [];
const name = (el) => {
  const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ').slice(0, 40);
  return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? '[name=' + el.name + ']' : '') + (text ? ' "' + text + '"' : '');
};
const shown = (el) => {
  if (!el.getClientRects().length) return false;
  const cs = getComputedStyle(el);
  if (cs.visibility === 'hidden' || el.closest('[aria-hidden=true]')) return false;
  const r = el.getBoundingClientRect();
  // Moved off-screen on purpose (skip link until focused, honeypot) or clipped to 1 px.
  if (r.right <= 0 || r.left + window.scrollX >= document.documentElement.scrollWidth) return false;
  return r.width > 1 && r.height > 1;
};
const rgb = (c) => {
  const m = c.match(/rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/);
  return m ? { r: +m[1], g: +m[2], b: +m[3], a: m[4] === undefined ? 1 : +m[4] } : null;
};
const luminance = (c) => {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
};
const contrast = (a, b) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};
// The colour behind an element: the nearest ancestor that paints a background.
const behind = (el) => {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const c = rgb(getComputedStyle(p).backgroundColor);
    if (c && c.a > 0.5) return c;
  }
  return { r: 255, g: 255, b: 255, a: 1 };
};
const targets = () => Array.from(document.querySelectorAll(
  'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])'
)).filter((el) => shown(el) && !el.disabled);

if (mode === 'focus') {
  for (const el of targets().concat(Array.from(document.querySelectorAll('.error-summary[tabindex="-1"]')))) {
    el.focus({ preventScroll: true });
    if (document.activeElement !== el) continue;
    if (!el.matches(':focus-visible')) { problems.push(name(el) + ': no keyboard focus style'); continue; }
    const cs = getComputedStyle(el);
    const ring = rgb(cs.outlineColor);
    if (cs.outlineStyle === 'none' || parseFloat(cs.outlineWidth) < 2 || !ring) {
      problems.push(name(el) + ': no focus ring (outline ' + cs.outlineStyle + ' ' + cs.outlineWidth + ')');
      continue;
    }
    const ratio = contrast(ring, behind(el));
    if (ratio < 3) problems.push(name(el) + ': focus ring contrast ' + ratio.toFixed(2) + ':1 (needs 3:1)');
  }
  if (document.activeElement) document.activeElement.blur();
}

if (mode === 'layout') {
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {
    // The outermost elements that stick out (what to fix), and positioned ones, which escape
    // the clipping of a scrolling region that is not their containing block.
    const loose = (el) => ['absolute', 'fixed'].includes(getComputedStyle(el).position);
    // Whether a scrolling or clipping box on the element's containing-block chain holds it.
    const clipped = (el) => {
      let needBlock = loose(el);
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const cs = getComputedStyle(p);
        if (!needBlock && cs.overflowX !== 'visible') return true;
        if (needBlock && cs.position !== 'static') {
          if (cs.overflowX !== 'visible') return true;
          needBlock = loose(p);
        }
      }
      return false;
    };
    const out = (el) => el.getBoundingClientRect().right > root.clientWidth + 1 && !clipped(el);
    const wide = Array.from(document.body.querySelectorAll('*'))
      .filter((el) => out(el) && (!out(el.parentElement) || loose(el)))
      .slice(0, 5).map((el) => name(el) + ' (' + el.className + ', ' + Math.round(el.getBoundingClientRect().width) + ' px)');
    problems.push('the page is ' + root.scrollWidth + ' px wide in a ' + root.clientWidth + ' px viewport: ' + wide.join(', '));
  }
}

if (mode === 'layout' || mode === 'targets') {
  const all = targets().filter((el) => !el.closest('.table-scroll') || el.closest('.table-scroll').getBoundingClientRect().width > 0);
  const boxes = all.map((el) => ({ el, r: el.getBoundingClientRect() }));
  // Links inside a sentence are sized by the line of text they sit in (the inline exception).
  const inSentence = (el) => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    const block = el.parentElement;
    const own = (block.textContent || '').replace(/\s+/g, '');
    const links = Array.from(block.querySelectorAll('a, button')).map((a) => a.textContent).join('').replace(/\s+/g, '');
    return own.length > links.length;
  };
  const small = boxes.filter(({ el, r }) => (r.width < 23.5 || r.height < 23.5) && !inSentence(el));
  const centre = (r) => ({ x: r.left + r.width / 2, y: r.top + r.height / 2 });
  const gap = (p, r) => Math.hypot(Math.max(r.left - p.x, 0, p.x - r.right), Math.max(r.top - p.y, 0, p.y - r.bottom));
  for (const s of small) {
    const c = centre(s.r);
    const crowded = boxes.find((o) => o.el !== s.el && !o.el.contains(s.el) && !s.el.contains(o.el) && (
      gap(c, o.r) < 12 || (small.includes(o) && Math.hypot(c.x - centre(o.r).x, c.y - centre(o.r).y) < 24)));
    if (crowded) {
      problems.push(name(s.el) + ': target ' + s.r.width.toFixed(1) + 'x' + s.r.height.toFixed(1) + ' px, too close to ' + name(crowded.el));
    }
  }
}

if (mode === 'errors') {
  const described = (el) => (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
  for (const el of document.querySelectorAll('[aria-invalid=true]')) {
    const ids = described(el);
    if (!ids.some((id) => document.getElementById(id) && document.getElementById(id).textContent.trim())) {
      problems.push(name(el) + ': invalid, but no message tied with aria-describedby');
    }
  }
  const tied = new Set(Array.from(document.querySelectorAll('[aria-describedby]')).flatMap(described));
  for (const m of document.querySelectorAll('.field-error')) {
    if (!m.id || !tied.has(m.id)) problems.push('message "' + m.textContent.trim() + '": not tied to its field');
  }
  const summary = document.querySelector('.error-summary[tabindex="-1"]');
  if (summary) {
    if (summary.getAttribute('role') !== 'alert') problems.push('the error summary is not role=alert');
    let previous = null;
    for (const a of summary.querySelectorAll('a[href^="#"]')) {
      const target = document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)));
      if (!target) { problems.push('summary link ' + a.getAttribute('href') + ': no such field'); continue; }
      if (target.getAttribute('aria-invalid') !== 'true' && !target.querySelector('[aria-invalid=true]')) {
        problems.push('summary link ' + a.getAttribute('href') + ': the field is not marked invalid');
      }
      if (previous && (previous.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_PRECEDING)) {
        problems.push('summary link ' + a.getAttribute('href') + ': listed after a field that comes later in the form');
      }
      previous = target;
    }
  }
}
return problems;
"##;

async fn problems(c: &Client, mode: &str) -> Vec<String> {
    let v = c
        .execute(CHECKS, vec![serde_json::json!(mode)])
        .await
        .expect("run the WCAG 2.2 checks");
    serde_json::from_value(v).expect("a list of problems")
}

/// Runs every check on the current page, at its width and at 320 px; returns the problems.
pub async fn violations(c: &Client) -> Vec<String> {
    // One real key press puts Chromium in keyboard mode, so focus() shows :focus-visible as a
    // Tab would; the checks then reach every element without a round trip each.
    if let Ok(body) = c.find(fantoccini::Locator::Css("body")).await {
        let _ = body.send_keys("\u{E004}").await;
    }
    let mut found = problems(c, "errors").await;
    found.extend(problems(c, "focus").await);
    found.extend(problems(c, "targets").await);
    let (w, h) = c.get_window_size().await.expect("window size");
    c.set_window_size(320, 800).await.expect("narrow window");
    let width: u64 = serde_json::from_value(
        c.execute("return window.innerWidth", vec![])
            .await
            .expect("width"),
    )
    .expect("number");
    assert!(
        width <= 320,
        "the browser would not narrow to 320 px ({width})"
    );
    found.extend(
        problems(c, "layout")
            .await
            .into_iter()
            .map(|p| format!("at 320 px, {p}")),
    );
    c.set_window_size(w as u32, h as u32)
        .await
        .expect("restore window");
    found
}
