/* A class's certificates: while an issuing run is queued or running, ask its progress every 2 s
   and move the bar; when it ends, load the page again to show the certificates and who was left
   out. Without JavaScript the page shows the progress as it was when loaded. */
(function () {
  "use strict";
  var box = document.querySelector("[data-run][data-active]");
  if (!box) return;
  var url = box.getAttribute("data-run-url");
  var bar = box.querySelector("[data-run-progress]");
  var done = box.querySelector("[data-run-done]");
  var total = box.querySelector("[data-run-total]");
  var failures = 0;

  function show(run) {
    if (done) done.textContent = String(run.done);
    if (total) total.textContent = String(run.total);
    if (bar && run.total > 0) {
      bar.max = run.total;
      bar.value = run.done;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (run) {
        failures = 0;
        show(run);
        if (run.status === "queued" || run.status === "running") setTimeout(poll, 2000);
        else window.location.reload();
      })
      .catch(function () {
        failures += 1;
        setTimeout(poll, Math.min(2000 * Math.pow(2, failures), 30000));
      });
  }

  setTimeout(poll, 2000);
})();
