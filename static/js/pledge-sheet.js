// The branch page's batch sheet (templates/pledges/_sheet.html) and the pledge page's steps that
// cannot be undone. Everything is delegated from the document, so it keeps working after htmx
// swaps the sheet in place.
(function () {
  "use strict";

  function sheetForm() {
    return document.getElementById("batch");
  }

  function picks(form) {
    return Array.prototype.slice.call(form.querySelectorAll("input.sheet-pick"));
  }

  function countSelected(form) {
    var n = picks(form).filter(function (box) { return box.checked; }).length;
    form.querySelectorAll("[data-selected-count]").forEach(function (el) {
      el.textContent = String(n);
    });
  }

  // Whether a chip shows a row: "all" every row, "overdue" the rows past their deadline (whatever
  // their state), any other the rows of that state (pledges/selectors.py SheetRow.shown_by).
  function shownBy(row, key) {
    if (key === "all") { return true; }
    if (key === "overdue") { return row.hasAttribute("data-overdue"); }
    return row.getAttribute("data-state") === key;
  }

  // Shows the rows of one chip, and for a chip with an action ticks the operable ones among them
  // and chooses the action: one tap from "what is waiting" to "ready to go". A chip without one
  // (全部, 逾期) only filters.
  function applyChip(form, chip) {
    var key = chip.getAttribute("data-chip");
    var action = chip.getAttribute("data-action");
    var shown = 0;
    form.querySelectorAll(".sheet-row").forEach(function (row) {
      var match = shownBy(row, key);
      row.hidden = !match;
      if (match) { shown += 1; }
      var box = row.querySelector("input.sheet-pick");
      if (box) { box.checked = match && Boolean(action); }
    });
    form.querySelectorAll(".sheet-none").forEach(function (el) { el.hidden = shown > 0; });
    form.querySelectorAll(".sheet-chip").forEach(function (other) {
      other.setAttribute("aria-pressed", other === chip ? "true" : "false");
    });
    var select = form.querySelector("select[name=step]");
    if (select && action) { select.value = action; }
    countSelected(form);
  }

  function selectAll(form) {
    var all = form.querySelector('.sheet-chip[data-chip="all"]');
    if (all) { applyChip(form, all); }
    picks(form).forEach(function (box) { box.checked = true; });
    countSelected(form);
  }

  document.addEventListener("click", function (event) {
    var form = sheetForm();
    if (!form || !form.contains(event.target)) { return; }
    var chip = event.target.closest(".sheet-chip");
    if (chip) { applyChip(form, chip); return; }
    if (event.target.closest("[data-select-all]")) { selectAll(form); return; }
    // A tap anywhere on an operable row ticks it, except on its own links and controls.
    var row = event.target.closest(".sheet-row[data-pick]");
    if (row && !event.target.closest("a, button, input, label, select, textarea")) {
      var box = row.querySelector("input.sheet-pick");
      if (box) { box.checked = !box.checked; countSelected(form); }
    }
  });

  document.addEventListener("change", function (event) {
    var form = sheetForm();
    if (form && event.target.matches && event.target.matches("input.sheet-pick")) {
      countSelected(form);
    }
  });

  // The question of a step that cannot be undone, asked before the form goes (htmx or not). In
  // the capture phase, so a "no" stops the event before htmx's own listener sees it. The form's
  // hidden "confirmed" tells the server it was asked; without this script, the server asks on a
  // page of its own.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = "";
    if (form.id === "batch") {
      var select = form.querySelector("select[name=step]");
      var option = select && select.options[select.selectedIndex];
      question = (option && option.getAttribute("data-confirm")) || "";
    } else if (form.hasAttribute("data-confirm-step")) {
      question = form.getAttribute("data-confirm-step");
    }
    if (!question) { return; }
    if (!window.confirm(question)) {
      event.preventDefault();
      event.stopPropagation();
      return;
    }
    var field = form.querySelector("input[name=confirmed]");
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "confirmed";
      form.appendChild(field);
    }
    field.value = "1";
  }, true);

  // After the sheet is swapped in: ask again next time, and count what is ticked (nothing).
  document.addEventListener("htmx:afterSwap", function () {
    var form = sheetForm();
    if (!form) { return; }
    var field = form.querySelector("input[name=confirmed]");
    if (field) { field.value = ""; }
    countSelected(form);
  });
})();
