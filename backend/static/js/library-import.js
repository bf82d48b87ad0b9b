/* A document import being read in the background: ask the API every second whether it is
   done, then reload, so that the server renders the preview or the error. */
(function () {
  "use strict";
  var box = document.querySelector("[data-import-progress]");
  if (!box) return;
  var url = box.getAttribute("data-url");
  var failures = 0;

  function schedule() {
    // Back off gently if the server does not answer, but keep trying.
    setTimeout(poll, failures ? Math.min(1000 * Math.pow(2, failures), 15000) : 1000);
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        if (data.status === "pending") schedule();
        else window.location.reload();
      })
      .catch(function () {
        failures += 1;
        schedule();
      });
  }

  schedule();
})();
