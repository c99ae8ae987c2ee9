// The 群众评议 code travels in the QR link's fragment (#CODE), which browsers never send: copy it
// into the form, then drop it from the address bar so it is not kept in the history.
(function () {
  var code = decodeURIComponent((window.location.hash || "").slice(1)).trim();
  var input = document.querySelector(".ballot-code-form input[name=code]");
  if (!code || !input) {
    return;
  }
  input.value = code.toUpperCase();
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname);
  }
})();
