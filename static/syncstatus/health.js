// Loads the health banner (an HTML fragment from /sync/health/) into [data-health-url] on the admin start page.
(() => {
  "use strict";
  const box = document.querySelector("[data-health-url]");
  if (!box) return;
  fetch(box.dataset.healthUrl, { credentials: "same-origin", cache: "no-store" })
    .then((response) => (response.ok ? response.text() : ""))
    .then((html) => { box.innerHTML = html; })
    .catch(() => {});
})();
