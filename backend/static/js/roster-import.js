/* A queued roster import: ask the API for its status every second and show the result. */
(function () {
  "use strict";
  var box = document.querySelector("[data-import-progress]");
  if (!box) return;
  var url = box.getAttribute("data-url");
  var label = document.querySelector("[data-status-label]");
  var progress = box.querySelector("[data-progress]");
  var done = document.querySelector("[data-import-done]");

  function show(data) {
    if (label) {
      label.textContent = data.status_label;
      label.className = "status status--" + data.status;
    }
    if (data.status === "queued") return false;
    if (data.status === "done" && done) {
      progress.max = 1;
      progress.value = 1;
      box.hidden = true;
      var count = done.querySelector("[data-created-count]");
      if (count) count.textContent = data.created_count;
      done.hidden = false;
      var link = done.querySelector("a");
      if (link) link.focus();
      return true;
    }
    // Invalid after a second check, or failed: the server renders the errors.
    window.location.reload();
    return true;
  }

  window.pollJson(url, show);
})();
