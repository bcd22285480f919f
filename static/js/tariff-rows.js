// Adds rows to the tariff editor's lists (steps, windows, passes, groups)
// without a page load: each list gets an Add button that copies its empty
// last row with the next number. Without JavaScript every list ends with
// one empty row, and saving or calculating offers another.
const renumber = (node, from, to) => {
  for (const el of [node, ...node.querySelectorAll('*')]) {
    for (const attr of ['name', 'id', 'for', 'aria-describedby', 'data-row', 'data-rows', 'href']) {
      const v = el.getAttribute(attr);
      if (v && v.includes(from)) el.setAttribute(attr, v.split(from).join(to));
    }
  }
};
const reset = (row) => {
  row.querySelectorAll('.field-error, .tf-remove, .add-row').forEach((e) => e.remove());
  for (const list of row.querySelectorAll('[data-rows]')) {
    list.querySelectorAll(':scope > [data-row]').forEach((r, i) => i > 0 && r.remove());
  }
  for (const input of row.querySelectorAll('input')) {
    input.removeAttribute('aria-invalid');
    input.removeAttribute('aria-describedby');
    if (input.type === 'checkbox') input.checked = input.defaultChecked;
    else if (input.type !== 'hidden') input.value = '';
  }
  for (const select of row.querySelectorAll('select')) {
    const chosen = [...select.options].find((o) => o.defaultSelected);
    select.value = chosen ? chosen.value : select.options[0].value;
  }
};
const addButton = (list) => {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary outline small add-row';
  button.textContent = list.dataset.add;
  list.append(button);
};
document.querySelectorAll('[data-rows]').forEach(addButton);
document.addEventListener('click', (e) => {
  const button = e.target.closest('.add-row');
  if (!button) return;
  const list = button.parentElement;
  const rows = list.querySelectorAll(':scope > [data-row]');
  const last = rows[rows.length - 1];
  const n = Number(last.dataset.index) + 1;
  const row = last.cloneNode(true);
  renumber(row, `${list.dataset.rows}[${last.dataset.index}]`, `${list.dataset.rows}[${n}]`);
  row.dataset.index = String(n);
  reset(row);
  row.querySelectorAll('[data-rows]').forEach(addButton);
  const legend = row.querySelector('legend');
  legend.textContent = `${list.dataset.legend} ${n + 1} `;
  legend.append(Object.assign(document.createElement('small'), { textContent: '(new)' }));
  last.after(row);
  row.querySelector('input:not([type=hidden]), select')?.focus();
});
