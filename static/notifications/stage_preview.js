// The stage editor's live preview and test send (templates/admin/cases/reminderstage/change_form.html).
// A static file, not an inline script, so that the Content-Security-Policy allows scripts from 'self' only;
// the URLs come from data attributes on #stage-preview.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const box = $("stage-preview");
  const form = box && document.getElementById(box.dataset.formId);
  if (!form) { return; }
  const previewUrl = box.dataset.previewUrl;
  const sendTestUrl = box.dataset.sendTestUrl;
  const stageId = box.dataset.stageId;
  let timer = null;
  let seq = 0;

  function payload() {
    const data = new FormData(form);
    data.set("preview_case", $("preview_case").value);
    data.set("preview_language", $("preview_language").value);
    data.set("stage_id", stageId);
    return data;
  }

  function show(result) {
    const error = $("preview_error");
    if (result.error) {
      error.textContent = result.error;
      error.hidden = false;
      return;
    }
    error.hidden = true;
    $("preview_case_label").textContent = result.case;
    $("preview_recipients").textContent = (result.recipients || []).join(", ") || "—";
    const business = (result.variants || {}).business || result;
    const consumer = (result.variants || {}).consumer || result;
    $("preview_subject").textContent = business.subject;
    $("preview_text").textContent = business.text;
    $("preview_html").srcdoc = business.html;
    $("preview_subject_consumer").textContent = consumer.subject;
    $("preview_text_consumer").textContent = consumer.text;
    $("preview_html_consumer").srcdoc = consumer.html;
  }

  async function refresh() {
    const mine = ++seq;
    const response = await fetch(previewUrl, {method: "POST", body: payload(), credentials: "same-origin"});
    if (mine !== seq) { return; }
    show(response.ok ? await response.json() : {error: response.status + " " + response.statusText});
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  $("preview_case").addEventListener("change", refresh);
  $("preview_language").addEventListener("change", refresh);
  $("preview_send_test").addEventListener("click", async function () {
    $("preview_status").textContent = "…";
    const response = await fetch(sendTestUrl, {method: "POST", body: payload(), credentials: "same-origin"});
    const result = response.ok ? await response.json() : {ok: false, error: response.status + " " + response.statusText};
    $("preview_status").textContent = result.ok ? result.message : result.error;
  });
  refresh();
})();
