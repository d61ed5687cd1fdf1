// Starts the map once the page, the text above the map included, has been painted. Leaflet, the
// map's interaction and the map itself (kaart.js) keep a phone's processor busy for a while; the
// page's text need not wait for that. The scripts run in the order the page lists them
// (kaart-interactie.js hooks into Leaflet before kaart.js draws the map).
(function () {
  "use strict";
  var frame = document.querySelector("[data-map-scripts]");
  if (!frame) { return; }
  function start() {
    frame.getAttribute("data-map-scripts").split(" ").forEach(function (src) {
      var script = document.createElement("script");
      script.src = src;
      script.async = false;
      document.body.appendChild(script);
    });
  }
  // After the page has loaded (its text is on the screen by then) and one more frame: the frame
  // callback runs just before that frame is painted, the timeout just after it.
  function afterNextPaint() { window.requestAnimationFrame(function () { window.setTimeout(start, 0); }); }
  if (document.readyState === "complete") { afterNextPaint(); } else { window.addEventListener("load", afterNextPaint); }
})();
