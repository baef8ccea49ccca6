// Work is never lost: every field marked data-autosave sends what has been typed to
// /ui/drafts as it is typed (at most every 300 ms, and once more when the page is hidden or
// closed). Drafts belong to the signed-in user, so they outlive the session and the browser.
(function () {
  "use strict";
  var fields = document.querySelectorAll("[data-autosave]");
  if (!fields.length) { return; }
  var status = document.getElementById("autosave-status");

  function body(field) {
    var data = new URLSearchParams();
    data.set("place", field.getAttribute("data-autosave"));
    data.set("field", field.name);
    data.set("text", field.value);
    // When the text was read: the server keeps the latest typing, whatever arrives last.
    data.set("typed_at", String(performance.timeOrigin + performance.now()));
    return data;
  }

  function save(field) {
    field._autosaveSent = field.value;
    return fetch("/ui/drafts", {
      method: "POST", body: body(field), credentials: "same-origin", keepalive: true
    }).then(function (response) {
      if (status && response.ok) {
        status.textContent = "Draft kept at " + new Date().toLocaleTimeString("en-GB") + ".";
      }
    }).catch(function () { /* the next keystroke or the page closing sends it again */ });
  }

  function flush() {
    fields.forEach(function (field) {
      if (field._autosaveSent !== field.value) {
        field._autosaveSent = field.value;
        navigator.sendBeacon("/ui/drafts", body(field));
      }
    });
  }

  fields.forEach(function (field) {
    field._autosaveSent = field.value;
    var timer = null;
    field.addEventListener("input", function () {
      if (timer) { return; }
      timer = setTimeout(function () { timer = null; save(field); }, 300);
    });
    field.addEventListener("blur", function () { if (field._autosaveSent !== field.value) { save(field); } });
  });
  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { flush(); }
  });
}());
