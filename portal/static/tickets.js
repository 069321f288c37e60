// The ticket form (templates/tickets/new.html), progressively enhanced: without
// this file the form works the same, with no suggestions.
(function () {
  "use strict";

  var form = document.querySelector("form[data-ticket-form]");
  if (!form) { return; }

  // Sent back with errors: start at the list of what to fix (its links lead to each field).
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  // Articles that may answer the question, while the subject is typed.
  var subject = form.querySelector("input[data-suggest-url]");
  var region = document.getElementById("ticket-suggestions");
  if (subject && region && window.fetch) {
    var timer = null, asked = "";

    var clear = function () { region.textContent = ""; };
    var show = function (articles) {
      clear();
      if (!articles.length) { return; }
      var heading = document.createElement("h2");
      heading.textContent = region.dataset.heading;
      var list = document.createElement("ul");
      articles.forEach(function (article) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = article.url;
        link.target = "_blank";
        link.rel = "noopener";
        link.textContent = article.title;
        item.appendChild(link);
        if (article.summary) {
          var summary = document.createElement("span");
          summary.className = "muted";
          summary.textContent = " " + article.summary;
          item.appendChild(summary);
        }
        list.appendChild(item);
      });
      var note = document.createElement("p");
      note.className = "muted";
      note.textContent = region.dataset.note;
      region.appendChild(heading);
      region.appendChild(list);
      region.appendChild(note);
    };

    subject.addEventListener("input", function () {
      clearTimeout(timer);
      var q = subject.value.trim();
      if (q.length < 3) { asked = ""; clear(); return; }
      // Wait for a pause in typing: one request per phrase, not per key.
      timer = setTimeout(function () {
        if (q === asked) { return; }
        asked = q;
        fetch(subject.dataset.suggestUrl + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { articles: [] }; })
          .then(function (data) { if (asked === subject.value.trim()) { show(data.articles || []); } })
          .catch(function () { /* suggestions are a nicety: the form goes on without them */ });
      }, 400);
    });
  }

  // One click sends one request: the button is disabled while the form is
  // sent. (The server also recognises a repeat by the form's submission token.)
  var button = form.querySelector("button[type=submit]");
  if (button) {
    var label = button.textContent;
    form.addEventListener("submit", function () {
      // After this handler, so the form is submitted before the button goes.
      setTimeout(function () {
        button.disabled = true;
        button.textContent = button.dataset.sendingLabel || label;
      }, 0);
    });
    // Back to this page from the browser's history: usable again.
    window.addEventListener("pageshow", function () {
      button.disabled = false;
      button.textContent = label;
    });
  }
})();
