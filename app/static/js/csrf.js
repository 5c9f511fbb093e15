// CSRF token for scripts (issue 13): every state-changing fetch/XHR sends the token of the layout's
// <meta name="csrf-token"> as the X-CSRFToken header. Use cbccvcFetch(url, options) instead of fetch for a POST;
// jQuery's $.ajax / $.post get the header automatically.
(function () {
  "use strict";
  var SAFE = /^(GET|HEAD|OPTIONS|TRACE)$/i;

  function token() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  window.cbccvcCsrfToken = token;
  window.cbccvcFetch = function (url, options) {
    var opts = Object.assign({ credentials: "same-origin" }, options || {});
    if (!SAFE.test(opts.method || "GET")) {
      var headers = new Headers(opts.headers || {});
      headers.set("X-CSRFToken", token());
      opts.headers = headers;
    }
    return fetch(url, opts);
  };
  if (window.jQuery) {
    window.jQuery.ajaxSetup({
      beforeSend: function (xhr, settings) {
        if (!SAFE.test(settings.type) && !this.crossDomain) {
          xhr.setRequestHeader("X-CSRFToken", token());
        }
      }
    });
  }
})();
