/* The projector's check-in screen: every second, fetch the current QR code, the numeric code and
   the live count. The code is redrawn only when it changes. */
(function () {
  "use strict";
  var box = document.querySelector("[data-checkin-screen]");
  if (!box || !box.querySelector("[data-qr]")) return;
  var qr = box.querySelector("[data-qr]");
  var shown = null;

  function text(selector, value) {
    var el = box.querySelector(selector);
    if (el) el.textContent = value;
  }

  window.pollJson(box.getAttribute("data-url"), function (data) {
    if (!data.open) {
      window.location.reload();
      return true;
    }
    if (data.token !== shown) {
      qr.innerHTML = data.qr_svg;
      qr.setAttribute("data-token", data.token);
      qr.setAttribute("data-url", data.url);
      shown = data.token;
    }
    text("[data-code]", data.code);
    text("[data-seconds]", data.seconds_left);
    text("[data-count]", data.checked_in);
    text("[data-enrolled]", data.counts.enrolled);
    var recent = box.querySelector("[data-recent]");
    if (recent) {
      recent.innerHTML = "";
      data.recent.forEach(function (row) {
        var li = document.createElement("li");
        li.textContent = row.at + " " + row.name;
        recent.appendChild(li);
      });
    }
    return false;
  });
})();
