/* Unit pickers: select2 boxes that search the server (20 rows), never a dropdown of every unit. */
(function ($) {
  "use strict";
  if (!$ || !$.fn || !$.fn.select2) { return; }
  var i18nEl = document.getElementById("picker-i18n");
  var T = i18nEl ? JSON.parse(i18nEl.textContent) : {};

  function msg(key) { return function () { return T[key] || ""; }; }

  // select2 ships English messages only; the page passes ours (Vietnamese by default).
  var language = i18nEl ? {
    inputTooShort: msg("too_short"),
    searching: msg("searching"),
    noResults: msg("empty"),
    errorLoading: msg("error"),
    loadingMore: msg("loading"),
    removeAllItems: msg("clear")
  } : undefined;

  $("select.unit-picker").each(function () {
    var $el = $(this);
    $el.select2({
      theme: "bootstrap",
      width: "100%",
      language: language,
      allowClear: !$el.prop("multiple"),
      placeholder: $el.data("placeholder"),
      minimumInputLength: 1,
      ajax: {
        url: $el.data("url"),
        dataType: "json",
        delay: 250,
        data: function (params) { return { q: params.term }; },
        processResults: function (data) {
          return { results: data.results.map(function (u) {
            return { id: u.id, text: u.text + (u.trail ? " — " + u.trail : "") };
          }) };
        }
      }
    });
  });
})(window.jQuery);
