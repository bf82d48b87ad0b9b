// The reports page: while a report file is being built, ask for its progress every 2 s and
// reload the page when it is ready (or failed).
(function () {
  "use strict";
  function poll() {
    var pending = document.querySelectorAll("[data-job-status='queued'], [data-job-status='running']");
    if (!pending.length) return;
    var requests = Array.prototype.map.call(pending, function (item) {
      return fetch("/api/v1/report-jobs/" + item.getAttribute("data-job") + "/", { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (!job) return false;
          var bar = item.querySelector("[data-job-progress]");
          if (bar) bar.value = job.progress;
          return job.status === "done" || job.status === "failed";
        })
        .catch(function () { return false; });
    });
    Promise.all(requests).then(function (finished) {
      if (finished.some(Boolean)) { window.location.reload(); } else { window.setTimeout(poll, 2000); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { window.setTimeout(poll, 2000); });
})();
