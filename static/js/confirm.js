// Forms whose data-confirm holds a question ask it before they submit: for
// a click that changes what every guest admitted from then on pays. Without
// JavaScript the form submits as it is.
document.addEventListener('submit', (e) => {
  const q = e.target.dataset && e.target.dataset.confirm;
  if (q && !window.confirm(q)) e.preventDefault();
});
