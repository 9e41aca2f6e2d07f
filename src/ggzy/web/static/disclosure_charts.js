// Statistics charts: the page embeds its figures as JSON (#chart-data); ECharts is vendored under /static/vendor.
(function () {
  function draw() {
    var data = JSON.parse(document.getElementById("chart-data").textContent || "{}");
    document.querySelectorAll(".chart[data-dim]").forEach(function (el) {
      var rows = data[el.dataset.dim] || [];
      if (!rows.length || typeof echarts === "undefined") { el.style.display = "none"; return; }
      var chart = echarts.init(el);
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { data: ["成交数", "成交金额（万元）"] },
        grid: { left: 50, right: 60, bottom: 60 },
        xAxis: { type: "category", data: rows.map(function (r) { return r[0]; }), axisLabel: { rotate: rows.length > 6 ? 40 : 0 } },
        yAxis: [{ type: "value", name: "成交数" }, { type: "value", name: "万元" }],
        series: [
          { name: "成交数", type: "bar", data: rows.map(function (r) { return r[1].transactions; }) },
          { name: "成交金额（万元）", type: "line", yAxisIndex: 1,
            data: rows.map(function (r) { return Math.round(Number(r[1].amount) / 100) / 100; }) }
        ]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
