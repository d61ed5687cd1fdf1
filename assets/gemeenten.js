// Filters the municipality table as the visitor types a name, a village or a postcode, and says
// why each row matched ("Kemmel → Heuvelland → CO7"). The table is complete without this script.
// Matching mirrors sitegen/finder.py (search_rows) and the key of sitegen/register.py (name_key).
(function () {
  "use strict";
  var form = document.querySelector("[data-finder]");
  if (!form) { return; }
  var input = form.querySelector("input");
  var status = document.getElementById("zoek-resultaat");
  var empty = document.querySelector("[data-finder-empty]");
  var tip = document.querySelector("[data-finder-tip]");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-terms]"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("[data-letter]"));
  var kinds = { g: 0, v: 1, d: 2, p: 3 };
  var index = rows.map(function (row) {
    return {
      row: row,
      name: row.querySelector(".finder-name").textContent,
      why: row.querySelector("[data-why]"),
      answers: row.getAttribute("data-answers").split("|"),
      terms: row.getAttribute("data-terms").split("|").map(function (entry) {
        var bits = entry.split(":");
        return { kind: bits[0], name: bits[1], part: Number(bits[2]), key: key(bits[1]) };
      })
    };
  });
  form.hidden = false;

  function key(text) {
    var plain = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    return plain.replace(/(^|[^a-z0-9])st\.?(?=[\s.\-])/g, "$1sint").replace(/[^a-z0-9]/g, "");
  }

  function best(entry, query) {
    var found = null;
    entry.terms.forEach(function (term) {
      var rank;
      if (term.key === query) { rank = 0; }
      else if (term.key.indexOf(query) === 0) { rank = 1; }
      else if (query.length >= 3 && term.key.indexOf(query) > 0) { rank = 2; }
      else { return; }
      var score = rank * 10 + kinds[term.kind];
      if (!found || score < found.score) { found = { term: term, score: score }; }
    });
    return found && found.term;
  }

  function answerFor(entry, term) {
    var distinct = entry.answers.filter(function (a, i, all) { return all.indexOf(a) === i; });
    if (term.part >= 0 || distinct.length === 1) { return entry.answers[Math.max(term.part, 0)]; }
    return entry.row.getAttribute("data-parts").split("|").map(function (part, i) {
      return part + ": " + entry.answers[i];
    }).join("; ");
  }

  function explain(entry, term) {
    var answer = answerFor(entry, term);
    return term.kind === "g" ? entry.name + " → " + answer : term.name + " → " + entry.name + " → " + answer;
  }

  function filter() {
    var query = key(input.value);
    var shown = 0;
    index.forEach(function (entry) {
      var term = query ? best(entry, query) : null;
      var match = !query || term !== null;
      entry.row.hidden = !match;
      entry.why.textContent = term ? explain(entry, term) : "";
      if (match) { shown += 1; }
    });
    groups.forEach(function (group) {
      group.hidden = !group.querySelector("tr[data-terms]:not([hidden])");
    });
    empty.hidden = shown > 0;
    if (tip) { tip.hidden = Boolean(query); }
    status.textContent = query ? (shown === 1 ? "1 gemeente gevonden" : shown + " gemeenten gevonden") : "";
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); filter(); });
  input.addEventListener("input", filter);
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; filter(); }
})();
