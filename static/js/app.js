// Progressive enhancement only: every page works without this file.
// Forms with data-confirm ask before a destructive action.
document.addEventListener('submit', function (event) {
  var form = event.target;
  var message = form.getAttribute && form.getAttribute('data-confirm');
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
