// Filters the municipality list as the visitor types a name or a postcode.
// The list is complete without this script; it only hides what does not match.
(function () {
  "use strict";
  var form = document.querySelector("[data-finder]");
  if (!form) { return; }
  var input = form.querySelector("input");
  var status = document.getElementById("zoek-resultaat");
  var empty = document.querySelector("[data-finder-empty]");
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-terms]"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("[data-letter]"));
  var index = items.map(function (item) { return normalise(item.getAttribute("data-terms")); });
  form.hidden = false;

  function normalise(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[\s\-]+/g, " ").trim();
  }

  function filter() {
    var query = normalise(input.value);
    var shown = 0;
    items.forEach(function (item, i) {
      var match = !query || index[i].split("|").some(function (term) { return term.indexOf(query) === 0 || (query.length > 2 && term.indexOf(query) > 0); });
      item.hidden = !match;
      if (match) { shown += 1; }
    });
    sections.forEach(function (section) {
      section.hidden = !section.querySelector("[data-terms]:not([hidden])");
    });
    empty.hidden = shown > 0;
    status.textContent = query ? (shown === 1 ? "1 gemeente gevonden" : shown + " gemeenten gevonden") : "";
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); });
  input.addEventListener("input", filter);
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; filter(); }
})();
