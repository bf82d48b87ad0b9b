/* The wrong-answer book's practice round: the book's questions asked again one by one through
   the practice API, with right or wrong, the streak, and "mastered" when a question leaves the
   book. The key and analysis come from the server's answer, and only where the exam's release
   policy allows. Needs exam-take.js (window.ExamQuestion) loaded first. */
(function () {
  "use strict";
  var root = document.querySelector("[data-mistakes]");
  var data = document.getElementById("practice-data");
  if (!root || !data || !window.fetch || !window.ExamQuestion) return;

  var Q = window.ExamQuestion;
  var t = window.ExamPage.readStrings(root);
  var el = window.ExamPage.el;
  var api = root.getAttribute("data-api");
  var cookieName = root.getAttribute("data-csrf-cookie");
  var goal = Number(root.getAttribute("data-goal")) || 2;
  var items = JSON.parse(data.textContent);
  if (!items.length) return;

  var startBox = root.querySelector("[data-practice-start-box]");
  var panel = root.querySelector("[data-practice]");
  var progress = root.querySelector("[data-practice-progress]");
  var holder = root.querySelector("[data-practice-question]");
  var feedback = root.querySelector("[data-practice-feedback]");
  var check = root.querySelector("[data-practice-check]");
  var next = root.querySelector("[data-practice-next]");
  var stopButton = root.querySelector("[data-practice-stop]");
  var list = root.querySelector("[data-mistake-list]");
  var index = 0, right = 0, box = null, busy = false;

  startBox.hidden = false;

  function show() {
    var q = items[index];
    holder.textContent = "";
    feedback.textContent = "";
    progress.textContent = t("challenge_progress", { n: index + 1, total: items.length });
    var item = el("div", "question question--practice");
    item.setAttribute("data-practice-item", String(q.id));
    var head = el("div", "question__head");
    head.appendChild(el("span", "badge badge--kind", q.kind_label));
    item.appendChild(head);
    item.appendChild(el("p", "question__stem", q.stem));
    box = Q.build(q, "practice-" + q.id, t);
    item.appendChild(box);
    holder.appendChild(item);
    check.hidden = false;
    check.disabled = false;
    next.hidden = true;
  }

  function finish() {
    holder.textContent = "";
    feedback.textContent = "";
    check.hidden = true;
    next.hidden = true;
    progress.textContent = "";
    feedback.appendChild(el("p", "feedback__verdict", t("practice_done", { right: right, total: items.length })));
    stopButton.textContent = stopButton.getAttribute("data-done-label") || stopButton.textContent;
  }

  check.addEventListener("click", function () {
    if (busy) return;
    var q = items[index];
    busy = true;
    check.disabled = true;
    window.ExamPage.requestJson("POST", api + q.id + "/practice/", { response: Q.read(box, q) }, cookieName)
      .then(function (reply) {
        if (!reply.ok) throw new Error(String(reply.status));
        var body = reply.body;
        Q.showFeedback(feedback, q, { correct: body.correct, key: body.key, analysis: body.analysis }, t);
        if (body.correct) right += 1;
        var streak = el("p", "feedback__streak", t("streak", { n: body.right_streak, goal: goal }));
        streak.setAttribute("data-streak", String(body.right_streak));
        feedback.appendChild(streak);
        var row = list.querySelector("[data-mistake='" + q.id + "']");
        if (body.mastered) {
          var mastered = el("p", "feedback__mastered", t("mastered"));
          mastered.setAttribute("data-mastered", "");
          feedback.appendChild(mastered);
          if (row) row.classList.add("question--mastered");
        } else if (row) {
          row.classList.remove("question--mastered");
        }
        box.querySelectorAll("input, textarea").forEach(function (c) { c.disabled = true; });
        check.hidden = true;
        next.hidden = false;
        next.focus();
      })
      .catch(function () {
        feedback.textContent = t("practice_failed");
        check.disabled = false;
      })
      .then(function () { busy = false; });
  });

  next.addEventListener("click", function () {
    index += 1;
    if (index >= items.length) finish();
    else show();
  });

  root.querySelector("[data-practice-start]").addEventListener("click", function () {
    index = 0;
    right = 0;
    startBox.hidden = true;
    list.hidden = true;
    panel.hidden = false;
    show();
    panel.scrollIntoView({ block: "start" });
  });

  stopButton.addEventListener("click", function () {
    // What was practised changed the book: show it as it is now.
    window.location.reload();
  });
})();
