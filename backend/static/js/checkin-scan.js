/* The page a scanned QR code opens: check in at once, without a second tap. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-auto-submit]");
  if (form) form.submit();
})();
