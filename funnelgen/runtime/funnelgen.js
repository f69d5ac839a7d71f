/* funnelgen runtime: traffic temperature, funnel events, analytics and consent.
   The only script a page needs; every page works without it. Runs in <head>, before first paint.
   Hook API: funnelgen.on(event, fn), funnelgen.track(name, props), funnelgen.temperature(),
   funnelgen.visitorId(), funnelgen.consent(true|false).
   ANALYTICS is set as it is minified (`make runtime`): funnelgen.min.js has the analytics
   providers, the consent banner and the snippets it holds back; funnelgen-core.min.js, for a site
   that sends nothing anywhere, has not (2 KB less on each of its pages). */
(function (w, d) {
  "use strict";
  var T = ["cold", "warm", "hot"];
  var el = d.getElementById("funnelgen-config");
  var C = el ? JSON.parse(el.textContent) : {};
  var P = C.providers || {};
  var nav = w.navigator;
  var loc = w.location;

  /* ---- first-party storage: one localStorage key; memory only when storage is blocked ---- */
  var KEY = "funnelgen", ls = null, S = {};
  try { ls = w.localStorage; ls.getItem(KEY); } catch (e) { ls = null; }
  function fresh() {  /* what is stored now: another tab may have changed it since this page loaded */
    try { var s = JSON.parse(ls.getItem(KEY)); if (ours(s)) S = s; } catch (e) { /* blocked or damaged */ }
  }
  fresh();
  function ours(s) {  /* not what another script, or another shape, left under the key */
    return s && typeof s == "object" && !s.pop && [s.x, s.v, s.h].every(function (a) { return !a || a.pop; }) &&
      [s.lt, s.ft].every(function (t) { return t && t.utm && typeof t.utm == "object" && typeof t.ref == "string"; });
  }
  function save() { try { if (ls) ls.setItem(KEY, JSON.stringify(S)); } catch (e) { /* full or blocked */ } }

  /* ---- rules: the same semantics as funnelgen/temperature.py ---- */
  function glob(p, v) {
    p = String(p).toLowerCase(); v = v == null ? "" : String(v).toLowerCase();
    if (v === "") return p === "";
    if (p.indexOf("*") < 0) return p === v;
    return new RegExp("^" + p.split("*").map(function (x) {
      return x.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
    }).join(".*") + "$").test(v);
  }
  function anyGlob(list, v) { for (var i = 0; i < list.length; i++) if (glob(list[i], v)) return true; return false; }
  function all(conds, v) { for (var i = 0; i < conds.length; i++) if (!match(conds[i], v)) return false; return true; }
  function match(c, v) {
    var k = c.k;
    if (k === "utm") return anyGlob(c.v, (v.utm || {})[c.f]);
    if (k === "ref") {  /* the host, or a domain it is under: facebook.com stands for m.facebook.com too */
      var p = (v.ref || "").split("."), i = 0;
      do { if (anyGlob(c.v, p.slice(i).join("."))) return true; } while (++i < p.length - 1);
      return false;
    }
    if (k === "param") return anyGlob(c.v, (v.params || {})[c.f]);
    if (k === "visited") return (v.visited || []).indexOf(c.v) >= 0;
    if (k === "any") { for (var i = 0; i < c.v.length; i++) if (all(c.v[i], v)) return true; return false; }
    return !!v[k] === c.v;
  }
  function classify(cfg, v) {
    var o = String(v.override || "").toLowerCase();  /* ?temp=Hot too */
    if (T.indexOf(o) >= 0) return o;
    var t = cfg["default"], lower = false, rules = cfg.rules || [];
    for (var i = 0; i < rules.length; i++) {
      if (all(rules[i].all, v)) { t = rules[i].t; lower = rules[i].lower; break; }
    }
    if (T.indexOf(v.prev) > T.indexOf(t) && !lower) return v.prev;
    return t;
  }

  /* ---- who is this visitor ---- */
  var q = {};
  new URLSearchParams(loc.search).forEach(function (val, key) {  /* UTM_Source=… and temp=Hot too */
    var k = key.toLowerCase();
    q[k.indexOf("utm_") === 0 || k === "temp" ? k : key] = val.slice(0, 500);  /* stored, sent with each event */
  });
  var utm = {}, hasUtm = false;
  ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"].forEach(function (key) {
    if (q[key]) { utm[key] = q[key]; hasUtm = true; }
  });
  function domain(host) {  /* buy. and checkout.stripe.com: stripe.com; example.co.uk: itself */
    var p = host.split(".");
    return p.length > 2 && p[p.length - 2].length > 3 ? p.slice(1).join(".") : host;
  }
  var ref = "";
  try { ref = d.referrer ? new URL(d.referrer).hostname : ""; } catch (e) { ref = ""; }
  if (ref === loc.hostname || (S.x || []).indexOf(domain(ref)) >= 0) ref = "";  /* this site, or back from its checkout */
  var now = Date.now();
  if (!S.id) {
    var b = new Uint8Array(8);
    w.crypto.getRandomValues(b);
    S.id = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }
  if (S.last && now - S.last > 18e5) S.ret = true;  /* a new visit after 30 minutes away */
  S.last = now;
  function kept(params) {  /* only those `param:` rules read: an email= in a link is never stored */
    var out = {};
    ((C.temperature || {}).params || []).forEach(function (k) {
      if (typeof (params || {})[k] == "string") out[k] = params[k];
    });
    return out;
  }
  if (hasUtm || ref || !S.lt) {  /* a new touch: an ad, a link from elsewhere, or the first visit */
    S.lt = { utm: utm, ref: ref, params: q };
  }
  if (!S.ft) S.ft = S.lt;
  S.lt.params = kept(S.lt.params);  /* what an earlier version stored too */
  S.ft.params = kept(S.ft.params);
  var params = {};
  for (var k in S.lt.params) params[k] = S.lt.params[k];
  for (k in q) params[k] = q[k];
  var here = C.funnel + "/" + C.step;
  var temp = classify(C.temperature || { "default": "cold", rules: [] }, {
    utm: S.lt.utm, ref: S.lt.ref, params: params, returning: !!S.ret, visited: S.v || [],
    opted_in: !!S.o, clicked_checkout: !!S.c, prev: S.t, override: q.temp
  });
  if (S.t !== temp) S.h = (S.h || []).concat([[temp, now]]).slice(-20);  /* each change, when */
  S.t = temp;
  d.documentElement.dataset.temperature = temp;

  /* ---- hot visitors skip the bridge: before paint, one replace ---- */
  if (C.next && (C.skip || []).indexOf(temp) >= 0) {
    save();
    loc.replace(C.next + loc.search + loc.hash);  /* the ad's #anchor too */
    return;
  }
  S.v = (S.v || []).filter(function (x) { return x !== here; }).concat(here).slice(-50);
  save();

  /* ---- consent: none, or wait for the banner; Global Privacy Control is a refusal ---- */
  var gpc = nav.globalPrivacyControl === true;
  var consent = gpc ? "denied" : (C.consent !== "banner" ? "granted" : S.consent || "");
  var pending = [], started = false, beacon = [], listeners = {}, seen = [];
  w.dataLayer = w.dataLayer || [];
  function gtag() { w.dataLayer.push(arguments); }
  function gconsent(kind, v) {
    w.gtag("consent", kind, { ad_storage: v, ad_user_data: v, ad_personalization: v, analytics_storage: v });
  }
  if (ANALYTICS && P.ga4) {
    w.gtag = w.gtag || gtag;
    gconsent("default", "denied");
  }
  function load(src, attrs) {
    var s = d.createElement("script");
    s.async = true; s.src = src;
    for (var a in attrs || {}) s.setAttribute(a, attrs[a]);
    d.head.appendChild(s);
  }
  function start() {
    if (started) return;
    started = true;
    if (ANALYTICS && P.ga4) {
      gconsent("update", "granted");
      w.gtag("js", new Date());
      w.gtag("config", P.ga4);
      load("https://www.googletagmanager.com/gtag/js?id=" + encodeURIComponent(P.ga4));
    }
    if (ANALYTICS && P.meta && !w.fbq) {
      var f = w.fbq = function () { f.callMethod ? f.callMethod.apply(f, arguments) : f.queue.push(arguments); };
      w._fbq = f; f.push = f; f.loaded = true; f.version = "2.0"; f.queue = [];
      load("https://connect.facebook.net/en_US/fbevents.js");
      w.fbq("init", P.meta);
      w.fbq("track", "PageView");
    }
    if (ANALYTICS && P.plausible) {
      w.plausible = w.plausible || function () { (w.plausible.q = w.plausible.q || []).push(arguments); };
      load(P.plausible.src, { "data-domain": P.plausible.domain });
    }
    if (ANALYTICS && d.readyState !== "loading") activate();
    pending.splice(0).forEach(send);
  }
  function activate() {  /* the marketer's own snippets, held back until consent */
    d.querySelectorAll("template[data-consent-snippet]").forEach(function (t) {
      var frag = t.content.cloneNode(true);
      frag.querySelectorAll("script").forEach(function (old) {
        var s = d.createElement("script");
        for (var at of old.attributes) s.setAttribute(at.name, at.value);
        s.text = old.text;
        old.replaceWith(s);
      });
      t.parentNode.replaceChild(frag, t);
    });
  }
  function send(e) {
    if (!ANALYTICS) return;
    var props = {};  /* every field but the name, the time and the UTM objects: yours too */
    for (var x in e) if (x != "event" && x != "ts" && typeof e[x] != "object") props[x] = e[x];
    if (ANALYTICS && P.ga4) w.gtag("event", e.event, props);
    if (ANALYTICS && P.meta) {
      var buy = "InitiateCheckout", std = { optin_submit: "Lead", checkout_click: buy, upsell_accept: buy }[e.event];
      if (std) w.fbq("track", std, props); else w.fbq("trackCustom", e.event, props);
    }
    if (ANALYTICS && P.plausible) w.plausible(e.event, { props: props });
    if (ANALYTICS && P.beacon) beacon.push(e);
  }
  function flush() {
    if (!beacon.length) return;
    var body = JSON.stringify({ events: beacon.splice(0) });
    if (!(nav.sendBeacon && nav.sendBeacon(P.beacon, body))) {
      w.fetch && w.fetch(P.beacon, { method: "POST", body: body, keepalive: true, mode: "no-cors" }).catch(function () {});
    }
  }
  if (ANALYTICS) {
    d.addEventListener("visibilitychange", function () { if (d.visibilityState === "hidden") flush(); });
    w.addEventListener("pagehide", flush);
  }

  /* ---- events: dataLayer always, the page's own hooks always, providers after consent ---- */
  function track(name, extra) {
    var e = { event: name, funnel: C.funnel, step: C.step, step_type: C.type, variant: null,
      temperature: temp, visitor_id: S.id, utm_first: S.ft.utm, utm_last: S.lt.utm, ts: Date.now() };
    for (var x in extra || {}) if (!(x in e)) e[x] = extra[x];
    w.dataLayer.push(e);
    seen.push(e);
    (listeners[name] || []).concat(listeners["*"] || []).forEach(function (fn) { hear(fn, e); });
    if (consent === "granted") send(e); else if (consent === "") pending.push(e);
    return e;
  }
  function consentBanner() { return d.getElementById("funnelgen-consent"); }
  function hear(fn, e) { try { fn(e); } catch (err) { setTimeout(function () { throw err; }); } }
  function setConsent(granted) {
    fresh();
    consent = granted && !gpc ? "granted" : "denied";
    S.consent = consent;
    save();
    var banner = consentBanner();
    if (banner) banner.hidden = true;
    if (ANALYTICS && started) {  /* withdrawn, or granted again: the loaded tags stop, or start again, storing */
      if (ANALYTICS && P.ga4) gconsent("update", consent);
      if (ANALYTICS && P.meta) w.fbq("consent", consent === "granted" ? "grant" : "revoke");
    }
    if (consent === "granted") start(); else pending.length = beacon.length = 0;  /* nothing queued goes out */
    fill(d);  /* the visitor id goes with forms and links only with consent */
  }

  w.funnelgen = {
    on: function (name, fn) {  /* also hears this page's earlier events, such as step_view */
      (listeners[name] = listeners[name] || []).push(fn);
      seen.forEach(function (e) { if (name === "*" || name === e.event) hear(fn, e); });
    },
    track: track,
    temperature: function () { return temp; },
    visitorId: function () { return S.id; },
    consent: setConsent,
    _classify: classify
  };

  /* ---- clicks and submits ---- */
  function remember(name, a) {
    fresh();
    if (S.consent === "denied" && consent === "granted") setConsent(false);  /* refused in another tab */
    if (name === "optin_submit") S.o = true;
    if (name === "checkout_click" || name === "upsell_accept") {
      S.c = true;
      S.x = (S.x || []).concat(domain(a.hostname || "") || []).slice(-5);  /* coming back from it is no new touch */
    }
    save();
  }
  d.addEventListener("click", function (ev) {
    var t = ev.target.closest ? ev.target : null;
    var video = t && t.closest("a[data-embed]");
    if (video && !ev.ctrlKey && !ev.metaKey && !ev.shiftKey) {
      ev.preventDefault();
      var f = d.createElement("iframe");
      f.src = video.dataset.embed;
      f.title = video.dataset.title || "Video";
      f.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
      video.replaceWith(f);
      f.focus();
      return;
    }
    var choice = t && t.closest("[data-consent]");
    if (choice) { setConsent(choice.dataset.consent === "accept"); return; }
    var a = t && t.closest("[data-event]");
    if (a && a.tagName !== "FORM") {  /* which of a step's buttons, plans or links: its words */
      var name = a.dataset.event;
      remember(name, a);
      track(name, { link_text: a.innerText.trim() });  /* as shown: not the other temperatures' words */
    }
  }, true);
  d.addEventListener("submit", function (ev) {
    var form = ev.target;
    if ((form.dataset || {}).event) {
      fill(form);
      if (form.fgSent) return;  /* a double click sends one sign-up: one Lead, not two */
      form.fgSent = true;
      remember("optin_submit");
      track("optin_submit");
    }
  }, true);

  /* ---- pass temperature, visitor id and UTM on: hidden fields and checkout links ---- */
  function value(key) {
    if (key === "temperature") return temp;
    if (key === "visitor_id") return consent === "granted" ? S.id : "";  /* an identifier: only with consent */
    return S.lt.utm[key] || "";
  }
  function fill(root) {  /* again once consent lets the visitor id go with them */
    root.querySelectorAll("input[data-carry]").forEach(function (i) { i.value = value(i.dataset.carry); });
    root.querySelectorAll("a[data-carry]").forEach(function (a) {
      var url = new URL(a.fgHref = a.fgHref || a.href);  /* as written: a value taken back goes */
      a.dataset.carry.split(",").forEach(function (pair) {  // what[=parameter]
        var kv = pair.split("="), val = value(kv[0]);
        if (val) url.searchParams.set(kv[1] || kv[0], val);
      });
      a.href = url.toString();
    });
  }
  function ready() {
    fill(d);
    var banner = consentBanner();
    if (banner && consent === "") banner.hidden = false;
    if (ANALYTICS && started) activate();
  }
  if (consent === "granted") start();
  track("step_view");
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", ready); else ready();
})(window, document);
