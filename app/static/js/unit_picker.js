/* Unit pickers: select2 boxes that search the server (20 rows), never a dropdown of every unit. */
(function ($) {
  "use strict";
  $("select.unit-picker").each(function () {
    var $el = $(this);
    $el.select2({
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
})(jQuery);
