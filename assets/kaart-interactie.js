// Tooltips, pop-ups, Dutch zoom buttons, the optional tiles and keyboard access for the IGS areas
// of the map. Loaded after Leaflet and before the map script (kaart.js), so the hooks below see the
// map being created and every layer being added. kaart.js starts with `igsKaart`, the map's texts
// (sitegen/mapview.py map_text); they are content, so they only ever go in as text, never as HTML.
(function () {
  "use strict";
  if (!window.L) { return; }

  function mapText() {
    return window.igsKaart || { areas: {}, tiles: null };
  }

  // Leaflet shows attributions as HTML: escape the text so that it shows as written.
  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  L.Map.addInitHook(function () {
    L.control.zoom({ zoomInTitle: "Inzoomen", zoomOutTitle: "Uitzoomen" }).addTo(this);
    var tiles = mapText().tiles;
    if (tiles) {
      L.tileLayer(tiles.url, { attribution: escapeHtml(tiles.attribution), maxZoom: 18 }).addTo(this);
    }
  });

  function textElement(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function popupContent(props) {
    var box = document.createElement("div");
    var title = document.createElement("p");
    var link = document.createElement("a");
    link.href = props.url;
    link.textContent = props.name;
    title.className = "map-popup-title";
    title.appendChild(link);
    box.appendChild(title);
    var list = document.createElement("p");
    list.className = "map-popup-members";
    list.textContent = props.members.join(", ") + (props.complete ? "" : " (lijst onvolledig)");
    box.appendChild(list);
    return box;
  }

  function makeAccessible(layer) {
    var element = layer.getElement && layer.getElement();
    if (!element) { return; }
    var props = mapText().areas[layer.feature.properties.slug];
    element.setAttribute("tabindex", "0");
    element.setAttribute("role", "button");
    element.setAttribute("aria-label", props.name + ": toon de gemeenten");
    element.addEventListener("focus", function () { layer.openTooltip(layer.getBounds().getCenter()); });
    element.addEventListener("blur", function () { layer.closeTooltip(); });
    element.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" && event.key !== " ") { return; }
      event.preventDefault();
      // From the keyboard, move focus into the pop-up and back to the area when it closes.
      layer.once("popupopen", function (opened) {
        var link = opened.popup.getElement().querySelector("a");
        if (link) { link.focus(); }
        layer.once("popupclose", function () { element.focus(); });
      });
      layer.openPopup(layer.getBounds().getCenter());
    });
  }

  L.GeoJSON.addInitHook(function () {
    this.on("layeradd", function (event) {
      var layer = event.layer;
      var props = layer.feature && layer.feature.properties && mapText().areas[layer.feature.properties.slug];
      if (!props) { return; }
      layer.bindTooltip(textElement(props.name), { sticky: true });
      layer.bindPopup(popupContent(props));
      layer.on("add", function () { makeAccessible(layer); });
      // Areas added to a layer that is already on the map were drawn before this hook ran.
      makeAccessible(layer);
      layer.on("mouseover", function () { layer.setStyle({ weight: 4, color: "#1c2326" }); });
      layer.on("mouseout", function () { layer.setStyle({ weight: 2, color: "#ffffff" }); });
    });
  });
})();
