// kapflow: a live "characters left" count under text areas that have a limit.
// Served from our origin (CSP script-src 'self'); without it the limit is still stated and enforced.
(function () {
  "use strict";
  document.querySelectorAll("textarea[maxlength][data-counter]").forEach(function (area) {
    var out = document.getElementById(area.getAttribute("data-counter"));
    if (!out) return;
    var max = parseInt(area.getAttribute("maxlength"), 10);
    function update() {
      var left = max - area.value.length;
      out.textContent = left + " of " + max + " characters left";
    }
    area.addEventListener("input", update);
    update();
  });
})();
