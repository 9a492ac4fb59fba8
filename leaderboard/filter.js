(function () {
  "use strict";
  // Filters of the ranking and variants tables: zero-shot only, parameter range (millions), model type
  // and a search box over model names. A row stays visible only when it passes every filter; rows
  // with an unknown parameter count are hidden once either bound is set.
  var form = document.getElementById("filters");
  if (!form) return;
  var tables = ["ranking", "variants"].map(function (id) { return document.getElementById(id); }).filter(Boolean);

  function bound(id) {
    var text = document.getElementById(id).value.trim();
    var value = parseFloat(text);
    return text === "" || isNaN(value) ? null : value * 1e6;
  }

  function passes(row, want) {
    if (want.zeroShot && row.getAttribute("data-zero-shot") !== "yes") return false;
    if (want.kind && row.getAttribute("data-kind") !== want.kind) return false;
    if (want.search && (row.getAttribute("data-model") || "").toLowerCase().indexOf(want.search) < 0) return false;
    if (want.min !== null || want.max !== null) {
      var raw = row.getAttribute("data-params");
      if (!raw) return false;
      var params = parseFloat(raw);
      if (want.min !== null && params < want.min) return false;
      if (want.max !== null && params > want.max) return false;
    }
    return true;
  }

  function apply() {
    var want = {
      zeroShot: document.getElementById("filter-zero-shot").checked,
      kind: document.getElementById("filter-kind").value,
      search: document.getElementById("filter-search").value.trim().toLowerCase(),
      min: bound("filter-params-min"),
      max: bound("filter-params-max")
    };
    var shown = 0, total = 0;
    tables.forEach(function (table) {
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var ok = passes(row, want);
        row.classList.toggle("filtered-out", !ok);
        total += 1;
        if (ok) shown += 1;
      });
    });
    document.getElementById("filter-count").textContent = shown + " of " + total + " models shown";
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  apply();
})();
