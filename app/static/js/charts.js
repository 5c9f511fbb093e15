/* The charts of the dashboard and of the report pages (views/reports/*): each table.chart-data[data-chart] holds
   the figures of the canvas named by data-chart, and stays under it as its accessible text. Its kind is
   data-kind: "bar" (horizontal bars), "column" (vertical bars), "line" or "doughnut"; data-stacked="1" stacks the
   series, data-percent="1" shows the values as percentages (scale 0–100).
   One series: each body row tr[data-value] is a bar, labelled by its th. Several series: each header cell
   th[data-series] names a series, and each body row's td[data-value] cells are that row's values, in order.
   Chart.js is the vendored copy in static/vendor/chartjs (no request leaves the app). */
(function () {
  "use strict";
  if (!window.Chart) { return; }
  var Chart = window.Chart;
  Chart.defaults.locale = "vi-VN";
  Chart.defaults.font.family = "'Helvetica Neue', Helvetica, Arial, sans-serif";
  Chart.defaults.animation = false;
  var palette = ["#337ab7", "#5cb85c", "#f0ad4e", "#d9534f", "#5bc0de", "#8e6bb8", "#999999", "#2c7a5a",
                 "#c77c2a", "#7a8b99", "#b84a7a", "#4a6fb8"];
  var number = new Intl.NumberFormat("vi-VN", {maximumFractionDigits: 1});

  function value(el) {
    var v = parseFloat(el.getAttribute("data-value"));
    return isNaN(v) ? null : v;
  }

  function label(tr) {
    var th = tr.querySelector("th");
    return th ? th.textContent.trim() : "";
  }

  /* {labels: [...], series: [{label, values: [...]}]} read from the table. */
  function figures(table, title) {
    var heads = Array.prototype.slice.call(table.querySelectorAll("thead th[data-series]"));
    var trs = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    if (!heads.length) {
      trs = trs.filter(function (tr) { return tr.hasAttribute("data-value"); });
      return {labels: trs.map(label), series: [{label: title, values: trs.map(value)}]};
    }
    trs = trs.filter(function (tr) { return tr.querySelector("td[data-value]"); });
    return {
      labels: trs.map(label),
      series: heads.map(function (th, i) {
        return {label: th.textContent.trim(), values: trs.map(function (tr) {
          var cell = tr.querySelectorAll("td[data-value]")[i];
          return cell ? value(cell) : null;
        })};
      })
    };
  }

  function draw(table) {
    var canvas = document.getElementById(table.getAttribute("data-chart"));
    if (!canvas) { return; }
    var kind = table.getAttribute("data-kind") || "bar";
    var stacked = table.getAttribute("data-stacked") === "1";
    var percent = table.getAttribute("data-percent") === "1";
    var title = ((table.querySelector("caption") || {}).textContent || "").trim();
    var data = figures(table, title);
    var several = data.series.length > 1;
    var horizontal = kind === "bar";
    var type = kind === "column" ? "bar" : kind;
    var shown = function (v) { return number.format(v) + (percent ? " %" : ""); };
    var datasets = data.series.map(function (s, i) {
      var set = {label: s.label, data: s.values};
      if (kind === "doughnut") {
        set.backgroundColor = s.values.map(function (_v, j) { return palette[j % palette.length]; });
      } else if (kind === "line") {
        set.borderColor = palette[i % palette.length];
        set.backgroundColor = several ? palette[i % palette.length] : "rgba(51, 122, 183, 0.15)";
        set.fill = !several;
        set.tension = 0.2;
      } else {
        set.backgroundColor = palette[i % palette.length];
      }
      return set;
    });
    var options = {responsive: true, maintainAspectRatio: false, plugins: {
      legend: {display: kind === "doughnut" || several},
      tooltip: {callbacks: {label: function (c) {
        var v = kind === "doughnut" ? c.parsed : (horizontal ? c.parsed.x : c.parsed.y);
        return " " + (several ? c.dataset.label + ": " : "") + shown(v);
      }}}}};
    if (kind === "doughnut") {
      options.plugins.legend.position = "right";
    } else {
      var scale = {beginAtZero: kind !== "line" || percent, stacked: stacked,
                   ticks: {precision: percent ? undefined : 0, callback: function (v) { return shown(v); }}};
      if (percent) { scale.max = 100; }
      var other = {stacked: stacked};
      if (horizontal) {
        options.indexAxis = "y";
        options.scales = {x: scale, y: other};
      } else {
        options.scales = {y: scale, x: other};
      }
    }
    canvas.setAttribute("data-drawn", "1");
    return new Chart(canvas, {type: type, data: {labels: data.labels, datasets: datasets}, options: options});
  }

  Array.prototype.slice.call(document.querySelectorAll("table.chart-data[data-chart]")).forEach(draw);
  document.body.setAttribute("data-charts-ready", "1");
  var box = document.getElementById("dashboard");
  if (box) { box.setAttribute("data-charts-ready", "1"); }
})();
