// Optional search for the offline mirror: reads the index that the build wrote beside the page.
(function () {
  "use strict";
  var entries = window.MIRROR_SEARCH || [];
  var form = document.getElementById("mirror-search");
  var list = document.getElementById("mirror-results");
  var none = document.getElementById("mirror-none");
  if (!form || !list) return;
  form.hidden = false;
  function words(text) {
    return text.toLowerCase().replace(/ё/g, "е").split(/[^0-9a-zа-я]+/).filter(Boolean);
  }
  function show(query) {
    var wanted = words(query);
    list.textContent = "";
    if (none) none.hidden = true;
    if (!wanted.length) return;
    var found = entries.filter(function (entry) {
      var hay = words(entry.title + " " + entry.text).join(" ");
      return wanted.every(function (w) { return hay.indexOf(w.slice(0, Math.max(4, w.length - 2))) >= 0; });
    });
    found.forEach(function (entry) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = entry.url;
      link.textContent = entry.title;
      item.appendChild(link);
      list.appendChild(item);
    });
    if (!found.length && none) none.hidden = false;
  }
  var query = new URLSearchParams(window.location.search).get("q") || "";
  form.elements.q.value = query;
  show(query);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    show(form.elements.q.value);
  });
})();
