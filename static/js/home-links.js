// A link from the home page to the branch page with ?state=… (pledges/home.py) opens the sheet
// with that state's chip already applied: the chip's own click handler does the filtering.
(function () {
  "use strict";
  var state = new URLSearchParams(window.location.search).get("state");
  if (!state) { return; }
  document.addEventListener("DOMContentLoaded", function () {
    var chip = document.querySelector('.sheet-chip[data-chip="' + CSS.escape(state) + '"]');
    if (chip && !chip.disabled) { chip.click(); }
  });
})();
