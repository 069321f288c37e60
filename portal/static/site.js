// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // "/" focuses the search box, as on most documentation sites.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      var box = document.querySelector("input[type=search]");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
    }
  });

  // Title suggestions as you type, from a precomputed list on the server.
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var items = [], active = -1, timer = null, lastQuery = "";

    function close() {
      list.hidden = true; list.innerHTML = ""; items = []; active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function highlight(index) {
      items.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0) { input.setAttribute("aria-activedescendant", items[index].id); }
    }
    function show(suggestions) {
      close();
      if (!suggestions.length) { return; }
      suggestions.forEach(function (s, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.textContent = s.title;
        li.dataset.url = s.url;
        li.addEventListener("mousedown", function (e) { e.preventDefault(); window.location.href = s.url; });
        list.appendChild(li);
        items.push(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      timer = setTimeout(function () {
        lastQuery = q;
        fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q))
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(function (data) { if (lastQuery === input.value.trim()) { show(data.suggestions || []); } })
          .catch(close);
      }, 120);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); highlight((active + 1) % items.length); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight((active - 1 + items.length) % items.length); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); window.location.href = items[active].dataset.url; }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  });
})();

// "Was this helpful?" (templates/_vote.html): send the vote with fetch and swap
// in the box the server answers with, instead of reloading the page; count the
// FAQ entries a visitor opens. Without this, the forms post and the page
// reloads, and FAQ permalinks (/faq/<id>) count the views.
(function () {
  "use strict";
  if (!window.fetch || !window.FormData || !Element.prototype.closest) { return; }

  function submitNatively(form, submitter) {
    // The server answers a refused vote (429, stale token) with a full page that
    // keeps what was typed; let the browser show it.
    if (submitter && submitter.name) {
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = submitter.name; hidden.value = submitter.value;
      form.appendChild(hidden);
    }
    HTMLFormElement.prototype.submit.call(form);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-vote-form]")) { return; }
    event.preventDefault();
    var box = form.closest("[data-vote]");
    var submitter = event.submitter || null;
    var data = new FormData(form);
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-Requested-With": "fetch" }
    })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("[data-vote]");
        if (!fresh) { throw new Error("no vote box"); }
        box.replaceWith(fresh);
        // Move focus to the new question or the thanks, so screen readers hear it.
        var target = fresh.querySelector(".vote-thanks, legend[tabindex]");
        if (target) { target.focus(); }
      })
      .catch(function () {
        buttons.forEach(function (b) { b.disabled = false; });
        submitNatively(form, submitter);
      });
  });

  var counted = {};
  function countView(details) {
    var box = details.querySelector("[data-view-url]");
    var url = box && box.getAttribute("data-view-url");
    if (!url || counted[url]) { return; }
    counted[url] = true;
    if (navigator.sendBeacon) { navigator.sendBeacon(url); }
    else { fetch(url, { method: "POST", credentials: "same-origin", keepalive: true }).catch(function () {}); }
  }
  document.querySelectorAll("details.faq").forEach(function (details) {
    details.addEventListener("toggle", function () { if (details.open) { countView(details); } });
  });
  // A link to /faq#<id> opens that answer (the toggle above then counts it).
  function openLinkedAnswer() {
    var id = "";
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (e) { return; }
    var target = id && document.getElementById(id);
    if (target && target.matches("details.faq")) { target.open = true; }
  }
  openLinkedAnswer();
  window.addEventListener("hashchange", openLinkedAnswer);
})();
