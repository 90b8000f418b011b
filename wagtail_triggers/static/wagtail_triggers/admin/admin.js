/* Trigger emails: ask before serious actions marked with data-triggers-confirm. */
document.addEventListener('submit', function (event) {
  var button = event.submitter;
  var message = button && button.getAttribute('data-triggers-confirm');
  if (message && !window.confirm(message)) event.preventDefault();
});
