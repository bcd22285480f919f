// The door page: scan tickets with the camera, a USB/Bluetooth scanner
// (keyboard wedge: code + Enter) or by name; admit walk-ins; watch the room
// count. Scans that cannot reach the server are queued on this device with
// their time and an idempotency key, and synced in order when it returns.
import QrScanner from '/static/vendor/qr-scanner-1.4.2/qr-scanner.min.js';

const root = document.getElementById('door');
const eventId = root.dataset.event;
const csrf = root.dataset.csrf;
const isStaff = root.dataset.staff === 'true';
const $ = (id) => document.getElementById(id);

const randomId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
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

async function api(path, body) {
  const res = await fetch(`/api/v1/events/${eventId}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, 'X-Door-Device': device },
    body: body ? JSON.stringify(body) : undefined,
    credentials: 'same-origin',
  });
  let json = {};
  try { json = await res.json(); } catch { /* an empty or HTML body */ }
  return { status: res.status, body: json };
}

// ---- the offline queue --------------------------------------------------------

const queueKey = `clockroom.queue.${eventId}`;
const loadQueue = () => { try { return JSON.parse(localStorage.getItem(queueKey)) || []; } catch { return []; } };
function saveQueue(q) {
  localStorage.setItem(queueKey, JSON.stringify(q));
  const badge = $('queue-badge');
  badge.hidden = q.length === 0;
  badge.textContent = `${q.length} scan${q.length === 1 ? '' : 's'} queued — will sync when the network is back`;
}
function enqueue(scan) { const q = loadQueue(); q.push(scan); saveQueue(q); }

let syncing = false;
async function sync() {
  if (syncing) return;
  syncing = true;
  try {
    let q = loadQueue();
    while (q.length > 0) {
      let r;
      try { r = await api('/scan', q[0]); } catch { break; } // still offline
      if (r.status >= 500 || r.status === 401 || r.status === 403) break; // try again later
      const good = r.status === 200 && ['admitted', 'checked_out'].includes(r.body.result);
      if (!good) reportConflict(q[0], r);
      q = loadQueue().slice(1);
      saveQueue(q);
    }
  } finally {
    syncing = false;
    refreshStats();
  }
}
function reportConflict(scan, r) {
  $('sync-report').hidden = false;
  $('sync-report').open = true;
  const li = document.createElement('li');
  const who = r.body.attendee ? r.body.attendee.name + ': ' : '';
  li.textContent = `${new Date(scan.scanned_at).toLocaleTimeString()} ${scan.direction === 'out' ? 'exit' : 'entry'} — ${who}${r.body.message || r.body.error || r.body.result}`;
  $('sync-conflicts').append(li);
}
window.addEventListener('online', sync);
setInterval(() => { if (loadQueue().length) sync(); }, 5000);
saveQueue(loadQueue());
sync();

// ---- scanning ------------------------------------------------------------------

const recent = new Map(); // code → when it was last scanned, to ignore camera repeats
let lastScan = 0; // numbers scans sent, so answers arriving out of order are not shown
function codeFrom(text) {
  let s = text.trim();
  const i = s.lastIndexOf('/tickets/');
  if (i >= 0) s = s.slice(i + 9).split(/[/?#]/)[0];
  return s;
}

async function scan(text, extra = {}) {
  const code = codeFrom(text);
  if (!code) return;
  const now = Date.now();
  if (!extra.force && recent.has(code + mode) && now - recent.get(code + mode) < 4000) return;
  recent.set(code + mode, now);
  const s = { code, direction: mode, key: randomId(), ...extra };
  delete s.force;
  if (loadQueue().length > 0 || !navigator.onLine) return queued(s);
  const mine = ++lastScan;
  let r;
  try { r = await api('/scan', s); } catch { return queued(s); }
  // 503: the server is up but cannot answer now (its database restarting,
  // say): keep the scan with its time, as when the network is down.
  if (r.status === 503) return queued(s);
  refreshStats();
  // A slow answer to an earlier scan must not cover the guest now at the
  // door: only the latest scan's answer is shown (the count still updates).
  if (mine !== lastScan) return;
  if (r.status === 200) showResult(r.body, s);
  else showResult({ result: r.body.result || 'error', message: r.body.error || 'The server refused this scan.' }, s);
}

function queued(s) {
  enqueue({ ...s, scanned_at: new Date().toISOString() });
  showResult({ result: 'queued', message: 'No connection: saved on this device with its time, and will sync.' }, s);
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
  const word = body.already_checked_out ? 'Already checked out' : { paid: 'Paid', pending: 'Checked out', unpaid: 'Unpaid' }[pay.status] || 'Checked out';
  const kind = pay.status === 'unpaid' ? 'due' : body.already_checked_out ? 'warn' : 'ok';
  return [kind, pay.status === 'unpaid' ? currencySign(pay.currency) : body.already_checked_out ? '!' : '✓', word];
}

function currencySign(code) {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: code }).formatToParts(0).find((p) => p.type === 'currency').value;
  } catch { return '!'; }
}

function exitDetail(body) {
  const pay = body.payment || {};
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
  const anyway = $('admit-anyway');
  anyway.hidden = !(isStaff && body.can_admit_anyway);
  anyway.onclick = () => {
    hideResult();
    if (body.result !== 'room_full') return scan(s.code, { admit_anyway: true, force: true });
    // Over the room's limit: a safety rule, so staff say why (it is audited).
    const reason = (window.prompt('The room is at its limit. Why admit this guest anyway? (recorded)') || '').trim();
    if (reason) scan(s.code, { override_reason: reason, force: true });
  };
  box.hidden = false;
  beep(kind);
  clearTimeout(clearTimer);
  // Money owed, or a choice to make, stays up longer than a welcome.
  clearTimer = setTimeout(hideResult, anyway.hidden && kind !== 'due' ? 2500 : 8000);
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

async function refreshStats() {
  try {
    const r = await api('/stats');
    if (r.status !== 200) return;
    const st = r.body;
    $('c-inside').textContent = st.inside_now;
    $('c-room').textContent = st.room_capacity;
    $('c-arrived').textContent = `${st.arrived}/${st.confirmed}`;
    $('c-pending').textContent = st.not_yet_arrived;
    $('c-walkins').textContent = st.walk_ins;
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
      b.onclick = () => scan(g.code, { force: true });
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

const video = $('camera');
const note = $('camera-note');
let scanner;
let facing = 'environment';
async function startCamera() {
  if (!window.isSecureContext) {
    note.textContent = 'The camera needs https (or localhost). Use a USB scanner or type codes below.';
    noCamera();
    return;
  }
  try {
    scanner = scanner || new QrScanner(video, (res) => scan(res.data), {
      returnDetailedScanResult: true, highlightScanRegion: true, maxScansPerSecond: 10, preferredCamera: facing,
    });
    await scanner.start();
    video.hidden = false;
    note.textContent = 'Point the camera at a ticket.';
    $('camera-toggle').textContent = 'Stop camera';
    const cams = await QrScanner.listCameras();
    $('camera-switch').hidden = cams.length < 2;
    $('torch').hidden = !(await scanner.hasFlash());
  } catch (e) {
    note.textContent = 'No camera available (' + (e && e.name ? e.name : e) + '). Use a USB scanner or type codes below.';
    noCamera();
  }
}
function noCamera() {
  video.hidden = true;
  $('camera-toggle').textContent = 'Try the camera again';
}
$('camera-toggle').addEventListener('click', () => {
  if (scanner && scanner._active) {
    scanner.stop();
    note.textContent = 'Camera stopped.';
    $('camera-toggle').textContent = 'Start camera';
  } else {
    startCamera();
  }
});
$('camera-switch').addEventListener('click', async () => {
  facing = facing === 'environment' ? 'user' : 'environment';
  if (scanner) await scanner.setCamera(facing);
});
$('torch').addEventListener('click', async () => {
  if (!scanner) return;
  await scanner.toggleFlash();
  $('torch').setAttribute('aria-pressed', String(scanner.isFlashOn()));
});
startCamera();
focusInput();
