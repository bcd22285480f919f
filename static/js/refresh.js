// Refreshes an element marked data-refresh="SECONDS" in place, without
// reloading the page, so staff always see current numbers.
const box = document.querySelector('[data-refresh]');
if (box) {
  const every = Number(box.dataset.refresh) * 1000;
  setInterval(async () => {
    if (document.hidden || box.contains(document.activeElement)) return;
    try {
      const res = await fetch(location.href, { credentials: 'same-origin' });
      if (!res.ok) return;
      const fresh = new DOMParser().parseFromString(await res.text(), 'text/html').getElementById(box.id);
      if (fresh) box.replaceChildren(...fresh.childNodes);
      else location.reload(); // the section is gone (a payment came in): show the new page
    } catch { /* offline: keep what is shown */ }
  }, every);
}
