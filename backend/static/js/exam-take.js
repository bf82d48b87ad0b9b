/* The exam page: the paper from the attempts API, autosave with an offline queue, the server's
   countdown, page leaves (切屏), submitting; practice feedback and challenge runs. On the result
   page it only waits for grading and clears what this device kept of the attempt.

   Autosave. Every change gets the next number of a per-attempt counter (`seq`); the server keeps
   an answer only if its seq is higher than the one stored, so a replay or a late, older save
   changes nothing. The counter and the answers not yet acknowledged live in localStorage under
   "exam-attempt-<id>", so a reload (or a crash while offline) continues with higher numbers and
   sends what was kept. Only the newest answer per question is kept and sent. Offline (a failed
   fetch, or navigator.onLine false) answers stay queued; they are sent on the `online` event and
   by a retry timer. A 409 (deadline passed, attempt submitted) stops the page with the server's
   message.

   window.ExamQuestion builds the answer controls of one question and reads them back; the
   wrong-answer book's practice (mistakes.js) uses it too. */
(function () {
  "use strict";

  // --- shared: texts, requests ----------------------------------------------------------------

  function readStrings(scope) {
    var texts = {};
    (scope || document).querySelectorAll("[data-strings] [data-s]").forEach(function (el) {
      texts[el.getAttribute("data-s")] = el.textContent;
    });
    return function (key, params) {
      var text = texts[key] || key;
      Object.keys(params || {}).forEach(function (name) {
        text = text.split("%(" + name + ")s").join(String(params[name]));
      });
      return text;
    };
  }

  function csrfToken(cookieName) {
    var match = document.cookie.match(new RegExp("(?:^|;\\s*)" + (cookieName || "csrftoken") + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  /* fetch with JSON in and out. Resolves {ok, status, body}; rejects only when the network fails. */
  function requestJson(method, url, data, cookieName, extra) {
    var options = {
      method: method,
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken(cookieName) },
    };
    if (data !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(data);
    }
    Object.keys(extra || {}).forEach(function (k) { options[k] = extra[k]; });
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { ok: response.ok, status: response.status, body: body || {} };
      });
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // --- one question's answer controls -------------------------------------------------------------

  var ExamQuestion = {
    /* The controls for question `q` ({question, kind, options: [{id, label, text}], blanks}). */
    build: function (q, name, t) {
      var box = el("div", "answer answer--" + q.kind);
      box.setAttribute("data-answer", q.kind);
      if (q.kind === "single" || q.kind === "multiple") {
        q.options.forEach(function (option) {
          var label = el("label", "choice");
          var input = el("input");
          input.type = q.kind === "single" ? "radio" : "checkbox";
          input.name = name;
          input.value = String(option.id);
          label.appendChild(input);
          label.appendChild(el("span", "choice__label", option.label));
          label.appendChild(el("span", "choice__text", option.text));
          box.appendChild(label);
        });
      } else if (q.kind === "true_false") {
        box.classList.add("answer--row");
        [["true", t("true")], ["false", t("false")]].forEach(function (pair) {
          var label = el("label", "choice choice--tf");
          var input = el("input");
          input.type = "radio";
          input.name = name;
          input.value = pair[0];
          label.appendChild(input);
          label.appendChild(el("span", "choice__text", pair[1]));
          box.appendChild(label);
        });
      } else if (q.kind === "blank") {
        for (var i = 0; i < Math.max(1, q.blanks || 0); i += 1) {
          var label = el("label", "blank");
          label.appendChild(el("span", "blank__label", t("blank_n", { n: i + 1 })));
          var input = el("input");
          input.type = "text";
          input.name = name + "-" + i;
          input.autocomplete = "off";
          input.maxLength = 500;
          input.setAttribute("data-blank", String(i));
          label.appendChild(input);
          box.appendChild(label);
        }
      } else {
        var area = el("textarea");
        area.name = name;
        area.rows = 5;
        area.maxLength = 4000;
        area.setAttribute("aria-label", t("key"));
        box.appendChild(area);
      }
      return box;
    },

    read: function (box, q) {
      if (q.kind === "single" || q.kind === "multiple") {
        var ids = [];
        box.querySelectorAll("input:checked").forEach(function (input) { ids.push(Number(input.value)); });
        return { options: ids };
      }
      if (q.kind === "true_false") {
        var checked = box.querySelector("input:checked");
        return checked ? { value: checked.value === "true" } : null;
      }
      if (q.kind === "blank") {
        var blanks = [];
        box.querySelectorAll("input[data-blank]").forEach(function (input) { blanks.push(input.value); });
        return { blanks: blanks };
      }
      return { text: box.querySelector("textarea").value };
    },

    fill: function (box, q, response) {
      if (!response || typeof response !== "object") return;
      if (q.kind === "single" || q.kind === "multiple") {
        var ids = (response.options || []).map(String);
        box.querySelectorAll("input").forEach(function (input) { input.checked = ids.indexOf(input.value) !== -1; });
      } else if (q.kind === "true_false") {
        box.querySelectorAll("input").forEach(function (input) {
          input.checked = response.value !== null && response.value !== undefined && input.value === String(response.value);
        });
      } else if (q.kind === "blank") {
        var blanks = response.blanks || [];
        box.querySelectorAll("input[data-blank]").forEach(function (input, i) { input.value = blanks[i] || ""; });
      } else {
        box.querySelector("textarea").value = response.text || "";
      }
    },

    answered: function (q, response) {
      if (!response || typeof response !== "object") return false;
      if (q.kind === "single" || q.kind === "multiple") return (response.options || []).length > 0;
      if (q.kind === "true_false") return response.value === true || response.value === false;
      if (q.kind === "blank") return (response.blanks || []).some(function (b) { return String(b).trim() !== ""; });
      return String(response.text || "").trim() !== "";
    },

    keyText: function (q, key, t) {
      if (!key || typeof key !== "object") return "";
      if (q.kind === "single" || q.kind === "multiple") {
        return q.options.filter(function (o) { return (key.options || []).indexOf(o.id) !== -1; })
          .map(function (o) { return o.label; }).join("、");
      }
      if (q.kind === "true_false") return key.value ? t("true") : t("false");
      if (q.kind === "blank") return (key.blanks || []).map(function (alts) { return [].concat(alts).join(" / "); }).join("；");
      return key.reference || "";
    },

    /* Right / wrong, the key and the analysis, into `box`. */
    showFeedback: function (box, q, feedback, t) {
      box.textContent = "";
      box.hidden = false;
      var verdict;
      if (feedback.correct === true) verdict = el("p", "feedback__verdict feedback__verdict--right", t("correct"));
      else if (feedback.correct === false && feedback.score && Number(feedback.score) > 0) verdict = el("p", "feedback__verdict feedback__verdict--partly", t("partly"));
      else if (feedback.correct === false) verdict = el("p", "feedback__verdict feedback__verdict--wrong", t("wrong"));
      else verdict = el("p", "feedback__verdict", t("by_person"));
      verdict.setAttribute("data-verdict", feedback.correct === true ? "right" : feedback.correct === false ? "wrong" : "person");
      box.appendChild(verdict);
      var key = ExamQuestion.keyText(q, feedback.key, t);
      if (key) {
        var keyLine = el("p", "feedback__key");
        keyLine.appendChild(el("strong", null, t("key") + "："));
        keyLine.appendChild(document.createTextNode(key));
        box.appendChild(keyLine);
      }
      if (feedback.analysis) {
        var analysis = el("p", "feedback__analysis");
        analysis.appendChild(el("strong", null, t("analysis") + "："));
        analysis.appendChild(document.createTextNode(feedback.analysis));
        box.appendChild(analysis);
      }
    },
  };

  window.ExamQuestion = ExamQuestion;
  window.ExamPage = { readStrings: readStrings, requestJson: requestJson, el: el };

  // --- the result page --------------------------------------------------------------------------

  var result = document.querySelector("[data-result]");
  if (result) {
    var storeKey = "exam-attempt-" + result.getAttribute("data-attempt");
    if (result.hasAttribute("data-own") && result.getAttribute("data-status") !== "in_progress") {
      try {
        var kept = JSON.parse(window.localStorage.getItem(storeKey) || "null");
        if (kept && kept.pending && Object.keys(kept.pending).length) {
          result.querySelector("[data-unsent-notice]").hidden = false;
        }
        window.localStorage.removeItem(storeKey);
      } catch (e) { /* private mode: nothing was kept */ }
    }
    var poll = result.getAttribute("data-result-poll");
    if (poll && window.pollJson) {
      window.pollJson(poll, function (data) {
        if (data.status === "submitted") return false;
        window.location.reload();
        return true;
      });
    }
    return;
  }

  // --- the exam page --------------------------------------------------------------------------------

  var root = document.querySelector("[data-exam-take]");
  if (!root || !window.fetch) return;

  var t = readStrings(root);
  var attemptId = root.getAttribute("data-attempt");
  var api = root.getAttribute("data-api");
  var resultUrl = root.getAttribute("data-result-url");
  var cookieName = root.getAttribute("data-csrf-cookie");
  var practice = root.getAttribute("data-mode") === "practice";
  var challenge = root.getAttribute("data-challenge") === "true";
  var storeKey = "exam-attempt-" + attemptId;

  var ui = {
    clock: root.querySelector("[data-clock]"),
    saveState: root.querySelector("[data-save-state]"),
    saveText: root.querySelector("[data-save-text]"),
    progress: root.querySelector("[data-progress]"),
    qnav: root.querySelector("[data-qnav]"),
    qnavBox: root.querySelector("[data-qnav-box]"),
    warning: root.querySelector("[data-time-warning]"),
    stopped: root.querySelector("[data-stopped]"),
    leave: root.querySelector("[data-leave-notice]"),
    saveError: root.querySelector("[data-save-error]"),
    loading: root.querySelector("[data-loading]"),
    list: root.querySelector("[data-questions]"),
    submitBox: root.querySelector("[data-submit-box]"),
    submit: root.querySelector("[data-submit]"),
    dialog: root.querySelector("[data-submit-dialog]"),
    unanswered: root.querySelector("[data-unanswered]"),
    confirm: root.querySelector("[data-confirm-submit]"),
    cancel: root.querySelector("[data-cancel-submit]"),
    submitError: root.querySelector("[data-submit-error]"),
    challengeBar: root.querySelector("[data-challenge-bar]"),
    challengeProgress: root.querySelector("[data-challenge-progress]"),
    questionClock: root.querySelector("[data-question-clock]"),
  };

  // What this device keeps of the attempt: {seq, pending: {question id: {response, seq}}}.
  var store = { seq: 0, pending: {} };
  try {
    var saved = JSON.parse(window.localStorage.getItem(storeKey) || "null");
    if (saved && typeof saved.seq === "number") store = { seq: saved.seq, pending: saved.pending || {} };
  } catch (e) { /* unreadable: start afresh; the server's seq numbers still count */ }

  function persist() {
    try { window.localStorage.setItem(storeKey, JSON.stringify(store)); } catch (e) { /* full or private */ }
  }

  function nextSeq() {
    store.seq += 1;
    persist();
    return store.seq;
  }

  var questions = [];        // the paper, in order
  var byId = {};             // question id → {q, item, box, feedback}
  var offset = 0;            // server clock − this device's clock, in ms
  var deadline = 0;          // server ms
  var stopped = false;       // the server refused further answers (409) or the time is up
  var leaving = false;       // going to the result page: no leave to record
  var sending = null;        // the running flush's promise
  var offline = navigator.onLine === false;
  var failure = "";          // "", "offline", "retrying", "signed_out"
  var retryTimer = null;
  var failures = 0;
  var typing = {};           // question id → debounce timer of a text answer
  var warned = 0;            // 5 or 1: the last warning shown

  function serverNow() { return Date.now() + offset; }
  function pendingCount() { return Object.keys(store.pending).length; }

  // --- the autosave indicator ---------------------------------------------------------------------

  function showState() {
    var count = pendingCount() + Object.keys(typing).length;
    var state, text;
    if (stopped && !count) { state = "stopped"; text = ""; }
    else if (count && failure === "offline") { state = "offline"; text = t("offline", { n: count }); }
    else if (count && failure === "signed_out") { state = "error"; text = t("signed_out"); }
    else if (count && failure === "retrying") { state = "error"; text = t("retrying", { n: count }); }
    else if (count || sending) { state = "saving"; text = t("saving"); }
    else if (ui.saveState.getAttribute("data-save-state") === "idle") { state = "idle"; text = t("idle"); }
    else { state = "saved"; text = t("saved"); }
    ui.saveState.setAttribute("data-save-state", state);
    ui.saveState.setAttribute("data-pending", String(count));
    ui.saveText.textContent = text;
  }

  function showProgress() {
    if (challenge) return;
    var done = 0;
    questions.forEach(function (q) {
      var entry = byId[q.question];
      var yes = ExamQuestion.answered(q, ExamQuestion.read(entry.box, q));
      if (yes) done += 1;
      entry.nav.classList.toggle("qnav__item--done", yes);
      entry.item.classList.toggle("question--answered", yes);
    });
    ui.progress.textContent = t("answered", { n: done, total: questions.length });
    return done;
  }

  // --- sending answers ------------------------------------------------------------------------------

  function scheduleRetry() {
    if (retryTimer || stopped) return;
    var wait = Math.min(2000 * Math.pow(2, failures), 30000);
    retryTimer = setTimeout(function () {
      retryTimer = null;
      flush().catch(function () {});
    }, wait);
  }

  function stop(message) {
    stopped = true;
    ui.stopped.textContent = message;
    ui.stopped.hidden = false;
    root.querySelectorAll("[data-questions] input, [data-questions] textarea, [data-questions] button").forEach(function (c) { c.disabled = true; });
    store.pending = {};
    persist();
    showState();
    // The result page says what was submitted.
    setTimeout(function () { leaving = true; window.location.href = resultUrl; }, 2500);
  }

  function sendOne(id) {
    var entry = store.pending[id];
    if (!entry) return Promise.resolve();
    return requestJson("PUT", api + "answers/" + id + "/", { response: entry.response, seq: entry.seq }, cookieName)
      .then(function (reply) {
        var body = reply.body;
        if (reply.ok) {
          if (store.pending[id] && store.pending[id].seq === entry.seq) delete store.pending[id];
          persist();
          ui.saveState.setAttribute("data-save-state", "saved");
          if (body.feedback && byId[id]) ExamQuestion.showFeedback(byId[id].feedback, byId[id].q, body.feedback, t);
          return;
        }
        if (reply.status === 409 && (body.code === "deadline_passed" || body.code === "attempt_submitted")) {
          stop(body.message || body.code);
          var stopError = new Error("stopped");
          stopError.stopped = true;
          throw stopError;
        }
        if (reply.status === 403 || reply.status >= 500) {
          var error = new Error(String(reply.status));
          error.kind = reply.status === 403 ? "signed_out" : "retrying";
          throw error;
        }
        // A save the server will never take (malformed, unknown question): drop it, say so.
        if (store.pending[id] && store.pending[id].seq === entry.seq) delete store.pending[id];
        persist();
        ui.saveError.textContent = t("not_saved", { message: body.message || reply.status });
        ui.saveError.hidden = false;
      });
  }

  /* Send every queued answer, one at a time. Resolves when the queue is empty; rejects when the
     network (or the server) fails, with the answers still queued. */
  function flush() {
    if (sending) return sending;
    if (stopped) {
      var halted = new Error("stopped");
      halted.stopped = true;
      return Promise.reject(halted);
    }
    if (!pendingCount()) { showState(); return Promise.resolve(); }
    if (navigator.onLine === false) {
      failure = "offline";
      showState();
      scheduleRetry();
      return Promise.reject(new Error("offline"));
    }
    var ids = Object.keys(store.pending);
    var chain = Promise.resolve();
    ids.forEach(function (id) { chain = chain.then(function () { return sendOne(id); }); });
    sending = chain.then(function () {
      sending = null;
      failures = 0;
      failure = "";
      offline = false;
      showState();
      if (pendingCount()) return flush(); // answered again meanwhile
    }, function (error) {
      sending = null;
      if (!error.stopped) {
        failures += 1;
        failure = error.kind || "offline"; // a fetch that failed outright: no network
        scheduleRetry();
      }
      showState();
      throw error;
    });
    showState();
    return sending;
  }

  function record(q) {
    if (stopped) return;
    var entry = byId[q.question];
    clearTimeout(typing[q.question]);
    delete typing[q.question];
    store.pending[q.question] = { response: ExamQuestion.read(entry.box, q), seq: nextSeq() };
    persist();
    showProgress();
    flush().catch(function () {});
  }

  function commitTyping() {
    Object.keys(typing).forEach(function (id) { record(byId[id].q); });
  }

  function onAnswer(q, event) {
    if (stopped) return;
    var text = event.target.matches("input[type=text], textarea");
    var checkFirst = practice && q.kind !== "single" && q.kind !== "true_false";
    if (checkFirst) { showProgress(); return; } // practice: the Check button saves it
    if (!text) { record(q); return; }
    clearTimeout(typing[q.question]);
    typing[q.question] = setTimeout(function () { record(q); }, 600);
    showState();
  }

  // --- the clock ---------------------------------------------------------------------------------------

  function clockText(ms) {
    var total = Math.max(0, Math.ceil(ms / 1000));
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    var mm = (h ? ("0" + m).slice(-2) : String(m)) + ":" + ("0" + s).slice(-2);
    return h ? h + ":" + mm : mm;
  }

  var timeUp = false;
  function tick() {
    var left = deadline - serverNow();
    ui.clock.textContent = clockText(left);
    root.setAttribute("data-seconds-left", String(Math.max(0, Math.ceil(left / 1000))));
    if (left <= 0) {
      if (!timeUp) {
        timeUp = true;
        ui.warning.hidden = true;
        ui.clock.parentNode.classList.add("exam-clock--over");
        commitTyping();
        root.querySelectorAll("[data-questions] input, [data-questions] textarea, [data-questions] button").forEach(function (c) { c.disabled = true; });
        // The last answers may still arrive in time; then the result page takes over.
        var finish = function () { stopped = true; leaving = true; window.location.href = resultUrl; };
        ui.stopped.textContent = t("time_up");
        ui.stopped.hidden = false;
        flush().then(function () { setTimeout(finish, 1500); }, function () { setTimeout(finish, 1500); });
      }
      return;
    }
    if (left <= 60000 && warned !== 1) {
      warned = 1;
      ui.warning.textContent = t("warn1");
      ui.warning.hidden = false;
      ui.warning.setAttribute("data-time-warning", "1");
      ui.clock.parentNode.classList.add("exam-clock--urgent");
    } else if (left <= 300000 && left > 60000 && warned !== 5) {
      warned = 5;
      ui.warning.textContent = t("warn5");
      ui.warning.hidden = false;
      ui.warning.setAttribute("data-time-warning", "5");
    }
  }

  // --- leaving the page (切屏) ---------------------------------------------------------------------------

  function recordLeave() {
    if (leaving || stopped) return;
    // keepalive: still sent while the page goes away; sendBeacon cannot carry the CSRF header.
    requestJson("POST", api + "leave/", undefined, cookieName, { keepalive: true }).then(function (reply) {
      if (!reply.ok) return;
      var data = reply.body;
      if (data.status && data.status !== "in_progress") {
        leaving = true;
        window.location.href = resultUrl;
        return;
      }
      ui.leave.textContent = data.max_leaves
        ? t("leaves_max", { count: data.leave_count, max: data.max_leaves })
        : t("leaves", { count: data.leave_count });
      ui.leave.setAttribute("data-leave-count", String(data.leave_count));
      ui.leave.classList.toggle("alert--warning", !!data.max_leaves);
      ui.leave.hidden = false;
    }).catch(function () {});
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "hidden") return;
    commitTyping();
    flush().catch(function () {});
    recordLeave();
  });
  window.addEventListener("online", function () {
    offline = false;
    failures = 0;
    clearTimeout(retryTimer);
    retryTimer = null;
    flush().catch(function () {});
  });
  window.addEventListener("offline", function () {
    offline = true;
    if (pendingCount()) { failure = "offline"; showState(); }
  });
  setInterval(function () {
    if (pendingCount() && !sending && !stopped) flush().catch(function () {});
  }, 10000);

  // --- submitting --------------------------------------------------------------------------------------

  function flushAll() {
    return flush().then(function () { if (pendingCount()) return flushAll(); });
  }

  function goToResult() {
    leaving = true;
    try { window.localStorage.removeItem(storeKey); } catch (e) { /* nothing kept */ }
    window.location.href = resultUrl;
  }

  ui.submit.addEventListener("click", function () {
    commitTyping();
    var total = challenge ? challengeTotal : questions.length;
    var done = challenge ? challengeAnswered : showProgress();
    ui.unanswered.textContent = total - done > 0
      ? t("unanswered", { n: total - done, total: total })
      : t("all_answered", { total: total });
    ui.submitError.hidden = true;
    ui.confirm.disabled = false;
    if (ui.dialog.showModal) ui.dialog.showModal(); else ui.dialog.setAttribute("open", "");
  });
  ui.cancel.addEventListener("click", function () {
    if (ui.dialog.close) ui.dialog.close(); else ui.dialog.removeAttribute("open");
  });
  ui.confirm.addEventListener("click", function () {
    ui.confirm.disabled = true;
    ui.submitError.hidden = true;
    ui.confirm.textContent = t("submitting");
    flushAll().then(function () {
      return requestJson("POST", api + "submit/", undefined, cookieName);
    }).then(function (reply) {
      if (!reply.ok && reply.status !== 409) throw new Error(String(reply.status));
      goToResult();
    }).catch(function (error) {
      if (error && error.stopped) return; // the server had it submitted already: stop() goes on
      ui.submitError.textContent = navigator.onLine === false || failure === "offline" ? t("offline_submit") : t("submit_failed");
      ui.submitError.hidden = false;
      ui.confirm.disabled = false;
      ui.confirm.textContent = ui.confirm.getAttribute("data-label");
    });
  });
  ui.confirm.setAttribute("data-label", ui.confirm.textContent);

  // --- the whole paper -------------------------------------------------------------------------------

  function renderPaper(data) {
    questions = data.questions;
    var highest = 0;
    questions.forEach(function (q) {
      highest = Math.max(highest, q.seq || 0);
      var kept = store.pending[q.question];
      if (kept && kept.seq <= (q.seq || 0)) { delete store.pending[q.question]; kept = null; } // already stored
      var item = el("li", "question");
      item.id = "q-" + q.position;
      item.setAttribute("data-question", String(q.question));
      item.setAttribute("data-kind", q.kind);
      var head = el("div", "question__head");
      head.appendChild(el("span", "question__no", t("question_n", { n: q.position })));
      head.appendChild(el("span", "badge badge--kind", q.kind_label));
      head.appendChild(el("span", "question__points muted", t("points", { n: q.points })));
      item.appendChild(head);
      item.appendChild(el("p", "question__stem", q.stem));
      var box = ExamQuestion.build(q, "q" + q.question, t);
      ExamQuestion.fill(box, q, kept ? kept.response : q.response);
      item.appendChild(box);
      var feedback = el("div", "feedback");
      feedback.setAttribute("data-feedback", "");
      feedback.setAttribute("role", "status");
      feedback.hidden = true;
      if (practice && q.kind !== "single" && q.kind !== "true_false") {
        var check = el("button", "btn btn--secondary btn--small question__check", t("check"));
        check.type = "button";
        check.setAttribute("data-check", "");
        check.addEventListener("click", function () { record(q); });
        item.appendChild(check);
      }
      item.appendChild(feedback);
      if (practice && "key" in q) ExamQuestion.showFeedback(feedback, q, q, t);
      box.addEventListener("change", function (event) { onAnswer(q, event); });
      box.addEventListener("input", function (event) { if (event.target.matches("input[type=text], textarea")) onAnswer(q, event); });
      box.addEventListener("focusout", function () { if (typing[q.question]) record(q); });
      var navItem = el("li", "qnav__item");
      var link = el("a", null, String(q.position));
      link.href = "#q-" + q.position;
      link.addEventListener("click", function () { ui.qnavBox.open = false; });
      navItem.appendChild(link);
      ui.qnav.appendChild(navItem);
      byId[q.question] = { q: q, item: item, box: box, feedback: feedback, nav: navItem };
      ui.list.appendChild(item);
    });
    store.seq = Math.max(store.seq, highest); // another device may have saved with higher numbers
    persist();
    showProgress();
    showState();
    if (pendingCount()) flush().catch(function () {}); // answers kept from before a reload
  }

  // --- challenge runs: one question at a time ---------------------------------------------------------

  var challengeTotal = 0, challengeAnswered = 0, questionEnds = 0, questionTimer = null, answering = false;

  function renderChallenge(data) {
    challengeTotal = data.total || 0;
    challengeAnswered = data.answered || 0;
    ui.list.textContent = "";
    var q = data.questions[0];
    if (!q) { goToResult(); return; }
    questions = [q];
    ui.challengeBar.hidden = false;
    ui.challengeProgress.textContent = t("challenge_progress", { n: q.position, total: challengeTotal });
    ui.progress.textContent = t("challenge_progress", { n: q.position, total: challengeTotal });
    store.seq = Math.max(store.seq, q.seq || 0);
    var item = el("li", "question question--challenge");
    item.setAttribute("data-question", String(q.question));
    item.setAttribute("data-kind", q.kind);
    var head = el("div", "question__head");
    head.appendChild(el("span", "question__no", t("question_n", { n: q.position })));
    head.appendChild(el("span", "badge badge--kind", q.kind_label));
    item.appendChild(head);
    item.appendChild(el("p", "question__stem", q.stem));
    var box = ExamQuestion.build(q, "q" + q.question, t);
    item.appendChild(box);
    var feedback = el("div", "feedback");
    feedback.setAttribute("data-feedback", "");
    feedback.hidden = true;
    var confirm = el("button", "btn btn--primary btn--block", t("confirm"));
    confirm.type = "button";
    confirm.setAttribute("data-confirm-answer", "");
    item.appendChild(confirm);
    item.appendChild(feedback);
    ui.list.appendChild(item);
    byId = {};
    byId[q.question] = { q: q, item: item, box: box, feedback: feedback };
    var shown = data.current_shown_at ? Date.parse(data.current_shown_at) : serverNow();
    questionEnds = shown + (data.seconds_per_question || 0) * 1000;
    answering = false;

    function answer(response) {
      if (answering || stopped) return;
      answering = true;
      confirm.disabled = true;
      requestJson("PUT", api + "answers/" + q.question + "/", { response: response, seq: nextSeq() }, cookieName)
        .then(function (reply) {
          var body = reply.body;
          if (!reply.ok) {
            if (reply.status === 409 && body.code === "not_current_question") { load(); return; }
            if (reply.status === 409) { stop(body.message || body.code); return; }
            throw new Error(String(reply.status));
          }
          clearInterval(questionTimer);
          if (body.feedback) ExamQuestion.showFeedback(feedback, q, body.feedback, t);
          box.querySelectorAll("input, textarea").forEach(function (c) { c.disabled = true; });
          if (body.finished) { setTimeout(goToResult, 1500); return; }
          feedback.appendChild(el("p", "muted", t("challenge_right")));
          setTimeout(load, 900);
        })
        .catch(function () {
          answering = false;
          confirm.disabled = false;
          ui.saveError.textContent = t("challenge_offline");
          ui.saveError.hidden = false;
        });
    }

    confirm.addEventListener("click", function () {
      ui.saveError.hidden = true;
      answer(ExamQuestion.read(box, q));
    });
    clearInterval(questionTimer);
    var questionTick = function () {
      var left = questionEnds - serverNow();
      ui.questionClock.textContent = t("seconds", { n: Math.max(0, Math.ceil(left / 1000)) });
      ui.questionClock.classList.toggle("challenge-clock--urgent", left <= 5000);
      if (left <= 0) {
        clearInterval(questionTimer);
        answer(null); // out of time: an empty answer ends the run
      }
    };
    questionTimer = setInterval(questionTick, 250);
    questionTick();
  }

  // --- loading -----------------------------------------------------------------------------------------

  function load() {
    var sent = Date.now();
    return requestJson("GET", api, undefined, cookieName).then(function (reply) {
      if (!reply.ok) throw new Error(String(reply.status));
      var data = reply.body;
      // The server's clock, corrected by half the round trip.
      offset = Date.parse(data.server_time) - (sent + Date.now()) / 2;
      deadline = Date.parse(data.deadline);
      if (data.status !== "in_progress") { goToResult(); return; }
      ui.loading.hidden = true;
      ui.submitBox.hidden = false;
      if (challenge) renderChallenge(data);
      else renderPaper(data);
      tick();
      root.setAttribute("data-ready", "true");
    }).catch(function () {
      ui.loading.textContent = t("load_failed");
      ui.loading.classList.add("alert", "alert--error");
    });
  }

  load().then(function () {
    if (root.hasAttribute("data-ready")) setInterval(tick, 500);
  });
})();
