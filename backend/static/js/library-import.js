/* A document import being read in the background: ask the API every second whether it is
   done, then reload, so that the server renders the preview or the error. */
(function () {
  "use strict";
  var box = document.querySelector("[data-import-progress]");
  if (!box) return;
  window.pollJson(box.getAttribute("data-url"), function (data) {
    if (data.status === "pending") return false;
    window.location.reload();
    return true;
  });
})();
