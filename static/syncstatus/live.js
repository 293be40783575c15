// Live sync progress: polls the JSON at [data-sync-live][data-url] and updates every [data-field]
// in the live box and in the run's table row ([data-run="<id>"]); when a run it watched ends,
// the panel reloads once for the final summary. No dependencies.
(() => {
  "use strict";
  const box = document.querySelector("[data-sync-live]");
  if (!box) return;
  const FAST = 1000;
  const SLOW = 3000;
  let sawRunning = box.dataset.state === "running" || box.dataset.state === "queued";

  function setFields(root, fields) {
    for (const [name, value] of Object.entries(fields)) {
      root.querySelectorAll(`[data-field="${name}"]`).forEach((el) => {
        if (el.textContent !== value) el.textContent = value;
      });
    }
  }

  function render(data) {
    box.dataset.state = data.state;
    setFields(box, { queued_at: data.queued_at || "" });
    const run = data.run;
    if (!run) return;
    box.dataset.run = String(run.id);
    box.dataset.status = run.status;
    box.dataset.stalled = run.stalled ? "1" : "0";
    setFields(box, run.fields);
    const link = box.querySelector("[data-run-link]");
    if (link && run.url) link.href = run.url;
    const progress = box.querySelector(".progress");
    if (progress) {
      progress.setAttribute("aria-valuenow", String(run.percent));
      progress.querySelector(".bar").style.width = `${run.percent}%`;
    }
    const rows = document.querySelectorAll(`tr[data-run="${run.id}"]`);
    rows.forEach((row) => {
      row.dataset.status = run.status;
      setFields(row, run.fields);
      row.querySelectorAll(".status-badge").forEach((el) => { el.className = `status-badge status-${run.status}`; });
    });
    if (data.state === "running") sawRunning = true;
    // A run we watched is over: on the panel, reload once so the health banner and the table
    // (which may not have the run's row yet) show the final state.
    if (data.state === "finished" && sawRunning && document.querySelector("#sync-runs")) {
      window.location.reload();
    }
  }

  async function tick() {
    let delay = SLOW;
    try {
      const response = await fetch(box.dataset.url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) {
        const data = await response.json();
        render(data);
        if (data.state === "running" || data.state === "queued") delay = FAST;
        // The run page follows one run: stop once it is over.
        if (box.dataset.followOne && data.state === "finished") return;
      }
    } catch (error) {
      // A network hiccup: try again on the next tick.
    }
    window.setTimeout(tick, delay);
  }

  if (box.dataset.followOne && box.dataset.state === "finished") return;
  window.setTimeout(tick, box.dataset.state === "idle" || box.dataset.state === "finished" ? SLOW : FAST);
})();
