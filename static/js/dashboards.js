/* Dashboards: switch cycles on change, sort the ranking table by any column, filter it by level and province.
   Plain JavaScript; the pages work without it (the cycle form has its own button, the table comes sorted by rank). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    var raw = cell ? (cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim()) : "";
    if (raw === "") return null;
    if (!numeric) return raw;
    var number = parseFloat(raw);
    return isNaN(number) ? null : number;
  }

  document.querySelectorAll("table.js-sortable").forEach(function (table) {
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var collator = new Intl.Collator(document.documentElement.lang || undefined, {numeric: true});
    headers.forEach(function (th, index) {
      var button = th.querySelector("button[data-sort]");
      if (!button) return;
      button.addEventListener("click", function () {
        var numeric = button.dataset.sort === "number";
        // First click: ascending, or descending where the button says so (scores: the best first); then toggle.
        var current = th.getAttribute("aria-sort");
        var ascending = current ? current === "descending" : button.dataset.first !== "descending";
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
          if (x === null && y === null) return 0;
          if (x === null) return 1;  // missing values always last
          if (y === null) return -1;
          var order = numeric ? x - y : collator.compare(x, y);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });

    var panel = table.closest("section") || document;
    var filters = panel.querySelectorAll("select[data-filter]");
    var shown = panel.querySelector(".js-shown");
    function applyFilters() {
      var count = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var visible = Array.prototype.every.call(filters, function (select) {
          return !select.value || row.dataset[select.dataset.filter] === select.value;
        });
        row.hidden = !visible;
        if (visible) count += 1;
      });
      if (shown) shown.textContent = String(count);
    }
    filters.forEach(function (select) { select.addEventListener("change", applyFilters); });
    applyFilters();
  });
})();
