/* The countdown of a timed quiz attempt: shows the time left, warns at 5 and 1 minutes, and
   submits the answers at zero. The server stays the judge of time: it counts answers that
   arrive by the deadline (plus a short grace) and closes the attempt itself otherwise.
   Without this script the page states the end time and a reload shows what is left. */
(function () {
  "use strict";
  var box = document.getElementById("quiz-timer");
  var form = document.querySelector("form.quiz-form");
  if (!box || !form) {
    return;
  }
  var left = parseInt(box.getAttribute("data-seconds-left"), 10);
  if (isNaN(left)) {
    return;
  }
  // Counted from when the page arrived, so a wrong clock on the device does not matter.
  var end = Date.now() + left * 1000;
  var shown = box.querySelector(".quiz-timer-left");
  var alertBox = document.getElementById("quiz-timer-alert");
  var warned = {};
  var sent = false;

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function show(seconds) {
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    shown.textContent = (hours ? hours + ":" + two(minutes) : minutes) + ":" + two(rest);
  }

  function warn(key, seconds, limit) {
    if (seconds <= limit && !warned[key]) {
      warned[key] = true;
      alertBox.textContent = box.getAttribute("data-" + key);
      box.classList.add("is-" + key);
    }
  }

  function submit() {
    if (sent) {
      return;
    }
    sent = true;
    alertBox.textContent = box.getAttribute("data-time-up");
    var confirmed = document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirmed";
    confirmed.value = "1";
    form.appendChild(confirmed);
    form.action = box.getAttribute("data-submit-url");
    form.submit();
  }

  function tick() {
    var seconds = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    show(seconds);
    if (seconds <= 0) {
      submit();
      return;
    }
    warn("warn-1", seconds, 60);
    if (seconds > 60) {
      warn("warn-5", seconds, 300);
    }
    window.setTimeout(tick, 250);
  }

  box.hidden = false;
  tick();
})();
