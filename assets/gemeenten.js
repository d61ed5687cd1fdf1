// Filters the municipality list as the visitor types a name, a village or a postcode, and says
// why each row matched ("Kemmel → Heuvelland → CO7"). The list is complete without this script.
// The search index (what sitegen/finder.py finder_index writes) is fetched when the visitor first
// uses the field, so the page itself carries each name once. Matching mirrors sitegen/finder.py
// (search_rows) and the key of sitegen/register.py (name_key).
(function () {
  "use strict";
  var form = document.querySelector("[data-finder]");
  if (!form || !window.fetch) { return; }
  var input = form.querySelector("input");
  var status = document.getElementById("zoek-resultaat");
  var empty = document.querySelector("[data-finder-empty]");
  var tip = document.querySelector("[data-finder-tip]");
  var groups = Array.prototype.slice.call(document.querySelectorAll("[data-letter]"));
  var kinds = { g: 0, v: 1, d: 2, p: 3 };
  var index = null;
  var loading = null;

  function key(text) {
    var plain = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    return plain.replace(/(^|[^a-z0-9])st\.?(?=[\s.\-])/g, "$1sint").replace(/[^a-z0-9]/g, "");
  }

  function load() {
    if (loading) { return; }
    loading = fetch(form.getAttribute("data-index")).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    }).then(function (data) {
      index = [];
      data.rows.forEach(function (entry) {
        var row = document.getElementById(entry[0]);
        if (!row) { return; }
        index.push({
          row: row,
          group: row.closest("[data-letter]"),
          name: entry[1],
          answers: entry[2],
          parts: entry[3],
          why: null,
          terms: entry[4].map(function (term) {
            return { kind: term[0], name: term[1], part: term[2], key: key(term[1]) };
          })
        });
      });
      form.setAttribute("data-ready", "");
      filter();
    }, function () {
      loading = null;  // try again on the next keystroke
      status.textContent = "Zoeken lukt nu niet. Zoek in de lijst met Ctrl+F (op je telefoon: ‘Zoek op pagina’).";
    });
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
    if (term.part >= 0 || !entry.parts.length) { return entry.answers[Math.max(term.part, 0)]; }
    return entry.parts.map(function (part, i) { return part + ": " + entry.answers[i]; }).join("; ");
  }

  function explain(entry, term) {
    var answer = answerFor(entry, term);
    return term.kind === "g" ? entry.name + " → " + answer : term.name + " → " + entry.name + " → " + answer;
  }

  function say(entry, text) {
    if (!entry.why && text) {
      entry.why = document.createElement("span");
      entry.why.className = "finder-why";
      entry.row.firstChild.appendChild(entry.why);
    }
    if (entry.why) { entry.why.textContent = text; }
  }

  function filter() {
    var query = key(input.value);
    if (!index) {
      if (query) { status.textContent = "Even geduld: de lijst wordt geladen…"; load(); }
      return;
    }
    var shown = 0;
    var open = [];
    index.forEach(function (entry) {
      var term = query ? best(entry, query) : null;
      var match = !query || term !== null;
      entry.row.hidden = !match;
      say(entry, term ? explain(entry, term) : "");
      if (match) { shown += 1; open.push(entry.group); }
    });
    groups.forEach(function (group) { group.hidden = open.indexOf(group) < 0; });
    empty.hidden = shown > 0;
    if (tip) { tip.hidden = Boolean(query); }
    status.textContent = query ? (shown === 1 ? "1 gemeente gevonden" : shown + " gemeenten gevonden") : "";
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); filter(); });
  input.addEventListener("focus", load);
  input.addEventListener("input", filter);
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; }
  if (input.value) { filter(); }  // arrived with ?q=, or typed before this script ran
})();
