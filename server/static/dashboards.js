/* Dashboards: draw each chart from the JSON the server rendered beside its canvas (Chart.js),
   and refresh every widget on demand. */
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
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-dash-refresh]")) htmx.trigger(document.body, "dash-refresh");
  });
})();
