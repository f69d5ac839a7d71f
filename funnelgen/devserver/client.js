/* funnelgen serve: live reload, the error overlay and the preview bar.
   The dev server adds this script to the HTML pages it serves; a build never contains it.
   The server tells it which version of the page it sent (data-digest); over server-sent
   events it learns whether that version is still current and which problems the last
   rebuild had. Everything it draws lives in a shadow root, so it neither takes the page's
   styles nor leaks its own. The server fills in the stylesheet's text where the style is made. */
(function () {
  "use strict";
  var d = document, script = d.currentScript;
  var digest = script.getAttribute("data-digest") || "";
  var host = d.createElement("div");
  host.id = "funnelgen-preview";
  var root = host.attachShadow({ mode: "open" });
  var style = d.createElement("style");
  style.textContent = __CSS__;
  root.appendChild(style);

  function el(tag, cls, parent, text) {
    var e = d.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    parent.appendChild(e);
    return e;
  }

  /* ---- the preview bar: connection, temperature, a fresh visitor ---- */
  var bar = el("div", "bar", root);
  bar.setAttribute("role", "region");
  bar.setAttribute("aria-label", "funnelgen preview");
  var dot = el("span", "dot", bar);
  dot.title = "Connecting to funnelgen serve";
  var current = d.documentElement.getAttribute("data-temperature");
  if (current) {  /* set by the page's runtime; the index and 404 pages have none */
    el("span", "label", bar, "temperature");
    ["cold", "warm", "hot"].forEach(function (temp) {
      var url = new URL(location.href);
      url.searchParams.set("temp", temp);
      var a = el("a", "temp", bar, temp);
      a.href = url.pathname + url.search + url.hash;
      a.setAttribute("data-temp", temp);
      if (temp === current) a.setAttribute("aria-current", "true");
    });
    var reset = el("button", "reset", bar, "new visitor");
    reset.type = "button";
    reset.title = "Forget this visitor (temperature, visited steps, consent) and reload without ?temp=";
    reset.addEventListener("click", function () {
      try { localStorage.removeItem("funnelgen"); } catch (e) { /* storage blocked */ }
      var url = new URL(location.href);
      url.searchParams.delete("temp");
      location.href = url.pathname + url.search + url.hash;
    });
  }

  /* ---- the overlay: each problem of the last rebuild, file:line first ---- */
  var overlay = null, shown = "";
  function showProblems(problems) {
    var key = problems.join("\n");
    if (key === shown) return;
    shown = key;
    if (overlay) { overlay.remove(); overlay = null; }
    if (!problems.length) return;
    overlay = el("div", "overlay", root);
    overlay.setAttribute("role", "alertdialog");
    overlay.setAttribute("aria-label", "funnelgen: the site has problems");
    el("h2", "", overlay, problems.length === 1 ? "1 problem" : problems.length + " problems");
    el("p", "", overlay, "funnelgen could not rebuild the site. This page is the last good build; " +
      "fix the file and it updates by itself.");
    var list = el("ul", "", overlay);
    problems.forEach(function (line) { el("li", "problem", list, line); });
    var close = el("button", "", overlay, "Hide");
    close.type = "button";
    close.addEventListener("click", function () { overlay.remove(); overlay = null; });
  }

  (d.body || d.documentElement).appendChild(host);

  /* ---- live reload ---- */
  var events = new EventSource("/__funnelgen/events?path=" + encodeURIComponent(location.pathname) +
                               "&digest=" + encodeURIComponent(digest));
  events.onopen = function () { dot.className = "dot live"; dot.title = "Live: reloads when you save"; };
  events.onerror = function () { dot.className = "dot"; dot.title = "funnelgen serve is not running"; };
  events.onmessage = function (message) {
    var state = JSON.parse(message.data);
    if (state.reload) {
      events.close();
      location.reload();
      return;
    }
    showProblems(state.problems || []);
  };
})();
