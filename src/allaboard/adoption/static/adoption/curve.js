// The team's adoption curve against the expected S-curve and the fitted logistic (Chart.js, vendored).
document.addEventListener("DOMContentLoaded", () => {
  const node = document.getElementById("curve-data");
  const canvas = document.getElementById("curve");
  if (!node || !canvas || !window.Chart) return;
  const d = JSON.parse(node.textContent);
  const pct = (xs) => xs.map((x) => (x === null ? null : Math.round(x * 1000) / 10));
  new Chart(canvas, {
    type: "line",
    data: {
      labels: d.labels,
      datasets: [
        { label: "Started (actual)", data: pct(d.actual), borderColor: "#1d4ed8", backgroundColor: "#1d4ed8", borderWidth: 3, pointRadius: 2 },
        { label: "Expected S-curve", data: pct(d.expected), borderColor: "#6b7280", borderDash: [6, 4], pointRadius: 0 },
        { label: "Fitted logistic", data: pct(d.fitted), borderColor: "#b45309", pointRadius: 0 },
        { label: "Target", data: d.labels.map(() => d.target * 100), borderColor: "#15803d", borderDash: [2, 3], pointRadius: 0 },
      ],
    },
    options: { animation: false, scales: { y: { min: 0, max: 100, title: { display: true, text: "% of the team" } } } },
  });
});
