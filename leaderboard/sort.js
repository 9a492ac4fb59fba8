(function () {
  "use strict";
  // Sort any table.sortable by a column key. The same function runs on a header click and on
  // load from the address: #sort=KEY&dir=asc|desc&table=ID (or ?sort=...); table defaults to "ranking".
  function cellKey(td, type) {
    var raw = td ? td.getAttribute("data-sort") : null;
    if (raw === null) raw = td ? td.textContent : "";
    if (type === "num") {
      if (raw === "") return null;
      var value = parseFloat(raw);
      return isNaN(value) ? null : value;
    }
    return raw.toLowerCase();
  }

  function sortTable(table, key, dir) {
    var heads = table.tHead.rows[0].cells, index = -1, type = "text", i;
    for (i = 0; i < heads.length; i++) {
      if (heads[i].getAttribute("data-key") === key) { index = i; type = heads[i].getAttribute("data-type") || "text"; }
    }
    if (index < 0) return false;
    if (dir !== "asc" && dir !== "desc") dir = heads[index].getAttribute("data-dir") || "asc";
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    var keyed = rows.map(function (row, pos) { return { row: row, pos: pos, key: cellKey(row.cells[index], type) }; });
    keyed.sort(function (a, b) {
      if (a.key === null || b.key === null) {
        if (a.key === b.key) return a.pos - b.pos;
        return a.key === null ? 1 : -1;  // empty cells always last
      }
      var c = a.key < b.key ? -1 : (a.key > b.key ? 1 : 0);
      if (dir === "desc") c = -c;
      return c || a.pos - b.pos;
    });
    keyed.forEach(function (item) { body.appendChild(item.row); });
    for (i = 0; i < heads.length; i++) heads[i].removeAttribute("aria-sort");
    heads[index].setAttribute("aria-sort", dir === "desc" ? "descending" : "ascending");
    table.setAttribute("data-sorted-by", key);
    table.setAttribute("data-sorted-dir", dir);
    return true;
  }

  function onHeader(event) {
    var th = event.currentTarget, table = th.closest("table");
    var key = th.getAttribute("data-key"), dir;
    if (table.getAttribute("data-sorted-by") === key) {
      dir = table.getAttribute("data-sorted-dir") === "asc" ? "desc" : "asc";
    } else {
      dir = th.getAttribute("data-dir") || "asc";
    }
    sortTable(table, key, dir);
  }

  // A link is input: a malformed escape (#sort=%) skips that one part; it never throws, because a throw
  // here would stop the rest of the page's one inlined script (the filters) from loading.
  function decode(text) {
    try { return decodeURIComponent(text.replace(/\+/g, " ")); } catch (err) { return null; }
  }

  function fromAddress() {
    var text = (window.location.hash || "").replace(/^#/, "");
    if (text.indexOf("sort=") < 0) text = (window.location.search || "").replace(/^\?/, "");
    var params = {};
    text.split("&").forEach(function (part) {
      var eq = part.indexOf("="), key = decode(part.slice(0, eq)), value = decode(part.slice(eq + 1));
      if (eq > 0 && key !== null && value !== null) params[key] = value;
    });
    if (!params.sort) return;
    var table = document.getElementById(params.table || "ranking");
    if (table && table.classList.contains("sortable")) sortTable(table, params.sort, params.dir);
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable thead th[data-key]"), function (th) {
    th.tabIndex = 0;
    th.addEventListener("click", onHeader);
    th.addEventListener("keydown", function (event) { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); onHeader(event); } });
  });
  fromAddress();
  window.addEventListener("hashchange", fromAddress);
})();
