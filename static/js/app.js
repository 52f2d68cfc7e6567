// Progressive enhancement only: every page works without this file.
// Forms (or the button pressed) with data-confirm ask before a one-way action.
document.addEventListener('submit', function (event) {
  var form = event.target;
  var button = event.submitter;
  var message = (button && button.getAttribute && button.getAttribute('data-confirm')) ||
    (form.getAttribute && form.getAttribute('data-confirm'));
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// A "select all" box ticks every checkbox of its form with the given name.
document.addEventListener('change', function (event) {
  var box = event.target;
  var name = box.getAttribute && box.getAttribute('data-select-all');
  if (!name || !box.form) {
    return;
  }
  var boxes = box.form.querySelectorAll('input[type=checkbox][name="' + name + '"]');
  for (var i = 0; i < boxes.length; i++) {
    boxes[i].checked = box.checked;
  }
});

// A button with data-print opens the browser's print dialog (record pages, print views).
document.addEventListener('click', function (event) {
  var button = event.target.closest && event.target.closest('[data-print]');
  if (button) {
    event.preventDefault();
    window.print();
  }
});

// Forms marked data-warn-unsaved: leaving the page with changes typed but not sent asks
// first (the browser's own "leave site?" question). Sending the form itself does not.
(function () {
  var dirty = false;
  var sending = false;
  function note(event) {
    var form = event.target && event.target.form;
    if (form && form.hasAttribute('data-warn-unsaved')) {
      dirty = true;
    }
  }
  document.addEventListener('input', note);
  document.addEventListener('change', note);
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!event.defaultPrevented && form.hasAttribute && form.hasAttribute('data-warn-unsaved')) {
      sending = true;
    }
  });
  window.addEventListener('beforeunload', function (event) {
    if (dirty && !sending) {
      event.preventDefault();
      event.returnValue = '';
    }
  });
})();
