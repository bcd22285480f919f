// The door's service worker, registered for /host/events/: a door page
// reloaded while the network is down still opens (from the copy kept the
// last time it loaded) and scans into its queue. It keeps nothing else: the
// API always goes to the network, and other pages are not kept.
const cacheName = 'clockroom-door-v1';
const assets = [
  '/static/js/door.js', // the page, and the modules it imports
  '/static/js/door-queue.js',
  '/static/js/door-camera.js',
  '/static/css/app.css',
  '/static/vendor/pico-2.1.1/pico.min.css',
  '/static/vendor/qr-scanner-1.4.2/qr-scanner.min.js',
  '/static/vendor/qr-scanner-1.4.2/qr-scanner-worker.min.js',
  '/static/img/favicon.svg',
];
const doorPage = /^\/host\/events\/\d+\/door$/;

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(cacheName).then((c) => c.addAll(assets)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('clockroom-door-') && k !== cacheName).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

// fresh asks the network, keeps a good answer, and falls back to the kept
// copy when the network fails or takes longer than the door can wait.
async function fresh(req, waitMs) {
  const cache = await caches.open(cacheName);
  const net = fetch(req).then((res) => {
    if (res.ok && !res.redirected && res.type === 'basic') cache.put(req, res.clone());
    return res;
  });
  const late = new Promise((resolve) => setTimeout(resolve, waitMs));
  const first = await Promise.race([net.catch(() => null), late]);
  if (first) return first;
  const kept = await cache.match(req, { ignoreSearch: true, ignoreVary: true });
  return kept || net; // nothing kept: the network's answer, or its error
}

self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (e.request.mode === 'navigate' && doorPage.test(url.pathname)) {
    e.respondWith(fresh(e.request, 4000));
  } else if (assets.includes(url.pathname)) {
    e.respondWith(fresh(e.request, 2000));
  }
});
