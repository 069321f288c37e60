// Live preview only (flask --app portal preview): the normal site never links
// this file. Reloads the page when the preview publishes a new build or its
// problems change, and marks links to draft articles.
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script) { return; }
  var generation = script.getAttribute("data-generation");

  if (window.EventSource) {
    // The stream says the current generation at once (so a build finished
    // while this page loaded is not missed), then after every build.
    var source = new EventSource(script.getAttribute("data-events"));
    source.addEventListener("build", function (event) {
      if (event.data !== generation) {
        source.close();
        window.location.reload();
      }
    });
  }

  var drafts = {};
  JSON.parse(script.getAttribute("data-drafts") || "[]").forEach(function (slug) { drafts[slug] = true; });
  var label = script.getAttribute("data-draft-label");
  document.querySelectorAll("main a[href]").forEach(function (link) {
    var match = /\/articles\/([^\/]+)$/.exec(link.pathname);
    var slug = match && decodeURIComponent(match[1]);
    if (slug && drafts[slug] && link.origin === window.location.origin) {
      var badge = document.createElement("span");
      badge.className = "preview-draft-badge";
      badge.textContent = label;
      link.appendChild(badge);
    }
  });
})();
