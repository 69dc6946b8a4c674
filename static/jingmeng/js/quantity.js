/* The product page's quantity stepper: − and + within the bounds the server wrote (data-min,
   data-max: stock and the basket's limit), a typed number pulled back inside them. The server's
   basket form checks the same bounds; this only keeps a buyer from asking for what it refuses. */
(function () {
    "use strict";
    document.querySelectorAll(".jm-stepper").forEach(function (stepper) {
        var input = stepper.querySelector("input");
        var min = parseInt(stepper.dataset.min, 10) || 1;
        function max() { return parseInt(stepper.dataset.max, 10) || min; }  /* a 规格 changes it */
        var buttons = stepper.querySelectorAll(".jm-step");

        function clamp(value) {
            value = parseInt(value, 10);
            if (isNaN(value)) { value = min; }
            return Math.max(min, Math.min(max(), value));
        }
        function show(value) {
            input.value = value;
            buttons.forEach(function (button) {
                var step = parseInt(button.dataset.step, 10);
                button.disabled = step < 0 ? value <= min : value >= max();
            });
        }
        buttons.forEach(function (button) {
            button.addEventListener("click", function () {
                show(clamp(clamp(input.value) + parseInt(button.dataset.step, 10)));
            });
        });
        input.addEventListener("change", function () { show(clamp(input.value)); });
        show(clamp(input.value));
    });
})();

/* 规格: choosing one shows its price and bounds the stepper by its stock (data-price, data-max
   written by the server for each choice). */
(function () {
    "use strict";
    var price = document.getElementById("jm-price");
    var stepper = document.querySelector(".jm-stepper");
    document.querySelectorAll(".jm-variant input[name=child_id]").forEach(function (choice) {
        choice.addEventListener("change", function () {
            if (!choice.checked) { return; }
            if (price) { price.textContent = choice.dataset.price; }
            if (stepper) {
                stepper.dataset.max = choice.dataset.max;
                var input = stepper.querySelector("input");
                input.max = choice.dataset.max;
                input.dispatchEvent(new Event("change"));
            }
        });
    });
})();
