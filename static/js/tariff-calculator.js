// The tariff editor's calculator: prices the stay by the tariff as typed,
// unsaved, without a page load. It posts the editor's form to the preview
// route (CSRF token in the header) and shows the explained bill it answers
// (the JSON of /staff/quote). Without JavaScript the Calculate button posts
// the form and the page comes back with the bill.
const form = document.getElementById('tariff-form');
const result = document.getElementById('calc-result');
if (form && result) {
  const money = new Intl.NumberFormat('en-GB', { style: 'currency', currency: form.dataset.currency });
  const digits = money.resolvedOptions().maximumFractionDigits;
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const show = (q) => {
    const lines = el('ol', 'calc-lines');
    for (const l of q.lines) lines.append(el('li', '', l.label));
    result.replaceChildren(el('p', 'calc-title', `By ${q.tariff}, as typed:`), lines,
      el('p', 'calc-total', 'Total ' + money.format(q.amount / 10 ** digits)));
  };
  const refuse = (message, field) => {
    const p = el('p', 'calc-error', message + ' ');
    const target = field && document.getElementById('f-' + field);
    if (target) {
      const a = el('a', '', result.dataset.goTo || 'Go to the field');
      a.href = '#f-' + field;
      p.append(a);
    }
    result.replaceChildren(p);
  };
  form.addEventListener('submit', async (e) => {
    // Enter in a field, or the Calculate button: calculate. Save posts the form.
    if (e.submitter && e.submitter.name !== 'calculate') return;
    e.preventDefault();
    result.setAttribute('aria-busy', 'true');
    try {
      const res = await fetch(form.dataset.preview, {
        method: 'POST',
        body: new URLSearchParams(new FormData(form)),
        headers: { 'X-CSRF-Token': form.dataset.csrf, Accept: 'application/json' },
        credentials: 'same-origin',
      });
      const body = await res.json();
      if (res.ok) show(body);
      else refuse(body.error, body.field);
    } catch {
      refuse(result.dataset.offline);
    } finally {
      result.removeAttribute('aria-busy');
    }
  });
  // The group choice follows the groups as typed.
  const group = document.getElementById('f-group');
  group?.addEventListener('focus', () => {
    const chosen = group.value;
    const names = [...form.querySelectorAll('input[name^="groups["][name$="].name"]')].map((i) => i.value.trim()).filter(Boolean);
    group.replaceChildren(group.options[0], ...names.map((n) => new Option(n, n, false, n === chosen)));
  });
}
