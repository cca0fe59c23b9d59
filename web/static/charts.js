// Renders the charts of a page from the JSON in <script id="chart-data"
// type="application/json"> into every element with data-chart="<key>".
(function () {
  function render() {
    var src = document.getElementById("chart-data");
    if (!src || !window.echarts) return;
    var data = JSON.parse(src.textContent);
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var s = data[el.getAttribute("data-chart")];
      if (!s) return;
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      var colors = ["#b3261e", "#1d4f91", "#2e7d32", "#b26a00"];
      var labels = s.labels || [];
      var series = (s.series || [{ name: s.name, values: s.values }]).map(function (x, i) {
        return { type: "bar", name: x.name, data: x.values || [], itemStyle: { color: colors[i % colors.length] } };
      });
      chart.setOption({
        title: { text: s.name, left: "center", textStyle: { fontSize: 14, width: Math.max(el.clientWidth - 24, 120), overflow: "break" } },
        tooltip: { trigger: "axis" },
        legend: series.length > 1 ? { bottom: 0 } : undefined,
        grid: { left: 56, right: 16, top: 48, bottom: series.length > 1 ? 36 : 8, containLabel: true },
        xAxis: { type: "category", data: labels, axisLabel: { interval: 0, rotate: labels.length > 4 ? 30 : 0, width: 100, overflow: "truncate" } },
        yAxis: { type: "value", minInterval: s.count ? 1 : 0 },
        series: series,
        aria: { enabled: true }
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render); else render();
})();
