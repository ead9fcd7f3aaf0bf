// heal dashboard: live updates over server-sent events (/healing/live). No framework, nothing
// fetched from elsewhere. `active` replaces the panel of the running heal; `changed` fetches
// this page again and swaps its parts marked data-live (never one where someone is typing).
(function () {
  "use strict";

  function busy(element) {
    var focused = document.activeElement;
    if (focused && element.contains(focused) && /^(INPUT|TEXTAREA|BUTTON)$/.test(focused.tagName)) {
      return true;
    }
    var fields = element.querySelectorAll("input[type=text], textarea");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value) return true;
    }
    return false;
  }

  var refreshing = false;
  function refresh() {
    if (refreshing) return;
    refreshing = true;
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (text) {
        if (text === null) return;
        var fresh = new DOMParser().parseFromString(text, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (part) {
          var next = part.id && fresh.getElementById(part.id);
          if (next && !busy(part)) part.replaceWith(document.importNode(next, true));
        });
        var nav = fresh.querySelector("header nav");
        var mine = document.querySelector("header nav");
        if (nav && mine) mine.replaceWith(document.importNode(nav, true));
      })
      .catch(function () { /* the server is gone for now: the next event tries again */ })
      .then(function () { refreshing = false; });
  }

  function connect() {
    if (!window.EventSource) return;
    var source = new EventSource("/healing/live");
    source.addEventListener("active", function (message) {
      var data = JSON.parse(message.data);
      var panel = document.getElementById("active");
      if (panel && panel.innerHTML !== data.html) panel.innerHTML = data.html;
      document.body.classList.toggle("running", !!data.running);
    });
    source.addEventListener("changed", refresh);
  }

  // a decision takes a moment (approving may run the tests again): say so, and no double click
  document.addEventListener("submit", function (event) {
    var button = event.target.querySelector("button");
    if (button) {
      button.disabled = true;
      button.textContent = button.classList.contains("approve") ? "approving…" : "rejecting…";
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", connect);
  } else {
    connect();
  }
})();
