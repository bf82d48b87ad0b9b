/* A queued roster import: ask the API for its status every second and show the result. */
(function () {
  "use strict";
  var box = document.querySelector("[data-import-progress]");
  if (!box) return;
  var url = box.getAttribute("data-url");
  var label = document.querySelector("[data-status-label]");
  var progress = box.querySelector("[data-progress]");
  var done = document.querySelector("[data-import-done]");
  var failures = 0;

  function schedule() {
    // Back off gently if the server does not answer, but keep trying.
    setTimeout(poll, failures ? Math.min(1000 * Math.pow(2, failures), 15000) : 1000);
  }

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

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        if (!show(data)) schedule();
      })
      .catch(function () {
        failures += 1;
        schedule();
      });
  }

  schedule();
})();
