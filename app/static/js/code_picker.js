/* Code-list boxes too long for a dropdown (select.code-picker): select2 searching the server, 20 rows at a time. */
(function ($) {
  "use strict";
  if (!$ || !$.fn || !$.fn.select2) { return; }
  var T = JSON.parse(document.getElementById("code-picker-i18n").textContent);
  function msg(text) { return function () { return text; }; }
  $("select.code-picker").each(function () {
    var $el = $(this);
    $el.select2({
      theme: "bootstrap", width: "100%", allowClear: true, placeholder: T.placeholder,
      language: { searching: msg(T.searching), noResults: msg(T.empty), errorLoading: msg(T.error),
                  loadingMore: msg(T.searching), removeAllItems: msg(T.removeAll) },
      ajax: {
        url: $el.data("url"), dataType: "json", delay: 250,
        data: function (params) { return { q: params.term || "" }; },
        processResults: function (data) { return { results: data.results }; }
      }
    });
  });
})(window.jQuery);
