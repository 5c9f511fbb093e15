/* Username boxes with data-suggest-url: at most 20 matching usernames from the server (2 characters or more). */
(function () {
  "use strict";
  if (!window.fetch) { return; }
  document.querySelectorAll("input[data-suggest-url]").forEach(function (input) {
    var list = document.createElement("datalist");
    list.id = input.id + "-list";
    input.parentNode.appendChild(list);
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { return; }
      timer = setTimeout(function () {
        fetch(input.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(q),
              {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (r) { return r.ok ? r.json() : {results: []}; })
          .then(function (data) {
            list.innerHTML = "";
            data.results.forEach(function (u) {
              var opt = document.createElement("option");
              opt.value = u.username;
              opt.label = u.name + (u.unit ? " — " + u.unit : "");
              list.appendChild(opt);
            });
          });
      }, 250);
    });
  });
})();
