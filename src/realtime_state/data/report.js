(function () {
  "use strict";
  var box = document.getElementById("tl-scroll");
  var axis = document.getElementById("tl-axis");
  var STEPS = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
  function fmt(s) {
    if (s < 60) { return (Math.round(s * 10) / 10) + " s"; }
    var h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), r = Math.round(s % 60);
    var mm = (h && m < 10 ? "0" : "") + m, ss = (r < 10 ? "0" : "") + r;
    return h ? h + ":" + mm + ":" + ss : m + ":" + ss;
  }
  function ticks() {
    var pxs = parseFloat(box.style.getPropertyValue("--pxs"));
    var dur = parseFloat(box.style.getPropertyValue("--dur"));
    var step = STEPS[STEPS.length - 1];
    for (var i = 0; i < STEPS.length; i++) { if (STEPS[i] * pxs >= 70) { step = STEPS[i]; break; } }
    var html = [];
    for (var t = 0; t <= dur + 1e-9 && html.length < 2000; t += step) {
      html.push('<span class="tl-tick" style="--s:' + t + '">' + fmt(t) + "</span>");
    }
    axis.innerHTML = html.join("");
  }
  function zoom(how) {
    var pxs = parseFloat(box.style.getPropertyValue("--pxs"));
    var dur = parseFloat(box.style.getPropertyValue("--dur"));
    var name = parseFloat(getComputedStyle(box).getPropertyValue("--name")) * 16 || 96;
    var centre = (box.scrollLeft + box.clientWidth / 2 - name) / pxs;
    if (how === "fit") { pxs = Math.max(0.01, (box.clientWidth - name - 32) / dur); }
    else { pxs = Math.min(400, Math.max(0.01, pxs * parseFloat(how))); }
    box.style.setProperty("--pxs", String(pxs));
    ticks();
    if (how !== "fit") { box.scrollLeft = centre * pxs + name - box.clientWidth / 2; }
  }
  if (box && axis) {
    // a short call is widened to the box (up to 400 px per second)
    var dur0 = parseFloat(box.style.getPropertyValue("--dur"));
    var pxs0 = parseFloat(box.style.getPropertyValue("--pxs"));
    var room = (box.clientWidth - 96 - 32) / dur0;
    if (room > pxs0) { box.style.setProperty("--pxs", String(Math.min(400, room))); }
    ticks();
    document.querySelectorAll("[data-zoom]").forEach(function (b) {
      b.addEventListener("click", function () { zoom(b.getAttribute("data-zoom")); });
    });
    // arrow keys move between the items of a lane; the focused item is scrolled into view
    box.addEventListener("keydown", function (e) {
      var item = e.target.closest && e.target.closest(".tl-item");
      if (!item) { return; }
      var next = null;
      if (e.key === "ArrowRight") { next = item.nextElementSibling; }
      else if (e.key === "ArrowLeft") { next = item.previousElementSibling; }
      else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        var lane = e.key === "ArrowDown" ? item.parentElement.nextElementSibling
                                         : item.parentElement.previousElementSibling;
        if (lane) {
          var x = item.offsetLeft, best = null, bestD = Infinity;
          lane.querySelectorAll(".tl-item").forEach(function (o) {
            var d = Math.abs(o.offsetLeft - x); if (d < bestD) { bestD = d; best = o; }
          });
          next = best;
        }
      }
      if (next && next.classList && next.classList.contains("tl-item")) {
        e.preventDefault(); next.focus();
      }
    });
  }
  // one player at a time
  document.addEventListener("play", function (e) {
    document.querySelectorAll("audio").forEach(function (a) { if (a !== e.target) { a.pause(); } });
  }, true);
  // the marker tests and tools wait for: the page is laid out
  requestAnimationFrame(function () {
    document.documentElement.setAttribute("data-rendered", String(performance.now()));
  });
}());
