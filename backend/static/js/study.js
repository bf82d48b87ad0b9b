/* Online study: tell the server, every 15 seconds, whether this page is in front and its
   reader active, and show the reading time the server credits.

   The server credits the time between two beats of a visible page with an active reader
   (at most 30 s a beat), one clock per person across tabs and devices; the page only says
   what it sees and never claims time itself. A reader is active after a scroll, key, touch
   or mouse move within the last minute. Hiding the page or leaving it sends a beat at once,
   which stops the clock. */
(function () {
  "use strict";
  var box = document.querySelector("[data-study]");
  if (!box || !window.fetch) return;

  var url = box.getAttribute("data-url");
  var item = Number(box.getAttribute("data-item"));
  var interval = Math.max(1, Number(box.getAttribute("data-interval")) || 15) * 1000;
  var idleAfter = (Number(box.getAttribute("data-idle")) || 60) * 1000;
  var cookieName = box.getAttribute("data-csrf-cookie") || "csrftoken";
  var bar = box.querySelector("[data-study-bar]");
  var credited = box.querySelector("[data-study-credited]");
  var done = box.querySelector("[data-study-done]");
  var note = document.querySelector("[data-study-note]");
  var paused = box.querySelector("[data-study-paused]");
  var offline = box.querySelector("[data-study-offline]");
  var lastInput = Date.now(); // opening the page was the reader's doing

  function csrfToken() {
    var match = document.cookie.match(new RegExp("(?:^|;\\s*)" + cookieName + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function clock(seconds) {
    return Math.floor(seconds / 60) + ":" + ("0" + (seconds % 60)).slice(-2);
  }

  function isActive() {
    return Date.now() - lastInput < idleAfter;
  }

  function show(data) {
    box.setAttribute("data-credited", String(data.credited_seconds));
    var min = data.min_seconds;
    bar.value = data.completed ? 100 : Math.min(100, Math.floor((data.credited_seconds * 100) / min));
    credited.textContent = clock(Math.min(data.credited_seconds, min));
    if (data.completed) {
      box.setAttribute("data-completed", "true");
      done.hidden = false;
      note.textContent = note.getAttribute("data-done-text");
    }
  }

  function beat(leaving) {
    var visible = !leaving && document.visibilityState === "visible";
    var active = isActive();
    paused.hidden = !visible || active;
    var request = fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!leaving, // still sent while the page goes away
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ item: item, visible: visible, active: active }),
    });
    if (leaving) return;
    request
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        offline.hidden = true;
        show(data);
      })
      .catch(function () {
        offline.hidden = false;
      });
  }

  function onInput() {
    var wasIdle = !isActive();
    lastInput = Date.now();
    if (wasIdle && document.visibilityState === "visible") beat(false); // restart the clock now
  }

  ["scroll", "keydown", "touchstart", "pointerdown", "pointermove", "mousemove", "wheel"].forEach(function (type) {
    document.addEventListener(type, onInput, { passive: true, capture: true });
  });
  document.addEventListener("visibilitychange", function () {
    beat(false); // hidden: visible=false stops the clock; visible again: starts it
  });
  window.addEventListener("pagehide", function () {
    beat(true);
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) beat(false); // back from the browser's page cache
  });
  setInterval(function () {
    if (document.visibilityState === "visible") beat(false);
  }, interval);
  beat(false); // the first beat starts the clock
})();
