// The satisfaction of each item of a 群众评议 (Chart.js, vendored), drawn from the canvas's data
// attributes: no inline script (CSP). A canvas draws only fonts already loaded, so the chart
// waits for the page's Chinese webfont (the vendored Noto Sans SC) before drawing.
(function () {
  var canvas = document.getElementById("results-chart");
  if (!canvas || !window.Chart) {
    return;
  }
  var labels = JSON.parse(canvas.getAttribute("data-labels"));
  var series = JSON.parse(canvas.getAttribute("data-series"));
  var colors = ["#146c43", "#ffc107", "#b02a37"];
  var family = window.getComputedStyle(document.body).fontFamily;

  function draw() {
    window.Chart.defaults.font.family = family;
    window.Chart.defaults.font.size = 13;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: series.map(function (set, index) {
          return { label: set.label, data: set.data, backgroundColor: colors[index] };
        }),
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: true, max: 100, ticks: { callback: function (v) { return v + "%"; } } },
          y: { stacked: true },
        },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  var text = labels.join("") + series.map(function (s) { return s.label; }).join("");
  if (document.fonts && document.fonts.load) {
    document.fonts.load("13px " + family, text).then(draw, draw);
  } else {
    draw();
  }
})();
