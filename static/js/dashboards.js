// Dashboards: draw the charts, submit the cycle and filter forms on change, sort the ranking table (the rows of the
// page shown: the server filters and paginates) by any column. Plain JavaScript; the pages work without it (the
// forms have their own buttons, the table comes sorted by rank).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Charts: each figure comes as a JSON block beside its container (reports.views.chart_html), drawn with the
  // page's plotly.js. The container's height is set here, through the CSSOM: the Content-Security-Policy refuses
  // inline style attributes.
  document.querySelectorAll("script.js-chart").forEach((block) => {
    const figure = JSON.parse(block.textContent);
    const chart = block.closest(".chart");
    if (chart && chart.dataset.height) chart.style.height = chart.dataset.height;
    Plotly.newPlot(block.dataset.chart, figure.data, figure.layout, figure.config);
  });

  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });

  const cellValue = (row, index, numeric) => {
    const cell = row.cells[index];
    const raw = cell ? (cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim()) : "";
    if (raw === "") return null;
    if (!numeric) return raw;
    const number = parseFloat(raw);
    return Number.isNaN(number) ? null : number;
  };

  document.querySelectorAll("table.js-sortable").forEach((table) => {
    const headers = [...table.tHead.rows[0].cells];
    const collator = new Intl.Collator(document.documentElement.lang || undefined, { numeric: true });
    headers.forEach((th, index) => {
      const button = th.querySelector("button[data-sort]");
      if (!button) return;
      button.addEventListener("click", () => {
        const numeric = button.dataset.sort === "number";
        // First click: ascending, or descending where the button says so (scores: the best first); then toggle.
        const current = th.getAttribute("aria-sort");
        const ascending = current ? current === "descending" : button.dataset.first !== "descending";
        headers.forEach((other) => other.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const body = table.tBodies[0];
        const rows = [...body.rows];
        rows.sort((a, b) => {
          const x = cellValue(a, index, numeric);
          const y = cellValue(b, index, numeric);
          if (x === null && y === null) return 0;
          if (x === null) return 1;  // missing values always last
          if (y === null) return -1;
          const order = numeric ? x - y : collator.compare(x, y);
          return ascending ? order : -order;
        });
        rows.forEach((row) => body.appendChild(row));
      });
    });
  });
})();
