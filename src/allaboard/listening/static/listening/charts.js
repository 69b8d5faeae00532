/* Listening charts (Chart.js). Every chart has a table with the same figures next to it. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var brand = "#0b5cad", muted = "#4a5568";
  Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  Chart.defaults.color = "#1b2430";

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function bar(canvasId, labels, values, options) {
    var canvas = document.getElementById(canvasId);
    if (!canvas || !labels.length) { return; }
    new Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: [{ label: options.label, data: values, backgroundColor: options.colour || brand }] },
      options: {
        indexAxis: options.horizontal ? "y" : "x", responsive: true, maintainAspectRatio: false,
        scales: options.scales, plugins: { legend: { display: false } }
      }
    });
  }

  var overview = data("overview-data");
  if (overview) {
    bar("scale-chart", overview.labels, overview.means, {
      label: "Mean (1 to 5)", scales: { y: { min: 1, max: 5, title: { display: true, text: "Mean, 1 to 5" } } }
    });
    bar("barrier-chart", overview.barriers.map(function (b) { return b.label; }),
      overview.barriers.map(function (b) { return b.share; }), {
        label: "Share of respondents (%)", colour: "#8a5a00",
        scales: { y: { min: 0, max: 100, title: { display: true, text: "% of respondents" } } }
      });
  }

  var drivers = data("drivers-data");
  if (drivers) {
    bar("drivers-chart", drivers.labels, drivers.shares, {
      label: "Share of explained variance (%)", horizontal: true,
      scales: { x: { min: 0, max: 100, title: { display: true, text: "% of what the model explains" } } }
    });
  }

  var trends = data("trends-data");
  if (trends) {
    trends.forEach(function (series, index) {
      var canvas = document.getElementById("trend-" + index);
      if (!canvas) { return; }
      new Chart(canvas, {
        type: "line",
        data: {
          labels: series.labels,
          datasets: [
            { label: "95% high", data: series.high, borderColor: "transparent", backgroundColor: "rgba(11,92,173,.15)", fill: "+1", pointRadius: 0, spanGaps: false },
            { label: "95% low", data: series.low, borderColor: "transparent", backgroundColor: "transparent", fill: false, pointRadius: 0, spanGaps: false },
            { label: series.scale, data: series.mean, borderColor: brand, backgroundColor: brand, fill: false, spanGaps: false }
          ]
        },
        options: {
          responsive: true, maintainAspectRatio: false,
          scales: { y: { min: 1, max: 5, title: { display: true, text: "Mean, 1 to 5", color: muted } } },
          plugins: { legend: { display: false } }
        }
      });
    });
  }
})();
