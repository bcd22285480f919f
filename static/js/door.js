// The door page: scan tickets with the camera, a USB/Bluetooth scanner
// (keyboard wedge: code + Enter) or by name; admit walk-ins; watch the room
// count. Scans that cannot reach the server are queued on this device with
// their time and an idempotency key, and synced in order when it returns.
// This file is the screen and its wiring; the queue (door-queue.js) and the
// camera (door-camera.js) are their own modules.
import { doorQueue, randomId } from '/static/js/door-queue.js';
import { doorCamera } from '/static/js/door-camera.js';

const root = document.getElementById('door');
const eventId = root.dataset.event;
const csrf = root.dataset.csrf;
const isStaff = root.dataset.staff === 'true';
const $ = (id) => document.getElementById(id);

const device = localStorage.getItem('clockroom.device') || (() => {
  const d = 'door-' + randomId().slice(0, 8);
  localStorage.setItem('clockroom.device', d);
  return d;
})();

let mode = 'in';
document.querySelectorAll('input[name=mode]').forEach((r) => r.addEventListener('change', () => {
  mode = r.value;
  root.classList.toggle('exit-mode', mode === 'out');
  focusInput();
}));

// ---- talking to the server ------------------------------------------------

// Every request gives up after a while: on a door's weak network a request
// that hangs must not hold the guest at the door. A scan that times out is
// queued, as when the network is down.
const timeoutMs = 6000;

