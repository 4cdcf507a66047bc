// Live pages: an element with data-live="<url>" is replaced by each "dashboard" event of the
// server-sent event stream at that url. The status line says whether the page is live.
(function () {
  "use strict";
  function start(box) {
    var status = document.querySelector("[data-live-status]");
    var say = function (text, state) {
      if (status) { status.textContent = text; }
      box.setAttribute("data-live-state", state);
    };
    var source = new EventSource(box.getAttribute("data-live"));
    source.onopen = function () { say("Đang cập nhật trực tiếp.", "open"); };
    source.onerror = function () { say("Mất kết nối, đang thử kết nối lại…", "retrying"); };
    source.addEventListener("dashboard", function (e) {
      box.innerHTML = e.data;
      var now = new Date();
      var hh = String(now.getHours()).padStart(2, "0");
      var mm = String(now.getMinutes()).padStart(2, "0");
      say("Đang cập nhật trực tiếp. Cập nhật lúc " + hh + ":" + mm + ".", "open");
      box.setAttribute("data-updates", String(Number(box.getAttribute("data-updates") || 0) + 1));
    });
    source.addEventListener("stale", function () {
      say("Chưa lấy được số liệu mới; số liệu đang hiển thị có thể đã cũ.", "stale");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live]").forEach(start);
  });
})();
