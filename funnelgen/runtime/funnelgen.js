/* funnelgen runtime: the only script a page needs. Pages work without it. */
(function () {
  "use strict";
  var d = document;
  d.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a.video-facade[data-embed]");
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    var f = d.createElement("iframe");
    f.src = a.getAttribute("data-embed");
    f.title = a.getAttribute("data-title") || "Video";
    f.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
    f.allowFullscreen = true;
    a.replaceWith(f);
    f.focus();
  });
})();
