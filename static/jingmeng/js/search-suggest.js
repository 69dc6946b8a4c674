/* 联想: suggestions under the header's search box as a shopper types (products, categories,
   cooperatives) from /search/suggest/ (JSON, cached by the server). A combobox in the ARIA sense:
   ↑/↓ move through the suggestions, Enter opens the one chosen (or searches what was typed),
   Esc closes the list. Without JavaScript the box is a plain search form. */
(function () {
    "use strict";
    var form = document.querySelector(".jm-search");
    if (!form || !window.fetch) { return; }
    var input = form.querySelector("input[name=q]");
    var url = form.dataset.suggestUrl;
    var list = document.createElement("ul");
    list.id = "jm-suggest";
    list.className = "jm-suggest";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", form.dataset.suggestLabel || "");
    list.hidden = true;
    form.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    var headings = JSON.parse(form.dataset.suggestHeadings || "{}");
    var timer = null, asked = "", active = -1, controller = null;

    function options() { return list.querySelectorAll("[role=option]"); }
    function close() {
        list.hidden = true;
        input.setAttribute("aria-expanded", "false");
        input.removeAttribute("aria-activedescendant");
        active = -1;
    }
    function choose(index) {
        var items = options();
        if (!items.length) { return; }
        active = (index + items.length) % items.length;
        items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
        input.setAttribute("aria-activedescendant", items[active].id);
    }
    function item(text, href, kind, n) {
        var li = document.createElement("li");
        li.id = "jm-suggest-" + n;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.className = "jm-suggest-" + kind;
        var a = document.createElement("a");
        a.href = href;
        a.tabIndex = -1;
        a.textContent = text;
        li.appendChild(a);
        return li;
    }
    function show(answer) {
        list.textContent = "";
        var n = 0;
        ["products", "categories", "cooperatives"].forEach(function (kind) {
            var rows = answer[kind] || [];
            if (!rows.length) { return; }
            var heading = document.createElement("li");
            heading.className = "jm-suggest-heading";
            heading.setAttribute("role", "presentation");
            heading.textContent = headings[kind] || kind;
            list.appendChild(heading);
            rows.forEach(function (row) {
                list.appendChild(item(row.title || row.name, row.url, kind, n++));
            });
        });
        if (!n) { close(); return; }
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        active = -1;
    }
    function ask() {
        var q = input.value.trim();
        if (q === asked) { return; }
        asked = q;
        if (!q) { close(); return; }
        if (controller) { controller.abort(); }
        controller = window.AbortController ? new AbortController() : null;
        fetch(url + "?q=" + encodeURIComponent(q), {
            headers: { "Accept": "application/json" },
            signal: controller ? controller.signal : undefined
        }).then(function (response) {
            return response.ok ? response.json() : null;
        }).then(function (answer) {
            if (answer && input.value.trim() === q) { show(answer); }
        }).catch(function () { /* a suggestion that did not come is no error: the form still searches */ });
    }
    input.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(ask, 150);
    });
    input.addEventListener("keydown", function (event) {
        if (list.hidden) { return; }
        if (event.key === "ArrowDown") { event.preventDefault(); choose(active + 1); }
        else if (event.key === "ArrowUp") { event.preventDefault(); choose(active - 1); }
        else if (event.key === "Escape") { event.preventDefault(); close(); } /* not also the search box's own Esc, which empties it */
        else if (event.key === "Enter" && active >= 0) {
            event.preventDefault();
            window.location.href = options()[active].querySelector("a").href;
        }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 200); });
    input.addEventListener("focus", function () { if (list.childNodes.length && input.value.trim()) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } });
}());
