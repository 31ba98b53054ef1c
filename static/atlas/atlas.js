/* Progressive enhancement only: every page works without this file.
   Filter forms marked data-autosubmit submit as soon as a checkbox changes. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target || target.type !== "checkbox") { return; }
    var form = target.closest("form[data-autosubmit]");
    if (form) { form.submit(); }
  });
})();
