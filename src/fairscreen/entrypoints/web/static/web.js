/* fairscreen portals: the only script besides htmx. A demo sign-in link carries the
   token in the URL fragment (#token=...), which browsers never send to the server; this
   copies it into the sign-in field and removes it from the address bar and history. */
(function () {
  "use strict";
  var field = document.getElementById("token");
  var match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (field && match) {
    field.value = decodeURIComponent(match[1]);
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
})();
