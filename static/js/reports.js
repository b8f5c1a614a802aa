// The chart of a report page (Chart.js): drawn from the JSON the page holds in
// #report-chart-data (reports.views.chart_data), and drawn again each time the filters swap in
// a new report block. bar: a bar per value column; line: a line per value column; pie: the
// first value column's slices; funnel: horizontal bars in the rows' (the stages') order.
"use strict";

(() => {
  const PALETTE = ["#2fc6f6", "#7bd500", "#ff5752", "#ffa900", "#9d7bd8", "#1ec6a0", "#f07cb0",
    "#4f8bd6", "#b0b8bf", "#e0c200"];
  let current = null;

  const numbers = (data) => data.map((value) => (value === null ? null : Number(value)));
  const colour = (index) => PALETTE[index % PALETTE.length];

  function config(spec) {
    const datasets = spec.datasets.map((dataset, index) => ({
      label: dataset.label,
      data: numbers(dataset.data),
      backgroundColor: colour(index),
      borderColor: colour(index),
    }));
    // counts are whole: no 0.5 deal on the axis
    const ticks = spec.datasets.every((dataset) => dataset.kind === "number") ? { precision: 0 } : {};
    const options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: { duration: 300 },
      plugins: { legend: { position: "bottom" } },
    };
    switch (spec.kind) {
      case "pie":
        return {
          type: "pie",
          data: {
            labels: spec.labels,
            datasets: [{ ...datasets[0], backgroundColor: spec.labels.map((_, index) => colour(index)), borderColor: "#fff" }],
          },
          options,
        };
      case "line":
        return {
          type: "line",
          data: { labels: spec.labels, datasets: datasets.map((dataset) => ({ ...dataset, tension: 0.2, fill: false })) },
          options: { ...options, scales: { y: { beginAtZero: true, ticks } } },
        };
      case "funnel":
        return {
          type: "bar",
          data: { labels: spec.labels, datasets },
          options: { ...options, indexAxis: "y", scales: { x: { beginAtZero: true, ticks } } },
        };
      default:
        return {
          type: "bar",
          data: { labels: spec.labels, datasets },
          options: { ...options, scales: { y: { beginAtZero: true, ticks } } },
        };
    }
  }

  // Draws the chart of the report block on the page, unless it is drawn already.
  function draw() {
    const source = document.getElementById("report-chart-data");
    const canvas = document.getElementById("report-chart");
    if (current && current.canvas === canvas) return;
    if (current) {
      current.destroy();
      current = null;
    }
    if (!source || !canvas || !window.Chart) return;
    current = new window.Chart(canvas, config(JSON.parse(source.textContent)));
  }

  document.addEventListener("DOMContentLoaded", draw);
  // the filters swapped in a new report block (htmx), or the history brought a page back
  document.addEventListener("htmx:afterSettle", draw);
  document.addEventListener("htmx:historyRestore", draw);
})();
