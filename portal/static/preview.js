// Live preview only (flask --app portal preview): the normal site never links
// this file. Reloads the page when the preview publishes a new build or its
// problems change, and marks links to drafts: articles, trees, FAQ entries and
// glossary terms.
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

  // Keys as portal/preview/web.py writes them: an article's slug, and
  // "tree:<id>", "faq:<id>", "glossary:<lang>:<id>" for the other drafts.
  var drafts = {};
  JSON.parse(script.getAttribute("data-drafts") || "[]").forEach(function (slug) { drafts[slug] = true; });
  JSON.parse(script.getAttribute("data-draft-pages") || "[]").forEach(function (key) { drafts[key] = true; });
  var label = script.getAttribute("data-draft-label");

  // The draft key a link's address names, or null.
  function draftKey(link) {
    var path = link.pathname;
    var anchor = decodeURIComponent(link.hash.slice(1));
    var match = /\/articles\/([^\/]+)$/.exec(path);
    if (match) { return decodeURIComponent(match[1]); }
    match = /\/troubleshoot\/([^\/]+)(?:\/diagram(?:\.svg|\.mmd)?)?$/.exec(path);
    if (match) { return "tree:" + decodeURIComponent(match[1]); }
    if (/\/faq$/.test(path) && anchor) { return "faq:" + anchor; }
    // The glossary lists ?lang= terms, else the address's language, else English.
    match = /(?:\/(en|he|fa))?\/glossary$/.exec(path);
    if (match && anchor) {
      var lang = new URLSearchParams(link.search).get("lang") || match[1] || "en";
      return "glossary:" + lang + ":" + anchor;
    }
    return null;
  }

  // List items the page itself badged (draft trees and FAQ entries in lists):
  // their links need no second badge.
  var badged = [];
  document.querySelectorAll("main li .preview-draft-badge").forEach(function (badge) {
    badged.push(badge.closest("li"));
  });

  document.querySelectorAll("main a[href]").forEach(function (link) {
    // An anchor within the page (the glossary's own "#") already has its badge.
    if (link.getAttribute("href").charAt(0) === "#") { return; }
    if (badged.indexOf(link.closest("li")) !== -1) { return; }
    var key = draftKey(link);
    if (key && drafts[key] && link.origin === window.location.origin) {
      var badge = document.createElement("span");
      badge.className = "preview-draft-badge";
      badge.textContent = label;
      link.appendChild(badge);
    }
  });
})();
