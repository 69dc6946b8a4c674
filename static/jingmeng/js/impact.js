/* Charts for /impact/ (Chart.js, served from our own static files). */
(function () {
    var source = document.getElementById("impact-chart-data");
    if (!source || typeof Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var labels = { gmv: document.documentElement.lang === "en" ? "Sales (¥)" : "销售额（元）",
                   income: document.documentElement.lang === "en" ? "Household income (¥)" : "归属农户收益（元）" };
    function draw(id, rows, type) {
        var canvas = document.getElementById(id);
        if (!canvas) { return; }
        canvas.chart = new Chart(canvas, {
            type: type,
            data: {
                labels: rows.map(function (r) { return r.label; }),
                datasets: [
                    { label: labels.gmv, data: rows.map(function (r) { return r.gmv; }), backgroundColor: "#5b8f3c", borderColor: "#2f6b3a" },
                    { label: labels.income, data: rows.map(function (r) { return r.income; }), backgroundColor: "#d9a21b", borderColor: "#b7950b" }
                ]
            },
            options: { responsive: true, animation: false, scales: { y: { beginAtZero: true } } }
        });
        canvas.setAttribute("data-rendered", "true");
    }
    draw("chart-county", data.county, "bar");
    draw("chart-month", data.month, "line");
})();
