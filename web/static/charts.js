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
      chart.setOption({
        title: { text: s.name, left: "center", textStyle: { fontSize: 14 } },
        tooltip: {},
        grid: { left: 40, right: 16, top: 40, bottom: 70 },
        xAxis: { type: "category", data: s.labels, axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: s.values, itemStyle: { color: "#b3261e" } }],
        aria: { enabled: true }
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render); else render();
})();
