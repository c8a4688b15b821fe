/* Dashboards: draw each chart from the JSON the server rendered beside its canvas (Chart.js),
   refresh every widget on demand, and let creators drag widgets into another order. */
(function () {
  "use strict";
  function draw(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll(".chart-config").forEach(function (script) {
      var canvas = script.parentElement.querySelector("canvas.chart");
      if (!canvas || canvas.dataset.drawn) return;
      var config = JSON.parse(script.textContent);
      canvas.dataset.drawn = "1";
      new Chart(canvas, config);
    });
  }
  document.addEventListener("htmx:afterSettle", function (e) { draw(e.target); });
  document.addEventListener("DOMContentLoaded", function () {
    var grid = document.querySelector(".dash-grid[data-order-url]");
    if (!grid || typeof Sortable === "undefined") return;
    Sortable.create(grid, {
      animation: 120,
      draggable: ".widget",
      handle: ".widget-head",
      filter: "button",
      preventOnFilter: false,
      forceFallback: true,
      fallbackTolerance: 4,
      onEnd: function (ev) {
        if (ev.oldIndex === ev.newIndex) return;
        var ids = Array.prototype.map.call(grid.querySelectorAll(".widget"), function (w) {
          return w.dataset.widget;
        });
        htmx.ajax("POST", grid.dataset.orderUrl, { source: grid, values: { widget: ids }, swap: "none" });
      },
    });
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-dash-refresh]")) htmx.trigger(document.body, "dash-refresh");
  });
})();
