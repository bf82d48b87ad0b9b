/* Exam setup: show the challenge-run fields only for contests, and count the ticked questions
   of a fixed paper with their points. Everything also works without it. */
(function () {
  "use strict";
  document.querySelectorAll("[data-exam-form]").forEach(function (form) {
    var mode = form.querySelector("select[name=mode]");
    var challenge = form.querySelector("[data-challenge-fields]");
    if (!mode || !challenge) return;
    function toggle() { challenge.hidden = mode.value !== "contest"; }
    mode.addEventListener("change", toggle);
    toggle();
  });

  var picker = document.querySelector("[data-picker]");
  var total = picker && picker.querySelector("[data-pick-total]");
  if (!picker || !total) return;
  var template = total.getAttribute("data-template") || "{count} / {points}";
  function count() {
    var n = 0, hundredths = 0;
    picker.querySelectorAll("[data-pick]").forEach(function (box) {
      if (!box.checked) return;
      n += 1;
      var input = picker.querySelector("input[name='points_" + box.value + "']");
      var value = parseFloat(((input && input.value) || "0").replace("。", "."));
      if (!isNaN(value)) hundredths += Math.round(value * 100);
    });
    var points = (hundredths / 100).toString();
    total.textContent = template.replace("{count}", n).replace("{points}", points);
  }
  picker.addEventListener("change", count);
  picker.addEventListener("input", count);
  count();
})();
