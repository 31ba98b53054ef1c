/* Progressive enhancement only: every page works without this file.
   Filter forms marked data-autosubmit submit as soon as a checkbox changes.
   Folds marked data-unfold-wide (the list filters) open on screens wider than a phone;
   the stylesheet shows them there too, so this only helps browsers without ::details-content. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target || target.type !== "checkbox") { return; }
    var form = target.closest("form[data-autosubmit]");
    if (form) { form.submit(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.matchMedia("(min-width: 801px)").matches) { return; }
    document.querySelectorAll("details[data-unfold-wide]").forEach(function (fold) {
      fold.open = true;
    });
  });
})();
