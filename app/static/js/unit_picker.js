/* Unit pickers: select2 boxes that search the server (20 rows), never a dropdown of every unit. */
(function ($) {
  "use strict";
  if (!$ || !$.fn || !$.fn.select2) { return; }
  var i18nEl = document.getElementById("picker-i18n");
  var T = i18nEl ? JSON.parse(i18nEl.textContent) : {};

  function msg(text) { return function () { return text || ""; }; }

  // select2 ships English messages only: use the page's (Vietnamese by default). The hint shown
  // before anything is typed is the picker's own placeholder ("Gõ tên hoặc mã định danh ...").
  function language($el) {
    if (!i18nEl) { return undefined; }
    return {
      inputTooShort: msg($el.data("placeholder")),
      searching: msg(T.searching),
      noResults: msg(T.empty),
      errorLoading: msg(T.error),
      loadingMore: msg(T.loading),
      removeAllItems: msg(T.removeAll)
    };
  }

  $("select.unit-picker").each(function () {
    var $el = $(this);
    $el.select2({
      theme: "bootstrap",
      width: "100%",
      language: language($el),
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
