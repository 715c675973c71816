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

/* A demo candidate's sign-in link carries the candidate id and the code session its code
   was sent for in the fragment (#candidate_id=...&code_session=...): fill them into the
   "I have a code" form, show it, and remove them from the address bar and history. */
(function () {
  "use strict";
  var form = document.getElementById("have-code");
  if (!form) return;
  var candidate = /(?:^#|&)candidate_id=([^&]+)/.exec(window.location.hash);
  var session = /(?:^#|&)code_session=([^&]+)/.exec(window.location.hash);
  if (!candidate || !session) return;
  document.getElementById("have-code-candidate").value = decodeURIComponent(candidate[1]);
  document.getElementById("have-code-session").value = decodeURIComponent(session[1]);
  document.getElementById("have-code-code").required = true;
  form.hidden = false;
  history.replaceState(null, "", window.location.pathname + window.location.search);
})();

/* An error page's "Back" link leads to the page the form was on, which works without
   script but shows the form empty. Where the previous history entry is that same page,
   going back in history instead keeps what was typed (the browser restores a form's
   fields on a history navigation). */
(function () {
  "use strict";
  var back = document.querySelector("a[data-history-back]");
  if (!back || !document.referrer || window.history.length < 2) return;
  var from;
  try { from = new URL(document.referrer); } catch (e) { return; }
  var to = new URL(back.href);
  if (from.origin !== to.origin || from.pathname !== to.pathname) return;
  back.addEventListener("click", function (event) {
    event.preventDefault();
    window.history.back();
  });
})();
