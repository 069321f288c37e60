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

// Glossary terms explained in place. The build links the first occurrence of each
// term in an article as <a class="term" href="/glossary#id" data-definition="…">;
// here each gets a tooltip, shown on hover and on keyboard focus and announced by
// screen readers through aria-describedby. Without this the term stays a plain
// link to its glossary entry. As WCAG 1.4.13 asks, the tooltip can be hovered (a
// short delay lets the pointer cross onto it), is dismissed with Escape, and stays
// until pointer and focus have left.
(function () {
  "use strict";
  var terms = document.querySelectorAll("a.term[data-definition]");
  if (!terms.length || !Element.prototype.closest) { return; }
  var GAP = 6;          // px between the term and its tooltip
  var EDGE = 8;         // px kept clear at the viewport's edges, so a tip never scrolls the page sideways
  var HIDE_DELAY = 250; // ms for the pointer to cross the gap onto the tooltip before it goes
  var current = null;   // {link, tip} on screen; one at a time
  var hideTimer = null;

  function place(link, tip) {
    var root = document.documentElement;
    var viewWidth = root.clientWidth, viewHeight = root.clientHeight;
    // Measure at the page's start edge with no width cap from an earlier place():
    // an absolutely positioned box shrinks to the room left of its `left`.
    tip.style.left = "0px"; tip.style.top = "0px"; tip.style.maxWidth = "";
    if (tip.offsetWidth > viewWidth - 2 * EDGE) { tip.style.maxWidth = (viewWidth - 2 * EDGE) + "px"; }
    var width = tip.offsetWidth, height = tip.offsetHeight;
    // A term wrapped over two lines: sit by the line it starts on, not by the
    // box around both lines, which can span the whole column.
    var rects = link.getClientRects();
    var box = rects.length ? rects[0] : link.getBoundingClientRect();
    // Start-aligned with the term: its left edge in left-to-right text, its right
    // edge in right-to-left; then pulled back inside the viewport.
    var rtl = window.getComputedStyle(link).direction === "rtl";
    var left = Math.max(EDGE, Math.min(rtl ? box.right - width : box.left, viewWidth - EDGE - width));
    // Below the term, unless it would run off the bottom and fits above.
    var top = box.bottom + GAP;
    var above = top + height > viewHeight - EDGE && box.top - GAP - height >= EDGE;
    if (above) { top = box.top - GAP - height; }
    tip.classList.toggle("term-tip--above", above);
    // Page coordinates (the tip is absolutely positioned in <body>), so it keeps
    // to the term when the page scrolls.
    tip.style.left = (left + window.pageXOffset) + "px";
    tip.style.top = (top + window.pageYOffset) + "px";
  }
  function show(link, tip) {
    clearTimeout(hideTimer);
    if (current && current.tip !== tip) { current.tip.hidden = true; }
    tip.hidden = false;
    place(link, tip);
    current = { link: link, tip: tip };
  }
  function hide() {
    clearTimeout(hideTimer);
    if (current) { current.tip.hidden = true; current = null; }
  }
  function hideSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(function () {
      // A term that has keyboard focus keeps its tip when the pointer wanders off.
      if (current && document.activeElement !== current.link) { hide(); }
    }, HIDE_DELAY);
  }

  var count = 0;
  terms.forEach(function (link) {
    var tip = document.createElement("div");
    do { count += 1; tip.id = "term-tip-" + count; } while (document.getElementById(tip.id));
    tip.className = "term-tip";
    tip.setAttribute("role", "tooltip");
    tip.textContent = link.getAttribute("data-definition");
    // The tip lives in <body>, outside the link (whose accessible name stays the
    // term) and outside any box that clips; it speaks the term's language.
    var langHolder = link.closest("[lang]");
    if (langHolder) { tip.lang = langHolder.lang; }
    tip.dir = window.getComputedStyle(link).direction;
    tip.hidden = true;
    document.body.appendChild(tip);
    var described = link.getAttribute("aria-describedby");
    link.setAttribute("aria-describedby", (described ? described + " " : "") + tip.id);

    link.addEventListener("mouseenter", function () { show(link, tip); });
    link.addEventListener("focus", function () { show(link, tip); });
    link.addEventListener("mouseleave", hideSoon);
    link.addEventListener("blur", function () {
      if (current && current.tip === tip && !link.matches(":hover") && !tip.matches(":hover")) { hide(); }
    });
    tip.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
    tip.addEventListener("mouseleave", hideSoon);
  });
  document.addEventListener("keydown", function (event) {
    if (current && (event.key === "Escape" || event.key === "Esc")) { hide(); }
  });
  window.addEventListener("resize", function () { if (current) { place(current.link, current.tip); } });
})();

