/* Org tree page: roots first, children fetched when a node is opened, search with a path to the hit. */
(function () {
  "use strict";
  var root = document.getElementById("org-tree");
  if (!root) { return; }
  var T = JSON.parse(document.getElementById("tree-i18n").textContent);
  var childrenUrl = root.getAttribute("data-children-url");
  var searchUrl = root.getAttribute("data-search-url");
  var showClosed = document.getElementById("show-closed");

  function closedParam() { return showClosed && showClosed.checked ? "&closed=1" : ""; }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function nodeFor(item) {
    var li = el("li", "unit-node" + (item.open ? "" : " unit-closed"));
    li.setAttribute("data-id", item.id);
    var line = el("div", "unit-line");
    if (item.children > 0) {
      var btn = el("button", "tree-toggle", "▸");
      btn.type = "button";
      btn.title = T.expand;
      btn.setAttribute("aria-expanded", "false");
      btn.addEventListener("click", function () { toggle(li); });
      line.appendChild(btn);
    } else {
      line.appendChild(el("span", "tree-leaf", "·"));
    }
    var a = el("a", "unit-name", item.name);
    a.href = item.url;
    line.appendChild(a);
    if (item.code) { line.appendChild(el("span", "unit-code", item.code)); }
    if (item.children > 0) {
      var badge = el("span", "badge unit-count", String(item.children));
      badge.title = item.children + " " + T.subunits;
      line.appendChild(document.createTextNode(" "));
      line.appendChild(badge);
    }
    if (!item.open) { line.appendChild(el("span", "label label-default", T.closed)); }
    li.appendChild(line);
    return li;
  }

  function loadInto(ul, parentId, offset) {
    var url = childrenUrl + "?offset=" + (offset || 0) + closedParam() + (parentId ? "&parent=" + parentId : "");
    var loading = el("li", "text-muted", T.loading);
    ul.appendChild(loading);
    return fetchJson(url).then(function (data) {
      ul.removeChild(loading);
      data.items.forEach(function (item) { ul.appendChild(nodeFor(item)); });
      if (data.more) {
        var more = el("li", "more-link");
        var a = el("a", "", T.more);
        a.href = "#";
        a.addEventListener("click", function (ev) {
          ev.preventDefault();
          ul.removeChild(more);
          loadInto(ul, parentId, data.next_offset);
        });
        more.appendChild(a);
        ul.appendChild(more);
      }
    }).catch(function () { loading.textContent = T.error; });
  }

  function setOpen(btn, open) {
    if (!btn) { return; }
    btn.textContent = open ? "▾" : "▸";
    btn.title = open ? T.collapse : T.expand;
    btn.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function toggle(li, forceOpen) {
    var btn = li.querySelector(":scope > .unit-line > .tree-toggle");
    var ul = li.querySelector(":scope > ul");
    if (ul) {
      var open = forceOpen || ul.style.display === "none";
      ul.style.display = open ? "" : "none";
      setOpen(btn, open);
      return Promise.resolve();
    }
    ul = el("ul");
    li.appendChild(ul);
    setOpen(btn, true);
    return loadInto(ul, li.getAttribute("data-id"), 0);
  }

  function expandPath(path) {
    var i = 0;
    function step() {
      var li = root.querySelector('li[data-id="' + path[i] + '"]');
      if (!li) { return; }
      if (i === path.length - 1) {
        root.querySelectorAll(".focus").forEach(function (n) { n.classList.remove("focus"); });
        li.classList.add("focus");
        li.scrollIntoView({ block: "center" });
        return;
      }
      var next = toggle(li, true);
      i += 1;
      next.then(step);
    }
    step();
  }

  function reload() {
    root.innerHTML = "";
    return loadInto(root, null, 0);
  }

  var searchBox = document.getElementById("tree-search");
  var results = document.getElementById("tree-search-results");
  var timer = null;
  var searchSeq = 0;  // only the newest search may fill the result list
  searchBox.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = searchBox.value.trim();
      var seq = ++searchSeq;
      results.innerHTML = "";
      if (!q) { return; }
      fetchJson(searchUrl + "?q=" + encodeURIComponent(q) + closedParam()).then(function (data) {
        if (seq !== searchSeq) { return; }
        if (!data.results.length) { results.appendChild(el("div", "list-group-item text-muted", T.empty)); }
        data.results.forEach(function (item) {
          var a = el("a", "list-group-item search-hit");
          a.href = "#";
          a.appendChild(el("strong", "", item.name));
          if (item.code) { a.appendChild(el("span", "unit-code", item.code)); }
          a.appendChild(el("span", "trail", item.trail));
          a.addEventListener("click", function (ev) {
            ev.preventDefault();
            results.innerHTML = "";
            expandPath(item.path);
          });
          results.appendChild(a);
        });
      }).catch(function () {
        if (seq === searchSeq) { results.appendChild(el("div", "list-group-item text-danger", T.error)); }
      });
    }, 250);
  });
  if (showClosed) { showClosed.addEventListener("change", reload); }

  var focus = JSON.parse(root.getAttribute("data-focus") || "[]");
  reload().then(function () { if (focus.length) { expandPath(focus); } });
})();
