/* The dashboard's charts (views/reports/dashboard.py): each table.chart-data[data-chart] holds the figures of the
   canvas named by data-chart; its kind (bar, doughnut, line) is data-kind. The tables stay under the charts as
   their accessible text. Chart.js is the vendored copy in static/vendor/chartjs (no request leaves the app). */
(function () {
  "use strict";
  if (!window.Chart) { return; }
  var Chart = window.Chart;
  Chart.defaults.locale = "vi-VN";
  Chart.defaults.font.family = "'Helvetica Neue', Helvetica, Arial, sans-serif";
  Chart.defaults.animation = false;
  var palette = ["#337ab7", "#5cb85c", "#f0ad4e", "#d9534f", "#5bc0de", "#8e6bb8", "#999999", "#2c7a5a",
                 "#c77c2a", "#7a8b99", "#b84a7a", "#4a6fb8"];
  var number = new Intl.NumberFormat("vi-VN");

  function rows(table) {
    return Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-value]")).map(function (tr) {
      return {label: tr.querySelector("th").textContent.trim(), value: parseInt(tr.getAttribute("data-value"), 10) || 0};
    });
  }

  function draw(table) {
    var canvas = document.getElementById(table.getAttribute("data-chart"));
    if (!canvas) { return; }
    var kind = table.getAttribute("data-kind") || "bar";
    var data = rows(table);
    var title = (table.querySelector("caption") || {}).textContent || "";
    var dataset = {label: title, data: data.map(function (d) { return d.value; })};
    var options = {responsive: true, maintainAspectRatio: false, plugins: {legend: {display: kind === "doughnut"},
      tooltip: {callbacks: {label: function (c) {
        return " " + number.format(kind === "doughnut" ? c.parsed : (kind === "bar" ? c.parsed.x : c.parsed.y));
      }}}}};
    if (kind === "doughnut") {
      dataset.backgroundColor = data.map(function (_d, i) { return palette[i % palette.length]; });
      options.plugins.legend.position = "right";
    } else if (kind === "line") {
      dataset.borderColor = palette[0];
      dataset.backgroundColor = "rgba(51, 122, 183, 0.15)";
      dataset.fill = true;
      dataset.tension = 0.2;
      options.scales = {y: {beginAtZero: false, ticks: {precision: 0}}};
    } else {
      dataset.backgroundColor = palette[0];
      options.indexAxis = "y";
      options.scales = {x: {beginAtZero: true, ticks: {precision: 0}}};
    }
    canvas.setAttribute("data-drawn", "1");
    return new Chart(canvas, {type: kind, data: {labels: data.map(function (d) { return d.label; }),
                                                 datasets: [dataset]}, options: options});
  }

  Array.prototype.slice.call(document.querySelectorAll("table.chart-data[data-chart]")).forEach(draw);
  var box = document.getElementById("dashboard");
  if (box) { box.setAttribute("data-charts-ready", "1"); }
})();
