/* The fulfilment list (dashboard/cooperatives/fulfilment.html): "select all", the count of
   orders chosen in the action bar, and a typed tracking number selecting its order. The form
   works without it. */
(function () {
  "use strict";
  var form = document.getElementById("ship-batch");
  if (!form) return;  // not the fulfilment list
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input.ship-select"));
  var all = document.getElementById("ship-select-all");
  var count = document.getElementById("ship-selected");
  var template = count ? count.getAttribute("data-template") || "" : "";

  function update() {
    var chosen = boxes.filter(function (box) { return box.checked; }).length;
    if (count) count.textContent = template.replace("%s", chosen);
    if (all) {
      all.checked = chosen > 0 && chosen === boxes.length;
      all.indeterminate = chosen > 0 && chosen < boxes.length;
    }
  }

  boxes.forEach(function (box) { box.addEventListener("change", update); });
  if (all) {
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      update();
    });
  }
  form.querySelectorAll(".ship-tracking input").forEach(function (input) {
    input.addEventListener("input", function () {
      var box = document.getElementById("select-" + input.id.replace(/^tracking-/, ""));
      if (box && input.value.trim() && !box.checked) {
        box.checked = true;
        update();
      }
    });
  });
  update();
})();

/* The labels page: its print button. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
