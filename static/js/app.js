// The site's own behaviour. The Content-Security-Policy allows no inline script or style: what a
// template would have written inline is here, and styles computed on the server go through
// data- attributes that this file applies with the CSSOM (which the policy allows).

// Confirmation before destructive actions: any form with data-confirm asks first.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Progress bars: <div class="progress-bar" data-progress="40"> is drawn 40% wide, on the first
// page and on every part htmx swaps in. A bar that keeps its id across swaps (a job's status
// polls itself) is settled by htmx: it shows the old width until this sets the new one.
htmx.onLoad(function (root) {
  var bars = Array.from(root.querySelectorAll("[data-progress]"));
  if (root.matches("[data-progress]")) {
    bars.push(root);
  }
  bars.forEach(function (bar) {
    var percent = Math.max(0, Math.min(100, Number(bar.getAttribute("data-progress")) || 0));
    bar.style.width = percent + "%";
  });
});
