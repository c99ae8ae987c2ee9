// Confirmation before destructive actions: any form with data-confirm asks first.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// "Tick all on this page": a button with data-check-all="NAME" ticks every checkbox of that name
// in its form, or unticks them all when all are ticked already.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-check-all]");
  if (!button || !button.form) {
    return;
  }
  var name = button.getAttribute("data-check-all");
  var boxes = Array.prototype.filter.call(button.form.elements, function (element) {
    return element.type === "checkbox" && element.name === name;
  });
  var all = boxes.every(function (box) { return box.checked; });
  boxes.forEach(function (box) { box.checked = !all; });
});
