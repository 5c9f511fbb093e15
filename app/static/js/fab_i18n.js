/* Flask-AppBuilder's own scripts in Vietnamese (issue 15 item 4). ab.js starts every FAB select box (class
   my_select2 …) with select2's English messages, and ab_actions.js alerts "No row selected": this script runs
   after them, before the page is ready (when ab.js starts the boxes), and gives select2 the page's messages
   (#fab-i18n) and ab_alert a translation of FAB's known messages. (FAB's boxes carry a translated
   data-placeholder, which wins over ab.js's "Select a State".) */
(function ($) {
  "use strict";
  var el = document.getElementById("fab-i18n");
  if (!$ || !el) { return; }
  var T = JSON.parse(el.textContent);

  function msg(text) { return function () { return text; }; }

  if ($.fn && $.fn.select2 && $.fn.select2.defaults) {
    $.fn.select2.defaults.set("language", {
      noResults: msg(T.noResults),
      searching: msg(T.searching),
      loadingMore: msg(T.loadingMore),
      errorLoading: msg(T.errorLoading),
      removeAllItems: msg(T.removeAllItems),
      inputTooShort: msg(T.inputTooShort),
      maximumSelected: msg("")
    });
  }

  if (typeof window.ab_alert === "function") {
    var original = window.ab_alert;
    window.ab_alert = function (text) { return original(T.messages[text] || text); };
  }
})(window.jQuery);
