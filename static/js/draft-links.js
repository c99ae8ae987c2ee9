// Members' draft links (templates/pledges/links_issued.html): a button copies the list of
// "姓名：链接" lines for a chat group; without the clipboard API the text is selected instead.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy-target]");
  if (!button) {
    return;
  }
  var field = document.getElementById(button.getAttribute("data-copy-target"));
  if (!field) {
    return;
  }
  field.select();
  var done = function () {
    button.textContent = button.getAttribute("data-copied");
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, function () {});
  } else if (document.execCommand && document.execCommand("copy")) {
    done();
  }
});