async function api(path, body) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  try {
    const res = await fetch(`/api/v1/events/${eventId}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, 'X-Door-Device': device },
      body: body ? JSON.stringify(body) : undefined,
      credentials: 'same-origin',
      redirect: 'manual',
      signal: ctrl.signal,
    });
    let json = {};
    try { json = await res.json(); } catch { /* an empty or HTML body */ }
    signedOut(res.status === 401 || res.status === 403);
    return { status: res.status, body: json };
  } finally {
    clearTimeout(timer);
  }
}

// signedOut shows or hides "sign in again": the session ended (or the
// person lost the door's role). Scans stay queued until it is back.
let isSignedOut = false;
function signedOut(yes) {
  if (isSignedOut === yes) return;
  isSignedOut = yes;
  $('signin-again').hidden = !yes;
  showQueue(queue.load());
}

// ---- the offline queue --------------------------------------------------------

// The queue sends through api, so a queued scan carries the same headers
// and timeout as a live one; the page shows its length on the badge, lists
// what the server refused, and refreshes the counts after each round.
const queue = doorQueue({
  eventId,
  storage: localStorage,
  send: (s) => api('/scan', s),
  locks: navigator.locks,
  onChange: showQueue,
  onConflict: reportConflict,
  onSynced: refreshStats,
});
// showQueue says how many scans wait on this device, and for what.
function showQueue(q) {
  const badge = $('queue-badge');
  badge.hidden = q.length === 0;
  badge.textContent = `${q.length} scan${q.length === 1 ? '' : 's'} queued — will sync ${isSignedOut ? 'once someone signs in again' : 'when the network is back'}`;
}
window.addEventListener('storage', (e) => { if (e.key === queue.storageKey) showQueue(queue.load()); });

// reportConflict lists a queued scan the server refused, with its reason.
function reportConflict(scan, r) {
  $('sync-report').hidden = false;
  $('sync-report').open = true;
  const li = document.createElement('li');
  const who = r.body.attendee ? r.body.attendee.name + ': ' : '';
  const why = r.body.message || r.body.error || r.body.result || `the server answered ${r.status}`;
  li.textContent = `${new Date(scan.scanned_at).toLocaleTimeString()} ${scan.direction === 'out' ? 'exit' : 'entry'} — ${who}${why}`;
  $('sync-conflicts').append(li);
}
window.addEventListener('online', queue.sync);
setInterval(() => { if (queue.load().length) queue.sync(); }, 5000);
showQueue(queue.load());
queue.sync();

// ---- scanning ------------------------------------------------------------------

const recent = new Map(); // code or guest → when it was last scanned, to ignore camera repeats
let lastScan = 0; // numbers scans sent, so answers arriving out of order are not shown
function codeFrom(text) {
  let s = text.trim();
  const i = s.lastIndexOf('/tickets/');
  if (i >= 0) s = s.slice(i + 9).split(/[/?#]/)[0];
  return s;
}

// scan sends what a scanner read, or a typed code.
function scan(text, extra = {}) {
  const code = codeFrom(text);
  if (code) send({ code }, extra);
}

// whom is who a scan is of: a ticket's code, or a guest found by name, whom
// the search names by RSVP id (the host never sees their ticket code).
const whom = (s) => (s.rsvp_id ? { rsvp_id: s.rsvp_id } : { code: s.code });

async function send(who, extra = {}) {
  const id = who.rsvp_id ? `rsvp:${who.rsvp_id}` : who.code;
  const now = Date.now();
  if (!extra.force && recent.has(id + mode) && now - recent.get(id + mode) < 4000) return;
  recent.set(id + mode, now);
  const s = { ...who, direction: mode, key: randomId(), ...extra };
  delete s.force;
  if (queue.load().length > 0 || !navigator.onLine || isSignedOut) return queued(s);
  const mine = ++lastScan;
  let r;
  try { r = await api('/scan', s); } catch { return queued(s); }
  // 503: the server is up but cannot answer now (its database restarting,
  // say): keep the scan with its time, as when the network is down. 401 or
  // 403: this device was signed out; keep it until someone signs in again.
  if (r.status === 503 || r.status === 401 || r.status === 403) return queued(s);
  refreshStats();
  // A slow answer to an earlier scan must not cover the guest now at the
  // door: only the latest scan's answer is shown (the count still updates).
  if (mine !== lastScan) return;
  if (r.status === 200) showResult(r.body, s);
  else showResult({ result: r.body.result || 'error', message: r.body.error || 'The server refused this scan.' }, s);
}

function queued(s) {
  queue.enqueue(s);
  const why = isSignedOut ? 'Signed out: saved on this device with its time; sign in again to sync.' : 'No connection: saved on this device with its time, and will sync.';
  showResult({ result: 'queued', message: why }, s);
}

$('scan-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $('scan-input');
  const v = input.value;
  input.value = '';
  scan(v, { force: true });
});

// ---- showing the result: colour, word, icon, sound and vibration ---------------

const looks = {
  admitted: ['ok', '✓', 'Admitted'],
  checked_out: ['ok', '✓', 'Checked out'],
  already_inside: ['warn', '!', 'Already inside'],
  waitlisted: ['warn', '!', 'Waitlisted'],
  not_open: ['warn', '!', 'Not open'],
  not_inside: ['warn', '!', 'Not inside'],
  queued: ['warn', '⟳', 'Queued — will sync'],
  not_found: ['bad', '✕', 'Not a valid ticket'],
  wrong_event: ['bad', '✕', 'Wrong night'],
  cancelled: ['bad', '✕', 'Cancelled'],
  rejected: ['bad', '✕', 'Rejected'],
  room_full: ['bad', '✕', 'Room full'],
  error: ['bad', '✕', 'Error'],
};
let clearTimer;
let audio;
function beep(kind) {
  try {
    audio = audio || new AudioContext();
    const tones = { ok: [880], warn: [520, 520], bad: [220] }[kind];
    tones.forEach((f, i) => {
      const o = audio.createOscillator();
      const g = audio.createGain();
      o.frequency.value = f;
      g.gain.value = 0.15;
      o.connect(g).connect(audio.destination);
      const t = audio.currentTime + i * 0.18;
      o.start(t);
      o.stop(t + (kind === 'bad' ? 0.45 : 0.12));
    });
  } catch { /* no sound on this device */ }
  if (navigator.vibrate) navigator.vibrate({ ok: 80, warn: [80, 60, 80], bad: [300] }[kind]);
}

// exitLook is how an exit shows: by where the bill stands, so the host can
// send an unpaid guest to the counter.
function exitLook(body) {
  const pay = body.payment || {};
  // A resumed stay's night may still owe for an earlier stay.
  const status = pay.status && body.outstanding && body.outstanding.amount > 0 ? 'unpaid' : pay.status;
  const word = body.already_checked_out ? 'Already checked out' : { paid: 'Paid', pending: 'Checked out', unpaid: 'Unpaid' }[status] || 'Checked out';
  const kind = status === 'unpaid' ? 'due' : body.already_checked_out ? 'warn' : 'ok';
  return [kind, status === 'unpaid' ? currencySign(pay.currency) : body.already_checked_out ? '!' : '✓', word];
}

function currencySign(code) {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: code }).formatToParts(0).find((p) => p.type === 'currency').value;
  } catch { return '!'; }
}

function exitDetail(body) {
  const pay = body.payment || {};
  // A resumed stay: what it added and the night's total, as the server words it.
  if (body.visit && body.visit.resumed && !body.already_checked_out && body.message) return body.message;
  const parts = [];
  if (body.already_checked_out && body.message) parts.push(body.message);
  if (body.visit && body.visit.amount_text) {
    const why = { grace: ' — free, a stay within the grace period', minimum: ' (the minimum charge)', cap: ' (the daily cap)' }[body.visit.applied] || '';
    parts.push(`${body.visit.minutes} min · ${body.visit.amount_text}${why}`);
  }
  parts.push({ paid: body.visit && body.visit.amount ? 'Paid.' : '', pending: 'Charging the card on file.', unpaid: 'Not paid: please pay at the counter.' }[pay.status] || '');
  return parts.filter(Boolean).join(' · ');
}

function showResult(body, s) {
  const [kind, icon, word] = body.result === 'checked_out' ? exitLook(body) : looks[body.result] || looks.error;
  const box = $('result');
  box.className = `result ${kind}`;
  box.dataset.result = body.result;
  box.querySelector('.result-icon').textContent = icon;
  box.querySelector('.result-word').textContent = word;
  box.querySelector('.result-name').textContent = body.attendee ? body.attendee.name : '';
  let detail = body.result === 'checked_out' ? exitDetail(body) : body.message || '';
  if (body.right_event) detail = `This ticket is for ${body.right_event.title}.`;
  box.querySelector('.result-detail').textContent = detail;
  // Staff can price a guest just in for a group (a student card shown) or
  // add a pass, on the stay's own page.
  const visit = $('result-visit');
  visit.hidden = !(isStaff && body.result === 'admitted' && body.visit && body.visit.id);
  if (!visit.hidden) visit.href = `/staff/visits/${body.visit.id}`;
  const anyway = $('admit-anyway');
  anyway.hidden = !(isStaff && body.can_admit_anyway);
  anyway.onclick = () => {
    hideResult();
    if (body.result !== 'room_full') return send(whom(s), { admit_anyway: true, force: true });
    // Over the room's limit: a safety rule, so staff say why (it is audited).
    askReason(body.message, (reason) => send(whom(s), { override_reason: reason, force: true }));
  };
  box.hidden = false;
  beep(kind);
  clearTimeout(clearTimer);
  // Money owed, or a choice to make, stays up longer than a welcome.
  clearTimer = setTimeout(hideResult, anyway.hidden && visit.hidden && kind !== 'due' ? 2500 : 8000);
}
// askReason asks staff why they admit over the room's limit, then calls
// admit with the reason; Cancel admits nobody.
function askReason(why, admit) {
  const dlg = $('override-dialog');
  const input = $('override-reason');
  $('override-why').textContent = why || '';
  input.value = '';
  $('override-form').onsubmit = (e) => {
    e.preventDefault();
    const reason = input.value.trim();
    if (!reason) { input.setAttribute('aria-invalid', 'true'); input.focus(); return; }
    input.removeAttribute('aria-invalid');
    dlg.close();
    admit(reason);
  };
  $('override-cancel').onclick = () => dlg.close();
  dlg.showModal();
  input.focus();
}
function hideResult() { $('result').hidden = true; focusInput(); }
$('result').addEventListener('click', (e) => { if (e.target.id !== 'admit-anyway') hideResult(); });
document.addEventListener('keydown', (e) => { if (e.key === 'Escape') hideResult(); });

// Keep the scanner input focused, so a keyboard-wedge scanner always types
// into it, unless the person is using another field.
function focusInput() {
  const a = document.activeElement;
  if (!a || a === document.body || a.name === 'mode') $('scan-input').focus({ preventScroll: true });
}
document.addEventListener('click', () => setTimeout(focusInput, 0));

// ---- the room count ------------------------------------------------------------

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: root.dataset.tz || undefined });
async function refreshStats() {
  try {
    const r = await api('/stats');
    if (r.status !== 200) return;
    const st = r.body;
    $('c-inside').textContent = st.inside_now;
    $('c-room').textContent = st.room_capacity;
    $('c-confirmed').textContent = st.confirmed;
    $('c-pending').textContent = st.not_yet_arrived;
    $('c-walkins').textContent = `${st.walk_ins} walk-in${st.walk_ins === 1 ? '' : 's'}`;
    $('c-held').textContent = st.held > 0 ? `${st.held} seat${st.held === 1 ? '' : 's'} held for ticket holders until ${clock.format(new Date(st.held_until))} · ` : '';
    root.classList.toggle('room-full', st.inside_now >= st.room_capacity);
  } catch { /* offline: keep the last numbers */ }
}
refreshStats();
setInterval(refreshStats, 3000);

// ---- name search ---------------------------------------------------------------

let searchTimer;
$('guest-search').addEventListener('input', (e) => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const list = $('guest-results');
    let r;
    try { r = await api('/guests?q=' + encodeURIComponent(e.target.value)); } catch { return; }
    list.replaceChildren(...(r.body || []).map((g) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'small';
      b.textContent = mode === 'out' ? 'Check out' : 'Admit';
      b.setAttribute('aria-label', `${b.textContent} ${g.name}`);
      b.onclick = () => send({ rsvp_id: g.rsvp_id }, { force: true });
      const status = g.inside ? 'inside' : g.status === 'waitlisted' ? `waitlist #${g.waitlist_position}` : g.status;
      li.append(`${g.name} — ${status} `, b);
      return li;
    }));
  }, 250);
});

