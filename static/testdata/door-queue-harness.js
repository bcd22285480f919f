// A harness for door-queue.js alone (static/door_queue_test.go): a queue on
// this page's localStorage whose server is a script the test writes, and a
// record of what the queue sent and told the page.
import { doorQueue, randomId } from '/static/js/door-queue.js';

// at is the time the harness's clock stamps on every queued scan.
export const at = '2025-01-02T20:15:00.000Z';

// ok answers as the server does a scan it applies.
export const ok = (s) => ({ status: 200, body: { result: s.direction === 'out' ? 'checked_out' : 'admitted' } });

// scan is a scan as the door page makes one: a code, a direction, a new key.
export const scan = (code, direction = 'in') => ({ code, direction, key: randomId() });

// harness makes night 7's queue (or eventId's). Its send records the scan,
// waits for h.during(scan) if the test set it, then answers h.answer(scan):
// {status, body}, or 'offline' to fail as a dropped network does.
export function harness({ eventId = '7', answer = ok, locks } = {}) {
  const h = { answer, during: null, sent: [], changes: [], conflicts: [], synced: 0 };
  h.queue = doorQueue({
    eventId,
    storage: localStorage,
    locks,
    send: async (s) => {
      h.sent.push(structuredClone(s));
      if (h.during) await h.during(s);
      const a = h.answer(s);
      if (a === 'offline') throw new TypeError('Failed to fetch');
      return a;
    },
    onChange: (q) => h.changes.push(q.map((x) => x.key)),
    onConflict: (s, r) => h.conflicts.push({ key: s.key, status: r.status, body: r.body }),
    onSynced: () => { h.synced++; },
    now: () => new Date(at),
  });
  // seen is what happened so far, as a copy.
  h.seen = () => structuredClone({ sent: h.sent, queue: h.queue.load(), changes: h.changes, conflicts: h.conflicts, synced: h.synced });
  return h;
}

// gate is a promise the test opens: a server that holds its answer.
export function gate() {
  let open;
  const wait = new Promise((resolve) => { open = resolve; });
  return { wait, open };
}