// The searched words, highlighted on an article opened from the search results
// (templates/search/results.html links to /articles/<slug>?hl=<query>): each is
// wrapped in <mark> in the article's text, and the first is brought into view.
// The canonical link leaves ?hl out (views/meta.py), so it never splits an article.
// Words are compared as the search compares them (fold() below), so "تنظيمات"
// typed with an Arabic yeh marks "تنظیمات" as the article spells it.
(function () {
  "use strict";
  var MAX_MARKS = 50;   // a common word in a long article would otherwise paint the page yellow, slowly on a phone
  var MAX_QUERY = 200;  // the search box's maxlength
  // Whoosh's default stop words, which the search ignores: marking every "the"
  // of "how to restart the hub" would hide the words that found the article.
  var STOP = ("a an and are as at be by can for from have if in is it may not of on or tbd that the this " +
              "to us we when will with yet you your").split(" ");
  var SKIP = "code, pre, kbd, samp, script, style, textarea, mark, .anchor";
  var content = document.querySelector(".article .content");  // FAQ and glossary entries have a .content too
  if (!content || !window.URLSearchParams || !document.createTreeWalker) { return; }
  var query = new URLSearchParams(window.location.search).get("hl");
  if (!query) { return; }

  var notWord, pattern;
  try {
    // Unicode property escapes, built here rather than as literals: a browser
    // without them then skips highlighting instead of failing to parse this file.
    notWord = new RegExp("[^\\p{L}\\p{N}\\p{M}]+", "u");
  } catch (e) { return; }

  // The search's spelling folds, mirroring portal/search/languages.py (normalise()
  // and fold()): keep the two in step. NFKC, then lower case; Arabic yeh and kaf
  // as Persian, alef forms as alef, teh marbuta and heh with yeh as heh; Persian
  // and Arabic-Indic digits as ASCII; Arabic diacritics, tatweel, Hebrew points
  // and cantillation, ZWJ and BOM dropped; bidi marks as spaces; geresh,
  // gershayim and the quotes typed for them dropped between Hebrew letters. The
  // ZWNJ stays in the article's text, as in normalise(); the pattern below lets a
  // word be spelt with or without it, as the search finds both.
  var FOLD = { "\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9", "\u0623": "\u0627", "\u0625": "\u0627",
               "\u0622": "\u0627", "\u0671": "\u0627", "\u0629": "\u0647", "\u06c0": "\u0647", "\u06d5": "\u0647" };
  for (var d = 0; d < 10; d++) {
    FOLD[String.fromCharCode(0x06f0 + d)] = FOLD[String.fromCharCode(0x0660 + d)] = String(d);
  }
  var DROP = /[\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u064b-\u065f\u0670\u0640\u200d\ufeff]/;
  var BIDI = /[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]/;
  var GERESH = /['"\u05f3\u05f4\u2019\u201d]/, HEBREW = /[\u05d0-\u05ea]/;

  // ``value`` folded, with where each folded character came from: ``from[i]`` and
  // ``to[i]`` bound the characters of ``value`` that became ``text[i]``, so a match
  // in the folded text marks the article's own characters.
  function fold(value) {
    var chars = [], from = [], to = [];
    for (var i = 0; i < value.length;) {
      var point = value.codePointAt(i), ch = String.fromCodePoint(point), next = i + ch.length;
      var out = (ch.normalize ? ch.normalize("NFKC") : ch).toLowerCase();
      Array.from(out).forEach(function (c) {
        if (DROP.test(c)) { return; }
        chars.push(BIDI.test(c) ? " " : (FOLD[c] || c));
        from.push(i); to.push(next);
      });
      i = next;
    }
    for (var k = chars.length - 2; k > 0; k--) {
      if (GERESH.test(chars[k]) && HEBREW.test(chars[k - 1]) && HEBREW.test(chars[k + 1])) {
        chars.splice(k, 1); from.splice(k, 1); to.splice(k, 1);
      }
    }
    return { text: chars.join(""), from: from, to: to };
  }

  // A rough cut of English endings, standing in for the search's Porter stemmer:
  // the pattern then matches every word that starts with the stem, so "restarting"
  // finds "Restart" and "restarted", and "hubs" finds "Hub".
  function stem(word) {
    if (!/^[a-z]+$/.test(word) || /ss$/.test(word)) { return word; }
    var cut = /^(.{4,}?)(?:ing|ed)$/.exec(word) || /^(.{3,}?)(?:es|s)$/.exec(word);
    return cut ? cut[1] : word;
  }
  // The query language (portal/search/query.py): -word and -"a phrase" exclude,
  // an upper-case OR joins, quotes make a phrase whose words count one by one.
  var text = query.slice(0, MAX_QUERY).replace(/(^|\s)-("[^"]*"?|\S*)/g, " ").replace(/(^|\s)OR(?=\s|$)/g, " ");
  text = fold(text).text.replace(/\u200c/g, "");
  var stems = [];
  text.split(notWord).forEach(function (word) {
    var s = stem(word);
    if (s.length >= 2 && STOP.indexOf(s) < 0 && stems.indexOf(s) < 0) { stems.push(s); }
  });
  if (!stems.length) { return; }
  stems.sort(function (a, b) { return b.length - a.length; });  // longest first, so "hubs" wins over "hub"
  // A ZWNJ may stand between any two letters of a word ("می‌خواهم" = "میخواهم"),
  // and the rest of a word runs on across one ("کتاب‌ها" for "کتاب").
  var words = stems.map(function (s) { return Array.from(s).join("\u200c?"); });
  pattern = new RegExp("(^|[^\\p{L}\\p{N}\\p{M}])(" + words.join("|") +
                       ")(?:[\\p{L}\\p{N}\\p{M}]|\u200c(?=[\\p{L}\\p{M}]))*", "giu");

  // Collect first, then change: a tree walker loses its place when its node is replaced.
  var walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT, {
    acceptNode: function (node) {
      return node.parentElement.closest(SKIP) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
    }
  });
  var nodes = [];
  while (walker.nextNode()) { nodes.push(walker.currentNode); }

  var marks = [];
  nodes.forEach(function (node) {
    if (marks.length >= MAX_MARKS) { return; }
    var value = node.data, folded = fold(value), last = 0, found = false, match;
    var pieces = document.createDocumentFragment();
    pattern.lastIndex = 0;
    while (marks.length < MAX_MARKS && (match = pattern.exec(folded.text)) !== null) {
      // Back from the folded text to the article's: the mark ends where the next
      // character begins, so it keeps the diacritics that follow its last letter.
      var first = match.index + match[1].length, after = match.index + match[0].length;
      var start = folded.from[first];
      var end = after < folded.text.length && folded.from[after] !== folded.from[after - 1]
        ? folded.from[after] : folded.to[after - 1];
      pieces.appendChild(document.createTextNode(value.slice(last, start)));
      var mark = document.createElement("mark");
      mark.className = "search-hit";
      mark.textContent = value.slice(start, end);
      pieces.appendChild(mark);
      marks.push(mark);
      last = end; found = true;
    }
    if (!found) { return; }
    pieces.appendChild(document.createTextNode(value.slice(last)));
    node.parentNode.replaceChild(pieces, node);
  });

  // Bring the first into view, unless the link named a section (#anchor) or it is
  // already on screen.
  if (marks.length && !window.location.hash) {
    var box = marks[0].getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) { marks[0].scrollIntoView({ block: "center" }); }
  }
})();

