/* Accessibility repairs of Swagger UI's DOM on /api/docs/ (it renders after load and on
   every toggle, so a MutationObserver applies them): a parameter's <select> gets its
   parameter's name as its label, a scrolling code example can take keyboard focus. */
(function () {
  "use strict";
  function repair(root) {
    root.querySelectorAll("tr[data-param-name] select:not([aria-label])").forEach(function (select) {
      var row = select.closest("tr[data-param-name]");
      select.setAttribute("aria-label", "Value of the parameter " + row.getAttribute("data-param-name"));
    });
    root.querySelectorAll(".highlight-code .microlight:not([tabindex])").forEach(function (code) {
      code.setAttribute("tabindex", "0");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("swagger-ui");
    if (!root) { return; }
    new MutationObserver(function () { repair(root); }).observe(root, { childList: true, subtree: true });
    repair(root);
  });
})();
