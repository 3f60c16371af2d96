// PDF reports: follows the reports and batches of the list while any is queued or running — a small JSON request
// every two seconds, the rows updated in place; a report that finishes gets its download link. The settings come
// from the page's `report-poll` JSON block (url, interval, download and pages texts).
(function () {
  "use strict";
  const source = document.getElementById("report-poll");
  if (!source) return;
  const config = JSON.parse(source.textContent);
  const active = (status) => status === "queued" || status === "running";
  const ids = (selector) => [...document.querySelectorAll(selector)]
    .filter((row) => active(row.dataset.status)).map((row) => row.dataset.id);

  const setText = (row, field, text) => {
    const element = row.querySelector(`[data-field="${field}"]`);
    if (element) element.textContent = text;
    return element;
  };

  const setStatus = (row, data) => {
    row.dataset.status = data.status;
    const badge = setText(row, "status", data.status_label);
    badge.className = `badge status-${data.status}`;
  };

  const updateReport = (data) => {
    const row = document.getElementById(`report-${data.id}`);
    if (!row) return;
    setStatus(row, data);
    setText(row, "error", data.error || "");
    row.querySelector('[data-field="progress"]').value = data.progress;
    setText(row, "percent", `${data.progress} %`);
    const actions = row.querySelector('[data-field="actions"]');
    if (data.download_url && !actions.querySelector("a")) {
      const link = document.createElement("a");
      link.className = "button";
      link.href = data.download_url;
      link.textContent = config.download;
      const info = document.createElement("span");
      info.className = "muted";
      info.textContent = ` ${config.pages.replace("%(pages)s", data.pages)} · ${data.size_label}`;
      actions.replaceChildren(link, info);
    } else if (data.status === "failed" && !actions.querySelector("form")) {
      // The retry button needs a CSRF form: reload once to show it.
      window.location.reload();
    }
  };

  const updateBatch = (data) => {
    const row = document.getElementById(`batch-${data.id}`);
    if (!row) return;
    setStatus(row, data);
    row.querySelector('[data-field="progress"]').value = data.done;
    setText(row, "done", data.done);
  };

  const poll = async () => {
    const reports = ids(".report-row");
    const batches = ids(".batch-row");
    if (!reports.length && !batches.length) return;
    const query = new URLSearchParams({ reports: reports.join(","), batches: batches.join(",") });
    try {
      const response = await fetch(`${config.url}?${query}`, {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const data = await response.json();
      data.reports.forEach(updateReport);
      data.batches.forEach(updateBatch);
      if (data.active) window.setTimeout(poll, config.interval);
    } catch (e) {
      window.setTimeout(poll, config.interval * 3);  // the server or the network is away: try again later
    }
  };

  window.setTimeout(poll, config.interval);
})();
