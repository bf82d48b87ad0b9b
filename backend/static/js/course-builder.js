/* Course builder: ticking a heading ticks (or unticks) the sections under it, and a line
   counts what is ticked. The form works the same without it. */
(function () {
  "use strict";
  var form = document.querySelector("[data-course-form]");
  if (!form) return;
  var counter = form.querySelector("[data-pick-count]");
  var template = counter ? counter.getAttribute("data-template") : null;

  function boxes() {
    return Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox][name=sections]"));
  }

  function count() {
    if (!counter || !template) return;
    var n = boxes().filter(function (b) { return b.checked; }).length;
    counter.textContent = template.replace("%(count)s", String(n));
    counter.hidden = false;
  }

  form.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[type=checkbox][name=sections]")) return;
    // The sections under a heading follow it, deeper, within the same document.
    var list = box.closest("ol");
    var all = Array.prototype.slice.call(list.querySelectorAll("input[type=checkbox][name=sections]"));
    var level = Number(box.getAttribute("data-level"));
    for (var i = all.indexOf(box) + 1; i < all.length; i++) {
      if (Number(all[i].getAttribute("data-level")) <= level) break;
      all[i].checked = box.checked;
    }
    count();
  });
  count();
})();
