/* The progress of a background job (a batch export, a bulk decision …): the box carrying data-status-url is
   polled every data-poll-ms milliseconds until its job is finished, failed or expired. Its parts are found by
   data-job: "bar" (a Bootstrap progress bar), "counts" (text from its data-template with {done} and {total}),
   "error" (shown on failure, its <span> gets the message), "done" (shown when finished) and "link" (gets the
   download_url). Each state is also sent to the page as a "job:progress" event (detail: the JSON state). */
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url][data-poll-ms]");
  if (!box || !window.fetch) { return; }
  var ms = parseInt(box.getAttribute("data-poll-ms"), 10) || 1000;
  var ended = ["finished", "failed", "expired"];
  function part(name) { return box.querySelector('[data-job="' + name + '"]'); }
  function show(s) {
    var bar = part("bar"), counts = part("counts"), link = part("link"), error = part("error"), done = part("done");
    if (bar) {
      bar.style.width = s.percent + "%";
      bar.setAttribute("aria-valuenow", s.percent);
      bar.textContent = s.percent + "%";
    }
    if (counts) { counts.textContent = counts.getAttribute("data-template").replace("{done}", s.done).replace("{total}", s.total); }
    box.setAttribute("data-status", s.status);
    if (s.status === "finished") {
      if (link && s.download_url) { link.href = s.download_url; }
      if (done) { done.style.display = ""; }
    }
    if (s.status === "failed" && error) {
      error.querySelector("span").textContent = s.error || "";
      error.style.display = "";
    }
    box.dispatchEvent(new CustomEvent("job:progress", {detail: s}));
    return ended.indexOf(s.status) >= 0;
  }
  function poll() {
    fetch(box.getAttribute("data-status-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (s) { if (!show(s)) { setTimeout(poll, ms); } })
      .catch(function () { setTimeout(poll, ms * 5); });
  }
  if (ended.indexOf(box.getAttribute("data-status")) < 0) { setTimeout(poll, ms); }
})();
