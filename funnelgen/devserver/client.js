/* funnelgen serve: live reload, the error overlay and the preview bar.
   The dev server adds this script to the HTML pages it serves; a build never contains it.
   The server tells it which version of the page it sent (data-digest) and where the site is
   served (data-base); over server-sent events it learns whether that version is still current
   and which problems the last rebuild had. Everything it draws lives in a shadow root, so it
   neither takes the page's styles nor leaks its own. The server fills in the stylesheet's text where the style is made. */
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

  /* ---- outside the site: base_url in site.yml puts it under a folder ---- */
  var base = script.getAttribute("data-base") || "/";
  function decoded(path) {  /* /my%20shop/ is /my shop/: the server compares paths decoded too */
    try { return decodeURIComponent(path); } catch (e) { return path; }
  }
  if (decoded(location.pathname).indexOf(decoded(base)) !== 0) {
    var notice = el("p", "notice", root, "This address is outside the site: its base_url puts it under " +
                    decoded(base) + ". ");
    var inside = el("a", "", notice, "Open " + decoded(base + location.pathname.slice(1)));
    inside.href = base + location.pathname.slice(1) + location.search + location.hash;
  }

  (d.body || d.documentElement).appendChild(host);

  /* ---- live reload ----
     A browser opens six connections at most to one host, and an event stream keeps one for as
     long as it is open. So one tab of the preview per browser listens for all of them: the one
     holding a Web Lock, until it goes away and the next one takes it. It names every tab's page
     and version to the server, and passes what it hears to the others on a BroadcastChannel.
     Where these are missing (an address that is not a secure context, such as the preview seen
     from a phone with --host), each tab listens for itself. */
  var me = digest + ":" + location.pathname, id = Math.random().toString(36).slice(2);
  var shared = !!(navigator.locks && window.BroadcastChannel);
  var channel = shared ? new BroadcastChannel("funnelgen-serve") : null;
  var leader = null, leaving = false;

  function post(message) { if (channel) channel.postMessage(message); }

  function apply(state) {  /* {live, reload: [tab, …], problems: […]} from the leading tab */
    if (leaving) return;
    if (state.reload.indexOf(me) >= 0) {
      leaving = true;
      post({ bye: id });
      location.reload();
      return;
    }
    dot.className = state.live ? "dot live" : "dot";
    dot.title = state.live ? "Live: reloads when you save" : "funnelgen serve is not running";
    showProblems(state.problems);
  }

  function lead() {
    var tabs = {}, events = null, listening = "", timer = 0;
    var last = { live: false, reload: [], problems: [] };
    tabs[id] = me;
    function tell(state) {
      last = state;
      post({ state: state });
      apply(state);
    }
    function listen() {
      timer = 0;
      var names = Object.keys(tabs).map(function (k) { return tabs[k]; }).sort()
        .filter(function (name, i, all) { return name !== all[i - 1]; });
      var query = names.map(function (name) { return "tab=" + encodeURIComponent(name); }).join("&");
      if (query === listening && events) {  /* a tab came back to a page already named */
        post({ state: { live: last.live, reload: [], problems: last.problems } });
        return;
      }
      listening = query;
      if (events) events.close();
      events = new EventSource("/__funnelgen/events?" + query);
      events.onopen = function () { tell({ live: true, reload: [], problems: last.problems }); };
      events.onerror = function () { tell({ live: false, reload: [], problems: last.problems }); };
      events.onmessage = function (message) {
        var state = JSON.parse(message.data);
        tell({ live: true, reload: state.reload, problems: state.problems });
      };
    }
    leader = function (message) {
      if (message.hello) tabs[message.id] = message.hello;
      else if (message.bye) delete tabs[message.id];
      if (!timer) timer = setTimeout(listen, 20);  /* tabs answer a roll call together */
    };
    post({ who: true });
    listen();
  }

  if (channel) {
    channel.onmessage = function (event) {
      var message = event.data;
      if (message.state) apply(message.state);
      else if (message.who) post({ hello: me, id: id });
      else if (leader) leader(message);
    };
    addEventListener("pagehide", function () { post({ bye: id }); });
    addEventListener("pageshow", function (event) { if (event.persisted) post({ hello: me, id: id }); });
    post({ hello: me, id: id });
    navigator.locks.request("funnelgen-serve", function () {
      lead();
      return new Promise(function () {});  /* held until this tab goes away */
    });
  } else {
    lead();
  }
})();
