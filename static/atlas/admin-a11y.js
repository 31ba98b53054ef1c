/* Accessibility repairs of the admin's widgets (templates/admin/base_site.html): select2
   (autocomplete fields) and the split date/time inputs have no accessible name of their
   own, and select2's "remove all" control sits in its <ul> as a bare <span>. The widgets
   are built by jQuery after load and rebuilt on change, so a MutationObserver repairs
   them whenever the form changes. */
(function () {
  "use strict";
  function labelText(id) {
    var label = id && document.querySelector('label[for="' + id + '"]');
    return label ? label.textContent.replace(/:\s*$/, "").trim() : "";
  }
  function repair() {
    document.querySelectorAll("select.admin-autocomplete, select[data-select2-id]").forEach(function (select) {
      var container = select.nextElementSibling;
      var name = labelText(select.id);
      if (!name || !container || !container.classList.contains("select2")) { return; }
      container.querySelectorAll('[role="combobox"], [role="textbox"]').forEach(function (el) {
        if (el.getAttribute("aria-label") !== name) { el.setAttribute("aria-label", name); }
      });
      container.querySelectorAll(".select2-search__field:not([aria-label])").forEach(function (el) {
        el.setAttribute("aria-label", "Search " + name);
      });
      container.querySelectorAll("ul > .select2-selection__clear:not([role])").forEach(function (el) {
        el.setAttribute("role", "listitem");
        el.setAttribute("aria-label", "Remove all items");
      });
    });
    document.querySelectorAll("p.datetime").forEach(function (p) {
      var row = p.closest(".form-row, .flex-container, div");
      var label = row && row.querySelector("label");
      var name = label ? label.textContent.replace(/:\s*$/, "").trim() : "";
      p.querySelectorAll("input.vDateField:not([aria-label])").forEach(function (el) { el.setAttribute("aria-label", name + " (date)"); });
      p.querySelectorAll("input.vTimeField:not([aria-label])").forEach(function (el) { el.setAttribute("aria-label", name + " (time)"); });
    });
  }
  window.addEventListener("load", function () {
    repair();
    var form = document.getElementById("content-main") || document.body;
    new MutationObserver(repair).observe(form, { childList: true, subtree: true });
  });
})();
