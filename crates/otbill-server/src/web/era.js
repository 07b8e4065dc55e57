// ERA upload: read the chosen 835 file into the form's text field (the form posts as
// ordinary URL-encoded data with its CSRF token).
(function () {
  "use strict";
  var file = document.getElementById("era-file");
  var text = document.getElementById("era-content");
  var name = document.getElementById("era-name");
  if (!file || !text) { return; }
  file.addEventListener("change", function () {
    var f = file.files && file.files[0];
    if (!f) { return; }
    name.value = f.name;
    var reader = new FileReader();
    reader.onload = function () { text.value = reader.result; };
    reader.readAsText(f);
  });
})();
