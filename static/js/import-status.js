// The page of an import in the background while it is queued or running (a satisfaction file:
// templates/surveys/import_request.html; a people sheet: templates/assessments/people/import_request.html): asks
// the request's status endpoint every two seconds, moves the progress bar and names the stage, and reloads the
// page once the work has finished, to show its outcome (and its forms). The endpoint and the interval come from
// the data attributes of #import-progress. Without JavaScript, the page's "Refresh" link does the same by hand.
(function () {
  "use strict";
  const box = document.getElementById("import-progress");
  if (!box || !box.dataset.statusUrl) return;
  const interval = Number(box.dataset.interval) || 2000;
  const bar = box.querySelector('[data-field="progress"]');
  const stage = box.querySelector('[data-field="stage"]');
  const badge = document.getElementById("import-status");

  const poll = async () => {
    try {
      const response = await fetch(box.dataset.statusUrl, {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const data = await response.json();
      if (!data.active) {
        window.location.reload();
        return;
      }
      bar.value = data.progress;
      bar.textContent = `${data.progress} %`;
      if (data.stage_label) stage.textContent = data.stage_label;
      if (badge) {
        badge.textContent = data.status_label;
        badge.className = `badge status-${data.status}`;
      }
      window.setTimeout(poll, interval);
    } catch (e) {
      window.setTimeout(poll, interval * 3);  // the server or the network is away: try again later
    }
  };

  window.setTimeout(poll, interval);
})();