// Which search result was opened, and at which rank, for the insights
// (portal/views/events.py): a beacon, so following the link never waits for it.
// Without this, the search is still counted; it just cannot say what was opened.
(function () {
  "use strict";
  var list = document.querySelector("ol[data-open]");
  if (!list || !navigator.sendBeacon || !window.URLSearchParams) { return; }
  var sent = {};
  function opened(event) {
    var link = event.target.closest && event.target.closest("a[data-rank]");
    if (!link || sent[link.dataset.rank] || (event.type === "auxclick" && event.button !== 1)) { return; }
    sent[link.dataset.rank] = true;
    navigator.sendBeacon(list.dataset.open, new URLSearchParams({
      q: list.dataset.q, rank: link.dataset.rank, url: link.pathname, category: list.dataset.category || ""
    }));
  }
  list.addEventListener("click", opened);
  list.addEventListener("auxclick", opened);  // opened in a new tab with the middle button
})();

// Languages (portal/i18n.py). Every page is the same for every visitor, so the
// remembered choice and the browser's preference are applied here, not on the
// server: an element with data-choose-lang (the switcher, the offer) remembers
// that language for a year. A reader who chose another language than the home
// page's is taken to their language's home page; on any other page, a reader
// whose choice (or, before any choice, whose browser) prefers another language
// this page exists in is offered it (a <template data-offer> from base.html).
(function () {
  "use strict";
  if (!Element.prototype.closest || !document.querySelectorAll) { return; }
  var COOKIE = "portal_lang", YEAR = 365 * 24 * 3600;
  var page = document.documentElement.lang;
  var slot = document.querySelector("[data-offer-slot]");

  function remembered() {
    var found = /(?:^|;\s*)portal_lang=([a-z]{2,3})(?:;|$)/.exec(document.cookie);
    return found ? found[1] : "";
  }
  function remember(lang) {
    document.cookie = COOKIE + "=" + encodeURIComponent(lang) + "; max-age=" + YEAR + "; path=/; samesite=lax" +
      (location.protocol === "https:" ? "; secure" : "");
  }
  document.addEventListener("click", function (event) {
    var chooser = event.target.closest("[data-choose-lang]");
    if (!chooser) { return; }
    remember(chooser.getAttribute("data-choose-lang"));
    if (chooser.hasAttribute("data-dismiss-offer") && slot) { slot.innerHTML = ""; }
  });

  var offers = {};
  document.querySelectorAll("template[data-offer]").forEach(function (template) {
    offers[template.getAttribute("data-offer")] = template;
  });
  var chosen = remembered(), wanted = chosen;
  if (!wanted) {
    // The browser's languages in order of preference: the first the site has wins.
    var accepted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
    for (var i = 0; i < accepted.length && !wanted; i += 1) {
      var code = String(accepted[i]).toLowerCase().split("-")[0];
      if (code === page || offers[code]) { wanted = code; }
    }
  }
  var offer = wanted && wanted !== page ? offers[wanted] : null;
  if (!offer || !slot || !offer.content) { return; }
  var target = offer.content.querySelector("a[href]");
  if (chosen && document.body.hasAttribute("data-home") && target) {
    window.location.replace(target.href);
    return;
  }
  slot.appendChild(document.importNode(offer.content, true));
})();
