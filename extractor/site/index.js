// The index: clicking a column's header sorts the documents by it, ascending first, then
// descending. Each cell carries its sort key in data-v; a document with no score sorts last.
(function () {
  "use strict";
  var table = document.getElementById("documents");
  var body = table.tBodies[0];

  function compare(a, b, numeric) {
    if (numeric) {
      return Number(a) - Number(b);
    }
    return a.localeCompare(b, "vi");
  }

  table.tHead.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) {
      return;
    }
    var head = button.parentElement;
    var column = head.cellIndex;
    var numeric = head.dataset.type === "num";
    var ascending = head.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(head.parentElement.cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    head.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (x, y) {
      var a = x.cells[column].dataset.v, b = y.cells[column].dataset.v;
      if (a === "" || b === "") {   // last in either direction
        return (a === "") - (b === "");
      }
      return ascending ? compare(a, b, numeric) : compare(b, a, numeric);
    });
    body.append.apply(body, rows);
  });
})();
