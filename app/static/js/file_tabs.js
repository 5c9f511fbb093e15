/* The file page's tabs: open the tab named in the URL's #hash. */
(function ($) {
  "use strict";
  if (!$ || !$.fn.tab || !window.location.hash) { return; }
  $("#file-tabs a[data-toggle=tab]").each(function () {
    if (this.getAttribute("href") === window.location.hash) { $(this).tab("show"); }
  });
})(window.jQuery);
