// The door's offline queue: scans that could not reach the server wait on
// this device with their time and an idempotency key, and are synced in
// order when it returns. No DOM: the page passes in how to send a scan, where
// to keep the queue, and what to do when it changes, so a test can drive it
// alone (static/door_queue_test.go).

// randomId is 32 hex digits from the browser's random source: a scan's
// idempotency key, which the server uses to apply a repeated scan once.
export const randomId = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

// doorQueue is one night's queue, kept in storage (localStorage: it outlives
// a reload, and this device's tabs share it). Options:
//   eventId    the night; its queue is stored as clockroom.queue.<eventId>
//   storage    getItem/setItem, as localStorage
//   send       posts one scan; resolves to {status, body}, rejects when the
//              network fails or the request times out
//   locks      navigator.locks, so one tab syncs at a time (optional)
//   onChange   called with the queue after each change
//   onConflict called with a scan the server refused (or kept failing on)
//              and its answer; the scan has left the queue
//   onSynced   called when a sync round ends
//   maxAttempts how often a scan the server answers 5xx is sent
//   now        the clock that stamps a queued scan's time
export function doorQueue({
  eventId, storage, send, locks,
  onChange = () => {}, onConflict = () => {}, onSynced = () => {},
  maxAttempts = 3, now = () => new Date(),
}) {
  const storageKey = `clockroom.queue.${eventId}`;
  const load = () => { try { return JSON.parse(storage.getItem(storageKey)) || []; } catch { return []; } };
  function save(q) {
    storage.setItem(storageKey, JSON.stringify(q));
    onChange(q);
  }
  // enqueue keeps a scan with the time it was made.
  function enqueue(scan) { const q = load(); q.push({ ...scan, scanned_at: now().toISOString() }); save(q); }
  // The queue is shared by this device's tabs, and scans join it while it
  // syncs: change one scan by its key, never by its place.
  const drop = (key) => save(load().filter((x) => x.key !== key));
  const mark = (key, f) => save(load().map((x) => (x.key === key ? f(x) : x)));

  let syncing = false;
  // sync sends the queued scans, oldest first, each with the key it was
  // queued with. It stops at the first sign that the server cannot take
  // them now (no network, a timeout, signed out, 503, 429), and keeps the
  // rest for the next round.
  async function sync() {
    if (syncing) return;
    syncing = true;
    try {
      // Two tabs of this device must not send the same queue: one syncs at a
      // time (where the browser has Web Locks; it needs https or localhost).
      if (locks) await locks.request(`clockroom.sync.${eventId}`, { ifAvailable: true }, (lock) => lock && syncQueue());
      else await syncQueue();
    } finally {
      syncing = false;
      onSynced();
    }
  }
  async function syncQueue() {
    for (const s of load()) {
      if (!load().some((x) => x.key === s.key)) continue; // another tab took it
      let r;
      try { r = await send(s); } catch { return; } // offline or timed out: later
      if (r.status === 401 || r.status === 403) return; // signed out: keep the queue
      if (r.status === 503 || r.status === 429 || r.status === 0) return; // the server asks us to wait
      if (r.status >= 500) {
        // A scan the server keeps failing on (not the network: the server
        // answers, with an error) is tried maxAttempts times, then listed as
        // a conflict, so it never holds up the scans behind it.
        const tries = (s.attempts || 0) + 1;
        if (tries < maxAttempts) { mark(s.key, (x) => ({ ...x, attempts: tries })); continue; }
      } else if (r.status === 200 && ['admitted', 'checked_out'].includes(r.body.result)) {
        drop(s.key);
        continue;
      }
      onConflict(s, r);
      drop(s.key);
    }
  }

  return { storageKey, load, enqueue, sync };
}
