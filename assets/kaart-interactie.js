// Tooltips, pop-ups, labels, deep links, Dutch zoom buttons, the optional tiles and keyboard access
// for the map. Loaded after Leaflet and before the map script (kaart.js), so the hooks below see the
// map being created and every layer being added. kaart.js starts with `igsKaart`, the map's texts
// (sitegen/mapview.py map_text); they are content, so they only ever go in as text, never as HTML.
(function () {
  "use strict";
  if (!window.L) { return; }

  var NAMES_FROM_ZOOM = 8.5; // below this zoom level the labels show the IGS numbers only
  var unitLayers = {};
  var theMap = null;

  function mapText() {
    return window.igsKaart || { areas: {}, units: {}, finder: "", tiles: null };
  }

  // Leaflet shows attributions as HTML: escape the text so that it shows as written.
  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // [unit name, municipality since 2025, finder anchor, answer, IGS slug]
  function unitInfo(id) {
    return mapText().units[id];
  }

  function unitTitle(info) {
    return info[0] === info[1] ? info[0] : info[0] + " (nu " + info[1] + ")";
  }

  function unitSummary(info) {
    return unitTitle(info) + ": " + info[3];
  }

  function popupContent(info) {
    var box = element("div");
    box.appendChild(element("p", "map-popup-title", unitTitle(info)));
    var answer = element("p", "map-popup-answer");
    var area = info[4] && mapText().areas[info[4]];
    if (area) {
      answer.appendChild(document.createTextNode("IGS: "));
      var link = element("a", "", area.name);
      link.href = area.url;
      answer.appendChild(link);
    } else {
      answer.textContent = info[3] === "onbekend" ? "IGS: onbekend (niet elke ledenlijst is volledig)" : "Geen IGS";
    }
    box.appendChild(answer);
    var finder = element("a", "map-popup-finder", "Deelgemeenten en postcodes van " + info[1]);
    finder.href = mapText().finder + "#" + info[2];
    box.appendChild(element("p")).appendChild(finder);
    return box;
  }

  function highlight(layer, on) {
    // No bringToFront: it would move the area in the DOM and so in the keyboard's Tab order.
    layer.setStyle(on ? { weight: 3, color: "#1c2326" } : { weight: layer.baseWeight, color: layer.baseColour });
  }

  // Escape hides the tooltips (shown on hover and on focus, they cover the neighbouring
  // municipalities) and closes a pop-up: WCAG 1.4.13. In a pop-up opened from an area, Escape and a
  // Tab out of it close it and put focus back on that area, so that the next Tab goes on to the
  // next municipality (the pop-ups sit after all the areas in the page, and stayed open).
  function closeOnEscape(map) {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      map.closePopup();
      Object.keys(unitLayers).forEach(function (id) {
        if (unitLayers[id].isTooltipOpen()) { unitLayers[id].closeTooltip(); }
      });
    });
  }

  function popupKeys(layer, node) {
    return function (event) {
      var escape = event.key === "Escape";
      if (!escape && event.key !== "Tab") { return; }
      if (!escape) {
        var stops = event.currentTarget.querySelectorAll("a[href]");
        var edge = event.shiftKey ? stops[0] : stops[stops.length - 1];
        if (document.activeElement !== edge) { return; }
      }
      // Escape and Shift+Tab end on the area; a Tab goes on from the area to the next one.
      if (escape || event.shiftKey) { event.preventDefault(); }
      event.stopPropagation();
      layer.closePopup();
      node.focus();
    };
  }

  // Each pop-up: a Dutch name for its close button (Leaflet's is 'Close popup') and the keys above.
  function dutchPopup(layer, node) {
    layer.on("popupopen", function (opened) {
      var box = opened.popup.getElement();
      var close = box.querySelector(".leaflet-popup-close-button");
      if (close) { close.setAttribute("aria-label", "Sluiten"); }
      if (!box.hasAttribute("data-keys")) {
        box.setAttribute("data-keys", "");
        box.addEventListener("keydown", popupKeys(layer, node));
      }
    });
  }

  function makeAccessible(layer, info) {
    var node = layer.getElement && layer.getElement();
    if (!node || node.hasAttribute("tabindex")) { return; }
    node.setAttribute("tabindex", "0");
    node.setAttribute("role", "button");
    node.setAttribute("aria-label", unitSummary(info));
    dutchPopup(layer, node);
    node.addEventListener("focus", function () {
      highlight(layer, true);
      layer.openTooltip(layer.getBounds().getCenter());
    });
    node.addEventListener("blur", function () {
      highlight(layer, false);
      layer.closeTooltip();
    });
    node.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" && event.key !== " ") { return; }
      event.preventDefault();
      // From the keyboard, move focus into the pop-up and back to the area when it closes.
      layer.once("popupopen", function (opened) {
        var link = opened.popup.getElement().querySelector("a");
        if (link) { link.focus(); }
        layer.once("popupclose", function () { node.focus(); });
      });
      layer.openPopup(layer.getBounds().getCenter());
    });
  }

  function addLabels(map) {
    var areas = mapText().areas;
    var labels = Object.keys(areas).sort(function (a, b) { return areas[a].number - areas[b].number; }).map(function (slug) {
      var area = areas[slug];
      var content = element("span");
      content.appendChild(element("span", "map-label-number", String(area.number)));
      content.appendChild(element("span", "map-label-name", " " + area.name));
      return L.tooltip({ permanent: true, direction: "center", className: "map-label", interactive: false })
        .setLatLng(area.label).setContent(content).addTo(map);
    });
    function showNames() {
      map.getContainer().classList.toggle("map-show-names", map.getZoom() >= NAMES_FROM_ZOOM);
      separate(labels);
    }
    map.on("zoomend", showNames);
    showNames();
  }

  // Two names side by side can cover each other (de Merode's and ECRU's): in the order of their
  // numbers, a label that overlaps one placed before it moves up or down, whichever is less, until free.
  function separate(labels) {
    var placed = [];
    labels.forEach(function (label) {
      var node = label.getElement();
      if (!node) { return; }
      node.style.marginTop = "";
      var box = node.getBoundingClientRect();
      var shift = 0;
      for (var round = 0; round < 8; round++) {
        var hit = placed.filter(function (other) {
          return box.left < other.right && other.left < box.right && box.top + shift < other.bottom && other.top < box.bottom + shift;
        })[0];
        if (!hit) { break; }
        var down = hit.bottom - (box.top + shift) + 1, up = (box.bottom + shift) - hit.top + 1;
        shift += down <= up ? down : -up;
      }
      if (shift) { node.style.marginTop = shift + "px"; }
      placed.push({ left: box.left, right: box.right, top: box.top + shift, bottom: box.bottom + shift });
    });
  }

  // "#co7" zooms to that IGS, "#g-44087" to that municipality (the finder's row anchors).
  function showHash() {
    var wanted = decodeURIComponent(window.location.hash.slice(1));
    if (!wanted || !theMap) { return; }
    var units = mapText().units;
    var ids = Object.keys(units).filter(function (id) { return units[id][4] === wanted || units[id][2] === wanted; });
    var layers = ids.map(function (id) { return unitLayers[id]; }).filter(Boolean);
    if (!ids.length) { return; }
    if (layers.length < ids.length) { window.setTimeout(showHash, 50); return; } // still being drawn
    // Leaflet ignores a new view while it animates a zoom (the first fit of the map): wait for it.
    if (theMap._animatingZoom) { theMap.once("zoomend", function () { window.setTimeout(showHash, 0); }); return; }
    var bounds = layers[0].getBounds();
    layers.forEach(function (layer) { bounds.extend(layer.getBounds()); });
    theMap.getContainer().scrollIntoView({ block: "start" });
    theMap.fitBounds(bounds, { padding: [24, 24], maxZoom: 11 });
    if (units[ids[0]][2] === wanted) {
      layers.forEach(function (layer) { highlight(layer, true); });
      layers[0].openTooltip(layers[0].getBounds().getCenter());
    }
  }

  L.Map.addInitHook(function () {
    theMap = this;
    L.control.zoom({ zoomInTitle: "Inzoomen", zoomOutTitle: "Uitzoomen" }).addTo(this);
    var tiles = mapText().tiles;
    if (tiles) {
      L.tileLayer(tiles.url, { attribution: escapeHtml(tiles.attribution), maxZoom: 18 }).addTo(this);
    }
    var map = this;
    this.whenReady(function () {
      drawUnits(map);
      addLabels(map);
      closeOnEscape(map);
      showHash();
    });
    window.addEventListener("hashchange", showHash);
  });

  // The municipalities, from the small topology in the data: arcs shared by neighbours, each
  // delta-encoded on a grid; a unit is [id, fill colour, polygons of rings of arc references].
  function decodeArcs(shapes) {
    var scale = shapes.scale, west = shapes.translate[0], south = shapes.translate[1];
    return shapes.arcs.map(function (arc) {
      var x = 0, y = 0;
      return arc.map(function (step) {
        x += step[0];
        y += step[1];
        return [south + y * scale, west + x * scale];
      });
    });
  }

  function ringOf(references, arcs) {
    var points = [];
    references.forEach(function (reference) {
      var arc = reference >= 0 ? arcs[reference] : arcs[~reference].slice().reverse();
      points = points.concat(points.length ? arc.slice(1) : arc);
    });
    return points;
  }

  function setUpUnit(layer, id) {
    var info = unitInfo(id);
    unitLayers[id] = layer;
    layer.baseWeight = layer.options.weight;
    layer.baseColour = layer.options.color;
    // Contents are made when first shown: 300 areas are drawn on a slow phone too.
    layer.bindTooltip(function () { return element("span", "", unitSummary(info)); }, { sticky: true, className: "map-tip" });
    layer.bindPopup(function () { return popupContent(info); }, { maxWidth: 260, maxHeight: 180, autoPanPadding: [16, 16] });
    layer.on("mouseover", function () { highlight(layer, true); });
    layer.on("mouseout", function () { highlight(layer, false); });
    makeAccessible(layer, info);
  }

  function drawUnits(map) {
    var shapes = mapText().shapes;
    if (!shapes) { return; }
    map.createPane("gemeenten").style.zIndex = 390; // below the overlay pane with the IGS borders
    var arcs = decodeArcs(shapes);
    var units = shapes.units.slice();
    // Fifteen per task, so that drawing never blocks a slow phone for long.
    (function drawSome() {
      units.splice(0, 15).forEach(function (unit) {
        var polygons = unit[2].map(function (rings) { return rings.map(function (refs) { return ringOf(refs, arcs); }); });
        var layer = L.polygon(polygons, {
          pane: "gemeenten", fillColor: unit[1], fillOpacity: 0.9, color: "#ffffff", weight: 0.7,
        }).addTo(map);
        setUpUnit(layer, unit[0]);
      });
      if (units.length) { window.setTimeout(drawSome, 0); }
    })();
  }
})();
