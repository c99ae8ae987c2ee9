// The dashboard's charts (Chart.js, vendored), drawn from each canvas's data-chart attribute:
// no inline script (CSP). Like results-chart.js, they wait for the page's Chinese webfont.
(function () {
  var canvases = document.querySelectorAll("canvas.dashboard-canvas");
  if (!canvases.length || !window.Chart) {
    return;
  }
  var family = window.getComputedStyle(document.body).fontFamily;
  var colors = ["#b02a37", "#0a58ca", "#146c43", "#ffc107", "#6f42c1", "#fd7e14", "#20c997", "#6c757d"];

  function options(kind) {
    var percent = kind === "coverage";
    return {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: percent
          ? { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } }
          : { beginAtZero: true, ticks: { precision: 0 } },
        y: { ticks: { autoSkip: false } },
      },
      plugins: { legend: { display: percent, position: "bottom" } },
    };
  }

  function draw() {
    window.Chart.defaults.font.family = family;
    window.Chart.defaults.font.size = 13;
    canvases.forEach(function (canvas) {
      var chart = JSON.parse(canvas.getAttribute("data-chart"));
      var kind = canvas.getAttribute("data-kind");
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: chart.labels,
          datasets: chart.series.map(function (set, index) {
            return {
              label: set.label,
              data: set.data,
              backgroundColor: kind === "states" ? colors : colors[index],
            };
          }),
        },
        options: options(kind),
      });
    });
  }

  var text = "";
  canvases.forEach(function (canvas) {
    var chart = JSON.parse(canvas.getAttribute("data-chart"));
    text += chart.labels.join("") + chart.series.map(function (s) { return s.label; }).join("");
  });
  if (document.fonts && document.fonts.load) {
    document.fonts.load("13px " + family, text).then(draw, draw);
  } else {
    draw();
  }
})();
