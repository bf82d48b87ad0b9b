/* Small progressive enhancements; every page also works without JavaScript. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  /* Ask a JSON API every second until handle(data) returns true; back off gently (up to 15 s)
     while the server does not answer, but keep trying. Used by the pages of background jobs. */
  window.pollJson = function (url, handle) {
    var failures = 0;

    function schedule() {
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
          if (!handle(data)) schedule();
        })
        .catch(function () {
          failures += 1;
          schedule();
        });
    }

    schedule();
  };

  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  ready(function () {
    // Phones: the navigation folds behind the Menu button.
    var toggle = document.querySelector(".menu-toggle");
    var menu = document.getElementById("site-menu");
    if (toggle && menu) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var open = menu.classList.toggle("is-open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }

    // Organization tree: expand or collapse every branch at once.
    var tools = document.querySelector("[data-tree-tools]");
    var tree = document.querySelector("[data-tree]");
    if (tools && tree) {
      tools.hidden = false;
      tools.addEventListener("click", function (event) {
        var button = event.target.closest("button");
        if (!button) return;
        var open = button.hasAttribute("data-tree-expand");
        tree.querySelectorAll("details").forEach(function (d) { d.open = open; });
      });
    }

    // Forms that must not be sent twice (an upload, a confirmation). Coming back with the
    // browser's Back button shows the page from its cache: enable the buttons again.
    window.addEventListener("pageshow", function () {
      document.querySelectorAll("form[data-once] button[type=submit]").forEach(function (b) { b.disabled = false; });
    });
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.setAttribute("aria-busy", "true");
        // After this tick, so that the browser still sends the form.
        setTimeout(function () {
          form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
        }, 0);
      });
    });
  });
})();