// ---- walk-ins ------------------------------------------------------------------

$('walkin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = e.target;
  const err = $('walkin-error');
  err.textContent = '';
  const body = { name: f.name.value, email: f.email.value };
  if (f.override_reason) body.override_reason = f.override_reason.value;
  let r;
  try { r = await api('/walkins', body); } catch { err.textContent = 'No connection: walk-ins need the network.'; return; }
  if (r.status === 200) {
    f.reset();
    if ($('override')) $('override').hidden = true;
    showResult(r.body, {});
    refreshStats();
    return;
  }
  err.textContent = r.body.error || 'The walk-in was not admitted.';
  if (r.body.result === 'room_full' && $('override')) $('override').hidden = false;
});

// ---- the camera ----------------------------------------------------------------

const camera = doorCamera({
  video: $('camera'), note: $('camera-note'), toggle: $('camera-toggle'), switcher: $('camera-switch'), torch: $('torch'),
}, (text) => scan(text));
camera.start();
focusInput();

// ---- a kiosk: the screen stays on, and the page opens offline -------------------

let wake;
async function keepAwake() {
  if (!navigator.wakeLock) { root.dataset.awake = 'unsupported'; return; }
  if (document.visibilityState !== 'visible') return;
  try {
    wake = await navigator.wakeLock.request('screen');
    root.dataset.awake = 'yes';
    wake.addEventListener('release', () => { root.dataset.awake = 'released'; });
  } catch { root.dataset.awake = 'refused'; /* battery saver, say: the screen may dim */ }
}
document.addEventListener('visibilitychange', () => { if (!wake || wake.released) keepAwake(); });
keepAwake();

if ('serviceWorker' in navigator) {
  // The worker keeps this page for a reload without network; keep the copy
  // now, as the page that registered it did not pass through it.
  navigator.serviceWorker.register('/door-sw.js', { scope: '/host/events/' }) // the door pages, not the whole site
    .then(() => caches.open('clockroom-door-v1'))
    .then((c) => c.add(location.pathname))
    .then(() => { root.dataset.offlineReady = 'true'; })
    .catch(() => { /* no offline reload on this device */ });
}
