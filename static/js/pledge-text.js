// Pledge text (issue 9, part 9c): a live counter under every field with data-counter="<limit>"
// (承诺事项, 承诺内容), and on the grid a picked suggestion fills its row's empty fields from the
// form's data-examples ({area: [title, content]}). Without this script the server does the same.
(function () {
  "use strict";

  function attachCounter(field) {
    var limit = parseInt(field.getAttribute("data-counter"), 10);
    if (!limit || field.nextElementSibling && field.nextElementSibling.classList.contains("text-counter")) {
      return;
    }
    var counter = document.createElement("div");
    counter.className = "form-text text-end text-counter";
    counter.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", counter);
    function update() {
      var count = Array.from(field.value).length;
      counter.textContent = count + " / " + limit;
      counter.classList.toggle("text-danger", count > limit);
    }
    field.addEventListener("input", update);
    update();
  }

  function fillFromPick(select, examples) {
    var example = examples[select.value];
    var row = select.closest("[data-grid-row]");
    if (!example || !row) {
      return;
    }
    [["title", example[0]], ["content", example[1]]].forEach(function (pair) {
      var field = row.querySelector("[name$='-" + pair[0] + "']");
      if (field && !field.value.trim()) {
        field.value = pair[1];
        field.dispatchEvent(new Event("input"));
      }
    });
  }

  function init() {
    document.querySelectorAll("[data-counter]").forEach(attachCounter);
    document.querySelectorAll("form[data-examples]").forEach(function (form) {
      var examples = JSON.parse(form.getAttribute("data-examples") || "{}");
      form.addEventListener("change", function (event) {
        if (event.target.matches("select.js-pick")) {
          fillFromPick(event.target, examples);
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
