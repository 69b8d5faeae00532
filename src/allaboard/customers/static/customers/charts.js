/* Trend with a 95% band, and the readiness/customer scatter. Data come from json_script tags. */
(function () {
  "use strict";
  var COLOURS = { nps: "#0b5cad", csat: "#1c7c3c", ces: "#8a5a00" };
  var GREY = "#9ca3af";

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function band(colour) {
    return colour + "33";
  }

  function drawTrend(canvas) {
    var series = data(canvas.dataset.series);
    var measure = canvas.dataset.measure;
    if (!series || !window.Chart) return;
    var s = series[measure];
    var colour = COLOURS[measure] || "#0b5cad";
    var pointColours = s.reliable.map(function (ok) { return ok ? colour : GREY; });
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: series.labels,
        datasets: [
          { label: "95% low", data: s.low, borderWidth: 0, pointRadius: 0, fill: false, spanGaps: false },
          { label: "95% interval", data: s.high, borderWidth: 0, pointRadius: 0, backgroundColor: band(colour), fill: "-1", spanGaps: false },
          {
            label: canvas.dataset.title, data: s.estimate, borderColor: colour, backgroundColor: pointColours,
            pointBackgroundColor: pointColours, pointBorderColor: pointColours, pointRadius: 4, fill: false, spanGaps: false,
            segment: { borderColor: function (ctx) { return s.reliable[ctx.p1DataIndex] ? colour : GREY; }, borderDash: function (ctx) { return s.reliable[ctx.p1DataIndex] ? undefined : [4, 4]; } }
          }
        ]
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { labels: { filter: function (item) { return item.text !== "95% low"; } } },
          tooltip: {
            callbacks: {
              afterLabel: function (ctx) {
                if (ctx.datasetIndex !== 2) return "";
                var i = ctx.dataIndex;
                var text = "n = " + s.n[i];
                if (s.low[i] !== null) text += ", 95% interval " + s.low[i].toFixed(1) + " to " + s.high[i].toFixed(1);
                if (!s.reliable[i]) text += " (too few answers to rely on)";
                return text;
              }
            }
          }
        },
        scales: { y: { suggestedMin: canvas.dataset.min ? Number(canvas.dataset.min) : undefined, suggestedMax: canvas.dataset.max ? Number(canvas.dataset.max) : undefined } }
      }
    });
  }

  function drawScatter(canvas) {
    var scatter = data(canvas.dataset.series);
    if (!scatter || !window.Chart) return;
    new window.Chart(canvas, {
      type: "scatter",
      data: { datasets: [{ label: "Teams", data: scatter.points, backgroundColor: "#0b5cad", pointRadius: 5 }] },
      options: {
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (ctx) { var p = ctx.raw; return p.label + ": " + p.x.toFixed(2) + ", " + p.y.toFixed(1); } } }
        },
        scales: {
          x: { title: { display: true, text: scatter.x_title } },
          y: { title: { display: true, text: scatter.y_title } }
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart=trend]").forEach(drawTrend);
    document.querySelectorAll("canvas[data-chart=scatter]").forEach(drawScatter);
  });
})();
