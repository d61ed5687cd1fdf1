// Tooltips, pop-ups, Dutch zoom buttons and keyboard access for the IGS areas of the map.
// Loaded after Leaflet and before the map script that Folium writes, so the hooks below see the
// map being created and every layer being added.
(function () {
  "use strict";
  if (!window.L) { return; }

  L.Map.addInitHook(function () {
    L.control.zoom({ zoomInTitle: "Inzoomen", zoomOutTitle: "Uitzoomen" }).addTo(this);
  });

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
    var props = layer.feature.properties;
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
      if (!layer.feature || !layer.feature.properties || !layer.feature.properties.slug) { return; }
      layer.bindTooltip(layer.feature.properties.name, { sticky: true });
      layer.bindPopup(popupContent(layer.feature.properties));
      layer.on("add", function () { makeAccessible(layer); });
      layer.on("mouseover", function () { layer.setStyle({ weight: 4, color: "#1c2326" }); });
      layer.on("mouseout", function () { layer.setStyle({ weight: 2, color: "#ffffff" }); });
    });
  });
})();
