// The page that scores files without a cycle (templates/reports/score_file.html): "Score the files" posts the form
// in the background and puts the answer — the page's output alone (templates/reports/_score_file_output.html,
// asked for with the header X-Fragment) — in #score-output, so that the chosen files stay in the form and
// "Download the results (CSV)" (a plain submit, answered with the file) sends them again without a second choice.
// The charts and the sortable table of the new output are then set up by loading js/dashboards.js again (its URL:
// the form's data-redraw). Without JavaScript, or when the answer is not the output (a refusal of the request
// itself, a lost session), the form is posted as usual.
(function () {
  "use strict";
  const form = document.getElementById("score-file-form");
  const output = document.getElementById("score-output");
  if (!form || !output || !window.fetch || !window.FormData) return;

  form.addEventListener("submit", async (event) => {
    const submitter = event.submitter;
    if (!submitter || submitter.name !== "score") return;  // the download: the browser saves the answer
    event.preventDefault();
    const data = new FormData(form);
    data.append(submitter.name, submitter.value);
    submitter.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(form.action || window.location.href, {
        method: "POST", body: data, credentials: "same-origin", headers: { "X-Fragment": "score-output" },
      });
      if (response.headers.get("X-Fragment") !== "score-output") throw new Error(`HTTP ${response.status}`);
      const holder = document.createElement("template");
      holder.innerHTML = await response.text();
      output.replaceChildren(holder.content);
      const script = document.createElement("script");
      script.src = form.dataset.redraw;
      document.body.appendChild(script);
    } catch (e) {
      form.submit();
    } finally {
      submitter.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });
})();
