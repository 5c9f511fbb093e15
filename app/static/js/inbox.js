/* The inbox: row selection for bulk decisions, and the progress of a running bulk decision (polled). */
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("inbox-i18n").textContent);
  var boxes = Array.prototype.slice.call(document.querySelectorAll("#inbox-list .row-select"));
  var all = document.getElementById("select-all");
  var group = document.getElementById("passphrase-group");
  var approveBtn = document.getElementById("btn-bulk-approve");
  var returnBtn = document.getElementById("btn-bulk-return");
  function refresh() {
    var chosen = boxes.filter(function (b) { return b.checked; });
    var signing = chosen.some(function (b) { return b.getAttribute("data-signature") === "1"; });
    if (group) { group.style.display = signing || group.querySelector(".has-error") ? "" : "none"; }
    if (approveBtn) { approveBtn.disabled = chosen.length === 0; }
    if (returnBtn) { returnBtn.disabled = chosen.length === 0; }
    var counter = document.getElementById("selected-count");
    if (counter) { counter.textContent = chosen.length ? T.selected.replace("{n}", chosen.length) : ""; }
    if (all) { all.checked = boxes.length > 0 && chosen.length === boxes.length; }
  }
  boxes.forEach(function (b) { b.addEventListener("change", refresh); });
  if (all) {
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      refresh();
    });
  }
  refresh();

  var box = document.getElementById("bulk-progress");
  if (!box) { return; }
  var bar = document.getElementById("bulk-bar");
  var pollMs = parseInt(box.getAttribute("data-poll-ms"), 10) || 1000;
  function cell(row, text, href) {
    var td = document.createElement("td");
    if (href) {
      var a = document.createElement("a");
      a.href = href;
      a.textContent = text;
      td.appendChild(a);
    } else {
      td.textContent = text;
    }
    row.appendChild(td);
    return td;
  }
  function show(s) {
    bar.style.width = s.percent + "%";
    bar.setAttribute("aria-valuenow", s.percent);
    bar.textContent = s.percent + "%";
    box.setAttribute("data-status", s.status);
    document.getElementById("bulk-counts").textContent = T.counts.replace("{done}", s.done).replace("{total}", s.total);
    var body = document.querySelector("#bulk-results tbody");
    while (body.firstChild) { body.removeChild(body.firstChild); }
    s.results.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-result-id", r.id);
      tr.className = "outcome-" + r.outcome;
      cell(tr, String(r.id), r.url);
      cell(tr, r.person || "");
      cell(tr, r.label).className = "bulk-outcome";
      cell(tr, r.message || "");
      body.appendChild(tr);
    });
    if (s.status === "finished") { bar.className = "progress-bar progress-bar-success"; }
    if (s.status === "failed") {
      bar.className = "progress-bar progress-bar-danger";
      document.querySelector("#bulk-error span").textContent = s.error || "";
      document.getElementById("bulk-error").style.display = "";
    }
    if (s.status === "finished") { document.getElementById("bulk-done").style.display = ""; }
    return s.status === "finished" || s.status === "failed";
  }
  function poll() {
    fetch(box.getAttribute("data-status-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (s) { if (!show(s)) { setTimeout(poll, pollMs); } })
      .catch(function () { setTimeout(poll, pollMs * 5); });
  }
  var state = box.getAttribute("data-status");
  if (state !== "finished" && state !== "failed") { setTimeout(poll, pollMs); }
})();
