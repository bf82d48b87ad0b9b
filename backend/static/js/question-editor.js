/* The question editor: add and remove option rows (2 to 8). Without it the page shows four rows
   (more when the question has more), which is enough to write a question. */
(function () {
  "use strict";
  var box = document.querySelector("[data-options]");
  if (!box) return;
  var MIN = 2;
  var rows = Array.prototype.slice.call(box.querySelectorAll("[data-option-row]"));
  var add = box.querySelector("[data-option-add]");

  function visible() { return rows.filter(function (r) { return !r.hidden; }); }

  function refresh() {
    var shown = visible().length;
    add.hidden = shown >= rows.length;
    rows.forEach(function (row) {
      row.querySelector("[data-option-remove]").hidden = row.hidden || shown <= MIN;
    });
  }

  add.addEventListener("click", function () {
    var next = rows.filter(function (r) { return r.hidden; })[0];
    if (!next) return;
    next.hidden = false;
    next.querySelector("[data-option-text]").focus();
    refresh();
  });

  box.addEventListener("click", function (event) {
    var button = event.target.closest("[data-option-remove]");
    if (!button) return;
    var shown = visible();
    var from = shown.indexOf(button.closest("[data-option-row]"));
    // Move the later options up one row, so the letters stay consecutive, and hide the last row.
    for (var i = from; i < shown.length - 1; i++) {
      shown[i].querySelector("[data-option-text]").value = shown[i + 1].querySelector("[data-option-text]").value;
      shown[i].querySelector("[data-option-mark]").checked = shown[i + 1].querySelector("[data-option-mark]").checked;
    }
    var last = shown[shown.length - 1];
    last.querySelector("[data-option-text]").value = "";
    last.querySelector("[data-option-mark]").checked = false;
    last.hidden = true;
    refresh();
  });

  refresh();
})();
