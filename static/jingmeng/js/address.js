/* Chinese address forms (checkout, address book): 省 → 市 → 区/县 cascade, and the checkout's
 * new-address section folded while a saved address is ticked.
 *
 * The server renders the three selects with the 市 of the chosen 省 and the 区/县 of the chosen
 * 市, and checks the choice again (orders/address/forms.py), so without this script the form
 * still works. With it, choosing a 省 refills the 市 list and choosing a 市 the 区/县 list, from
 * the vendored division list (a static file, fetched once on the first touch of a select and
 * then cached by the browser). */
(function () {
  "use strict";

  var loading = null;

  function loadDivisions(url) {
    if (!loading) {
      loading = fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("divisions " + response.status);
          return response.json();
        })
        .then(function (data) {
          // {省: {市: [区/县, ...]}}, in code order
          var tree = {};
          data.divisions.forEach(function (province) {
            var cities = {};
            province[2].forEach(function (city) {
              cities[city[1]] = city[2].map(function (d) { return d[1]; });
            });
            tree[province[1]] = { order: province[2].map(function (c) { return c[1]; }), cities: cities };
          });
          return tree;
        })
        .catch(function (error) {
          loading = null; // try again on the next choice; the server still validates
          throw error;
        });
    }
    return loading;
  }

  function fill(select, names, placeholder) {
    var previous = select.value;
    select.textContent = "";
    if (names.length !== 1) {
      select.appendChild(new Option(placeholder, ""));
    }
    names.forEach(function (name) {
      select.appendChild(new Option(name, name));
    });
    select.value = names.indexOf(previous) >= 0 ? previous : names.length === 1 ? names[0] : "";
  }

  function cascade(form) {
    var province = form.querySelector("select[data-division=province]");
    var city = form.querySelector("select[data-division=city]");
    var district = form.querySelector("select[data-division=district]");
    if (!province || !city || !district || !window.fetch) return;
    var url = province.getAttribute("data-divisions-url");
    // The empty option's label, as the server wrote it in the page's language.
    var placeholder = (city.querySelector("option[value='']") ||
      district.querySelector("option[value='']") || { textContent: "—" }).textContent;

    function prefetch() {
      loadDivisions(url).catch(function () {});
    }
    [province, city, district].forEach(function (select) {
      select.addEventListener("focus", prefetch, { once: true });
      select.addEventListener("pointerdown", prefetch, { once: true });
    });

    function withTree(then) {
      city.disabled = district.disabled = true;
      loadDivisions(url)
        .then(then)
        .catch(function () {})
        .then(function () {
          city.disabled = district.disabled = false;
        });
    }

    province.addEventListener("change", function () {
      withTree(function (tree) {
        var entry = tree[province.value];
        fill(city, entry ? entry.order : [], placeholder);
        var districts = entry && entry.cities[city.value];
        fill(district, districts || [], placeholder);
      });
    });
    city.addEventListener("change", function () {
      withTree(function (tree) {
        var entry = tree[province.value];
        fill(district, (entry && entry.cities[city.value]) || [], placeholder);
      });
    });
  }

  /* The one-page checkout: with saved addresses, the new-address fields show only while
   * "use a new address" is ticked. */
  function foldNewAddress() {
    var section = document.getElementById("new-address-section");
    var radios = document.querySelectorAll("#checkout-address input[name=address]");
    if (!section || !radios.length) return;
    var newChoice = null;
    radios.forEach(function (radio) {
      if (radio.value === section.getAttribute("data-new-value")) newChoice = radio;
    });
    function update() {
      var open = !!(newChoice && newChoice.checked);
      section.hidden = !open;
      if (newChoice) newChoice.setAttribute("aria-expanded", open ? "true" : "false");
    }
    if (newChoice) newChoice.setAttribute("aria-controls", section.id);
    radios.forEach(function (radio) {
      radio.addEventListener("change", function () {
        update();
        if (radio === newChoice && radio.checked) {
          section.scrollIntoView({ block: "nearest", behavior: "smooth" });
        }
      });
    });
    update();
  }

  function start() {
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("select[data-division=province]")) cascade(form);
    });
    foldNewAddress();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
